//! Stock under `/api/stores/{store_id}/`: levels (`stock`), the ledger (`stock-movements`),
//! and the operations that write it: `stock-adjustments` (with a reason), `stock-receipts`
//! (goods in, at a unit cost), `stock-counts` (as of the time counted). Clients never set a
//! quantity on hand: every change is a movement (see `retail::stock`).
//!
//! Reading is for anyone working in the store; writing for admins and its managers.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_manage, require_view, store_in_org};
use crate::retail::stock::move_stock;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::catalog::amount_minor;
use chainsync_domain::ids::{MovementId, ProductId, StoreId, SupplierId, UserId};
use chainsync_domain::stock::{self as rules, AdjustmentReason, MovementKind};
use chainsync_storage::catalog::{self, ProductRecord};
use chainsync_storage::stock::{self, MovementRecord, NewMovement, StockLevel};
use chainsync_storage::{Conn, audit, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_levels))
        .routes(routes!(get_level))
        .routes(routes!(set_levels))
        .routes(routes!(list_movements))
        .routes(routes!(adjust))
        .routes(routes!(receive))
        .routes(routes!(count))
}

/// Most lines one stock operation may carry.
const MAX_LINES: usize = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct StockLevelView {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// In the product's unit (thousandths for weighed goods); negative when oversold.
    pub on_hand: i64,
    /// Weighted-average unit cost in minor units.
    pub avg_cost_minor: i64,
    pub reorder_point: Option<i64>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
    /// At or below the reorder point.
    pub low: bool,
    pub updated_at: DateTime<Utc>,
    /// The time of the item's latest stock count, if it was ever counted.
    pub last_counted_at: Option<DateTime<Utc>>,
}

