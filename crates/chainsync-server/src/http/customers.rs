//! `/api/customers` and `/api/loyalty/settings`: the chain's customers (looked up at the till
//! by phone, email or name), their purchase history and points, and the loyalty programme.
//!
//! Anyone working for the organisation (cashiers included: they attach customers at the till)
//! finds, creates and edits customers. Exporting and erasing a customer's personal data (the
//! right of access and the right to erasure) is for admins and managers, and audited. Erasing
//! blanks the personal fields and keeps the anonymous row, so sales and points still add up.
//! Loyalty settings: everyone reads them (the till needs them); admins change them.

use super::catalog::{conflict_on, require_admin};
use super::common::{Auditor, PageParams, double_option, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use crate::retail::sales::SaleView;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ValidationError;
use chainsync_domain::ids::CustomerId;
use chainsync_domain::loyalty::LoyaltySettings;
use chainsync_domain::validation::{self, Email};
use chainsync_storage::customers::{self, CustomerRecord};
use chainsync_storage::{audit, now_ms, sales};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, update_customer, erase_customer))
        .routes(routes!(customer_sales))
        .routes(routes!(customer_points))
        .routes(routes!(export_customer))
        .routes(routes!(get_loyalty, put_loyalty))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: CustomerId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub points_balance: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the personal data was erased on request.
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<&CustomerRecord> for CustomerView {
    fn from(c: &CustomerRecord) -> Self {
        CustomerView {
            id: c.id,
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            note: c.note.clone(),
            points_balance: c.points_balance,
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
            erased_at: c.erased_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerView>,
    pub next_cursor: Option<String>,
}

fn require_staff(session: &Session) -> ApiResult<()> {
    if session.principal.is_org_admin || !session.principal.memberships.is_empty() {
        Ok(())
    } else {
        Err(ApiError::forbidden("you do not work in any store"))
    }
}

fn require_privacy_officer(session: &Session) -> ApiResult<()> {
    if session.principal.is_staff_manager() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only admins and managers export or erase customer data",
        ))
    }
}

async fn load(state: &AppState, session: &Session, id: CustomerId) -> ApiResult<CustomerRecord> {
    customers::get(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerParams {
    /// Phone or email prefix, or part of the name (case-insensitive).
    pub q: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Find customers by phone, email or name.
#[utoipa::path(get, path = "/api/customers", tag = "customers", params(CustomerParams),
    responses((status = 200, description = "A page of customers", body = CustomerList)), security(("bearer" = [])))]
async fn list_customers(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<CustomerParams>,
) -> ApiResult<Json<CustomerList>> {
    require_staff(&session)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.len() > 100) {
        return Err(ApiError::unprocessable("invalid_query", "at most 100 characters").field("q"));
    }
    // A phone typed with spaces or dashes finds the stored form.
    let normalised = q.map(|q| validation::phone(q).unwrap_or_else(|_| q.to_owned()));
    let result = customers::search(
        &mut *state.db.conn().await?,
        session.user.org_id,
        normalised.as_deref(),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(CustomerList {
        items: result.items.iter().map(CustomerView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerRequest {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    /// Digits, optionally a leading `+`; spaces, dashes and brackets are ignored.
    pub phone: Option<String>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn email(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => Email::parse(e)
            .map(|e| Some(e.as_str().to_owned()))
            .map_err(|e| e.at("email")),
    }
}

fn phone(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(p) => validation::phone(p).map(Some).map_err(|e| e.at("phone")),
    }
}

fn taken(e: chainsync_storage::StorageError) -> ApiError {
    if e.is_conflict_on("customers_email_key", "customers.org_id, customers.email") {
        ApiError::conflict("customer_email_taken", "another customer has this email").field("email")
    } else {
        conflict_on(
            "customers_phone_key",
            "customers.org_id, customers.phone",
            "customer_phone_taken",
            "another customer has this phone number",
            "phone",
        )(e)
    }
}

fn require_contact(c: &CustomerRecord) -> ApiResult<()> {
    if c.name.is_none() && c.email.is_none() && c.phone.is_none() {
        return Err(ApiError::unprocessable(
            "customer_empty",
            "give at least a name, an email or a phone number",
        ));
    }
    Ok(())
}

/// Create a customer.
#[utoipa::path(post, path = "/api/customers", tag = "customers", request_body = CustomerRequest,
    responses((status = 201, description = "Created", body = CustomerView)), security(("bearer" = [])))]
async fn create_customer(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<CustomerRequest>,
) -> ApiResult<(StatusCode, Json<CustomerView>)> {
    require_staff(&session)?;
    let now = now_ms();
    let record = CustomerRecord {
        id: CustomerId::new(),
        org_id: session.user.org_id,
        name: validation::optional_text(body.name.as_deref(), 100).map_err(|e| e.at("name"))?,
        email: email(body.email.as_deref())?,
        phone: phone(body.phone.as_deref())?,
        note: validation::optional_text(body.note.as_deref(), 500).map_err(|e| e.at("note"))?,
        points_balance: 0,
        created_at: now,
        updated_at: now,
        erased_at: None,
    };
    require_contact(&record)?;
    let mut tx = state.db.begin_write().await?;
    customers::insert(&mut tx, &record).await.map_err(taken)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "customer.created",
            Some(("customer", record.id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(CustomerView::from(&record))))
}

/// One customer.
#[utoipa::path(get, path = "/api/customers/{customer_id}", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id")),
    responses((status = 200, description = "The customer", body = CustomerView)), security(("bearer" = [])))]
