-- List queries at scale (issue 3): an O(1) unfiltered count and an index for
-- substring filters on names. migrations/postgres/0003 holds the same change.
--
-- Both are kept by triggers rather than by the application so that every
-- path that writes clients (the API, `tenant create`, bulk loads, manual
-- repairs) keeps them exact, in the same transaction as the write.

-- Number of clients of the tenant: `totalResults` without a filter reads it
-- instead of counting a million index entries.
ALTER TABLE tenants ADD COLUMN client_count INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET client_count = (SELECT count(*) FROM clients c WHERE c.tenant_id = tenants.tenant_id);

-- `co` and `ew` on clientName cannot use a B-tree index. An FTS5 trigram
-- index over name_key finds the few clients whose names contain every
-- trigram of the operand; the exact LIKE then runs on those rows only.
-- The index is contentless (it stores no text, only which documents hold a
-- trigram) and detail=none (no positions): it is only ever a pre-filter.
--
-- FTS5 identifies documents by integer; the clients table has no integer key
-- (and the rowid of a table without one may change on VACUUM), so
-- client_name_search maps a stable doc_id to the client.
CREATE TABLE client_name_search (
    doc_id    INTEGER NOT NULL PRIMARY KEY,
    tenant_id TEXT    NOT NULL,
    client_id TEXT    NOT NULL,
    UNIQUE (tenant_id, client_id)
);
CREATE VIRTUAL TABLE client_name_trigrams USING fts5 (
    name_key, content = '', detail = 'none', tokenize = 'trigram'
);
INSERT INTO client_name_search (tenant_id, client_id) SELECT tenant_id, client_id FROM clients;
INSERT INTO client_name_trigrams (rowid, name_key)
    SELECT s.doc_id, c.name_key FROM client_name_search s
    JOIN clients c ON c.tenant_id = s.tenant_id AND c.client_id = s.client_id;

CREATE TRIGGER clients_after_insert AFTER INSERT ON clients BEGIN
    UPDATE tenants SET client_count = client_count + 1 WHERE tenant_id = new.tenant_id;
    INSERT INTO client_name_search (tenant_id, client_id) VALUES (new.tenant_id, new.client_id);
    INSERT INTO client_name_trigrams (rowid, name_key) VALUES (last_insert_rowid(), new.name_key);
END;

-- A contentless FTS5 table forgets a document through its 'delete' command,
-- which needs the exact text that was indexed: the old name_key.
CREATE TRIGGER clients_after_delete AFTER DELETE ON clients BEGIN
    UPDATE tenants SET client_count = client_count - 1 WHERE tenant_id = old.tenant_id;
    INSERT INTO client_name_trigrams (client_name_trigrams, rowid, name_key)
        SELECT 'delete', doc_id, old.name_key FROM client_name_search
        WHERE tenant_id = old.tenant_id AND client_id = old.client_id;
    DELETE FROM client_name_search WHERE tenant_id = old.tenant_id AND client_id = old.client_id;
END;

CREATE TRIGGER clients_after_rename AFTER UPDATE OF name_key ON clients
WHEN new.name_key <> old.name_key BEGIN
    INSERT INTO client_name_trigrams (client_name_trigrams, rowid, name_key)
        SELECT 'delete', doc_id, old.name_key FROM client_name_search
        WHERE tenant_id = old.tenant_id AND client_id = old.client_id;
    INSERT INTO client_name_trigrams (rowid, name_key)
        SELECT doc_id, new.name_key FROM client_name_search
        WHERE tenant_id = new.tenant_id AND client_id = new.client_id;
END;
