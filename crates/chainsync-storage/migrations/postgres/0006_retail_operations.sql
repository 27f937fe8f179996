-- Retail operations (PostgreSQL dialect): manager PINs and the store's approval threshold,
-- shifts, customers and loyalty, returns and voids, transfers, purchase orders.

-- Approving a void or a large refund at the till: a manager's PIN (argon2id), or sign-in.
ALTER TABLE users ADD COLUMN pin_hash TEXT;
-- Refunds above this amount (minor units, store currency) need a manager's approval.
ALTER TABLE stores ADD COLUMN refund_approval_minor BIGINT NOT NULL DEFAULT 5000;

CREATE TABLE shifts (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL,
    store_id             TEXT NOT NULL REFERENCES stores(id),
    terminal_id          TEXT NOT NULL REFERENCES terminals(id),
    status               TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by            TEXT NOT NULL REFERENCES users(id),
    opened_at            BIGINT NOT NULL,
    opening_float_minor  BIGINT NOT NULL CHECK (opening_float_minor >= 0),
    closed_by            TEXT,
    closed_at            BIGINT,
    counted_cash_minor   BIGINT,
    -- The Z report, frozen at close (JSON).
    report               TEXT
);
-- One open shift per terminal, enforced by the database (two tills racing to open).
CREATE UNIQUE INDEX shifts_open_terminal_key ON shifts (terminal_id) WHERE status = 'open';
CREATE INDEX shifts_store_idx ON shifts (store_id, id);

CREATE TABLE shift_cash_events (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    shift_id      TEXT NOT NULL REFERENCES shifts(id),
    kind          TEXT NOT NULL CHECK (kind IN ('paid_in', 'paid_out', 'no_sale')),
    amount_minor  BIGINT NOT NULL CHECK (amount_minor >= 0),
    reason        TEXT,
    user_id       TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL
);
CREATE INDEX shift_cash_events_shift_idx ON shift_cash_events (shift_id, occurred_at);

