-- Terminals, the stock ledger and its on-hand projection, and the transactional outbox of
-- domain events (SQLite dialect).

CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    store_id    TEXT NOT NULL REFERENCES stores(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- The last mutation sequence number applied from this terminal (0: none yet).
    last_seq    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CONSTRAINT terminals_org_code_key UNIQUE (org_id, code)
);
CREATE INDEX terminals_store_idx ON terminals (store_id);

-- Append-only: rows are never updated or deleted. Quantities are signed, in the product's unit
-- (thousandths for weighed goods).
CREATE TABLE stock_movements (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    store_id         TEXT NOT NULL REFERENCES stores(id),
    product_id       TEXT NOT NULL REFERENCES products(id),
    kind             TEXT NOT NULL CHECK (kind IN ('sale', 'return', 'receipt', 'transfer_out', 'transfer_in', 'adjustment', 'count_correction')),
    quantity         INTEGER NOT NULL,
    reason           TEXT,
    reference_type   TEXT,
    reference_id     TEXT,
    unit_cost_minor  INTEGER NOT NULL,
    user_id          TEXT,
    occurred_at      INTEGER NOT NULL,
    recorded_at      INTEGER NOT NULL
);
CREATE INDEX stock_movements_item_idx ON stock_movements (store_id, product_id, occurred_at, id);
CREATE INDEX stock_movements_store_idx ON stock_movements (store_id, id);

-- The projection of the ledger: on_hand is always the sum of the item's movements.
CREATE TABLE stock_levels (
    store_id          TEXT NOT NULL REFERENCES stores(id),
    product_id        TEXT NOT NULL REFERENCES products(id),
    org_id            TEXT NOT NULL,
    on_hand           INTEGER NOT NULL,
    avg_cost_minor    INTEGER NOT NULL,
    reorder_point     INTEGER,
    min_level         INTEGER,
    max_level         INTEGER,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

-- Transactional outbox: written in the same transaction as the change it describes.
CREATE TABLE domain_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL,
    store_id    TEXT,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
