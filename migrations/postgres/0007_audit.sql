-- The audit log (issue 14, contract §10): every change's event, written by the
-- change's own transaction; and the webhook outbox it feeds.
-- migrations/sqlite/0007 holds the same change; its comments explain the columns.

CREATE TABLE audit_events (
    tenant_id TEXT COLLATE "C" NOT NULL,
    time      BIGINT           NOT NULL,
    event_id  TEXT COLLATE "C" NOT NULL,
    type      TEXT COLLATE "C" NOT NULL,
    subject   TEXT COLLATE "C" NOT NULL,
    actor_sub TEXT COLLATE "C" NOT NULL,
    traceid   TEXT COLLATE "C",
    event     TEXT             NOT NULL,
    PRIMARY KEY (tenant_id, time, event_id)
);
CREATE INDEX audit_events_by_type    ON audit_events (tenant_id, type, time, event_id);
CREATE INDEX audit_events_by_subject ON audit_events (tenant_id, subject, time, event_id);
CREATE INDEX audit_events_by_actor   ON audit_events (tenant_id, actor_sub, time, event_id);
CREATE INDEX audit_events_by_traceid ON audit_events (tenant_id, traceid, time, event_id);

CREATE TABLE tenant_webhooks (
    tenant_id  TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    url        TEXT   NOT NULL,
    secret     BYTEA  NOT NULL,
    next_seq   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE webhook_outbox (
    tenant_id  TEXT COLLATE "C" NOT NULL,
    seq        BIGINT           NOT NULL,
    event_time BIGINT           NOT NULL,
    event_id   TEXT COLLATE "C" NOT NULL,
    subject    TEXT COLLATE "C" NOT NULL,
    due_at     BIGINT,
    attempts   BIGINT NOT NULL DEFAULT 0,
    claim      TEXT,
    last_error TEXT,
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id) REFERENCES tenant_webhooks (tenant_id) ON DELETE CASCADE
);
CREATE INDEX webhook_outbox_by_subject ON webhook_outbox (tenant_id, subject, seq);
CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at) WHERE due_at IS NOT NULL;

-- The UPDATE locks the tenant's webhook row until commit: events of one tenant
-- enter the outbox in commit order, and a delivery's completion (which locks
-- the same row) never misses a row inserted behind the one it delivered. The
-- INSERT is a statement of its own so that, under READ COMMITTED, its snapshot
-- is taken after the lock was granted and sees the rows of the transaction
-- that held it before.
CREATE FUNCTION registrar_audit_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq_no BIGINT;
BEGIN
    UPDATE tenant_webhooks SET next_seq = next_seq + 1
        WHERE tenant_id = NEW.tenant_id RETURNING next_seq INTO seq_no;
    IF seq_no IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_outbox (tenant_id, seq, event_time, event_id, subject, due_at)
    VALUES (NEW.tenant_id, seq_no, NEW.time, NEW.event_id, NEW.subject,
            CASE WHEN EXISTS (SELECT 1 FROM webhook_outbox o
                              WHERE o.tenant_id = NEW.tenant_id AND o.subject = NEW.subject)
                 THEN NULL ELSE NEW.time END);
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_events_to_outbox AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION registrar_audit_outbox();
