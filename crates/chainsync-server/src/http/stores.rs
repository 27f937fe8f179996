//! `/api/stores`: the organisation's stores. Admins create, change and deactivate them;
//! everyone sees the stores they work in (admins see all).
//!
//! A store is never deleted (sales and stock will refer to it): DELETE deactivates it.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ValidationError;
use chainsync_domain::ids::StoreId;
use chainsync_domain::money::Currency;
use chainsync_domain::validation;
use chainsync_storage::stores::{self, StoreRecord, StoreScope};
use chainsync_storage::{Conn, audit, now_ms, orgs};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stores, create_store))
        .routes(routes!(get_store, update_store, deactivate_store))
}

/// A store as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreView {
    pub id: StoreId,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub tax_id: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// IANA time zone; the store's business days are dates in this zone.
    pub timezone: String,
    /// Tax class → rate in basis points (1900 = 19 %).
    pub tax_rates: BTreeMap<String, i32>,
    /// Shelf prices include tax.
    pub tax_inclusive: bool,
    /// Refunds above this (minor units) and every void need a manager's approval at the till.
    pub refund_approval_minor: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&StoreRecord> for StoreView {
    fn from(s: &StoreRecord) -> Self {
        StoreView {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            address: s.address.clone(),
            city: s.city.clone(),
            country: s.country.clone(),
            tax_id: s.tax_id.clone(),
            currency: s.currency.clone(),
            timezone: s.timezone.clone(),
            tax_rates: s.tax_rates.clone(),
            tax_inclusive: s.tax_inclusive,
            refund_approval_minor: s.refund_approval_minor,
            active: s.active,
            created_at: time(s.created_at),
            updated_at: time(s.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreList {
    pub items: Vec<StoreView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreListParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Include deactivated stores (admins only; default false).
    pub include_inactive: Option<bool>,
}

/// List the stores you work in (admins: all stores).
#[utoipa::path(get, path = "/api/stores", tag = "stores", params(StoreListParams),
    responses((status = 200, description = "A page of stores", body = StoreList)), security(("bearer" = [])))]
async fn list_stores(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<StoreListParams>,
) -> ApiResult<Json<StoreList>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let p = &session.principal;
    let scope = if p.is_org_admin {
        StoreScope::All
    } else {
        StoreScope::Only(p.memberships.iter().map(|m| m.store_id).collect())
    };
    let include_inactive = params.include_inactive.unwrap_or(false) && p.is_org_admin;
    let result = stores::list(
        &mut *state.db.conn().await?,
        session.user.org_id,
        &scope,
        include_inactive,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(StoreList {
        items: result.items.iter().map(StoreView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    /// 1 to 16 of A-Z, 0-9, `-` (lower case is upper-cased).
    #[schema(pattern = "^[A-Za-z0-9-]{1,16}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    pub tax_id: Option<String>,
    /// ISO 4217; defaults to the organisation's currency.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// Tax class → rate in basis points, e.g. `{"standard": 1900, "reduced": 700}`.
    pub tax_rates: BTreeMap<String, i64>,
    #[serde(default = "default_true")]
    pub tax_inclusive: bool,
    /// Refunds above this (minor units) need a manager's approval; default 5000 (50.00).
    pub refund_approval_minor: Option<i64>,
}

/// 0 (approve every refund) to 100,000,000 minor units.
fn approval_threshold(v: i64) -> ApiResult<i64> {
    if (0..=100_000_000).contains(&v) {
        Ok(v)
    } else {
        Err(
            ApiError::unprocessable("invalid_amount", "must be between 0 and 100000000")
                .field("refund_approval_minor"),
        )
    }
}

fn default_true() -> bool {
    true
}

fn tax_rates(raw: &BTreeMap<String, i64>) -> Result<BTreeMap<String, i32>, ValidationError> {
    if raw.len() > 16 {
        return Err(
            ValidationError::new("too_many_tax_classes", "at most 16 tax classes").at("tax_rates"),
        );
    }
    raw.iter()
        .map(|(class, bp)| {
            let valid_class = (1..=32).contains(&class.len())
                && class
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_class {
                return Err(ValidationError::new(
                    "invalid_tax_class",
                    "tax classes are 1 to 32 of a-z, 0-9, _",
                )
                .at(format!("tax_rates.{class}")));
            }
            Ok((
                class.clone(),
                validation::tax_rate_bp(*bp).map_err(|e| e.at(format!("tax_rates.{class}")))?,
            ))
        })
        .collect()
}

fn currency(raw: &str) -> Result<String, ValidationError> {
    Currency::parse(raw)
        .map(|c| c.code().to_owned())
        .map_err(|e| e.at("currency"))
}

fn code_taken(err: chainsync_storage::StorageError) -> ApiError {
    if err.is_conflict_on("stores_org_code_key", "stores.org_id, stores.code") {
        ApiError::conflict("store_code_taken", "another store already has this code").field("code")
    } else {
        err.into()
    }
}

fn require_admin(session: &Session) -> ApiResult<()> {
    if session.principal.is_org_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only admins can change stores"))
    }
}

/// Create a store (admins).
#[utoipa::path(post, path = "/api/stores", tag = "stores", request_body = CreateStoreRequest,
    responses((status = 201, description = "Created", body = StoreView)), security(("bearer" = [])))]
async fn create_store(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<CreateStoreRequest>,
) -> ApiResult<(StatusCode, Json<StoreView>)> {
    require_admin(&session)?;
    let org_currency = orgs::get(&mut *state.db.conn().await?, session.user.org_id)
        .await?
        .map(|o| o.currency)
        .unwrap_or_else(|| Currency::EUR.code().to_owned());
    let now = now_ms();
    let store = StoreRecord {
        id: StoreId::new(),
        org_id: session.user.org_id,
        code: validation::store_code(&body.code).map_err(|e| e.at("code"))?,
        name: validation::name(&body.name, 100).map_err(|e| e.at("name"))?,
        address: validation::optional_text(body.address.as_deref(), 200)
            .map_err(|e| e.at("address"))?,
        city: validation::optional_text(body.city.as_deref(), 100).map_err(|e| e.at("city"))?,
        country: validation::country_code(&body.country).map_err(|e| e.at("country"))?,
        tax_id: validation::optional_text(body.tax_id.as_deref(), 50)
            .map_err(|e| e.at("tax_id"))?,
        currency: currency(body.currency.as_deref().unwrap_or(&org_currency))?,
        timezone: validation::timezone(&body.timezone)
            .map_err(|e| e.at("timezone"))?
            .name()
            .to_owned(),
        tax_rates: tax_rates(&body.tax_rates)?,
        tax_inclusive: body.tax_inclusive,
        refund_approval_minor: approval_threshold(body.refund_approval_minor.unwrap_or(5000))?,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    stores::insert(&mut tx, &store).await.map_err(code_taken)?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "store.created",
            Some(("store", store.id.to_string())),
            json!({ "code": store.code, "name": store.name }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(StoreView::from(&store))))
}

async fn load_store(conn: &mut Conn, session: &Session, id: StoreId) -> ApiResult<StoreRecord> {
    stores::get(conn, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("store"))
}

/// One store (admins, or staff of that store).
#[utoipa::path(get, path = "/api/stores/{store_id}", tag = "stores", params(("store_id" = StoreId, Path, description = "Store id")),
    responses((status = 200, description = "The store", body = StoreView)), security(("bearer" = [])))]
