//! `/api/stores/{store_id}/transfers`: goods moving between stores (rules in
//! `retail::transfers`). The sending store's managers dispatch; the receiving store's managers
//! receive (recording what actually arrived); staff of either store can see the transfer.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_manage, require_view, store_in_org};
use crate::retail::stock::move_stock;
use crate::retail::transfers::movement;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::{ProductId, StoreId, TransferId, UserId};
use chainsync_domain::stock::MovementKind;
use chainsync_domain::validation;
use chainsync_storage::transfers::{self, TransferLine, TransferRecord};
use chainsync_storage::{Conn, audit, catalog, events, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_transfers, dispatch))
        .routes(routes!(get_transfer))
        .routes(routes!(receive))
}

/// Most lines one transfer may carry.
const MAX_LINES: usize = 500;
/// Largest quantity on one line (a typo guard).
const MAX_QUANTITY: i64 = 10_000_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLineView {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity_sent: i64,
    pub quantity_received: Option<i64>,
    /// Sent but not received (null until received).
    pub discrepancy: Option<i64>,
    pub unit_cost_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub id: TransferId,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    /// `in_transit` or `received`.
    pub status: String,
    pub note: Option<String>,
    pub dispatched_by: UserId,
    pub dispatched_at: DateTime<Utc>,
    pub received_by: Option<UserId>,
    pub received_at: Option<DateTime<Utc>>,
    pub lines: Vec<TransferLineView>,
}

fn view(t: &TransferRecord, lines: &[TransferLine]) -> TransferView {
    TransferView {
        id: t.id,
        from_store_id: t.from_store_id,
        to_store_id: t.to_store_id,
        status: t.status.clone(),
        note: t.note.clone(),
        dispatched_by: t.dispatched_by,
        dispatched_at: time(t.dispatched_at),
        received_by: t.received_by,
        received_at: t.received_at.map(time),
        lines: lines
            .iter()
            .map(|l| TransferLineView {
                line_no: l.line_no,
                product_id: l.product_id,
                quantity_sent: l.quantity_sent,
                quantity_received: l.quantity_received,
                discrepancy: l.quantity_received.map(|r| l.quantity_sent - r),
                unit_cost_minor: l.unit_cost_minor,
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferLineInput {
    pub product_id: ProductId,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchTransfer {
    pub to_store_id: StoreId,
    pub lines: Vec<TransferLineInput>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn check_lines(lines: &[TransferLineInput]) -> ApiResult<()> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(
            ApiError::unprocessable("invalid_lines", format!("1 to {MAX_LINES} lines"))
                .field("lines"),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                format!("must be between 1 and {MAX_QUANTITY}"),
            )
            .field(format!("lines[{i}].quantity")));
        }
        if !seen.insert(l.product_id) {
            return Err(
                ApiError::unprocessable("duplicate_line", "each product may appear once")
                    .field(format!("lines[{i}].product_id")),
            );
        }
    }
    Ok(())
}

/// Dispatch goods from this store to another (the sending store's managers): they leave this
/// store's stock now and are in transit until received.
#[utoipa::path(post, path = "/api/stores/{store_id}/transfers", tag = "transfers", params(("store_id" = StoreId, Path, description = "Sending store id")),
    request_body = DispatchTransfer, responses((status = 201, description = "Dispatched", body = TransferView)), security(("bearer" = [])))]
