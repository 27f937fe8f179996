//! `/api/stores/{store_id}/shifts`: a cashier opens a shift on a terminal with a float,
//! records paid-in, paid-out and no-sale drawer openings, and closes it with the counted cash;
//! the Z report shows expected against counted by tender.
//!
//! Sales and returns made on a terminal while its shift is open belong to that shift. One
//! open shift per terminal (the database enforces it). Cashiers act on their own shifts;
//! managers and admins on any shift of their stores. A closed shift's report is frozen.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_view, store_in_org};
use crate::retail::shifts::z_report;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::{ShiftId, StoreId, TerminalId, UserId};
use chainsync_domain::shift::ZReport;
use chainsync_domain::validation;
use chainsync_storage::shifts::{self, CashEvent, ShiftRecord};
use chainsync_storage::{Conn, audit, events, now_ms, terminals};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shifts, open_shift))
        .routes(routes!(get_shift))
        .routes(routes!(add_cash_event))
        .routes(routes!(close_shift))
        .routes(routes!(shift_report))
}

/// Largest float or drawer amount accepted (a typo guard): 100,000,000 minor units.
const MAX_AMOUNT: i64 = 100_000_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    pub id: ShiftId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    /// `open` or `closed`.
    pub status: String,
    pub opened_by: UserId,
    pub opened_at: DateTime<Utc>,
    pub opening_float_minor: i64,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    pub counted_cash_minor: Option<i64>,
    /// The Z report: live while open, frozen at close.
    pub report: ZReport,
}

async fn view(conn: &mut Conn, s: &ShiftRecord) -> ApiResult<ShiftView> {
    let report = match &s.report {
        Some(frozen) => serde_json::from_str(frozen).map_err(ApiError::internal)?,
        None => z_report(conn, s, None).await?,
    };
    Ok(ShiftView {
        id: s.id,
        store_id: s.store_id,
        terminal_id: s.terminal_id,
        status: s.status.clone(),
        opened_by: s.opened_by,
        opened_at: time(s.opened_at),
        opening_float_minor: s.opening_float_minor,
        closed_by: s.closed_by,
        closed_at: s.closed_at.map(time),
        counted_cash_minor: s.counted_cash_minor,
        report,
    })
}

fn amount(value: i64, field: &str) -> ApiResult<i64> {
    if (0..=MAX_AMOUNT).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::unprocessable(
            "invalid_amount",
            format!("must be between 0 and {MAX_AMOUNT}"),
        )
        .field(field))
    }
}

/// The shift, in this store, that the caller may act on (their own, or any as a manager).
async fn load(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
    id: ShiftId,
) -> ApiResult<ShiftRecord> {
    store_in_org(conn, session, store).await?;
    let shift = shifts::get(conn, session.user.org_id, id)
        .await?
        .filter(|s| s.store_id == store)
        .ok_or_else(|| ApiError::not_found("shift"))?;
    require_view(session, store)?;
    Ok(shift)
}

fn require_own_or_manager(session: &Session, shift: &ShiftRecord) -> ApiResult<()> {
    if shift.opened_by == session.user.id || session.principal.can_manage_store(shift.store_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the cashier who opened this shift, or a manager, may do this",
        ))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenShift {
    pub terminal_id: TerminalId,
    /// Cash in the drawer at the start, in minor units.
    pub opening_float_minor: i64,
}

