//! `/api/stores/{store_id}/forecasts`, `/models` and `/forecast-jobs` (docs/forecasts.md):
//! serve a product's forecast, browse the model registry, activate or roll back a version,
//! and queue or follow training jobs. The work itself is [`crate::forecasting`].
//!
//! Every route is for org admins and the store's managers: cashiers get 403, another
//! organisation's store, model or job is 404. Served forecasts, activations, rollbacks and
//! queued jobs are audit-logged.

use super::common::{Auditor, PageParams, double_option, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_manage, store_in_org};
use crate::forecasting::serve::{self, Backtest, ForecastAnswer, Live, ServeError};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ValidationError;
use chainsync_domain::forecasting::ForecastQuery;
use chainsync_domain::ids::{ForecastJobId, ModelId, ProductId, StoreId, UserId};
use chainsync_storage::forecasting::{
    self as store_fc, JOB_LIVE_KEY, JobRecord, ModelFilter, ModelRecord,
};
use chainsync_storage::{Conn, audit, catalog, now_ms, reports, stores::StoreRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_forecast))
        .routes(routes!(list_models))
        .routes(routes!(get_model))
        .routes(routes!(activate_model))
        .routes(routes!(rollback_model))
        .routes(routes!(list_jobs, create_job))
        .routes(routes!(get_job))
}

/// The store, if the caller may work with its forecasts (404 before 403, as everywhere).
async fn managed_store(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
) -> ApiResult<StoreRecord> {
    let record = store_in_org(conn, session, store).await?;
    require_manage(session, store)?;
    Ok(record)
}

fn tz_of(store: &StoreRecord) -> ApiResult<Tz> {
    store
        .timezone
        .parse()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("store timezone {}", store.timezone)))
}

fn bad_query(e: ValidationError) -> ApiError {
    let mut err = ApiError::bad_request("invalid_query", e.message);
    err.field = e.field;
    err
}

fn query_id<T: std::str::FromStr>(name: &str, raw: &str) -> ApiResult<T> {
    raw.trim().parse().map_err(|_| {
        ApiError::bad_request("invalid_query", format!("{name} must be an id (UUID)")).field(name)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// The product (required).
    pub product: Option<String>,
    /// Days to forecast, 1 to 90 (default 28).
    pub horizon: Option<String>,
    /// Central interval level in percent, 50 to 99 (default 80).
    pub level: Option<String>,
    /// Days of history returned, 7 to 730 (default 90).
    pub history_days: Option<String>,
}

/// A product's forecast with its history and the active model's accuracy (admins and the
/// store's managers). Audit-logged as `forecast.served`.
#[utoipa::path(get, path = "/api/stores/{store_id}/forecasts", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), ForecastParams),
    responses((status = 200, description = "History, forecast and model", body = ForecastAnswer)), security(("bearer" = [])))]
async fn get_forecast(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<ForecastParams>,
) -> ApiResult<Json<ForecastAnswer>> {
    let mut conn = state.db.conn().await?;
    let store = managed_store(&mut conn, &session, store_id).await?;
    let raw_product = params.product.as_deref().ok_or_else(|| {
        ApiError::bad_request("invalid_query", "product is required").field("product")
    })?;
    let product: ProductId = query_id("product", raw_product)?;
    let q = ForecastQuery::parse(
        params.horizon.as_deref(),
        params.level.as_deref(),
        params.history_days.as_deref(),
    )
    .map_err(bad_query)?;
    catalog::get_product(&mut conn, session.user.org_id, product)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    let (answer, model) = serve::answer(
        &mut conn,
        &state.forecasting.cache,
        store_id,
        tz_of(&store)?,
        product,
        q,
    )
    .await
    .map_err(|e| match e {
        ServeError::NoActiveModel => ApiError::conflict(
            "no_active_model",
            "nothing has been trained for this store yet: start a training job",
        ),
        ServeError::Storage(e) => e.into(),
    })?;
    drop(conn);
    state
        .forecasting
        .metrics()
        .served
        .with_label_values(&[if answer.cached { "true" } else { "false" }])
        .inc();
    let mut tx = state.db.begin_write().await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "forecast.served",
            Some(("model", model.id.to_string())),
            json!({
                "store_id": store_id, "product_id": product, "model_id": model.id,
                "version": model.version, "scope": serve::scope_name(&model),
                "horizon": q.horizon, "level": q.level, "cached": answer.cached,
            }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json((*answer).clone()))
}

