-- Catalog: categories, suppliers, products (variants share a parent), barcodes, search terms,
-- store price overrides and price history (PostgreSQL dialect). Prefix-searched columns use the "C" collation so
-- a range scan on the index matches byte-wise prefixes, as in SQLite..

CREATE TABLE categories (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    parent_id   TEXT REFERENCES categories(id),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT categories_org_name_key UNIQUE (org_id, name)
);

CREATE TABLE suppliers (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    name          TEXT NOT NULL,
    contact_name  TEXT,
    email         TEXT,
    phone         TEXT,
    active        BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT suppliers_org_name_key UNIQUE (org_id, name)
);

CREATE TABLE products (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    sku                TEXT COLLATE "C" NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    category_id        TEXT REFERENCES categories(id),
    supplier_id        TEXT REFERENCES suppliers(id),
    brand              TEXT,
    unit               TEXT NOT NULL CHECK (unit IN ('each', 'weighed')),
    price_minor        BIGINT NOT NULL CHECK (price_minor >= 0),
    cost_minor         BIGINT NOT NULL CHECK (cost_minor >= 0),
    tax_class          TEXT NOT NULL,
    parent_id          TEXT REFERENCES products(id),
    variant_attributes TEXT NOT NULL,
    active             BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CONSTRAINT products_org_sku_key UNIQUE (org_id, sku)
);
CREATE INDEX products_org_name_idx ON products (org_id, name, id);
CREATE INDEX products_parent_idx ON products (parent_id);

CREATE TABLE product_barcodes (
    org_id      TEXT NOT NULL,
    barcode     TEXT COLLATE "C" NOT NULL,
    product_id  TEXT NOT NULL REFERENCES products(id),
    CONSTRAINT product_barcodes_pkey PRIMARY KEY (org_id, barcode)
);
CREATE INDEX product_barcodes_product_idx ON product_barcodes (product_id);

CREATE TABLE product_search_terms (
    org_id      TEXT NOT NULL,
    term        TEXT COLLATE "C" NOT NULL,
    product_id  TEXT NOT NULL REFERENCES products(id),
    PRIMARY KEY (org_id, term, product_id)
);
CREATE INDEX product_search_terms_product_idx ON product_search_terms (product_id);

CREATE TABLE store_prices (
    store_id    TEXT NOT NULL REFERENCES stores(id),
    product_id  TEXT NOT NULL REFERENCES products(id),
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

CREATE TABLE price_history (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL,
    product_id          TEXT NOT NULL REFERENCES products(id),
    store_id            TEXT REFERENCES stores(id),
    old_price_minor     BIGINT,
    new_price_minor     BIGINT,
    changed_by_user_id  TEXT,
    changed_at          BIGINT NOT NULL
);
CREATE INDEX price_history_product_idx ON price_history (product_id, id);
