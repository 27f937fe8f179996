//! `/api/suppliers`: who the chain buys from. Admins and managers read them (purchase orders
//! name them); admins change them.

use super::{conflict_on, require_admin};
use crate::http::common::{Auditor, PageParams, double_option, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ValidationError;
use chainsync_domain::ids::SupplierId;
use chainsync_domain::validation::{self, Email};
use chainsync_storage::catalog::{self, SupplierRecord};
use chainsync_storage::{audit, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::categories::ListParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppliers, create_supplier))
        .routes(routes!(get_supplier, update_supplier, deactivate_supplier))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierView {
    pub id: SupplierId,
    pub name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&SupplierRecord> for SupplierView {
    fn from(s: &SupplierRecord) -> Self {
        SupplierView {
            id: s.id,
            name: s.name.clone(),
            contact_name: s.contact_name.clone(),
            email: s.email.clone(),
            phone: s.phone.clone(),
            active: s.active,
            created_at: time(s.created_at),
            updated_at: time(s.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierList {
    pub items: Vec<SupplierView>,
    pub next_cursor: Option<String>,
}

fn require_staff_manager(session: &Session) -> ApiResult<()> {
    if session.principal.is_staff_manager() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only admins and managers see suppliers",
        ))
    }
}

/// List suppliers (admins and managers).
#[utoipa::path(get, path = "/api/suppliers", tag = "catalog", params(ListParams),
    responses((status = 200, description = "A page of suppliers", body = SupplierList)), security(("bearer" = [])))]
async fn list_suppliers(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<SupplierList>> {
    require_staff_manager(&session)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = catalog::list_suppliers(
        &mut *state.db.conn().await?,
        session.user.org_id,
        params.include_inactive.unwrap_or(false),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(SupplierList {
        items: result.items.iter().map(SupplierView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub contact_name: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    pub phone: Option<String>,
}

fn optional_email(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => Email::parse(e)
            .map(|e| Some(e.as_str().to_owned()))
            .map_err(|e| e.at("email")),
    }
}

const NAME_TAKEN: fn(chainsync_storage::StorageError) -> ApiError = |e| {
    conflict_on(
        "suppliers_org_name_key",
        "suppliers.org_id, suppliers.name",
        "supplier_name_taken",
        "another supplier has this name",
        "name",
    )(e)
};

/// Create a supplier (admins).
#[utoipa::path(post, path = "/api/suppliers", tag = "catalog", request_body = SupplierRequest,
    responses((status = 201, description = "Created", body = SupplierView)), security(("bearer" = [])))]
async fn create_supplier(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<SupplierRequest>,
) -> ApiResult<(StatusCode, Json<SupplierView>)> {
    require_admin(&session)?;
    let now = now_ms();
    let record = SupplierRecord {
        id: SupplierId::new(),
        org_id: session.user.org_id,
        name: validation::name(&body.name, 100).map_err(|e| e.at("name"))?,
        contact_name: validation::optional_text(body.contact_name.as_deref(), 100)
            .map_err(|e| e.at("contact_name"))?,
        email: optional_email(body.email.as_deref())?,
        phone: validation::optional_text(body.phone.as_deref(), 40).map_err(|e| e.at("phone"))?,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    catalog::save_supplier(&mut tx, &record)
        .await
        .map_err(NAME_TAKEN)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "supplier.created",
            Some(("supplier", record.id.to_string())),
            json!({ "name": record.name }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(SupplierView::from(&record))))
}

/// One supplier (admins and managers).
#[utoipa::path(get, path = "/api/suppliers/{supplier_id}", tag = "catalog", params(("supplier_id" = SupplierId, Path, description = "Supplier id")),
    responses((status = 200, description = "The supplier", body = SupplierView)), security(("bearer" = [])))]
async fn get_supplier(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<SupplierId>,
) -> ApiResult<Json<SupplierView>> {
    let record = catalog::get_supplier(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    require_staff_manager(&session)?;
    Ok(Json(SupplierView::from(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSupplierRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Change a supplier (admins); `null` clears an optional field.
#[utoipa::path(patch, path = "/api/suppliers/{supplier_id}", tag = "catalog", params(("supplier_id" = SupplierId, Path, description = "Supplier id")),
    request_body = UpdateSupplierRequest, responses((status = 200, description = "Updated", body = SupplierView)), security(("bearer" = [])))]
async fn update_supplier(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<SupplierId>,
    ApiJson(body): ApiJson<UpdateSupplierRequest>,
) -> ApiResult<Json<SupplierView>> {
    let mut tx = state.db.begin_write().await?;
    let mut record = catalog::get_supplier(&mut tx, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    require_admin(&session)?;
    if let Some(name) = &body.name {
        record.name = validation::name(name, 100).map_err(|e| e.at("name"))?;
    }
    if let Some(v) = &body.contact_name {
        record.contact_name =
            validation::optional_text(v.as_deref(), 100).map_err(|e| e.at("contact_name"))?;
    }
    if let Some(v) = &body.email {
        record.email = optional_email(v.as_deref())?;
    }
    if let Some(v) = &body.phone {
        record.phone = validation::optional_text(v.as_deref(), 40).map_err(|e| e.at("phone"))?;
    }
    if let Some(active) = body.active {
        record.active = active;
    }
    record.updated_at = now_ms();
    catalog::save_supplier(&mut tx, &record)
        .await
        .map_err(NAME_TAKEN)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "supplier.updated",
            Some(("supplier", id.to_string())),
            json!({ "name": record.name, "active": record.active }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(SupplierView::from(&record)))
}

/// Deactivate a supplier (admins).
#[utoipa::path(delete, path = "/api/suppliers/{supplier_id}", tag = "catalog", params(("supplier_id" = SupplierId, Path, description = "Supplier id")),
    responses((status = 204, description = "Deactivated")), security(("bearer" = [])))]
async fn deactivate_supplier(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<SupplierId>,
) -> ApiResult<StatusCode> {
    let change = UpdateSupplierRequest {
        name: None,
        contact_name: None,
        email: None,
        phone: None,
        active: Some(false),
    };
    // The updated view is not needed: DELETE answers 204.
    let _updated = update_supplier(
        State(state),
        session,
        ClientAddr(ip),
        ApiPath(id),
        ApiJson(change),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
