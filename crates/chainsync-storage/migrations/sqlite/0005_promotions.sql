-- Promotions: the pricing engine's definitions (rule, scope, schedule, priority) as validated
-- JSON, one row each (SQLite dialect).
CREATE TABLE promotions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX promotions_org_idx ON promotions (org_id, active, id);
