//! Returns and voids at the till (`retail::returns` holds the rules), the "what can still be
//! returned" view of a sale, and the manager's approval PIN.
//!
//! Anyone working in the store may return; voids and large refunds carry a manager's approval,
//! checked here before the write transaction (`retail::approval`), and only for a mutation id
//! not recorded yet: a replay answers what was recorded whatever its approval says now (a
//! manager who changed their PIN or is locked out must not strand a till's retry, and a retry
//! is no failed approval), and the same id with other content is `mutation_conflict`.

use super::common::PageParams;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use super::terminals::{require_view, store_in_org};
use crate::retail::approval::{self, Approval};
use crate::retail::returns::{
    ReturnMutation, ReturnRequest, ReturnView, VoidMutation, apply_return, balances,
};
use crate::retail::sales::Applied;
use crate::security::passwords;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chainsync_domain::ids::{ProductId, ReturnId, StoreId, UserId};
use chainsync_storage::{audit, now_ms, returns, sales, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_returns, create_return))
        .routes(routes!(get_return))
        .routes(routes!(void_sale))
        .routes(routes!(returnable))
        .routes(routes!(set_pin))
}

/// Runs `apply` in a write transaction, retrying when a concurrent delivery of the same
/// terminal's sequence won the race (the retry then answers with that delivery's outcome).
async fn apply_with_retry(
    state: &AppState,
    session: &Session,
    store_id: StoreId,
    req: &ReturnRequest<'_>,
) -> ApiResult<Applied> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = state.db.begin_grouped_write().await?;
        let store = store_in_org(&mut tx, session, store_id).await?;
        require_view(session, store_id)?;
        match apply_return(&mut tx, session, &store, req).await {
            Ok(applied) => {
                tx.commit().await.map_err(ApiError::internal)?;
                return Ok(applied);
            }
            Err(e) if attempt < 3 && matches!(e.code, "sequence_race" | "conflict") => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The approver of mutation `id`, verified only when the id is new (see the module header): a
/// recorded id goes to the envelope without one, which answers the replay or the conflict
/// before any rule needs an approver. A mutation is never deleted, so an id seen here is
/// still recorded inside the write transaction.
async fn approver(
    state: &AppState,
    session: &Session,
    store: StoreId,
    id: Uuid,
    approval: Option<&Approval>,
) -> ApiResult<Option<UserId>> {
    let Some(approval) = approval else {
        return Ok(None);
    };
    let recorded = sales::find_mutation(&mut *state.db.conn().await?, session.user.org_id, id)
        .await?
        .is_some();
    if recorded {
        return Ok(None);
    }
    Ok(Some(
        approval::verify(state, session, store, approval).await?,
    ))
}

/// Return items of a sale, by receipt, line by line. Replays answer the original result.
#[utoipa::path(post, path = "/api/stores/{store_id}/returns", tag = "returns", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = ReturnMutation,
    responses((status = 201, description = "Recorded (also the answer to a replay)", body = ReturnView),
              (status = 202, description = "Quarantined: the terminal is revoked", body = Object)),
    security(("bearer" = [])))]
async fn create_return(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiJson(body): ApiJson<ReturnMutation>,
) -> ApiResult<Response> {
    {
        let mut conn = state.db.conn().await?;
        store_in_org(&mut conn, &session, store_id).await?;
        require_view(&session, store_id)?;
    }
    let approver = approver(&state, &session, store_id, body.id, body.approval.as_ref()).await?;
    let canonical = ReturnMutation {
        approval: body.approval.as_ref().map(Approval::redacted),
        ..body.clone()
    };
    let req = ReturnRequest {
        id: body.id,
        kind: "return",
        terminal_id: body.terminal_id,
        seq: body.seq,
        occurred_at: body.occurred_at,
        receipt_number: &body.receipt_number,
        sale_id: body.sale_id,
        lines: Some(&body.lines),
        refunds: Some(&body.refunds),
        reason: body.reason.as_deref(),
        payload: serde_json::to_string(&canonical).map_err(ApiError::internal)?,
        approver,
    };
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        return Err(
            ApiError::unprocessable("invalid_reason", "at most 200 characters").field("reason"),
        );
    }
    let applied = apply_with_retry(&state, &session, store_id, &req).await?;
    Ok((applied.status, Json(applied.body)).into_response())
}

/// Void a whole sale: everything back, refunded to the tenders it was paid with. Always needs
/// a manager's approval (`403 approval_required` without one, as a large return).
#[utoipa::path(post, path = "/api/stores/{store_id}/sales/{sale_id}/void", tag = "returns",
    params(("store_id" = StoreId, Path, description = "Store id"), ("sale_id" = Uuid, Path, description = "Sale id")),
    request_body = VoidMutation,
    responses((status = 201, description = "Voided (also the answer to a replay)", body = ReturnView),
              (status = 202, description = "Quarantined: the terminal is revoked", body = Object)),
    security(("bearer" = [])))]