/// A model version in the registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    pub id: ModelId,
    pub store_id: StoreId,
    /// `null` for the store default.
    pub product_id: Option<ProductId>,
    pub product_name: Option<String>,
    /// `series` or `store_default`.
    pub scope: String,
    pub version: i64,
    pub model_type: String,
    /// Members and weights, demand class, horizon and level of training.
    #[schema(value_type = Object)]
    pub params: Value,
    pub backtest: Backtest,
    /// `null` until at least one forecast day has an actual.
    pub live: Option<Live>,
    /// Live MASE worse than the backtest MASE by more than the configured margin.
    pub degraded: bool,
    pub trained_at: DateTime<Utc>,
    pub training_ms: i64,
    pub data_from: String,
    pub data_to: String,
    pub active: bool,
    pub job_id: Option<ForecastJobId>,
}

async fn views(conn: &mut Conn, models: &[ModelRecord]) -> ApiResult<Vec<ModelView>> {
    let ids: Vec<String> = models
        .iter()
        .filter_map(|m| m.product_id.map(|p| p.to_string()))
        .collect();
    let labels = reports::product_labels(conn, &ids).await?;
    let names: HashMap<String, String> = labels.into_iter().map(|(k, v)| (k, v.name)).collect();
    Ok(models
        .iter()
        .map(|m| ModelView {
            id: m.id,
            store_id: m.store_id,
            product_id: m.product_id,
            product_name: m
                .product_id
                .and_then(|p| names.get(&p.to_string()).cloned()),
            scope: serve::scope_name(m).to_owned(),
            version: m.version,
            model_type: m.model_type.clone(),
            params: m.params.clone(),
            backtest: serve::backtest(m),
            live: serve::stored_live(m),
            degraded: m.degraded,
            trained_at: time(m.trained_at),
            training_ms: m.training_ms,
            data_from: m.data_from.clone(),
            data_to: m.data_to.clone(),
            active: m.active,
            job_id: m.job_id,
        })
        .collect())
}

async fn view(conn: &mut Conn, m: &ModelRecord) -> ApiResult<ModelView> {
    let mut v = views(conn, std::slice::from_ref(m)).await?;
    v.pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no view")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModelParams {
    /// Only this product's models.
    pub product: Option<String>,
    /// `series` or `store_default`.
    pub scope: Option<String>,
    /// `true`: active versions only; `false`: every version (the default).
    pub active: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    pub items: Vec<ModelView>,
    pub next_cursor: Option<String>,
}

/// The store's model versions, newest first (admins and the store's managers).
#[utoipa::path(get, path = "/api/stores/{store_id}/models", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), ModelParams),
    responses((status = 200, description = "A page of models", body = ModelList)), security(("bearer" = [])))]
async fn list_models(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<ModelParams>,
) -> ApiResult<Json<ModelList>> {
    let mut conn = state.db.conn().await?;
    managed_store(&mut conn, &session, store).await?;
    let filter = ModelFilter {
        product: params
            .product
            .as_deref()
            .map(|p| query_id("product", p))
            .transpose()?,
        series: match params.scope.as_deref() {
            None => None,
            Some("series") => Some(true),
            Some("store_default") => Some(false),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "scope is series or store_default",
                )
                .field("scope"));
            }
        },
        active_only: match params.active.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(
                    ApiError::bad_request("invalid_query", "active is true or false")
                        .field("active"),
                );
            }
        },
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result =
        store_fc::list_models(&mut conn, store, &filter, page.cursor()?, page.limit()?).await?;
    Ok(Json(ModelList {
        items: views(&mut conn, &result.items).await?,
        next_cursor: result.next_cursor,
    }))
}