impl From<&StockLevel> for StockLevelView {
    fn from(l: &StockLevel) -> Self {
        StockLevelView {
            product_id: l.product_id,
            sku: l.sku.clone(),
            name: l.name.clone(),
            on_hand: l.on_hand,
            avg_cost_minor: l.avg_cost_minor,
            reorder_point: l.reorder_point,
            min_level: l.min_level,
            max_level: l.max_level,
            low: l.reorder_point.is_some_and(|p| l.on_hand <= p),
            updated_at: time(l.updated_at),
            last_counted_at: l.counted_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockList {
    pub items: Vec<StockLevelView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelParams {
    /// Only items at or below their reorder point.
    pub low_only: Option<bool>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The store's stock levels.
#[utoipa::path(get, path = "/api/stores/{store_id}/stock", tag = "stock", params(("store_id" = StoreId, Path, description = "Store id"), LevelParams),
    responses((status = 200, description = "A page of stock levels", body = StockList)), security(("bearer" = [])))]
async fn list_levels(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<LevelParams>,
) -> ApiResult<Json<StockList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = stock::levels(
        &mut conn,
        store,
        params.low_only.unwrap_or(false),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(StockList {
        items: result.items.iter().map(StockLevelView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

async fn product_in_org(
    conn: &mut Conn,
    session: &Session,
    product: ProductId,
    field: &str,
) -> ApiResult<ProductRecord> {
    catalog::get_product(conn, session.user.org_id, product)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_product", "no such product in your organisation")
                .field(field)
        })
}

/// One item's stock (zero when it never moved).
#[utoipa::path(get, path = "/api/stores/{store_id}/stock/{product_id}", tag = "stock",
    params(("store_id" = StoreId, Path, description = "Store id"), ("product_id" = ProductId, Path, description = "Product id")),
    responses((status = 200, description = "The item's stock", body = StockLevelView)), security(("bearer" = [])))]
async fn get_level(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, product)): ApiPath<(StoreId, ProductId)>,
) -> ApiResult<Json<StockLevelView>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    let p = catalog::get_product(&mut conn, session.user.org_id, product)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    require_view(&session, store)?;
    let level = stock::level(&mut conn, store, product)
        .await?
        .unwrap_or(StockLevel {
            store_id: store,
            product_id: product,
            sku: p.sku,
            name: p.name,
            unit: p.unit,
            on_hand: 0,
            avg_cost_minor: p.cost_minor,
            reorder_point: None,
            min_level: None,
            max_level: None,
            updated_at: p.updated_at,
            counted_at: None,
        });
    Ok(Json(StockLevelView::from(&level)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLevels {
    /// Alert when stock falls to this or below; `null` for no alert.
    pub reorder_point: Option<i64>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
}

/// Set an item's reorder point and min/max (admins and the store's managers).
#[utoipa::path(put, path = "/api/stores/{store_id}/stock/{product_id}/levels", tag = "stock",
    params(("store_id" = StoreId, Path, description = "Store id"), ("product_id" = ProductId, Path, description = "Product id")),
    request_body = SetLevels, responses((status = 200, description = "The item's stock", body = StockLevelView)), security(("bearer" = [])))]
async fn set_levels(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, product)): ApiPath<(StoreId, ProductId)>,
    ApiJson(body): ApiJson<SetLevels>,
) -> ApiResult<Json<StockLevelView>> {
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    catalog::get_product(&mut tx, session.user.org_id, product)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    require_manage(&session, store)?;
    for (field, value) in [
        ("reorder_point", body.reorder_point),
        ("min_level", body.min_level),
        ("max_level", body.max_level),
    ] {
        if value.is_some_and(|v| !(0..=rules::MAX_QUANTITY).contains(&v)) {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                format!("must be between 0 and {}", rules::MAX_QUANTITY),
            )
            .field(field));
        }
    }
    if let (Some(min), Some(max)) = (body.min_level, body.max_level)
        && min > max
    {
        return Err(ApiError::unprocessable(
            "invalid_levels",
            "min_level must not exceed max_level",
        )
        .field("min_level"));
    }
    stock::set_levels(
        &mut tx,
        session.user.org_id,
        store,
        product,
        stock::Replenishment {
            reorder_point: body.reorder_point,
            min_level: body.min_level,
            max_level: body.max_level,
        },
        now_ms(),
    )
    .await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry("stock.levels_set", Some(("product", product.to_string())), json!({ "store_id": store, "reorder_point": body.reorder_point, "min_level": body.min_level, "max_level": body.max_level })),
    )
    .await?;
    let level = stock::level(&mut tx, store, product)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("level row missing")))?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(StockLevelView::from(&level)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    pub id: MovementId,
    pub product_id: ProductId,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<String>,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub unit_cost_minor: i64,
    pub user_id: Option<UserId>,
    /// When it happened in the store (a count's counting time, a sale's till time).
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

impl From<&MovementRecord> for MovementView {
    fn from(m: &MovementRecord) -> Self {
        MovementView {
            id: m.id,
            product_id: m.product_id,
            kind: m.kind,
            quantity: m.quantity,
            reason: m.reason.clone(),
            reference_type: m.reference_type.clone(),
            reference_id: m.reference_id.clone(),
            unit_cost_minor: m.unit_cost_minor,
            user_id: m.user_id,
            occurred_at: time(m.occurred_at),
            recorded_at: time(m.recorded_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementList {
    pub items: Vec<MovementView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementParams {
    pub product_id: Option<ProductId>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The store's stock ledger, newest first (admins and the store's managers).
#[utoipa::path(get, path = "/api/stores/{store_id}/stock-movements", tag = "stock", params(("store_id" = StoreId, Path, description = "Store id"), MovementParams),
    responses((status = 200, description = "A page of movements", body = MovementList)), security(("bearer" = [])))]
async fn list_movements(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<MovementParams>,
) -> ApiResult<Json<MovementList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_manage(&session, store)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = stock::movements(
        &mut conn,
        store,
        params.product_id,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(MovementList {
        items: result.items.iter().map(MovementView::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

/// The result of a stock operation: the movements it recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockOperationResult {
    /// Identifies the operation (the movements' reference).
    pub id: Uuid,
    pub movements: Vec<MovementResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementResult {
    pub movement_id: MovementId,
    pub product_id: ProductId,
    pub quantity: i64,
    pub on_hand_before: i64,
    pub on_hand_after: i64,
}

fn new_movement(
    session: &Session,
    store: StoreId,
    product: ProductId,
    kind: MovementKind,
    quantity: i64,
    reference: (&str, Uuid),
    occurred_at: i64,
) -> NewMovement {
    NewMovement {
        org_id: session.user.org_id,
        store_id: store,
        product_id: product,
        kind,
        quantity,
        reason: None,
        reference: Some((reference.0.to_owned(), reference.1.to_string())),
        unit_cost_minor: None,
        user_id: Some(session.user.id),
        occurred_at,
        recorded_at: now_ms(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStock {
    pub product_id: ProductId,
    /// Signed change, in the product's unit.
    pub quantity: i64,
    pub reason: AdjustmentReason,
    /// Free text for the record (up to 500 characters).
    pub note: Option<String>,
}

/// Adjust one item's stock with a reason (admins and the store's managers).
#[utoipa::path(post, path = "/api/stores/{store_id}/stock-adjustments", tag = "stock", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = AdjustStock, responses((status = 201, description = "Recorded", body = StockOperationResult)), security(("bearer" = [])))]
async fn adjust(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<AdjustStock>,
) -> ApiResult<(StatusCode, Json<StockOperationResult>)> {
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    require_manage(&session, store)?;
    product_in_org(&mut tx, &session, body.product_id, "product_id").await?;
    rules::quantity(body.quantity).map_err(|e| e.at("quantity"))?;
    body.reason
        .check_direction(body.quantity)
        .map_err(|e| e.at("quantity"))?;
    let note = chainsync_domain::validation::optional_text(body.note.as_deref(), 500)
        .map_err(|e| e.at("note"))?;
    let id = Uuid::now_v7();
    let mut movement = new_movement(
        &session,
        store,
        body.product_id,
        MovementKind::Adjustment,
        body.quantity,
        ("adjustment", id),
        now_ms(),
    );
    movement.reason = Some(match &note {
        Some(note) => format!("{}: {note}", body.reason.as_str()),
        None => body.reason.as_str().to_owned(),
    });
    let outcome = move_stock(&mut tx, &movement).await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry("stock.adjusted", Some(("product", body.product_id.to_string())), json!({ "store_id": store, "quantity": body.quantity, "reason": body.reason, "note": note })),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    let movement = MovementResult {
        movement_id: outcome.id,
        product_id: body.product_id,
        quantity: body.quantity,
        on_hand_before: outcome.before,
        on_hand_after: outcome.after,
    };
    Ok((
        StatusCode::CREATED,
        Json(StockOperationResult {
            id,
            movements: vec![movement],
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    pub product_id: ProductId,
    /// Units received (positive), in the product's unit.
    pub quantity: i64,
    /// Cost per whole unit in minor units; it blends into the item's average cost.
    pub unit_cost_minor: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveStock {
    pub supplier_id: Option<SupplierId>,
    /// The supplier's delivery note or invoice number.
    pub reference: Option<String>,
    pub lines: Vec<ReceiptLine>,
}

fn check_lines<T>(lines: &[T]) -> ApiResult<()> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(
            ApiError::unprocessable("invalid_lines", format!("1 to {MAX_LINES} lines"))
                .field("lines"),
        );
    }
    Ok(())
}

/// Receive goods at a unit cost (admins and the store's managers).
#[utoipa::path(post, path = "/api/stores/{store_id}/stock-receipts", tag = "stock", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = ReceiveStock, responses((status = 201, description = "Recorded", body = StockOperationResult)), security(("bearer" = [])))]
async fn receive(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<ReceiveStock>,
) -> ApiResult<(StatusCode, Json<StockOperationResult>)> {
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    require_manage(&session, store)?;
    check_lines(&body.lines)?;
    if let Some(supplier) = body.supplier_id
        && catalog::get_supplier(&mut tx, session.user.org_id, supplier)
            .await?
            .is_none()
    {
        return Err(ApiError::unprocessable(
            "unknown_supplier",
            "no such supplier in your organisation",
        )
        .field("supplier_id"));
    }
    let reference = chainsync_domain::validation::optional_text(body.reference.as_deref(), 100)
        .map_err(|e| e.at("reference"))?;
    let id = Uuid::now_v7();
    let now = now_ms();
    let mut movements = Vec::new();
    for (i, line) in body.lines.iter().enumerate() {
        product_in_org(
            &mut tx,
            &session,
            line.product_id,
            &format!("lines[{i}].product_id"),
        )
        .await?;
        if line.quantity <= 0 || line.quantity > rules::MAX_QUANTITY {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                "received quantities are positive",
            )
            .field(format!("lines[{i}].quantity")));
        }
        amount_minor(line.unit_cost_minor)
            .map_err(|e| e.at(format!("lines[{i}].unit_cost_minor")))?;
        let mut movement = new_movement(
            &session,
            store,
            line.product_id,
            MovementKind::Receipt,
            line.quantity,
            ("receipt", id),
            now,
        );
        movement.unit_cost_minor = Some(line.unit_cost_minor);
        movement.reason = reference.clone();
        let outcome = move_stock(&mut tx, &movement).await?;
        movements.push(MovementResult {
            movement_id: outcome.id,
            product_id: line.product_id,
            quantity: line.quantity,
            on_hand_before: outcome.before,
            on_hand_after: outcome.after,
        });
    }
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(&mut tx, &auditor.entry("stock.received", Some(("receipt", id.to_string())), json!({ "store_id": store, "supplier_id": body.supplier_id, "reference": reference, "lines": body.lines.len() }))).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(StockOperationResult { id, movements }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    pub product_id: ProductId,
    /// What was on the shelf when counted, in the product's unit.
    pub counted: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountStock {
    /// When the shelf was counted: the correction is made against the ledger at this time, so
    /// sales rung up since then are kept.
    pub counted_at: DateTime<Utc>,
    pub lines: Vec<CountLine>,
}

/// Record a stock count as of the time it was taken (admins and the store's managers).
#[utoipa::path(post, path = "/api/stores/{store_id}/stock-counts", tag = "stock", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = CountStock, responses((status = 201, description = "Corrections recorded (none for lines that matched)", body = StockOperationResult)), security(("bearer" = [])))]
async fn count(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<CountStock>,
) -> ApiResult<(StatusCode, Json<StockOperationResult>)> {
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    require_manage(&session, store)?;
    check_lines(&body.lines)?;
    let now = now_ms();
    let counted_at = body.counted_at.timestamp_millis();
    if counted_at > now + 5 * 60_000 {
        return Err(
            ApiError::unprocessable("count_in_future", "counted_at is in the future")
                .field("counted_at"),
        );
    }
    // Up to five minutes ahead is clock skew, not a count of the future: it counts as now, or
    // sales in those minutes would be taken as already seen by it.
    let counted_at = counted_at.min(now);
    let id = Uuid::now_v7();
    let mut movements = Vec::new();
    for (i, line) in body.lines.iter().enumerate() {
        product_in_org(
            &mut tx,
            &session,
            line.product_id,
            &format!("lines[{i}].product_id"),
        )
        .await?;
        if body.lines[..i]
            .iter()
            .any(|l| l.product_id == line.product_id)
        {
            return Err(ApiError::unprocessable(
                "duplicate_product",
                "each product may be counted once per count",
            )
            .field(format!("lines[{i}].product_id")));
        }
        if !(0..=rules::MAX_QUANTITY).contains(&line.counted) {
            return Err(
                ApiError::unprocessable("invalid_quantity", "a count is zero or more")
                    .field(format!("lines[{i}].counted")),
            );
        }
        let ledger = stock::ledger_at(&mut tx, store, line.product_id, counted_at).await?;
        let correction = rules::count_correction(line.counted, ledger);
        // Even a count that matched is remembered: what it saw absorbs movements recorded later
        // that occurred before it (storage `stock` module header).
        stock::mark_counted(
            &mut tx,
            session.user.org_id,
            store,
            line.product_id,
            counted_at,
            now,
        )
        .await?;
        if correction == 0 {
            continue;
        }
        let mut movement = new_movement(
            &session,
            store,
            line.product_id,
            MovementKind::CountCorrection,
            correction,
            ("stock_count", id),
            counted_at,
        );
        movement.reason = Some(format!(
            "counted {} where the ledger had {ledger}",
            line.counted
        ));
        let outcome = move_stock(&mut tx, &movement).await?;
        movements.push(MovementResult {
            movement_id: outcome.id,
            product_id: line.product_id,
            quantity: correction,
            on_hand_before: outcome.before,
            on_hand_after: outcome.after,
        });
    }
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry("stock.counted", Some(("stock_count", id.to_string())), json!({ "store_id": store, "counted_at": body.counted_at, "lines": body.lines.len(), "corrections": movements.len() })),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(StockOperationResult { id, movements }),
    ))
}
