//! `/api/stores/{store_id}/purchase-orders`: orders placed with a supplier for a store, and
//! receiving against them, in as many deliveries as it takes (rules in `retail::transfers`).
//! The store's managers (and admins) order, receive and cancel; its staff can read orders.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_manage, require_view, store_in_org};
use crate::retail::stock::move_stock;
use crate::retail::transfers::{movement, po_status};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::{ProductId, PurchaseOrderId, StoreId, SupplierId, UserId};
use chainsync_domain::stock::MovementKind;
use chainsync_domain::validation;
use chainsync_storage::purchase_orders::{self as po, PurchaseOrderLine, PurchaseOrderRecord};
use chainsync_storage::{Conn, audit, catalog, events, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order))
        .routes(routes!(receive_order))
        .routes(routes!(cancel_order))
}

const MAX_LINES: usize = 500;
const MAX_QUANTITY: i64 = 10_000_000;
const MAX_UNIT_COST: i64 = 100_000_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderLineView {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    pub quantity_outstanding: i64,
    pub unit_cost_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderView {
    pub id: PurchaseOrderId,
    pub store_id: StoreId,
    pub supplier_id: SupplierId,
    /// `open`, `partially_received`, `received` or `cancelled`.
    pub status: String,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub expected_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub total_cost_minor: i64,
    pub lines: Vec<PurchaseOrderLineView>,
}

fn view(p: &PurchaseOrderRecord, lines: &[PurchaseOrderLine]) -> PurchaseOrderView {
    PurchaseOrderView {
        id: p.id,
        store_id: p.store_id,
        supplier_id: p.supplier_id,
        status: p.status.clone(),
        reference: p.reference.clone(),
        note: p.note.clone(),
        expected_at: p.expected_at.map(time),
        created_by: p.created_by,
        created_at: time(p.created_at),
        updated_at: time(p.updated_at),
        total_cost_minor: lines
            .iter()
            .map(|l| l.quantity_ordered * l.unit_cost_minor)
            .sum(),
        lines: lines
            .iter()
            .map(|l| PurchaseOrderLineView {
                line_no: l.line_no,
                product_id: l.product_id,
                quantity_ordered: l.quantity_ordered,
                quantity_received: l.quantity_received,
                quantity_outstanding: (l.quantity_ordered - l.quantity_received).max(0),
                unit_cost_minor: l.unit_cost_minor,
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub product_id: ProductId,
    pub quantity: i64,
    /// Agreed cost per unit; omitted, the product's catalog cost.
    pub unit_cost_minor: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    pub supplier_id: SupplierId,
    pub lines: Vec<OrderLineInput>,
    /// The supplier's or your own order number.
    #[schema(max_length = 100)]
    pub reference: Option<String>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
    pub expected_at: Option<DateTime<Utc>>,
}

/// Place an order with a supplier for this store (its managers).
#[utoipa::path(post, path = "/api/stores/{store_id}/purchase-orders", tag = "purchase-orders", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = CreateOrder, responses((status = 201, description = "Created", body = PurchaseOrderView)), security(("bearer" = [])))]
async fn create_order(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<CreateOrder>,
) -> ApiResult<(StatusCode, Json<PurchaseOrderView>)> {
    let org = session.user.org_id;
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    require_manage(&session, store)?;
    catalog::get_supplier(&mut tx, org, body.supplier_id)
        .await?
        .filter(|s| s.active)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_supplier",
                "no such active supplier in your organisation",
            )
            .field("supplier_id")
        })?;
    if body.lines.is_empty() || body.lines.len() > MAX_LINES {
        return Err(
            ApiError::unprocessable("invalid_lines", format!("1 to {MAX_LINES} lines"))
                .field("lines"),
        );
    }
    let mut lines = Vec::with_capacity(body.lines.len());
    for (i, l) in body.lines.iter().enumerate() {
        let product = catalog::get_product(&mut tx, org, l.product_id)
            .await?
            .ok_or_else(|| {
                ApiError::unprocessable("unknown_product", "no such product in your organisation")
                    .field(format!("lines[{i}].product_id"))
            })?;
        if lines
            .iter()
            .any(|x: &PurchaseOrderLine| x.product_id == l.product_id)
        {
            return Err(
                ApiError::unprocessable("duplicate_line", "each product may appear once")
                    .field(format!("lines[{i}].product_id")),
            );
        }
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                format!("must be between 1 and {MAX_QUANTITY}"),
            )
            .field(format!("lines[{i}].quantity")));
        }
        let cost = l.unit_cost_minor.unwrap_or(product.cost_minor);
        if !(0..=MAX_UNIT_COST).contains(&cost) {
            return Err(ApiError::unprocessable(
                "invalid_amount",
                format!("must be between 0 and {MAX_UNIT_COST}"),
            )
            .field(format!("lines[{i}].unit_cost_minor")));
        }
        lines.push(PurchaseOrderLine {
            line_no: i as i64,
            product_id: l.product_id,
            quantity_ordered: l.quantity,
            quantity_received: 0,
            unit_cost_minor: cost,
        });
    }
    let now = now_ms();
    let record = PurchaseOrderRecord {
        id: PurchaseOrderId::new(),
        org_id: org,
        store_id: store,
        supplier_id: body.supplier_id,
        status: "open".into(),
        reference: validation::optional_text(body.reference.as_deref(), 100)
            .map_err(|e| e.at("reference"))?,
        note: validation::optional_text(body.note.as_deref(), 500).map_err(|e| e.at("note"))?,
        expected_at: body.expected_at.map(|t| t.timestamp_millis()),
        created_by: session.user.id,
        created_at: now,
        updated_at: now,
    };
    po::insert(&mut tx, &record, &lines).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "purchase_order.created",
            Some(("purchase_order", record.id.to_string())),
            json!({ "supplier_id": body.supplier_id, "lines": lines.len() }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(view(&record, &lines))))
}