async fn get_customer(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<CustomerId>,
) -> ApiResult<Json<CustomerView>> {
    let record = load(&state, &session, id).await?;
    require_staff(&session)?;
    Ok(Json(CustomerView::from(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub note: Option<Option<String>>,
}

/// Change a customer's details (absent fields stay, `null` clears).
#[utoipa::path(patch, path = "/api/customers/{customer_id}", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id")),
    request_body = UpdateCustomerRequest, responses((status = 200, description = "Updated", body = CustomerView)), security(("bearer" = [])))]
async fn update_customer(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<CustomerId>,
    ApiJson(body): ApiJson<UpdateCustomerRequest>,
) -> ApiResult<Json<CustomerView>> {
    let mut record = load(&state, &session, id).await?;
    require_staff(&session)?;
    if record.erased_at.is_some() {
        return Err(ApiError::conflict(
            "customer_erased",
            "this customer's data was erased",
        ));
    }
    if let Some(name) = body.name {
        record.name = validation::optional_text(name.as_deref(), 100).map_err(|e| e.at("name"))?;
    }
    if let Some(e) = body.email {
        record.email = email(e.as_deref())?;
    }
    if let Some(p) = body.phone {
        record.phone = phone(p.as_deref())?;
    }
    if let Some(n) = body.note {
        record.note = validation::optional_text(n.as_deref(), 500).map_err(|e| e.at("note"))?;
    }
    require_contact(&record)?;
    record.updated_at = now_ms();
    let mut tx = state.db.begin_write().await?;
    customers::update(&mut tx, &record).await.map_err(taken)?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "customer.updated",
            Some(("customer", id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(CustomerView::from(&record)))
}

/// Erase a customer's personal data on request (admins and managers). Sales and points stay,
/// anonymous.
#[utoipa::path(delete, path = "/api/customers/{customer_id}", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id")),
    responses((status = 204, description = "Erased")), security(("bearer" = [])))]