async fn void_sale(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store_id, sale_id)): ApiPath<(StoreId, Uuid)>,
    ApiJson(body): ApiJson<VoidMutation>,
) -> ApiResult<Response> {
    {
        let mut conn = state.db.conn().await?;
        store_in_org(&mut conn, &session, store_id).await?;
        require_view(&session, store_id)?;
        sales::get_sale(&mut conn, session.user.org_id, store_id, sale_id)
            .await?
            .ok_or_else(|| ApiError::not_found("sale"))?;
    }
    let approver = approver(&state, &session, store_id, body.id, body.approval.as_ref()).await?;
    let canonical = VoidMutation {
        approval: body.approval.as_ref().map(Approval::redacted),
        ..body.clone()
    };
    let payload = json!({ "sale_id": sale_id, "void": canonical }).to_string();
    let req = ReturnRequest {
        id: body.id,
        kind: "void",
        terminal_id: body.terminal_id,
        seq: body.seq,
        occurred_at: body.occurred_at,
        receipt_number: &body.receipt_number,
        sale_id,
        lines: None,
        refunds: None,
        reason: body.reason.as_deref(),
        payload,
        approver,
    };
    let applied = apply_with_retry(&state, &session, store_id, &req).await?;
    Ok((applied.status, Json(applied.body)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnParams {
    /// Only the returns of this sale.
    pub sale_id: Option<Uuid>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnList {
    pub items: Vec<ReturnView>,
    pub next_cursor: Option<String>,
}

/// The store's returns and voids, newest first.
#[utoipa::path(get, path = "/api/stores/{store_id}/returns", tag = "returns", params(("store_id" = StoreId, Path, description = "Store id"), ReturnParams),
    responses((status = 200, description = "A page of returns", body = ReturnList)), security(("bearer" = [])))]
async fn list_returns(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<ReturnParams>,
) -> ApiResult<Json<ReturnList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let result = returns::list(
        &mut conn,
        store,
        params.sale_id,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    let mut items = Vec::with_capacity(result.items.len());
    for r in &result.items {
        let lines = returns::lines(&mut conn, r.id).await?;
        items.push(ReturnView::from_records(r, &lines)?);
    }
    Ok(Json(ReturnList {
        items,
        next_cursor: result.next_cursor,
    }))
}

/// One return or void.
#[utoipa::path(get, path = "/api/stores/{store_id}/returns/{return_id}", tag = "returns",
    params(("store_id" = StoreId, Path, description = "Store id"), ("return_id" = ReturnId, Path, description = "Return id")),
    responses((status = 200, description = "The return", body = ReturnView)), security(("bearer" = [])))]
async fn get_return(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, ReturnId)>,
) -> ApiResult<Json<ReturnView>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    let record = returns::get(&mut conn, session.user.org_id, store, id)
        .await?
        .ok_or_else(|| ApiError::not_found("return"))?;
    require_view(&session, store)?;
    let lines = returns::lines(&mut conn, id).await?;
    Ok(Json(ReturnView::from_records(&record, &lines)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnableLine {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity_sold: i64,
    pub quantity_returnable: i64,
    /// Paid for the line, tax included.
    pub paid_minor: i64,
    /// What is left to refund on it.
    pub refundable_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Returnable {
    pub sale_id: Uuid,
    pub lines: Vec<ReturnableLine>,
    /// Refunds above this need a manager's approval.
    pub approval_threshold_minor: i64,
}

/// What each line of a sale can still return and refund.
#[utoipa::path(get, path = "/api/stores/{store_id}/sales/{sale_id}/returnable", tag = "returns",
    params(("store_id" = StoreId, Path, description = "Store id"), ("sale_id" = Uuid, Path, description = "Sale id")),
    responses((status = 200, description = "Per line", body = Returnable)), security(("bearer" = [])))]
async fn returnable(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, sale_id)): ApiPath<(StoreId, Uuid)>,
) -> ApiResult<Json<Returnable>> {
    let mut conn = state.db.conn().await?;
    let store_record = store_in_org(&mut conn, &session, store).await?;
    let sale = sales::get_sale(&mut conn, session.user.org_id, store, sale_id)
        .await?
        .ok_or_else(|| ApiError::not_found("sale"))?;
    require_view(&session, store)?;
    let lines = balances(&mut conn, &sale)
        .await?
        .into_iter()
        .map(|(line_no, product_id, b)| ReturnableLine {
            line_no,
            product_id,
            quantity_sold: b.quantity,
            quantity_returnable: b.remaining_quantity(),
            paid_minor: b.total_minor,
            refundable_minor: b.remaining_minor(),
        })
        .collect();
    let approval_threshold_minor = store_record.refund_approval_minor;
    Ok(Json(Returnable {
        sale_id,
        lines,
        approval_threshold_minor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPin {
    /// 4 to 8 digits; `null` removes the PIN.
    pub pin: Option<String>,
    /// The caller's password, to prove it is them.
    pub current_password: String,
}

/// Set (or remove) the caller's approval PIN (managers and admins approve refunds with it).
#[utoipa::path(put, path = "/api/auth/me/pin", tag = "auth", request_body = SetPin,
    responses((status = 204, description = "Saved")), security(("bearer" = [])))]
async fn set_pin(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<SetPin>,
) -> ApiResult<StatusCode> {
    if !session.principal.is_staff_manager() {
        return Err(ApiError::forbidden(
            "only managers and admins approve at the till",
        ));
    }
    let pin = body
        .pin
        .as_deref()
        .map(chainsync_domain::validation::pin)
        .transpose()
        .map_err(|e| ApiError::from(e).field("pin"))?;
    let ok = body.current_password.len() <= 1024
        && passwords::verify(
            body.current_password,
            Some(session.user.password_hash.clone()),
        )
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        return Err(
            ApiError::unprocessable("wrong_password", "the current password is incorrect")
                .field("current_password"),
        );
    }
    let hash = match pin {
        Some(p) => Some(passwords::hash(p).await.map_err(ApiError::internal)?),
        None => None,
    };
    let mut tx = state.db.begin_write().await?;
    users::set_pin_hash(&mut tx, session.user.id, hash.as_deref(), now_ms()).await?;
    audit::insert(
        &mut tx,
        &super::common::Auditor::for_session(&session, ip).entry(
            if hash.is_some() {
                "user.pin_set"
            } else {
                "user.pin_removed"
            },
            Some(("user", session.user.id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
