-- Substring search keyed by tenant (issues 12 and 17): the FTS5 trigram index
-- of 0003 was shared by every tenant, so counting a search's candidates and
-- reading them cost as much as every tenant's matches, and one tenant's names
-- could push another's searches onto a full walk. This replaces it with a
-- plain table of (tenant, trigram, document) whose ranges hold one tenant's
-- postings only: a search reads the rarest of its trigrams in the caller's
-- tenant and checks the others by key. migrations/postgres/0009 holds the
-- PostgreSQL side (a GIN index led by tenant_id).
--
-- Triggers keep it, as they kept the FTS5 table, in the same transaction as
-- every write of clients. SQLite forbids CTEs inside triggers, so the
-- positions of a name's trigrams come from a table of integers: 4,096 of
-- them, beyond any name_key (clientName is at most 512 characters, and
-- lowercasing at most triples a character's length).
CREATE TABLE trigram_positions (i INTEGER NOT NULL PRIMARY KEY);
INSERT INTO trigram_positions (i)
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4096)
    SELECT i FROM n;

-- doc_id is client_name_search's stable integer for the client (0003).
CREATE TABLE client_name_trigram_index (
    tenant_id TEXT    NOT NULL,
    trigram   TEXT    NOT NULL,
    doc_id    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, trigram, doc_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO client_name_trigram_index (tenant_id, trigram, doc_id)
    SELECT s.tenant_id, substr(c.name_key, p.i, 3), s.doc_id
    FROM client_name_search s
    JOIN clients c ON c.tenant_id = s.tenant_id AND c.client_id = s.client_id
    JOIN trigram_positions p ON p.i <= length(c.name_key) - 2;

DROP TRIGGER clients_after_insert;
DROP TRIGGER clients_after_delete;
DROP TRIGGER clients_after_rename;
DROP TABLE client_name_trigrams;

CREATE TRIGGER clients_after_insert AFTER INSERT ON clients BEGIN
    UPDATE tenants SET client_count = client_count + 1 WHERE tenant_id = new.tenant_id;
    INSERT INTO client_name_search (tenant_id, client_id) VALUES (new.tenant_id, new.client_id);
    INSERT OR IGNORE INTO client_name_trigram_index (tenant_id, trigram, doc_id)
        SELECT new.tenant_id, substr(new.name_key, p.i, 3), s.doc_id
        FROM client_name_search s, trigram_positions p
        WHERE s.tenant_id = new.tenant_id AND s.client_id = new.client_id
          AND p.i <= length(new.name_key) - 2;
END;

CREATE TRIGGER clients_after_delete AFTER DELETE ON clients BEGIN
    UPDATE tenants SET client_count = client_count - 1 WHERE tenant_id = old.tenant_id;
    DELETE FROM client_name_trigram_index
        WHERE tenant_id = old.tenant_id
          AND doc_id = (SELECT doc_id FROM client_name_search
                        WHERE tenant_id = old.tenant_id AND client_id = old.client_id)
          AND trigram IN (SELECT substr(old.name_key, p.i, 3) FROM trigram_positions p
                          WHERE p.i <= length(old.name_key) - 2);
    DELETE FROM client_name_search WHERE tenant_id = old.tenant_id AND client_id = old.client_id;
END;

CREATE TRIGGER clients_after_rename AFTER UPDATE OF name_key ON clients
WHEN new.name_key <> old.name_key BEGIN
    DELETE FROM client_name_trigram_index
        WHERE tenant_id = old.tenant_id
          AND doc_id = (SELECT doc_id FROM client_name_search
                        WHERE tenant_id = old.tenant_id AND client_id = old.client_id)
          AND trigram IN (SELECT substr(old.name_key, p.i, 3) FROM trigram_positions p
                          WHERE p.i <= length(old.name_key) - 2);
    INSERT OR IGNORE INTO client_name_trigram_index (tenant_id, trigram, doc_id)
        SELECT new.tenant_id, substr(new.name_key, p.i, 3), s.doc_id
        FROM client_name_search s, trigram_positions p
        WHERE s.tenant_id = new.tenant_id AND s.client_id = new.client_id
          AND p.i <= length(new.name_key) - 2;
END;