async fn load_model(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
    id: ModelId,
) -> ApiResult<ModelRecord> {
    store_in_org(conn, session, store).await?;
    let model = store_fc::get_model(conn, session.user.org_id, id)
        .await?
        .filter(|m| m.store_id == store)
        .ok_or_else(|| ApiError::not_found("model"))?;
    require_manage(session, store)?;
    Ok(model)
}

/// One model version.
#[utoipa::path(get, path = "/api/stores/{store_id}/models/{model_id}", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("model_id" = ModelId, Path, description = "Model id")),
    responses((status = 200, description = "The model", body = ModelView)), security(("bearer" = [])))]
async fn get_model(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, ModelId)>,
) -> ApiResult<Json<ModelView>> {
    let mut conn = state.db.conn().await?;
    let model = load_model(&mut conn, &session, store, id).await?;
    Ok(Json(view(&mut conn, &model).await?))
}

/// Makes this version its scope's active one (the replaced one is deactivated in the same
/// transaction). Audit-logged as `model.activated`.
#[utoipa::path(post, path = "/api/stores/{store_id}/models/{model_id}/activate", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("model_id" = ModelId, Path, description = "Model id")),
    responses((status = 200, description = "Now active", body = ModelView)), security(("bearer" = [])))]
async fn activate_model(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, ModelId)>,
) -> ApiResult<Json<ModelView>> {
    let mut tx = state.db.begin_write().await?;
    let model = load_model(&mut tx, &session, store, id).await?;
    let replaced = store_fc::activate(&mut tx, &model, now_ms()).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "model.activated",
            Some(("model", model.id.to_string())),
            json!({
                "store_id": store, "product_id": model.product_id, "version": model.version,
                "replaced_model_id": replaced.as_ref().map(|r| r.id),
                "replaced_version": replaced.as_ref().map(|r| r.version),
            }),
        ),
    )
    .await?;
    let now = store_fc::get_model(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let answer = view(&mut tx, &now).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    state.forecasting.invalidate(store);
    Ok(Json(answer))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The product whose series model is rolled back, or `null` for the store default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ProductId>)]
    pub product_id: Option<Option<ProductId>>,
}

/// Re-activates the version that was active before the scope's current one. Audit-logged as
/// `model.rolled_back`.
#[utoipa::path(post, path = "/api/stores/{store_id}/models/rollback", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id")), request_body = RollbackRequest,
    responses((status = 200, description = "The restored version, now active", body = ModelView)), security(("bearer" = [])))]
async fn rollback_model(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> ApiResult<Json<ModelView>> {
    let Some(product) = body.product_id else {
        return Err(ApiError::unprocessable(
            "missing_field",
            "'product_id' is required (null for the store default)",
        )
        .field("product_id"));
    };
    let mut tx = state.db.begin_write().await?;
    managed_store(&mut tx, &session, store).await?;
    if let Some(p) = product
        && catalog::get_product(&mut tx, session.user.org_id, p)
            .await?
            .is_none()
    {
        return Err(ApiError::unprocessable(
            "unknown_product",
            "no such product in your organisation",
        )
        .field("product_id"));
    }
    let (from, to) = store_fc::rollback(&mut tx, store, product, now_ms())
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "nothing_to_roll_back",
                "no earlier version was active in this scope",
            )
        })?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "model.rolled_back",
            Some(("model", to.id.to_string())),
            json!({
                "store_id": store, "product_id": product,
                "from_model_id": from.id, "from_version": from.version,
                "to_model_id": to.id, "to_version": to.version,
            }),
        ),
    )
    .await?;
    let now = store_fc::get_model(&mut tx, session.user.org_id, to.id)
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let answer = view(&mut tx, &now).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    state.forecasting.invalidate(store);
    Ok(Json(answer))
}