async fn load(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
    id: PurchaseOrderId,
) -> ApiResult<PurchaseOrderRecord> {
    store_in_org(conn, session, store).await?;
    let p = po::get(conn, session.user.org_id, store, id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    require_view(session, store)?;
    Ok(p)
}

/// One purchase order with what has been received so far.
#[utoipa::path(get, path = "/api/stores/{store_id}/purchase-orders/{po_id}", tag = "purchase-orders",
    params(("store_id" = StoreId, Path, description = "Store id"), ("po_id" = PurchaseOrderId, Path, description = "Purchase order id")),
    responses((status = 200, description = "The order", body = PurchaseOrderView)), security(("bearer" = [])))]
async fn get_order(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, PurchaseOrderId)>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let mut conn = state.db.conn().await?;
    let p = load(&mut conn, &session, store, id).await?;
    let lines = po::lines(&mut conn, id).await?;
    Ok(Json(view(&p, &lines)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    /// `open`, `partially_received`, `received` or `cancelled`.
    pub status: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderList {
    pub items: Vec<PurchaseOrderView>,
    pub next_cursor: Option<String>,
}

/// The store's purchase orders, newest first.
#[utoipa::path(get, path = "/api/stores/{store_id}/purchase-orders", tag = "purchase-orders", params(("store_id" = StoreId, Path, description = "Store id"), OrderParams),
    responses((status = 200, description = "A page of orders", body = PurchaseOrderList)), security(("bearer" = [])))]