async fn erase_customer(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<CustomerId>,
) -> ApiResult<StatusCode> {
    load(&state, &session, id).await?;
    require_privacy_officer(&session)?;
    let mut tx = state.db.begin_write().await?;
    if customers::erase(&mut tx, session.user.org_id, id, now_ms()).await? {
        audit::insert(
            &mut tx,
            &Auditor::for_session(&session, ip).entry(
                "customer.erased",
                Some(("customer", id.to_string())),
                json!({}),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSales {
    pub items: Vec<SaleView>,
    pub next_cursor: Option<String>,
}

/// A customer's purchases across the stores the caller works in, newest first.
#[utoipa::path(get, path = "/api/customers/{customer_id}/sales", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id"), PageParams),
    responses((status = 200, description = "A page of sales", body = CustomerSales)), security(("bearer" = [])))]
async fn customer_sales(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<CustomerId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<CustomerSales>> {
    load(&state, &session, id).await?;
    require_staff(&session)?;
    let filter = sales::SaleFilter {
        customer_id: Some(id),
        ..Default::default()
    };
    let mut conn = state.db.conn().await?;
    let result = sales::list_sales(
        &mut conn,
        session.user.org_id,
        None,
        &filter,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    let mut items = Vec::new();
    for sale in result
        .items
        .iter()
        .filter(|s| session.principal.can_view_store(s.store_id))
    {
        let seq = sales::find_mutation(&mut conn, session.user.org_id, sale.mutation_id)
            .await?
            .map_or(0, |m| m.seq);
        items.push(SaleView::from_record(sale, seq)?);
    }
    Ok(Json(CustomerSales {
        items,
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEntryView {
    pub delta: i64,
    pub balance_after: i64,
    /// `earn`, `redeem`, `return` or `adjustment`.
    pub reason: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsLedger {
    pub balance: i64,
    pub items: Vec<PointsEntryView>,
    pub next_cursor: Option<String>,
}

/// A customer's points: the balance and the ledger, newest first.
#[utoipa::path(get, path = "/api/customers/{customer_id}/points", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id"), PageParams),
    responses((status = 200, description = "Balance and ledger", body = PointsLedger)), security(("bearer" = [])))]
async fn customer_points(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<CustomerId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<PointsLedger>> {
    let record = load(&state, &session, id).await?;
    require_staff(&session)?;
    let cursor = page.cursor::<uuid::Uuid>()?.map(|c| c.to_string());
    let ledger = customers::points_ledger(
        &mut *state.db.conn().await?,
        session.user.org_id,
        id,
        cursor,
        page.limit()?,
    )
    .await?;
    Ok(Json(PointsLedger {
        balance: record.points_balance,
        items: ledger
            .items
            .iter()
            .map(|e| PointsEntryView {
                delta: e.delta,
                balance_after: e.balance_after,
                reason: e.reason.clone(),
                reference_type: e.reference_type.clone(),
                reference_id: e.reference_id.clone(),
                at: time(e.created_at),
            })
            .collect(),
        next_cursor: ledger.next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerExport {
    pub customer: CustomerView,
    pub points: Vec<PointsEntryView>,
    /// Every purchase: receipt, store, time, total, lines as priced.
    #[schema(value_type = Vec<Object>)]
    pub purchases: Vec<serde_json::Value>,
    pub exported_at: DateTime<Utc>,
}

/// Everything held about a customer, as one JSON document (right of access; admins and
/// managers; audited).
#[utoipa::path(get, path = "/api/customers/{customer_id}/export", tag = "customers", params(("customer_id" = CustomerId, Path, description = "Customer id")),
    responses((status = 200, description = "The customer's data", body = CustomerExport)), security(("bearer" = [])))]
async fn export_customer(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<CustomerId>,
) -> ApiResult<Json<CustomerExport>> {
    let record = load(&state, &session, id).await?;
    require_privacy_officer(&session)?;
    let org = session.user.org_id;
    let mut conn = state.db.conn().await?;
    let mut points = Vec::new();
    let mut cursor = None;
    loop {
        let page = customers::points_ledger(&mut conn, org, id, cursor, 200).await?;
        points.extend(page.items.iter().map(|e| PointsEntryView {
            delta: e.delta,
            balance_after: e.balance_after,
            reason: e.reason.clone(),
            reference_type: e.reference_type.clone(),
            reference_id: e.reference_id.clone(),
            at: time(e.created_at),
        }));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let filter = sales::SaleFilter {
        customer_id: Some(id),
        ..Default::default()
    };
    let mut purchases = Vec::new();
    let mut sale_cursor = None;
    loop {
        let page = sales::list_sales(&mut conn, org, None, &filter, sale_cursor, 200).await?;
        for s in &page.items {
            purchases.push(json!({
                "sale_id": s.id, "store_id": s.store_id, "receipt_number": s.receipt_number, "occurred_at": time(s.occurred_at),
                "currency": s.currency, "total_minor": s.total_minor, "points_earned": s.points_earned, "points_redeemed": s.points_redeemed,
                "priced": serde_json::from_str::<serde_json::Value>(&s.priced).map_err(ApiError::internal)?,
            }));
        }
        match page.next_cursor {
            Some(c) => sale_cursor = Some(c.parse().map_err(ApiError::internal)?),
            None => break,
        }
    }
    drop(conn);
    let mut tx = state.db.begin_write().await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "customer.exported",
            Some(("customer", id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(CustomerExport {
        customer: CustomerView::from(&record),
        points,
        purchases,
        exported_at: Utc::now(),
    }))
}

/// The loyalty programme (everyone may read it: the till needs the rates).
#[utoipa::path(get, path = "/api/loyalty/settings", tag = "customers",
    responses((status = 200, description = "The settings", body = LoyaltySettings)), security(("bearer" = [])))]
async fn get_loyalty(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<LoyaltySettings>> {
    Ok(Json(
        customers::loyalty_settings(&mut *state.db.conn().await?, session.user.org_id).await?,
    ))
}

/// Change the loyalty programme (admins; audited). Applies to sales from now on.
#[utoipa::path(put, path = "/api/loyalty/settings", tag = "customers", request_body = LoyaltySettings,
    responses((status = 200, description = "Saved", body = LoyaltySettings)), security(("bearer" = [])))]
async fn put_loyalty(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<LoyaltySettings>,
) -> ApiResult<Json<LoyaltySettings>> {
    require_admin(&session)?;
    body.validate()?;
    let mut tx = state.db.begin_write().await?;
    customers::save_loyalty_settings(&mut tx, session.user.org_id, &body, now_ms()).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "loyalty.settings_changed",
            None,
            serde_json::to_value(body).map_err(ApiError::internal)?,
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(body))
}