/// A training job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: ForecastJobId,
    pub store_id: StoreId,
    /// `api` or `schedule`.
    pub trigger: String,
    pub full: bool,
    /// `queued`, `running`, `succeeded` (even with failed series) or `failed`.
    pub status: String,
    pub total_series: i64,
    /// Series processed so far (trained or failed).
    pub done_series: i64,
    pub failed_series: i64,
    pub failures: Vec<JobFailure>,
    /// Why the job as a whole failed (`null` unless `status` is `failed`).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub requested_by: Option<UserId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobFailure {
    /// `null` for the store default.
    pub product_id: Option<String>,
    pub error: String,
}

fn job_view(j: &JobRecord) -> JobView {
    JobView {
        id: j.id,
        store_id: j.store_id,
        trigger: j.trigger.clone(),
        full: j.full,
        status: j.status.clone(),
        total_series: j.total_series,
        done_series: j.done_series,
        failed_series: j.failed_series,
        failures: j
            .failures
            .iter()
            .map(|f| JobFailure {
                product_id: f.product_id.clone(),
                error: f.error.clone(),
            })
            .collect(),
        error: j.error.clone(),
        created_at: time(j.created_at),
        started_at: j.started_at.map(time),
        finished_at: j.finished_at.map(time),
        requested_by: j.requested_by,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJob {
    /// Retrain every series (`true`) or only those with new sales since their model (`false`,
    /// the default).
    #[serde(default)]
    pub full: bool,
}

/// Queues a training job for the store. `409 job_running` while one is queued or running.
/// Audit-logged as `forecast_job.requested`.
#[utoipa::path(post, path = "/api/stores/{store_id}/forecast-jobs", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id")), request_body = CreateJob,
    responses((status = 202, description = "Queued", body = JobView)), security(("bearer" = [])))]
async fn create_job(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<CreateJob>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let mut tx = state.db.begin_write().await?;
    managed_store(&mut tx, &session, store).await?;
    let job = JobRecord::queued(
        session.user.org_id,
        store,
        "api",
        body.full,
        Some(session.user.id),
        None,
        now_ms(),
    );
    store_fc::insert_job(&mut tx, &job).await.map_err(|e| {
        if e.is_conflict_on(JOB_LIVE_KEY.0, JOB_LIVE_KEY.1) {
            ApiError::conflict(
                "job_running",
                "a training job of this store is already queued or running",
            )
        } else {
            e.into()
        }
    })?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "forecast_job.requested",
            Some(("forecast_job", job.id.to_string())),
            json!({ "store_id": store, "full": body.full }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    state.forecasting.poke();
    Ok((StatusCode::ACCEPTED, Json(job_view(&job))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    pub items: Vec<JobView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// Items per page, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The store's training jobs, newest first.
#[utoipa::path(get, path = "/api/stores/{store_id}/forecast-jobs", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), JobParams),
    responses((status = 200, description = "A page of jobs", body = JobList)), security(("bearer" = [])))]
async fn list_jobs(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<JobParams>,
) -> ApiResult<Json<JobList>> {
    let mut conn = state.db.conn().await?;
    managed_store(&mut conn, &session, store).await?;
    let page = PageParams {
        limit: Some(params.limit.unwrap_or(20)),
        cursor: params.cursor,
    };
    let result = store_fc::list_jobs(&mut conn, store, page.cursor()?, page.limit()?).await?;
    Ok(Json(JobList {
        items: result.items.iter().map(job_view).collect(),
        next_cursor: result.next_cursor,
    }))
}

/// One training job, with its progress and failures.
#[utoipa::path(get, path = "/api/stores/{store_id}/forecast-jobs/{job_id}", tag = "forecasts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("job_id" = ForecastJobId, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = JobView)), security(("bearer" = [])))]
async fn get_job(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, ForecastJobId)>,
) -> ApiResult<Json<JobView>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    let job = store_fc::get_job(&mut conn, session.user.org_id, id)
        .await?
        .filter(|j| j.store_id == store)
        .ok_or_else(|| ApiError::not_found("forecast job"))?;
    require_manage(&session, store)?;
    Ok(Json(job_view(&job)))
}
