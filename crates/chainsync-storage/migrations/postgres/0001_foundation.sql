-- Foundation: organisations, stores, users, memberships, auth state, audit log (PostgreSQL dialect).
-- Conventions shared with the PostgreSQL migrations: ids are UUIDv7 text, times are epoch
-- milliseconds (UTC), flags are 0/1 integers, money is integer minor units.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    locale      TEXT NOT NULL,
    is_demo     BIGINT NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE stores (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    address       TEXT,
    city          TEXT,
    country       TEXT NOT NULL,
    tax_id        TEXT,
    currency      TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    tax_rates     TEXT NOT NULL,
    tax_inclusive BIGINT NOT NULL CHECK (tax_inclusive IN (0, 1)),
    active        BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT stores_org_code_key UNIQUE (org_id, code)
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations(id),
    email                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    active               BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    is_org_admin         BIGINT NOT NULL DEFAULT 0 CHECK (is_org_admin IN (0, 1)),
    must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    is_demo              BIGINT NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    tokens_valid_after   BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_org_idx ON users (org_id, id);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users(id),
    store_id   TEXT NOT NULL REFERENCES stores(id),
    role       TEXT NOT NULL CHECK (role IN ('manager', 'cashier')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, store_id)
);
CREATE INDEX memberships_store_idx ON memberships (store_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id),
    token_hash  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT,
    CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE login_throttle (
    key               TEXT PRIMARY KEY,
    failures          BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    locked_until      BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    org_id        TEXT,
    at            BIGINT NOT NULL,
    actor_user_id TEXT,
    actor_label   TEXT,
    action        TEXT NOT NULL,
    target_type   TEXT,
    target_id     TEXT,
    source_ip     TEXT,
    details       TEXT NOT NULL
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id);
