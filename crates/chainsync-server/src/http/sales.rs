//! `/api/stores/{store_id}/sales`: ring up a sale (a terminal's mutation, applied by
//! `retail::sales::apply_sale`, the same function offline sync uses), list and read sales, and
//! print a receipt (HTML for 80 mm paper).
//!
//! Anyone working in the store may sell and read its sales.

use super::common::PageParams;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::Session;
use super::terminals::{require_view, store_in_org};
use crate::retail::sales::{
    PricingInputs, SaleLineInput, SaleMutation, SaleView, apply_sale, cart_from_lines, context,
    load_pricing_inputs,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chainsync_domain::ids::{CustomerId, ProductId, ShiftId, StoreId};
use chainsync_domain::pricing::{ManualDiscount, Payment, PricedCart, price_cart as price};
use chainsync_storage::stores::StoreRecord;
use chainsync_storage::{catalog, sales, terminals};
use serde::Deserialize;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(price_cart))
        .routes(routes!(list_sales, create_sale))
        .routes(routes!(get_sale))
        .routes(routes!(receipt))
}

/// Ring up a sale. Replaying the same mutation returns the original answer and changes
/// nothing; a revoked terminal's sale is quarantined (202).
#[utoipa::path(post, path = "/api/stores/{store_id}/sales", tag = "sales", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = SaleMutation,
    responses((status = 201, description = "Recorded (also the answer to a replay)", body = SaleView),
              (status = 202, description = "Quarantined: the terminal is revoked", body = Object)),
    security(("bearer" = [])))]
async fn create_sale(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiJson(body): ApiJson<SaleMutation>,
) -> ApiResult<Response> {
    // A concurrent delivery of the same mutation (or of the terminal's same next sequence) can
    // win the race; the retry then answers with that delivery's outcome.
    // The store and the catalog are read before the write transaction (see `PricingInputs`).
    let (store, inputs) = store_and_pricing_inputs(&state, &session, store_id, &body.lines).await?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = state.db.begin_grouped_write().await?;
        match apply_sale(&mut tx, &session, &store, &body, &inputs).await {
            Ok(applied) => {
                tx.commit().await.map_err(ApiError::internal)?;
                return Ok((applied.status, Json(applied.body)).into_response());
            }
            Err(e) if attempt < 3 && matches!(e.code, "sequence_race" | "conflict") => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The store (404 outside the caller's organisation, 403 outside their stores) and what
/// pricing `lines` there needs: from the pricing cache, or read and then cached.
async fn store_and_pricing_inputs(
    state: &AppState,
    session: &Session,
    store_id: StoreId,
    lines: &[SaleLineInput],
) -> ApiResult<(StoreRecord, PricingInputs)> {
    let cache = &state.pricing_cache;
    let lookups = &state.metrics.pricing_cache_lookups;
    if let Some(cached) = cache.lookup(session.user.org_id, store_id, lines) {
        lookups.with_label_values(&["hit"]).inc();
        require_view(session, store_id)?;
        return Ok(cached);
    }
    lookups.with_label_values(&["miss"]).inc();
    let generation = cache.generation();
    let mut conn = state.db.conn().await?;
    let store = store_in_org(&mut conn, session, store_id).await?;
    require_view(session, store_id)?;
    let inputs = load_pricing_inputs(&mut conn, &store, lines).await?;
    cache.fill(generation, &store, &inputs);
    Ok((store, inputs))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SaleList {
    pub items: Vec<SaleView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SaleParams {
    /// Only the sale with this receipt number (returns start here).
    pub receipt_number: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub shift_id: Option<ShiftId>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The store's sales, newest first; filter by receipt number, customer or shift.
#[utoipa::path(get, path = "/api/stores/{store_id}/sales", tag = "sales", params(("store_id" = StoreId, Path, description = "Store id"), SaleParams),
    responses((status = 200, description = "A page of sales", body = SaleList)), security(("bearer" = [])))]
async fn list_sales(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<SaleParams>,
) -> ApiResult<Json<SaleList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let filter = sales::SaleFilter {
        receipt_number: params.receipt_number,
        customer_id: params.customer_id,
        shift_id: params.shift_id,
    };
    let result = sales::list_sales(
        &mut conn,
        session.user.org_id,
        Some(store),
        &filter,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    let mut items = Vec::with_capacity(result.items.len());
    for sale in &result.items {
        let seq = sales::find_mutation(&mut conn, session.user.org_id, sale.mutation_id)
            .await?
            .map_or(0, |m| m.seq);
        items.push(SaleView::from_record(sale, seq)?);
    }
    Ok(Json(SaleList {
        items,
        next_cursor: result.next_cursor,
    }))
}

async fn load(
    state: &AppState,
    session: &Session,
    store: StoreId,
    id: Uuid,
) -> ApiResult<(sales::SaleRecord, i64)> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, session, store).await?;
    let sale = sales::get_sale(&mut conn, session.user.org_id, store, id)
        .await?
        .ok_or_else(|| ApiError::not_found("sale"))?;
    require_view(session, store)?;
    let seq = sales::find_mutation(&mut conn, session.user.org_id, sale.mutation_id)
        .await?
        .map_or(0, |m| m.seq);
    Ok((sale, seq))
}

/// One sale.
#[utoipa::path(get, path = "/api/stores/{store_id}/sales/{sale_id}", tag = "sales",
    params(("store_id" = StoreId, Path, description = "Store id"), ("sale_id" = Uuid, Path, description = "Sale id")),
    responses((status = 200, description = "The sale", body = SaleView)), security(("bearer" = [])))]