CREATE TABLE customers (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    name             TEXT,
    email            TEXT,
    phone            TEXT,
    note             TEXT,
    points_balance   BIGINT NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    -- Set when the customer's personal data was erased on request; the row stays so sales
    -- keep a (now anonymous) reference.
    erased_at        BIGINT
);
CREATE UNIQUE INDEX customers_email_key ON customers (org_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_phone_key ON customers (org_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_org_idx ON customers (org_id, id);

CREATE TABLE loyalty_settings (
    org_id                  TEXT PRIMARY KEY REFERENCES organisations(id),
    enabled                 BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    -- Points earned per whole unit of currency paid (1 point per 1.00 by default).
    earn_points_per_unit    BIGINT NOT NULL CHECK (earn_points_per_unit >= 0),
    -- What one point is worth when redeemed, in minor units (1 = 0.01).
    redeem_minor_per_point  BIGINT NOT NULL CHECK (redeem_minor_per_point >= 0),
    updated_at              BIGINT NOT NULL
);

-- Append-only; `balance_after` can never be negative, so neither can the balance.
CREATE TABLE loyalty_ledger (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    delta           BIGINT NOT NULL,
    balance_after   BIGINT NOT NULL CHECK (balance_after >= 0),
    reason          TEXT NOT NULL CHECK (reason IN ('earn', 'redeem', 'return', 'adjustment')),
    reference_type  TEXT,
    reference_id    TEXT,
    user_id         TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX loyalty_ledger_customer_idx ON loyalty_ledger (customer_id, id);

ALTER TABLE sales ADD COLUMN shift_id TEXT;
ALTER TABLE sales ADD COLUMN customer_id TEXT;
ALTER TABLE sales ADD COLUMN points_earned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales ADD COLUMN points_redeemed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sales_shift_idx ON sales (shift_id);
CREATE INDEX sales_customer_idx ON sales (customer_id, id);
CREATE INDEX sales_receipt_idx ON sales (store_id, receipt_number);

-- Returns and voids (a void returns a whole sale). Lines refer to the sale's lines so that a
-- line can never be refunded beyond what was paid for it.
CREATE TABLE returns (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    store_id          TEXT NOT NULL REFERENCES stores(id),
    terminal_id       TEXT NOT NULL REFERENCES terminals(id),
    mutation_id       TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('return', 'void')),
    sale_id           TEXT NOT NULL REFERENCES sales(id),
    receipt_number    TEXT NOT NULL,
    cashier_user_id   TEXT,
    approved_by       TEXT,
    shift_id          TEXT,
    customer_id       TEXT,
    exchange_sale_id  TEXT,
    reason            TEXT,
    occurred_at       BIGINT NOT NULL,
    recorded_at       BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    total_minor       BIGINT NOT NULL,
    tax_minor         BIGINT NOT NULL,
    cogs_minor        BIGINT NOT NULL,
    points_reversed   BIGINT NOT NULL DEFAULT 0,
    refunds           TEXT NOT NULL,
    CONSTRAINT returns_mutation_key UNIQUE (mutation_id),
    CONSTRAINT returns_terminal_receipt_key UNIQUE (terminal_id, receipt_number)
);
CREATE INDEX returns_store_idx ON returns (store_id, id);
CREATE INDEX returns_sale_idx ON returns (sale_id);
CREATE INDEX returns_shift_idx ON returns (shift_id);

CREATE TABLE return_lines (
    return_id             TEXT NOT NULL REFERENCES returns(id),
    line_no               BIGINT NOT NULL,
    org_id                TEXT NOT NULL,
    store_id              TEXT NOT NULL,
    sale_id               TEXT NOT NULL,
    sale_line_no          BIGINT NOT NULL,
    product_id            TEXT NOT NULL REFERENCES products(id),
    quantity              BIGINT NOT NULL CHECK (quantity > 0),
    total_excl_tax_minor  BIGINT NOT NULL,
    tax_minor             BIGINT NOT NULL,
    total_minor           BIGINT NOT NULL,
    cogs_minor            BIGINT NOT NULL,
    restock               BIGINT NOT NULL CHECK (restock IN (0, 1)),
    occurred_at           BIGINT NOT NULL,
    PRIMARY KEY (return_id, line_no)
);
CREATE INDEX return_lines_sale_idx ON return_lines (sale_id, sale_line_no);
CREATE INDEX return_lines_item_idx ON return_lines (store_id, product_id, occurred_at);

CREATE TABLE transfers (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    from_store_id  TEXT NOT NULL REFERENCES stores(id),
    to_store_id    TEXT NOT NULL REFERENCES stores(id),
    status         TEXT NOT NULL CHECK (status IN ('in_transit', 'received')),
    note           TEXT,
    dispatched_by  TEXT NOT NULL,
    dispatched_at  BIGINT NOT NULL,
    received_by    TEXT,
    received_at    BIGINT
);
CREATE INDEX transfers_from_idx ON transfers (from_store_id, id);
CREATE INDEX transfers_to_idx ON transfers (to_store_id, id);

CREATE TABLE transfer_lines (
    transfer_id        TEXT NOT NULL REFERENCES transfers(id),
    line_no            BIGINT NOT NULL,
    product_id         TEXT NOT NULL REFERENCES products(id),
    quantity_sent      BIGINT NOT NULL CHECK (quantity_sent > 0),
    quantity_received  BIGINT CHECK (quantity_received >= 0),
    -- The sending store's average cost at dispatch: value travels with the goods.
    unit_cost_minor    BIGINT NOT NULL,
    PRIMARY KEY (transfer_id, line_no)
);

CREATE TABLE purchase_orders (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    store_id     TEXT NOT NULL REFERENCES stores(id),
    supplier_id  TEXT NOT NULL REFERENCES suppliers(id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'partially_received', 'received', 'cancelled')),
    reference    TEXT,
    note         TEXT,
    expected_at  BIGINT,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX purchase_orders_store_idx ON purchase_orders (store_id, id);

CREATE TABLE purchase_order_lines (
    po_id              TEXT NOT NULL REFERENCES purchase_orders(id),
    line_no            BIGINT NOT NULL,
    product_id         TEXT NOT NULL REFERENCES products(id),
    quantity_ordered   BIGINT NOT NULL CHECK (quantity_ordered > 0),
    quantity_received  BIGINT NOT NULL DEFAULT 0 CHECK (quantity_received >= 0),
    unit_cost_minor    BIGINT NOT NULL CHECK (unit_cost_minor >= 0),
    PRIMARY KEY (po_id, line_no)
);