async fn get_store(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<StoreId>,
) -> ApiResult<Json<StoreView>> {
    let store = load_store(&mut *state.db.conn().await?, &session, id).await?;
    if !session.principal.can_view_store(store.id) {
        return Err(ApiError::forbidden("you do not work in this store"));
    }
    Ok(Json(StoreView::from(&store)))
}

/// Every field optional; `null` clears the optional text fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::common::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::common::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub city: Option<Option<String>>,
    pub country: Option<String>,
    #[serde(default, deserialize_with = "crate::http::common::double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub tax_id: Option<Option<String>>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub tax_rates: Option<BTreeMap<String, i64>>,
    pub tax_inclusive: Option<bool>,
    pub refund_approval_minor: Option<i64>,
    pub active: Option<bool>,
}

/// Change a store (admins). Every changed field is recorded in the audit log.
#[utoipa::path(patch, path = "/api/stores/{store_id}", tag = "stores", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = UpdateStoreRequest, responses((status = 200, description = "Updated", body = StoreView)), security(("bearer" = [])))]
async fn update_store(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<StoreId>,
    ApiJson(body): ApiJson<UpdateStoreRequest>,
) -> ApiResult<Json<StoreView>> {
    let mut tx = state.db.begin_write().await?;
    let mut store = load_store(&mut tx, &session, id).await?;
    require_admin(&session)?;
    let before = serde_json::to_value(StoreView::from(&store)).map_err(ApiError::internal)?;
    if let Some(v) = &body.code {
        store.code = validation::store_code(v).map_err(|e| e.at("code"))?;
    }
    if let Some(v) = &body.name {
        store.name = validation::name(v, 100).map_err(|e| e.at("name"))?;
    }
    if let Some(v) = &body.address {
        store.address =
            validation::optional_text(v.as_deref(), 200).map_err(|e| e.at("address"))?;
    }
    if let Some(v) = &body.city {
        store.city = validation::optional_text(v.as_deref(), 100).map_err(|e| e.at("city"))?;
    }
    if let Some(v) = &body.country {
        store.country = validation::country_code(v).map_err(|e| e.at("country"))?;
    }
    if let Some(v) = &body.tax_id {
        store.tax_id = validation::optional_text(v.as_deref(), 50).map_err(|e| e.at("tax_id"))?;
    }
    if let Some(v) = &body.currency {
        store.currency = currency(v)?;
    }
    if let Some(v) = &body.timezone {
        store.timezone = validation::timezone(v)
            .map_err(|e| e.at("timezone"))?
            .name()
            .to_owned();
    }
    if let Some(v) = &body.tax_rates {
        store.tax_rates = tax_rates(v)?;
    }
    if let Some(v) = body.tax_inclusive {
        store.tax_inclusive = v;
    }
    if let Some(v) = body.refund_approval_minor {
        store.refund_approval_minor = approval_threshold(v)?;
    }
    if let Some(v) = body.active {
        store.active = v;
    }
    store.updated_at = now_ms();
    stores::update(&mut tx, &store).await.map_err(code_taken)?;
    let after = serde_json::to_value(StoreView::from(&store)).map_err(ApiError::internal)?;
    let changes = crate::http::common::diff(&before, &after, &["updated_at"]);
    if !changes.is_empty() {
        let auditor = Auditor::for_session(&session, ip);
        audit::insert(
            &mut tx,
            &auditor.entry(
                "store.updated",
                Some(("store", store.id.to_string())),
                json!({ "changes": changes }),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(StoreView::from(&store)))
}

/// Deactivate a store (admins). Its history stays; it disappears from default lists.
#[utoipa::path(delete, path = "/api/stores/{store_id}", tag = "stores", params(("store_id" = StoreId, Path, description = "Store id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_store(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<StoreId>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let mut store = load_store(&mut tx, &session, id).await?;
    require_admin(&session)?;
    if store.active {
        store.active = false;
        store.updated_at = now_ms();
        stores::update(&mut tx, &store).await?;
        let auditor = Auditor::for_session(&session, ip);
        audit::insert(
            &mut tx,
            &auditor.entry(
                "store.deactivated",
                Some(("store", store.id.to_string())),
                json!({}),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