/// Open a shift on a terminal (anyone working in the store).
#[utoipa::path(post, path = "/api/stores/{store_id}/shifts", tag = "shifts", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = OpenShift, responses((status = 201, description = "Opened", body = ShiftView)), security(("bearer" = [])))]
async fn open_shift(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<OpenShift>,
) -> ApiResult<(StatusCode, Json<ShiftView>)> {
    let mut tx = state.db.begin_write().await?;
    store_in_org(&mut tx, &session, store).await?;
    require_view(&session, store)?;
    let terminal = terminals::get(&mut tx, session.user.org_id, body.terminal_id)
        .await?
        .filter(|t| t.store_id == store)
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_terminal", "no such terminal in this store")
                .field("terminal_id")
        })?;
    if !terminal.active {
        return Err(
            ApiError::unprocessable("terminal_revoked", "this terminal is revoked")
                .field("terminal_id"),
        );
    }
    let now = now_ms();
    let record = ShiftRecord {
        id: ShiftId::new(),
        org_id: session.user.org_id,
        store_id: store,
        terminal_id: terminal.id,
        status: "open".into(),
        opened_by: session.user.id,
        opened_at: now,
        opening_float_minor: amount(body.opening_float_minor, "opening_float_minor")?,
        closed_by: None,
        closed_at: None,
        counted_cash_minor: None,
        report: None,
    };
    shifts::open(&mut tx, &record).await.map_err(|e| {
        if e.is_conflict_on("shifts_open_terminal_key", "shifts.terminal_id") {
            ApiError::conflict(
                "shift_already_open",
                "this terminal already has an open shift: close it first",
            )
            .field("terminal_id")
        } else {
            e.into()
        }
    })?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "shift.opened",
            Some(("shift", record.id.to_string())),
            json!({ "terminal_id": terminal.id, "opening_float_minor": record.opening_float_minor }),
        ),
    )
    .await?;
    let answer = view(&mut tx, &record).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftParams {
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftList {
    pub items: Vec<ShiftView>,
    pub next_cursor: Option<String>,
}

/// The store's shifts, newest first.
#[utoipa::path(get, path = "/api/stores/{store_id}/shifts", tag = "shifts", params(("store_id" = StoreId, Path, description = "Store id"), ShiftParams),
    responses((status = 200, description = "A page of shifts", body = ShiftList)), security(("bearer" = [])))]
async fn list_shifts(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<ShiftParams>,
) -> ApiResult<Json<ShiftList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let status = match params.status.as_deref() {
        None => None,
        Some(s @ ("open" | "closed")) => Some(s),
        Some(_) => {
            return Err(
                ApiError::unprocessable("invalid_status", "status is open or closed")
                    .field("status"),
            );
        }
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = shifts::list(&mut conn, store, status, page.cursor()?, page.limit()?).await?;
    let mut items = Vec::with_capacity(result.items.len());
    for s in &result.items {
        items.push(view(&mut conn, s).await?);
    }
    Ok(Json(ShiftList {
        items,
        next_cursor: result.next_cursor,
    }))
}

/// One shift with its (live or frozen) Z report.
#[utoipa::path(get, path = "/api/stores/{store_id}/shifts/{shift_id}", tag = "shifts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("shift_id" = ShiftId, Path, description = "Shift id")),
    responses((status = 200, description = "The shift", body = ShiftView)), security(("bearer" = [])))]
async fn get_shift(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, ShiftId)>,
) -> ApiResult<Json<ShiftView>> {
    let mut conn = state.db.conn().await?;
    let shift = load(&mut conn, &session, store, id).await?;
    Ok(Json(view(&mut conn, &shift).await?))
}

/// The shift's Z report (live while open, frozen once closed).
#[utoipa::path(get, path = "/api/stores/{store_id}/shifts/{shift_id}/report", tag = "shifts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("shift_id" = ShiftId, Path, description = "Shift id")),
    responses((status = 200, description = "The Z report", body = ZReport)), security(("bearer" = [])))]
async fn shift_report(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, ShiftId)>,
) -> ApiResult<Json<ZReport>> {
    let mut conn = state.db.conn().await?;
    let shift = load(&mut conn, &session, store, id).await?;
    Ok(Json(view(&mut conn, &shift).await?.report))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CashEventRequest {
    /// `paid_in`, `paid_out` or `no_sale` (a drawer opening without a sale; amount 0).
    pub kind: String,
    #[serde(default)]
    pub amount_minor: i64,
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CashEventView {
    pub id: Uuid,
    pub kind: String,
    pub amount_minor: i64,
    pub reason: Option<String>,
    pub user_id: UserId,
    pub occurred_at: DateTime<Utc>,
}

/// Record money put into or taken out of the drawer, or a no-sale opening.
#[utoipa::path(post, path = "/api/stores/{store_id}/shifts/{shift_id}/cash-events", tag = "shifts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("shift_id" = ShiftId, Path, description = "Shift id")),
    request_body = CashEventRequest, responses((status = 201, description = "Recorded", body = CashEventView)), security(("bearer" = [])))]
