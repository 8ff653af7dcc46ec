-- The audit log (issue 14, contract §10): every change's event, written by the
-- change's own transaction; and the webhook outbox it feeds.
-- migrations/postgres/0007 holds the same change.

-- One row per event. `event` is the CloudEvents JSON object as recorded (what
-- the API lists, `audits export` prints and webhooks deliver); the other
-- columns are what filters and sorts read. `type`, `subject`, `actor_sub` and
-- `traceid` are kept lowercased (domain::audit::filter_key), as filters
-- compare strings without regard to case.
-- tenant_id is '' for server-wide events (signing-key rotations), which no
-- tenant lists. The primary key is the default order (-time, ties by id), so
-- a page, a `time` filter and retention are range scans of it; each filtered
-- attribute has an index ending in the same order.
CREATE TABLE audit_events (
    tenant_id TEXT    NOT NULL,
    time      INTEGER NOT NULL,
    event_id  TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    actor_sub TEXT    NOT NULL,
    traceid   TEXT,
    event     TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, time, event_id)
) WITHOUT ROWID;
CREATE INDEX audit_events_by_type    ON audit_events (tenant_id, type, time, event_id);
CREATE INDEX audit_events_by_subject ON audit_events (tenant_id, subject, time, event_id);
CREATE INDEX audit_events_by_actor   ON audit_events (tenant_id, actor_sub, time, event_id);
CREATE INDEX audit_events_by_traceid ON audit_events (tenant_id, traceid, time, event_id);

-- A tenant's webhook: one URL, and the key its deliveries are signed with
-- (the decoded bytes of its `whsec_` secret). next_seq numbers the tenant's
-- deliveries in commit order.
CREATE TABLE tenant_webhooks (
    tenant_id  TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    url        TEXT    NOT NULL,
    secret     BLOB    NOT NULL,
    next_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The outbox: one row per event still to deliver, written by a trigger in the
-- event's own transaction, so an event is delivered if and only if it was
-- committed; deleted once a delivery was answered 2xx.
-- Per tenant and subject, only the oldest undelivered row is due (due_at set);
-- the rows behind it wait (due_at NULL) and are made due one at a time as the
-- one before is delivered, so a subject's events arrive in order. A worker
-- claims a due row by moving due_at to the end of its lease and setting claim;
-- a failed attempt moves due_at to the next retry.
CREATE TABLE webhook_outbox (
    tenant_id  TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    event_time INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    due_at     INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    claim      TEXT,
    last_error TEXT,
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id) REFERENCES tenant_webhooks (tenant_id) ON DELETE CASCADE
);
CREATE INDEX webhook_outbox_by_subject ON webhook_outbox (tenant_id, subject, seq);
CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at) WHERE due_at IS NOT NULL;

-- Events of a tenant with a webhook go to the outbox in the same transaction.
-- The UPDATE takes the tenant's webhook row, so the outbox's order is the
-- order of commits.
CREATE TRIGGER audit_events_to_outbox AFTER INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM tenant_webhooks w WHERE w.tenant_id = new.tenant_id)
BEGIN
    UPDATE tenant_webhooks SET next_seq = next_seq + 1 WHERE tenant_id = new.tenant_id;
    INSERT INTO webhook_outbox (tenant_id, seq, event_time, event_id, subject, due_at)
        SELECT new.tenant_id, w.next_seq, new.time, new.event_id, new.subject,
               CASE WHEN EXISTS (SELECT 1 FROM webhook_outbox o
                                 WHERE o.tenant_id = new.tenant_id AND o.subject = new.subject)
                    THEN NULL ELSE new.time END
        FROM tenant_webhooks w WHERE w.tenant_id = new.tenant_id;
END;
