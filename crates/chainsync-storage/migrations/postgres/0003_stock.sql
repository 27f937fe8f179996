-- Terminals, the stock ledger and its on-hand projection, and the transactional outbox of
-- domain events (PostgreSQL dialect).

CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    store_id    TEXT NOT NULL REFERENCES stores(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    last_seq    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    CONSTRAINT terminals_org_code_key UNIQUE (org_id, code)
);
CREATE INDEX terminals_store_idx ON terminals (store_id);

CREATE TABLE stock_movements (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    store_id         TEXT NOT NULL REFERENCES stores(id),
    product_id       TEXT NOT NULL REFERENCES products(id),
    kind             TEXT NOT NULL CHECK (kind IN ('sale', 'return', 'receipt', 'transfer_out', 'transfer_in', 'adjustment', 'count_correction')),
    quantity         BIGINT NOT NULL,
    reason           TEXT,
    reference_type   TEXT,
    reference_id     TEXT,
    unit_cost_minor  BIGINT NOT NULL,
    user_id          TEXT,
    occurred_at      BIGINT NOT NULL,
    recorded_at      BIGINT NOT NULL
);
CREATE INDEX stock_movements_item_idx ON stock_movements (store_id, product_id, occurred_at, id);
CREATE INDEX stock_movements_store_idx ON stock_movements (store_id, id);

CREATE TABLE stock_levels (
    store_id          TEXT NOT NULL REFERENCES stores(id),
    product_id        TEXT NOT NULL REFERENCES products(id),
    org_id            TEXT NOT NULL,
    on_hand           BIGINT NOT NULL,
    avg_cost_minor    BIGINT NOT NULL,
    reorder_point     BIGINT,
    min_level         BIGINT,
    max_level         BIGINT,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

-- Transactional outbox. `id` order is NOT commit order here: a transaction may take id 4 and
-- commit after another took id 5. `tx_xid` (the writing transaction's id) lets the reader take
-- only rows whose transaction has ended for every snapshot (below the snapshot's xmin), so no
-- row that commits late is ever skipped (see storage::events).
CREATE TABLE domain_events (
    id          BIGSERIAL PRIMARY KEY,
    org_id      TEXT NOT NULL,
    store_id    TEXT,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    tx_xid      BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)
);
CREATE INDEX domain_events_xid_idx ON domain_events (tx_xid, id);