async fn list_orders(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<OrderParams>,
) -> ApiResult<Json<PurchaseOrderList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let status = match params.status.as_deref() {
        None => None,
        Some(s @ ("open" | "partially_received" | "received" | "cancelled")) => Some(s),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "invalid_status",
                "status is open, partially_received, received or cancelled",
            )
            .field("status"));
        }
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = po::list(&mut conn, store, status, page.cursor()?, page.limit()?).await?;
    let mut items = Vec::with_capacity(result.items.len());
    for p in &result.items {
        let lines = po::lines(&mut conn, p.id).await?;
        items.push(view(p, &lines));
    }
    Ok(Json(PurchaseOrderList {
        items,
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    pub product_id: ProductId,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveOrder {
    pub lines: Vec<ReceiptLine>,
}

/// Receive (part of) a delivery against the order: stock arrives at the line's cost.
#[utoipa::path(post, path = "/api/stores/{store_id}/purchase-orders/{po_id}/receipts", tag = "purchase-orders",
    params(("store_id" = StoreId, Path, description = "Store id"), ("po_id" = PurchaseOrderId, Path, description = "Purchase order id")),
    request_body = ReceiveOrder, responses((status = 200, description = "Received", body = PurchaseOrderView)), security(("bearer" = [])))]
async fn receive_order(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, PurchaseOrderId)>,
    ApiJson(body): ApiJson<ReceiveOrder>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let org = session.user.org_id;
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    let mut order = po::get_for_update(&mut tx, state.db.backend(), org, store, id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    require_manage(&session, store)?;
    if matches!(order.status.as_str(), "received" | "cancelled") {
        return Err(ApiError::conflict(
            "purchase_order_closed",
            format!("this order is {}", order.status),
        ));
    }
    if body.lines.is_empty() || body.lines.len() > MAX_LINES {
        return Err(
            ApiError::unprocessable("invalid_lines", format!("1 to {MAX_LINES} lines"))
                .field("lines"),
        );
    }
    let mut lines = po::lines(&mut tx, id).await?;
    let now = now_ms();
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in body.lines.iter().enumerate() {
        let Some(line) = lines.iter_mut().find(|l| l.product_id == r.product_id) else {
            return Err(ApiError::unprocessable(
                "unknown_order_line",
                "this product is not on the order",
            )
            .field(format!("lines[{i}].product_id")));
        };
        if !seen.insert(r.product_id) {
            return Err(
                ApiError::unprocessable("duplicate_line", "each product may appear once")
                    .field(format!("lines[{i}].product_id")),
            );
        }
        let outstanding = line.quantity_ordered - line.quantity_received;
        if r.quantity < 1 || r.quantity > outstanding {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                format!("between 1 and the {outstanding} still outstanding"),
            )
            .field(format!("lines[{i}].quantity")));
        }
        let inbound = movement(
            org,
            store,
            r.product_id,
            MovementKind::Receipt,
            r.quantity,
            Some(line.unit_cost_minor),
            ("purchase_order", id.to_string()),
            session.user.id,
            now,
        );
        move_stock(&mut tx, &inbound).await?;
        po::add_received(&mut tx, id, line.line_no, r.quantity).await?;
        line.quantity_received += r.quantity;
    }
    let status = po_status(
        &lines
            .iter()
            .map(|l| (l.quantity_ordered, l.quantity_received))
            .collect::<Vec<_>>(),
    );
    po::set_status(&mut tx, id, status, now).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "purchase_order.received",
            Some(("purchase_order", id.to_string())),
            json!({ "lines": body.lines.len(), "status": status }),
        ),
    )
    .await?;
    events::append(
        &mut tx,
        org,
        Some(store),
        "purchase_order.received",
        &json!({ "purchase_order_id": id, "status": status }),
        now,
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    order.status = status.into();
    order.updated_at = now;
    Ok(Json(view(&order, &lines)))
}

/// Cancel what is still outstanding on an order (received goods stay received).
#[utoipa::path(post, path = "/api/stores/{store_id}/purchase-orders/{po_id}/cancel", tag = "purchase-orders",
    params(("store_id" = StoreId, Path, description = "Store id"), ("po_id" = PurchaseOrderId, Path, description = "Purchase order id")),
    responses((status = 200, description = "Cancelled", body = PurchaseOrderView)), security(("bearer" = [])))]
async fn cancel_order(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, PurchaseOrderId)>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let org = session.user.org_id;
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    let mut order = po::get_for_update(&mut tx, state.db.backend(), org, store, id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    require_manage(&session, store)?;
    if matches!(order.status.as_str(), "received" | "cancelled") {
        return Err(ApiError::conflict(
            "purchase_order_closed",
            format!("this order is {}", order.status),
        ));
    }
    let now = now_ms();
    po::set_status(&mut tx, id, "cancelled", now).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "purchase_order.cancelled",
            Some(("purchase_order", id.to_string())),
            json!({}),
        ),
    )
    .await?;
    let lines = po::lines(&mut tx, id).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    order.status = "cancelled".into();
    order.updated_at = now;
    Ok(Json(view(&order, &lines)))
}