async fn add_cash_event(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, ShiftId)>,
    ApiJson(body): ApiJson<CashEventRequest>,
) -> ApiResult<(StatusCode, Json<CashEventView>)> {
    let mut tx = state.db.begin_write().await?;
    let shift = load(&mut tx, &session, store, id).await?;
    require_own_or_manager(&session, &shift)?;
    if shift.status != "open" {
        return Err(ApiError::conflict("shift_closed", "this shift is closed"));
    }
    let amount_minor = match body.kind.as_str() {
        "paid_in" | "paid_out" => {
            let a = amount(body.amount_minor, "amount_minor")?;
            if a == 0 {
                return Err(
                    ApiError::unprocessable("invalid_amount", "must be more than 0")
                        .field("amount_minor"),
                );
            }
            a
        }
        "no_sale" if body.amount_minor == 0 => 0,
        "no_sale" => {
            return Err(ApiError::unprocessable(
                "invalid_amount",
                "a no-sale opening moves no money",
            )
            .field("amount_minor"));
        }
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_kind",
                "kind is paid_in, paid_out or no_sale",
            )
            .field("kind"));
        }
    };
    let event = CashEvent {
        id: Uuid::now_v7(),
        shift_id: id,
        kind: body.kind.clone(),
        amount_minor,
        reason: validation::optional_text(body.reason.as_deref(), 200)
            .map_err(|e| e.at("reason"))?,
        user_id: session.user.id,
        occurred_at: now_ms(),
    };
    shifts::add_cash_event(&mut tx, session.user.org_id, &event).await?;
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "shift.cash_event",
            Some(("shift", id.to_string())),
            json!({ "kind": event.kind, "amount_minor": amount_minor, "reason": event.reason }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(CashEventView {
            id: event.id,
            kind: event.kind,
            amount_minor,
            reason: event.reason,
            user_id: event.user_id,
            occurred_at: time(event.occurred_at),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseShift {
    /// The cash counted in the drawer, in minor units.
    pub counted_cash_minor: i64,
}

/// Close a shift with the counted cash: the Z report is frozen and returned.
#[utoipa::path(post, path = "/api/stores/{store_id}/shifts/{shift_id}/close", tag = "shifts",
    params(("store_id" = StoreId, Path, description = "Store id"), ("shift_id" = ShiftId, Path, description = "Shift id")),
    request_body = CloseShift, responses((status = 200, description = "Closed", body = ShiftView)), security(("bearer" = [])))]
async fn close_shift(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, ShiftId)>,
    ApiJson(body): ApiJson<CloseShift>,
) -> ApiResult<Json<ShiftView>> {
    let mut tx = state.db.begin_write().await?;
    let mut shift = load(&mut tx, &session, store, id).await?;
    require_own_or_manager(&session, &shift)?;
    let counted = amount(body.counted_cash_minor, "counted_cash_minor")?;
    let report = z_report(&mut tx, &shift, Some(counted)).await?;
    let frozen = serde_json::to_string(&report).map_err(ApiError::internal)?;
    let now = now_ms();
    if !shifts::close(&mut tx, id, session.user.id, now, counted, &frozen).await? {
        return Err(ApiError::conflict(
            "shift_closed",
            "this shift is already closed",
        ));
    }
    audit::insert(
        &mut tx,
        &Auditor::for_session(&session, ip).entry(
            "shift.closed",
            Some(("shift", id.to_string())),
            json!({ "counted_cash_minor": counted, "expected_cash_minor": report.expected_cash_minor, "difference_minor": report.cash_difference_minor }),
        ),
    )
    .await?;
    events::append(
        &mut tx,
        session.user.org_id,
        Some(store),
        "shift.closed",
        &json!({ "shift_id": id, "terminal_id": shift.terminal_id, "expected_cash_minor": report.expected_cash_minor,
                 "counted_cash_minor": counted, "cash_difference_minor": report.cash_difference_minor }),
        now,
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    shift.status = "closed".into();
    shift.closed_by = Some(session.user.id);
    shift.closed_at = Some(now);
    shift.counted_cash_minor = Some(counted);
    shift.report = Some(frozen);
    Ok(Json(view(&mut *state.db.conn().await?, &shift).await?))
}
