//! Forecasts in the product: training jobs, the model registry and the sales they learn from.
//!
//! Invariants the database enforces (migration `0012_forecasting.sql`): at most one queued or
//! running job per store (`forecast_jobs_live_key`), at most one scheduled job per store and
//! local day (`forecast_jobs_schedule_key`), exactly one active model version per scope
//! (`ai_models_active_key`; a scope is a store × product, or the store default with
//! `scope_key = ''`), versions unique per scope.
//!
//! Activation is a pointer swap inside the caller's transaction: the scope's active row is
//! deactivated before the new one is activated, and the new one remembers it in
//! `previous_model_id` — what [`rollback`] restores. A rollback does not rewrite that pointer,
//! so successive rollbacks walk further back.

use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{ForecastJobId, ModelId, OrgId, ProductId, StoreId, UserId};
use chainsync_domain::reports::SLOT_MS;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Constraint names (PostgreSQL) and SQLite's column lists for them, for conflict mapping.
pub const JOB_LIVE_KEY: (&str, &str) = ("forecast_jobs_live_key", "forecast_jobs.store_id");
pub const JOB_SCHEDULE_KEY: (&str, &str) = (
    "forecast_jobs_schedule_key",
    "forecast_jobs.store_id, forecast_jobs.scheduled_for",
);

/// A series that failed in a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesFailure {
    /// `None` for the store default.
    pub product_id: Option<String>,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: ForecastJobId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    /// `api` or `schedule`.
    pub trigger: String,
    pub full: bool,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub total_series: i64,
    pub done_series: i64,
    pub failed_series: i64,
    pub failures: Vec<SeriesFailure>,
    pub error: Option<String>,
    pub scheduled_for: Option<String>,
    pub requested_by: Option<UserId>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl JobRecord {
    /// A queued job.
    pub fn queued(
        org: OrgId,
        store: StoreId,
        trigger: &str,
        full: bool,
        requested_by: Option<UserId>,
        scheduled_for: Option<String>,
        now: i64,
    ) -> Self {
        JobRecord {
            id: ForecastJobId::new(),
            org_id: org,
            store_id: store,
            trigger: trigger.to_owned(),
            full,
            status: "queued".into(),
            total_series: 0,
            done_series: 0,
            failed_series: 0,
            failures: Vec::new(),
            error: None,
            scheduled_for,
            requested_by,
            created_at: now,
            started_at: None,
            finished_at: None,
        }
    }
}

fn parse<T: std::str::FromStr>(s: String) -> StorageResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(corrupt)
}