async fn dispatch(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(from): ApiPath<StoreId>,
    ApiJson(body): ApiJson<DispatchTransfer>,
) -> ApiResult<(StatusCode, Json<TransferView>)> {
    let org = session.user.org_id;
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, from).await?;
    require_manage(&session, from)?;
    let to = chainsync_storage::stores::get(&mut tx, org, body.to_store_id)
        .await?
        .filter(|s| s.active)
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_store", "no such active store in your organisation")
                .field("to_store_id")
        })?;
    if to.id == from {
        return Err(
            ApiError::unprocessable("same_store", "a transfer goes to another store")
                .field("to_store_id"),
        );
    }
    check_lines(&body.lines)?;
    let now = now_ms();
    let record = TransferRecord {
        id: TransferId::new(),
        org_id: org,
        from_store_id: from,
        to_store_id: to.id,
        status: "in_transit".into(),
        note: validation::optional_text(body.note.as_deref(), 500).map_err(|e| e.at("note"))?,
        dispatched_by: session.user.id,
        dispatched_at: now,
        received_by: None,
        received_at: None,
    };
    let mut lines = Vec::with_capacity(body.lines.len());
    for (i, l) in body.lines.iter().enumerate() {
        catalog::get_product(&mut tx, org, l.product_id)
            .await?
            .ok_or_else(|| {
                ApiError::unprocessable("unknown_product", "no such product in your organisation")
                    .field(format!("lines[{i}].product_id"))
            })?;
        let out = movement(
            org,
            from,
            l.product_id,
            MovementKind::TransferOut,
            -l.quantity,
            None,
            ("transfer", record.id.to_string()),
            session.user.id,
            now,
        );
        let outcome = move_stock(&mut tx, &out).await?;
        lines.push(TransferLine {
            line_no: i as i64,
            product_id: l.product_id,
            quantity_sent: l.quantity,
            quantity_received: None,
            unit_cost_minor: outcome.unit_cost_minor,
        });
    }
    transfers::insert(&mut tx, &record, &lines).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "transfer.dispatched",
            Some(("transfer", record.id.to_string())),
            json!({ "from": from, "to": to.id, "lines": lines.len() }),
        ),
    )
    .await?;
    events::append(
        &mut tx,
        org,
        Some(to.id),
        "transfer.dispatched",
        &json!({ "transfer_id": record.id, "from_store_id": from, "to_store_id": to.id }),
        now,
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(view(&record, &lines))))
}

/// A transfer this store sends or receives (404 otherwise).
async fn load(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
    id: TransferId,
) -> ApiResult<TransferRecord> {
    store_in_org(conn, session, store).await?;
    let t = transfers::get(conn, session.user.org_id, id)
        .await?
        .filter(|t| t.from_store_id == store || t.to_store_id == store)
        .ok_or_else(|| ApiError::not_found("transfer"))?;
    require_view(session, store)?;
    Ok(t)
}

/// One transfer (staff of the sending or the receiving store).
#[utoipa::path(get, path = "/api/stores/{store_id}/transfers/{transfer_id}", tag = "transfers",
    params(("store_id" = StoreId, Path, description = "Sending or receiving store id"), ("transfer_id" = TransferId, Path, description = "Transfer id")),
    responses((status = 200, description = "The transfer", body = TransferView)), security(("bearer" = [])))]
