-- Promotions: the pricing engine's definitions (rule, scope, schedule, priority) as validated
-- JSON, one row each (PostgreSQL dialect).
CREATE TABLE promotions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX promotions_org_idx ON promotions (org_id, active, id);