fn job_from_row(r: &AnyRow) -> StorageResult<JobRecord> {
    let failures: String = r.try_get("failures")?;
    Ok(JobRecord {
        id: parse(r.try_get("id")?)?,
        org_id: parse(r.try_get("org_id")?)?,
        store_id: parse(r.try_get("store_id")?)?,
        trigger: r.try_get("trigger_kind")?,
        full: r.try_get::<i64, _>("full_retrain")? != 0,
        status: r.try_get("status")?,
        total_series: r.try_get("total_series")?,
        done_series: r.try_get("done_series")?,
        failed_series: r.try_get("failed_series")?,
        failures: serde_json::from_str(&failures).map_err(corrupt)?,
        error: r.try_get("error")?,
        scheduled_for: r.try_get("scheduled_for")?,
        requested_by: r
            .try_get::<Option<String>, _>("requested_by")?
            .map(parse)
            .transpose()?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Queues a job. A second live job of the store, or a second scheduled job of the same day,
/// is a `Conflict` naming [`JOB_LIVE_KEY`] or [`JOB_SCHEDULE_KEY`].
pub async fn insert_job(conn: &mut Conn, job: &JobRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO forecast_jobs (id, org_id, store_id, trigger_kind, full_retrain, status, \
         total_series, done_series, failed_series, failures, error, scheduled_for, requested_by, \
         created_at, started_at, finished_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(job.id.to_string())
    .bind(job.org_id.to_string())
    .bind(job.store_id.to_string())
    .bind(&job.trigger)
    .bind(i64::from(job.full))
    .bind(&job.status)
    .bind(job.total_series)
    .bind(job.done_series)
    .bind(job.failed_series)
    .bind(serde_json::to_string(&job.failures).map_err(corrupt)?)
    .bind(job.error.clone())
    .bind(job.scheduled_for.clone())
    .bind(job.requested_by.map(|u| u.to_string()))
    .bind(job.created_at)
    .bind(job.started_at)
    .bind(job.finished_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A job of the organisation.
pub async fn get_job(
    conn: &mut Conn,
    org: OrgId,
    id: ForecastJobId,
) -> StorageResult<Option<JobRecord>> {
    sqlx::query("SELECT * FROM forecast_jobs WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(job_from_row)
        .transpose()
}

/// A store's jobs, newest first.
pub async fn list_jobs(
    conn: &mut Conn,
    store: StoreId,
    cursor: Option<ForecastJobId>,
    limit: u32,
) -> StorageResult<Page<JobRecord>> {
    let mut sql = Sql::new("SELECT * FROM forecast_jobs WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(job_from_row)
        .collect::<StorageResult<_>>()?;
    Ok(Page::from_overfetch(items, limit, |j: &JobRecord| {
        j.id.to_string()
    }))
}

/// Takes the oldest queued job for `runner`, marking it running. Safe across processes: the
/// conditional update lets exactly one claimant win.
pub async fn claim_next(
    conn: &mut Conn,
    runner: &str,
    now: i64,
) -> StorageResult<Option<JobRecord>> {
    let candidates =
        sqlx::query("SELECT id FROM forecast_jobs WHERE status = 'queued' ORDER BY id LIMIT 8")
            .fetch_all(&mut *conn)
            .await?;
    for row in candidates {
        let id: String = row.try_get("id")?;
        let claimed = sqlx::query(
            "UPDATE forecast_jobs SET status = 'running', runner_id = $1, started_at = $2, \
             heartbeat_at = $2 WHERE id = $3 AND status = 'queued'",
        )
        .bind(runner)
        .bind(now)
        .bind(&id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if claimed == 1 {
            let row = sqlx::query("SELECT * FROM forecast_jobs WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut *conn)
                .await?;
            return Ok(Some(job_from_row(&row)?));
        }
    }
    Ok(None)
}

/// Records progress (and that the runner is alive).
pub async fn record_progress(
    conn: &mut Conn,
    id: ForecastJobId,
    total: i64,
    done: i64,
    failures: &[SeriesFailure],
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "UPDATE forecast_jobs SET total_series = $1, done_series = $2, failed_series = $3, \
         failures = $4, heartbeat_at = $5 WHERE id = $6 AND status = 'running'",
    )
    .bind(total)
    .bind(done)
    .bind(failures.len() as i64)
    .bind(serde_json::to_string(failures).map_err(corrupt)?)
    .bind(now)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends a running job as `succeeded` or `failed` (with the reason). False when the job was no
/// longer running (an orphan sweep got there first).
pub async fn finish_job(
    conn: &mut Conn,
    id: ForecastJobId,
    succeeded: bool,
    error: Option<&str>,
    now: i64,
) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE forecast_jobs SET status = $1, error = $2, finished_at = $3, heartbeat_at = $3 \
         WHERE id = $4 AND status = 'running'",
    )
    .bind(if succeeded { "succeeded" } else { "failed" })
    .bind(error.map(str::to_owned))
    .bind(now)
    .bind(id.to_string())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Fails running jobs whose runner has not been heard of since `stale_before` (a process that
/// died mid-job). Returns how many.
pub async fn fail_orphans(conn: &mut Conn, stale_before: i64, now: i64) -> StorageResult<u64> {
    Ok(sqlx::query(
        "UPDATE forecast_jobs SET status = 'failed', finished_at = $1, \
         error = 'the server running this job stopped before it finished' \
         WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $2)",
    )
    .bind(now)
    .bind(stale_before)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Fails the running jobs of one runner (its process is shutting down).
pub async fn fail_runner(conn: &mut Conn, runner: &str, now: i64) -> StorageResult<u64> {
    Ok(sqlx::query(
        "UPDATE forecast_jobs SET status = 'failed', finished_at = $1, \
         error = 'the server shut down before this job finished' \
         WHERE status = 'running' AND runner_id = $2",
    )
    .bind(now)
    .bind(runner)
    .execute(conn)
    .await?
    .rows_affected())
}

/// One trained model version.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRecord {
    pub id: ModelId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    /// `None`: the store default.
    pub product_id: Option<ProductId>,
    pub version: i64,
    pub model_type: String,
    pub params: serde_json::Value,
    pub backtest_mase: Option<f64>,
    pub backtest_rmsse: Option<f64>,
    pub backtest_wape: Option<f64>,
    pub mase_scale: Option<f64>,
    pub live_mase: Option<f64>,
    pub live_wape: Option<f64>,
    pub live_days: i64,
    pub degraded: bool,
    /// The forecast made at training time (JSON `{"start", "level", "mean", "lo", "hi"}`).
    pub forecast: serde_json::Value,
    pub trained_at: i64,
    pub training_ms: i64,
    /// ISO dates in the store's timezone.
    pub data_from: String,
    pub data_to: String,
    pub active: bool,
    pub previous_model_id: Option<ModelId>,
    pub activated_at: Option<i64>,
    pub job_id: Option<ForecastJobId>,
}

impl ModelRecord {
    /// The scope's key: the product id, or `''` for the store default.
    pub fn scope_key(&self) -> String {
        scope_key(self.product_id)
    }
}

/// The scope key of a product (or of the store default).
pub fn scope_key(product: Option<ProductId>) -> String {
    product.map(|p| p.to_string()).unwrap_or_default()
}

fn model_from_row(r: &AnyRow) -> StorageResult<ModelRecord> {
    let params: String = r.try_get("params")?;
    let forecast: String = r.try_get("forecast")?;
    Ok(ModelRecord {
        id: parse(r.try_get("id")?)?,
        org_id: parse(r.try_get("org_id")?)?,
        store_id: parse(r.try_get("store_id")?)?,
        product_id: r
            .try_get::<Option<String>, _>("product_id")?
            .map(parse)
            .transpose()?,
        version: r.try_get("version")?,
        model_type: r.try_get("model_type")?,
        params: serde_json::from_str(&params).map_err(corrupt)?,
        backtest_mase: r.try_get("backtest_mase")?,
        backtest_rmsse: r.try_get("backtest_rmsse")?,
        backtest_wape: r.try_get("backtest_wape")?,
        mase_scale: r.try_get("mase_scale")?,
        live_mase: r.try_get("live_mase")?,
        live_wape: r.try_get("live_wape")?,
        live_days: r.try_get("live_days")?,
        degraded: r.try_get::<i64, _>("degraded")? != 0,
        forecast: serde_json::from_str(&forecast).map_err(corrupt)?,
        trained_at: r.try_get("trained_at")?,
        training_ms: r.try_get("training_ms")?,
        data_from: r.try_get("data_from")?,
        data_to: r.try_get("data_to")?,
        active: r.try_get::<i64, _>("active")? != 0,
        previous_model_id: r
            .try_get::<Option<String>, _>("previous_model_id")?
            .map(parse)
            .transpose()?,
        activated_at: r.try_get("activated_at")?,
        job_id: r
            .try_get::<Option<String>, _>("job_id")?
            .map(parse)
            .transpose()?,
    })
}

/// Stores a newly trained version as the scope's next version and makes it the active one
/// (the one it replaces becomes its `previous_model_id`). Sets `version`, `active`,
/// `previous_model_id` and `activated_at` on `model`. Run it inside a write transaction.
pub async fn insert_and_activate(
    conn: &mut Conn,
    model: &mut ModelRecord,
    now: i64,
) -> StorageResult<()> {
    let key = model.scope_key();
    let version: i64 = sqlx::query(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM ai_models \
         WHERE store_id = $1 AND scope_key = $2",
    )
    .bind(model.store_id.to_string())
    .bind(&key)
    .fetch_one(&mut *conn)
    .await?
    .try_get("v")?;
    let previous = active_model(conn, model.store_id, model.product_id)
        .await?
        .map(|m| m.id);
    deactivate_scope(conn, model.store_id, &key).await?;
    model.version = version + 1;
    model.active = true;
    model.previous_model_id = previous;
    model.activated_at = Some(now);
    sqlx::query(
        "INSERT INTO ai_models (id, org_id, store_id, product_id, scope_key, version, model_type, \
         params, backtest_mase, backtest_rmsse, backtest_wape, mase_scale, live_mase, live_wape, \
         live_days, degraded, forecast, trained_at, training_ms, data_from, data_to, active, \
         previous_model_id, activated_at, job_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(model.id.to_string())
    .bind(model.org_id.to_string())
    .bind(model.store_id.to_string())
    .bind(model.product_id.map(|p| p.to_string()))
    .bind(&key)
    .bind(model.version)
    .bind(&model.model_type)
    .bind(model.params.to_string())
    .bind(model.backtest_mase)
    .bind(model.backtest_rmsse)
    .bind(model.backtest_wape)
    .bind(model.mase_scale)
    .bind(model.live_mase)
    .bind(model.live_wape)
    .bind(model.live_days)
    .bind(i64::from(model.degraded))
    .bind(model.forecast.to_string())
    .bind(model.trained_at)
    .bind(model.training_ms)
    .bind(&model.data_from)
    .bind(&model.data_to)
    .bind(1_i64)
    .bind(model.previous_model_id.map(|m| m.to_string()))
    .bind(model.activated_at)
    .bind(model.job_id.map(|j| j.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

async fn deactivate_scope(conn: &mut Conn, store: StoreId, key: &str) -> StorageResult<()> {
    sqlx::query(
        "UPDATE ai_models SET active = 0 WHERE store_id = $1 AND scope_key = $2 AND active = 1",
    )
    .bind(store.to_string())
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// A model of the organisation.
pub async fn get_model(
    conn: &mut Conn,
    org: OrgId,
    id: ModelId,
) -> StorageResult<Option<ModelRecord>> {
    sqlx::query("SELECT * FROM ai_models WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(model_from_row)
        .transpose()
}

/// The active model of a scope.
pub async fn active_model(
    conn: &mut Conn,
    store: StoreId,
    product: Option<ProductId>,
) -> StorageResult<Option<ModelRecord>> {
    sqlx::query("SELECT * FROM ai_models WHERE store_id = $1 AND scope_key = $2 AND active = 1")
        .bind(store.to_string())
        .bind(scope_key(product))
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(model_from_row)
        .transpose()
}

/// Every active model of a store.
pub async fn active_models(conn: &mut Conn, store: StoreId) -> StorageResult<Vec<ModelRecord>> {
    sqlx::query("SELECT * FROM ai_models WHERE store_id = $1 AND active = 1 ORDER BY scope_key")
        .bind(store.to_string())
        .fetch_all(conn)
        .await?
        .iter()
        .map(model_from_row)
        .collect()
}

/// Filters of [`list_models`]; each narrows.
#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    pub product: Option<ProductId>,
    /// `Some(true)`: series models only; `Some(false)`: store defaults only.
    pub series: Option<bool>,
    pub active_only: bool,
}

/// A store's models, newest first.
pub async fn list_models(
    conn: &mut Conn,
    store: StoreId,
    filter: &ModelFilter,
    cursor: Option<ModelId>,
    limit: u32,
) -> StorageResult<Page<ModelRecord>> {
    let mut sql = Sql::new("SELECT * FROM ai_models WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(p) = filter.product {
        sql.push(" AND scope_key = ").bind(Arg::Text(p.to_string()));
    }
    match filter.series {
        Some(true) => {
            sql.push(" AND scope_key <> ''");
        }
        Some(false) => {
            sql.push(" AND scope_key = ''");
        }
        None => {}
    }
    if filter.active_only {
        sql.push(" AND active = 1");
    }
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(model_from_row)
        .collect::<StorageResult<_>>()?;
    Ok(Page::from_overfetch(items, limit, |m: &ModelRecord| {
        m.id.to_string()
    }))
}

/// Makes `model` its scope's active version; the one it replaces becomes its
/// `previous_model_id`. Returns the replaced version (`None` when it already was active or the
/// scope had none). Run it inside a write transaction.
pub async fn activate(
    conn: &mut Conn,
    model: &ModelRecord,
    now: i64,
) -> StorageResult<Option<ModelRecord>> {
    let current = active_model(conn, model.store_id, model.product_id).await?;
    if current.as_ref().is_some_and(|c| c.id == model.id) {
        return Ok(None);
    }
    deactivate_scope(conn, model.store_id, &model.scope_key()).await?;
    sqlx::query(
        "UPDATE ai_models SET active = 1, previous_model_id = $1, activated_at = $2 WHERE id = $3",
    )
    .bind(current.as_ref().map(|c| c.id.to_string()))
    .bind(now)
    .bind(model.id.to_string())
    .execute(conn)
    .await?;
    Ok(current)
}

/// Re-activates the version that was active before the scope's current one. Returns
/// `(rolled back from, restored)`, or `None` when there is nothing to roll back to.
pub async fn rollback(
    conn: &mut Conn,
    store: StoreId,
    product: Option<ProductId>,
    now: i64,
) -> StorageResult<Option<(ModelRecord, ModelRecord)>> {
    let Some(current) = active_model(conn, store, product).await? else {
        return Ok(None);
    };
    let Some(previous_id) = current.previous_model_id else {
        return Ok(None);
    };
    let Some(previous) = get_model(conn, current.org_id, previous_id).await? else {
        return Ok(None);
    };
    deactivate_scope(conn, store, &current.scope_key()).await?;
    sqlx::query("UPDATE ai_models SET active = 1, activated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(previous.id.to_string())
        .execute(conn)
        .await?;
    Ok(Some((current, previous)))
}

/// Live accuracy of a model, as last measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveFigures {
    pub mase: Option<f64>,
    pub wape: Option<f64>,
    pub days: i64,
    pub degraded: bool,
}

/// Stores a model's live accuracy.
pub async fn update_live(conn: &mut Conn, id: ModelId, live: &LiveFigures) -> StorageResult<()> {
    sqlx::query(
        "UPDATE ai_models SET live_mase = $1, live_wape = $2, live_days = $3, degraded = $4 \
         WHERE id = $5",
    )
    .bind(live.mase)
    .bind(live.wape)
    .bind(live.days)
    .bind(i64::from(live.degraded))
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Net quantity sold (sales minus returns) of a store per product and quarter-hour slot of UTC
/// time, over `[start, end)` epoch ms, optionally for one product. Slots are turned into local
/// days by the caller (as the reports do), so the SQL needs no time-zone support.
pub async fn net_quantities(
    conn: &mut Conn,
    store: StoreId,
    product: Option<ProductId>,
    start: i64,
    end: i64,
) -> StorageResult<Vec<(String, i64, i64)>> {
    let mut out = Vec::new();
    for (table, sign) in [("sale_lines", 1_i64), ("return_lines", -1)] {
        let mut sql = Sql::new(&format!(
            "SELECT product_id, CAST(occurred_at / {SLOT_MS} AS BIGINT) AS slot, \
             CAST(SUM(quantity) AS BIGINT) AS quantity FROM {table} WHERE store_id = "
        ));
        sql.bind(Arg::Text(store.to_string()));
        if let Some(p) = product {
            sql.push(" AND product_id = ")
                .bind(Arg::Text(p.to_string()));
        }
        sql.push(" AND occurred_at >= ")
            .bind(Arg::Int(start))
            .push(" AND occurred_at < ")
            .bind(Arg::Int(end))
            .push(" GROUP BY product_id, CAST(occurred_at / ")
            .push(&SLOT_MS.to_string())
            .push(" AS BIGINT)");
        for r in sql.build().fetch_all(&mut *conn).await? {
            out.push((
                r.try_get("product_id")?,
                r.try_get("slot")?,
                sign * r.try_get::<i64, _>("quantity")?,
            ));
        }
    }
    Ok(out)
}

/// What changes when a sale or return of the series is recorded at or after `since`: its line
/// count and latest time, over sales and returns. A cached forecast is valid while it is equal.
pub async fn series_fingerprint(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
    since: i64,
) -> StorageResult<(i64, i64)> {
    let mut count = 0;
    let mut latest = 0;
    for table in ["sale_lines", "return_lines"] {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(MAX(occurred_at), 0) AS BIGINT) AS latest \
             FROM {table} WHERE store_id = $1 AND product_id = $2 AND occurred_at >= $3"
        )))
        .bind(store.to_string())
        .bind(product.to_string())
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
        count += r.try_get::<i64, _>("n")?;
        latest = latest.max(r.try_get::<i64, _>("latest")?);
    }
    Ok((count, latest))
}

/// Ids of the stores of every organisation (for the scheduler and the accuracy watcher).
pub async fn all_stores(conn: &mut Conn) -> StorageResult<Vec<(OrgId, StoreId, String)>> {
    sqlx::query("SELECT org_id, id, timezone FROM stores WHERE active = 1 ORDER BY id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                parse(r.try_get("org_id")?)?,
                parse(r.try_get("id")?)?,
                r.try_get("timezone")?,
            ))
        })
        .collect()
}