async fn get_transfer(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, TransferId)>,
) -> ApiResult<Json<TransferView>> {
    let mut conn = state.db.conn().await?;
    let t = load(&mut conn, &session, store, id).await?;
    let lines = transfers::lines(&mut conn, id).await?;
    Ok(Json(view(&t, &lines)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferParams {
    /// `in_transit` or `received`.
    pub status: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferList {
    pub items: Vec<TransferView>,
    pub next_cursor: Option<String>,
}

/// Transfers leaving or arriving at the store, newest first.
#[utoipa::path(get, path = "/api/stores/{store_id}/transfers", tag = "transfers", params(("store_id" = StoreId, Path, description = "Store id"), TransferParams),
    responses((status = 200, description = "A page of transfers", body = TransferList)), security(("bearer" = [])))]
async fn list_transfers(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<TransferParams>,
) -> ApiResult<Json<TransferList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let status = match params.status.as_deref() {
        None => None,
        Some(s @ ("in_transit" | "received")) => Some(s),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "invalid_status",
                "status is in_transit or received",
            )
            .field("status"));
        }
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = transfers::list(&mut conn, store, status, page.cursor()?, page.limit()?).await?;
    let mut items = Vec::with_capacity(result.items.len());
    for t in &result.items {
        let lines = transfers::lines(&mut conn, t.id).await?;
        items.push(view(t, &lines));
    }
    Ok(Json(TransferList {
        items,
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveTransfer {
    /// What arrived per product; a product left out arrived in full.
    #[serde(default)]
    pub lines: Vec<TransferLineInput>,
}

/// Receive a transfer at this (the receiving) store, recording what actually arrived; a
/// shortfall is kept as a discrepancy and raises `transfer.discrepancy`.
#[utoipa::path(post, path = "/api/stores/{store_id}/transfers/{transfer_id}/receive", tag = "transfers",
    params(("store_id" = StoreId, Path, description = "Receiving store id"), ("transfer_id" = TransferId, Path, description = "Transfer id")),
    request_body = ReceiveTransfer, responses((status = 200, description = "Received", body = TransferView)), security(("bearer" = [])))]
async fn receive(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, TransferId)>,
    ApiJson(body): ApiJson<ReceiveTransfer>,
) -> ApiResult<Json<TransferView>> {
    let org = session.user.org_id;
    let mut tx = state.db.begin_write().await?;
    let mut t = load(&mut tx, &session, store, id).await?;
    if t.to_store_id != store {
        return Err(ApiError::conflict(
            "wrong_store",
            "transfers are received by the store they go to",
        ));
    }
    require_manage(&session, store)?;
    if t.status != "in_transit" {
        return Err(ApiError::conflict(
            "transfer_received",
            "this transfer was already received",
        ));
    }
    let mut lines = transfers::lines(&mut tx, id).await?;
    let mut arrived: Vec<i64> = lines.iter().map(|l| l.quantity_sent).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (i, input) in body.lines.iter().enumerate() {
        let Some(pos) = lines.iter().position(|l| l.product_id == input.product_id) else {
            return Err(ApiError::unprocessable(
                "unknown_transfer_line",
                "this product is not on the transfer",
            )
            .field(format!("lines[{i}].product_id")));
        };
        if !seen.insert(input.product_id) {
            return Err(
                ApiError::unprocessable("duplicate_line", "each product may appear once")
                    .field(format!("lines[{i}].product_id")),
            );
        }
        if !(0..=lines[pos].quantity_sent).contains(&input.quantity) {
            return Err(ApiError::unprocessable(
                "invalid_quantity",
                format!("between 0 and the {} sent", lines[pos].quantity_sent),
            )
            .field(format!("lines[{i}].quantity")));
        }
        arrived[pos] = input.quantity;
    }
    let now = now_ms();
    let mut discrepancies = Vec::new();
    for (line, qty) in lines.iter_mut().zip(&arrived) {
        if *qty > 0 {
            let inbound = movement(
                org,
                store,
                line.product_id,
                MovementKind::TransferIn,
                *qty,
                Some(line.unit_cost_minor),
                ("transfer", id.to_string()),
                session.user.id,
                now,
            );
            move_stock(&mut tx, &inbound).await?;
        }
        line.quantity_received = Some(*qty);
        if *qty != line.quantity_sent {
            discrepancies.push(json!({ "product_id": line.product_id, "sent": line.quantity_sent, "received": qty }));
        }
    }
    let received: Vec<(i64, i64)> = lines
        .iter()
        .map(|l| (l.line_no, l.quantity_received.unwrap_or(0)))
        .collect();
    if !transfers::mark_received(&mut tx, id, session.user.id, now, &received).await? {
        return Err(ApiError::conflict(
            "transfer_received",
            "this transfer was already received",
        ));
    }
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "transfer.received",
            Some(("transfer", id.to_string())),
            json!({ "discrepancies": discrepancies }),
        ),
    )
    .await?;
    events::append(
        &mut tx,
        org,
        Some(store),
        "transfer.received",
        &json!({ "transfer_id": id, "from_store_id": t.from_store_id }),
        now,
    )
    .await?;
    if !discrepancies.is_empty() {
        events::append(
            &mut tx,
            org,
            Some(store),
            "transfer.discrepancy",
            &json!({ "transfer_id": id, "lines": discrepancies }),
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    t.status = "received".into();
    t.received_by = Some(session.user.id);
    t.received_at = Some(now);
    Ok(Json(view(&t, &lines)))
}