async fn get_sale(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, Uuid)>,
) -> ApiResult<Json<SaleView>> {
    let (sale, seq) = load(&state, &session, store, id).await?;
    Ok(Json(SaleView::from_record(&sale, seq)?))
}

/// The receipt, as HTML sized for 80 mm paper (print it from the browser).
#[utoipa::path(get, path = "/api/stores/{store_id}/sales/{sale_id}/receipt", tag = "sales",
    params(("store_id" = StoreId, Path, description = "Store id"), ("sale_id" = Uuid, Path, description = "Sale id")),
    responses((status = 200, description = "The receipt", body = String, content_type = "text/html")), security(("bearer" = [])))]
async fn receipt(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store_id, id)): ApiPath<(StoreId, Uuid)>,
) -> ApiResult<Response> {
    let (sale, _) = load(&state, &session, store_id, id).await?;
    let mut conn = state.db.conn().await?;
    let store = store_in_org(&mut conn, &session, store_id).await?;
    let terminal = terminals::get(&mut conn, session.user.org_id, sale.terminal_id).await?;
    let priced: PricedCart = serde_json::from_str(&sale.priced).map_err(ApiError::internal)?;
    let payments: Vec<Payment> =
        serde_json::from_str(&sale.payments).map_err(ApiError::internal)?;
    let mut names = Vec::with_capacity(priced.lines.len());
    for line in &priced.lines {
        let name = catalog::get_product(&mut conn, session.user.org_id, ProductId(line.product_id))
            .await?
            .map_or_else(|| line.product_id.to_string(), |p| p.name);
        names.push(name);
    }
    let html = crate::http::receipt::render(&crate::http::receipt::ReceiptData {
        store: &store,
        terminal_code: terminal.as_ref().map_or("", |t| t.code.as_str()),
        sale: &sale,
        priced: &priced,
        payments: &payments,
        product_names: &names,
    });
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// A cart to price before (or without) selling it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceCartRequest {
    pub lines: Vec<SaleLineInput>,
    #[serde(default)]
    pub cart_discount: Option<ManualDiscount>,
    /// Optional: when given, they are settled (change, cash rounding, what is still due).
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// The moment to price at (promotions are scheduled); default now.
    #[serde(default)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PricedCartView {
    /// Lines, discounts, tax per rate, totals, and the settlement when payments were given.
    #[schema(value_type = Object)]
    pub priced: serde_json::Value,
    /// `stale_price:<line>` where a line's price differs from today's price in this store.
    pub flags: Vec<String>,
}

/// Price this cart with the store's prices, tax and promotions, exactly as a sale would be
/// priced. Changes nothing.
#[utoipa::path(post, path = "/api/stores/{store_id}/price-cart", tag = "sales", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = PriceCartRequest, responses((status = 200, description = "The priced cart", body = PricedCartView)), security(("bearer" = [])))]
async fn price_cart(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiJson(body): ApiJson<PriceCartRequest>,
) -> ApiResult<Json<PricedCartView>> {
    let (store, inputs) = store_and_pricing_inputs(&state, &session, store_id, &body.lines).await?;
    if body.lines.len() > crate::retail::sales::MAX_SALE_LINES {
        return Err(
            ApiError::unprocessable("invalid_lines", "a cart has at most 500 lines").field("lines"),
        );
    }
    let (cart, flags, _) =
        cart_from_lines(&inputs, &body.lines, body.cart_discount, body.payments)?;
    let priced = price(
        &cart,
        &context(&store, &inputs, body.at.unwrap_or_else(chrono::Utc::now))?,
    )?;
    Ok(Json(PricedCartView {
        priced: serde_json::to_value(priced).map_err(ApiError::internal)?,
        flags,
    }))
}
