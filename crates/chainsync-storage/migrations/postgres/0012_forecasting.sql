-- Forecasts in the product (docs/forecasts.md): training jobs, the model registry and the
-- forecast each model made when it was trained (PostgreSQL dialect).

-- One training run over a store's series. At most one queued or running job per store, and at
-- most one scheduled job per store and local day: both enforced here so that several server
-- processes cannot start the same work twice.
CREATE TABLE forecast_jobs (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    store_id       TEXT NOT NULL REFERENCES stores(id),
    trigger_kind   TEXT NOT NULL CHECK (trigger_kind IN ('api', 'schedule')),
    full_retrain   BIGINT NOT NULL CHECK (full_retrain IN (0, 1)),
    status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    total_series   BIGINT NOT NULL DEFAULT 0,
    done_series    BIGINT NOT NULL DEFAULT 0,
    failed_series  BIGINT NOT NULL DEFAULT 0,
    -- JSON array of {"product_id", "error"}.
    failures       TEXT NOT NULL DEFAULT '[]',
    -- Why a job failed as a whole (not a series' failure).
    error          TEXT,
    -- The store-local date a scheduled job is for (NULL for API jobs).
    scheduled_for  TEXT,
    -- The process running it, and when it last said it was alive (orphan detection).
    runner_id      TEXT,
    heartbeat_at   BIGINT,
    requested_by   TEXT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    started_at     BIGINT,
    finished_at    BIGINT
);
CREATE UNIQUE INDEX forecast_jobs_live_key ON forecast_jobs (store_id)
    WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX forecast_jobs_schedule_key ON forecast_jobs (store_id, scheduled_for)
    WHERE scheduled_for IS NOT NULL;
CREATE INDEX forecast_jobs_store_idx ON forecast_jobs (store_id, id);
CREATE INDEX forecast_jobs_status_idx ON forecast_jobs (status);

-- The registry (the design document's `ai_models`): every trained version of a scope. A scope
-- is a store × product series (`product_id` set) or the store's default (`product_id` NULL);
-- `scope_key` is the product id or '' so the uniqueness rules can name it (NULLs are distinct
-- in unique indexes). Exactly one active version per scope: the partial unique index.
CREATE TABLE ai_models (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    store_id           TEXT NOT NULL REFERENCES stores(id),
    product_id         TEXT REFERENCES products(id),
    scope_key          TEXT NOT NULL,
    version            BIGINT NOT NULL,
    model_type         TEXT NOT NULL,
    params             TEXT NOT NULL,
    backtest_mase      DOUBLE PRECISION,
    backtest_rmsse     DOUBLE PRECISION,
    backtest_wape      DOUBLE PRECISION,
    -- MASE scale of the training history (in-sample seasonal-naive MAE, m = 7): live accuracy
    -- is measured on the same scale as the backtest.
    mase_scale         DOUBLE PRECISION,
    live_mase          DOUBLE PRECISION,
    live_wape          DOUBLE PRECISION,
    live_days          BIGINT NOT NULL DEFAULT 0,
    degraded           BIGINT NOT NULL DEFAULT 0 CHECK (degraded IN (0, 1)),
    -- JSON {"start", "level", "mean", "lo", "hi"}: the forecast made at training time.
    forecast           TEXT NOT NULL,
    trained_at         BIGINT NOT NULL,
    training_ms        BIGINT NOT NULL,
    data_from          TEXT NOT NULL,
    data_to            TEXT NOT NULL,
    active             BIGINT NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    -- The version that was active when this one was activated (what a rollback restores).
    previous_model_id  TEXT REFERENCES ai_models(id),
    activated_at       BIGINT,
    job_id             TEXT REFERENCES forecast_jobs(id),
    UNIQUE (store_id, scope_key, version)
);
CREATE UNIQUE INDEX ai_models_active_key ON ai_models (store_id, scope_key) WHERE active = 1;
CREATE INDEX ai_models_store_idx ON ai_models (store_id, id);
