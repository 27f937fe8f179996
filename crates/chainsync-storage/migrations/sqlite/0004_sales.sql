-- Client mutations (idempotency and per-terminal ordering) and sales (SQLite dialect).

-- Every mutation a terminal sent, recorded in the same transaction as its effect: a replay
-- returns `result` again; the same id with other content is a conflict.
CREATE TABLE mutations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    terminal_id  TEXT NOT NULL REFERENCES terminals(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('applied', 'quarantined')),
    http_status  INTEGER NOT NULL,
    result       TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    CONSTRAINT mutations_terminal_seq_key UNIQUE (terminal_id, seq)
);

CREATE TABLE sales (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    store_id         TEXT NOT NULL REFERENCES stores(id),
    terminal_id      TEXT NOT NULL REFERENCES terminals(id),
    mutation_id      TEXT NOT NULL,
    receipt_number   TEXT NOT NULL,
    cashier_user_id  TEXT,
    occurred_at      INTEGER NOT NULL,
    recorded_at      INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    total_minor      INTEGER NOT NULL,
    tax_minor        INTEGER NOT NULL,
    discount_minor   INTEGER NOT NULL,
    cogs_minor       INTEGER NOT NULL,
    flags            TEXT NOT NULL,
    priced           TEXT NOT NULL,
    payments         TEXT NOT NULL,
    CONSTRAINT sales_mutation_key UNIQUE (mutation_id),
    CONSTRAINT sales_terminal_receipt_key UNIQUE (terminal_id, receipt_number)
);
CREATE INDEX sales_store_idx ON sales (store_id, id);

CREATE TABLE sale_lines (
    sale_id               TEXT NOT NULL REFERENCES sales(id),
    line_no               INTEGER NOT NULL,
    org_id                TEXT NOT NULL,
    store_id              TEXT NOT NULL,
    product_id            TEXT NOT NULL REFERENCES products(id),
    quantity              INTEGER NOT NULL,
    unit_price_minor      INTEGER NOT NULL,
    discount_minor        INTEGER NOT NULL,
    total_excl_tax_minor  INTEGER NOT NULL,
    tax_minor             INTEGER NOT NULL,
    total_minor           INTEGER NOT NULL,
    cogs_minor            INTEGER NOT NULL,
    occurred_at           INTEGER NOT NULL,
    PRIMARY KEY (sale_id, line_no)
);
CREATE INDEX sale_lines_item_idx ON sale_lines (store_id, product_id, occurred_at);
