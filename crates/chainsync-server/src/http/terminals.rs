//! `/api/stores/{store_id}/terminals`: point-of-sale terminals. A manager registers a terminal
//! to their store and can revoke it; a revoked terminal's sales are quarantined for review,
//! not applied. The code prefixes the receipt numbers the terminal makes (also offline), so it
//! is unique in the organisation.

use super::common::{Auditor, PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::{ClientAddr, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chainsync_domain::ids::{StoreId, TerminalId};
use chainsync_domain::validation;
use chainsync_storage::terminals::{self, TerminalRecord};
use chainsync_storage::{Conn, audit, now_ms, stores};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_terminals, register_terminal))
        .routes(routes!(get_terminal, revoke_terminal))
        .routes(routes!(list_quarantined))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalView {
    pub id: TerminalId,
    pub store_id: StoreId,
    pub code: String,
    pub name: String,
    pub active: bool,
    /// The sequence number of the last mutation applied from this terminal.
    pub last_seq: i64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&TerminalRecord> for TerminalView {
    fn from(t: &TerminalRecord) -> Self {
        TerminalView {
            id: t.id,
            store_id: t.store_id,
            code: t.code.clone(),
            name: t.name.clone(),
            active: t.active,
            last_seq: t.last_seq,
            created_at: time(t.created_at),
            revoked_at: t.revoked_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalList {
    pub items: Vec<TerminalView>,
}

/// 404 unless the store is in the caller's organisation.
pub(crate) async fn store_in_org(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
) -> ApiResult<stores::StoreRecord> {
    stores::get(conn, session.user.org_id, store)
        .await?
        .ok_or_else(|| ApiError::not_found("store"))
}

pub(crate) fn require_view(session: &Session, store: StoreId) -> ApiResult<()> {
    if session.principal.can_view_store(store) {
        Ok(())
    } else {
        Err(ApiError::forbidden("you do not work in this store"))
    }
}

pub(crate) fn require_manage(session: &Session, store: StoreId) -> ApiResult<()> {
    if session.principal.can_manage_store(store) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only admins and this store's managers may do this",
        ))
    }
}

/// A store's terminals (anyone working there).
#[utoipa::path(get, path = "/api/stores/{store_id}/terminals", tag = "terminals", params(("store_id" = StoreId, Path, description = "Store id")),
    responses((status = 200, description = "The store's terminals", body = TerminalList)), security(("bearer" = [])))]
async fn list_terminals(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
) -> ApiResult<Json<TerminalList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_view(&session, store)?;
    let items = terminals::list(&mut conn, store).await?;
    Ok(Json(TerminalList {
        items: items.iter().map(TerminalView::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterTerminal {
    /// 1 to 16 of A-Z, 0-9, `-`; unique in the organisation (it prefixes receipt numbers).
    #[schema(pattern = "^[A-Za-z0-9-]{1,16}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// Register a terminal to a store (admins and the store's managers).
#[utoipa::path(post, path = "/api/stores/{store_id}/terminals", tag = "terminals", params(("store_id" = StoreId, Path, description = "Store id")),
    request_body = RegisterTerminal, responses((status = 201, description = "Registered", body = TerminalView)), security(("bearer" = [])))]
async fn register_terminal(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath(store): ApiPath<StoreId>,
    ApiJson(body): ApiJson<RegisterTerminal>,
) -> ApiResult<(StatusCode, Json<TerminalView>)> {
    let mut tx = state.db.begin_write().await?;
    let store_record = store_in_org(&mut tx, &session, store).await?;
    require_manage(&session, store)?;
    if !store_record.active {
        return Err(ApiError::conflict(
            "store_inactive",
            "the store is deactivated",
        ));
    }
    let terminal = TerminalRecord {
        id: TerminalId::new(),
        org_id: session.user.org_id,
        store_id: store,
        code: validation::store_code(&body.code).map_err(|e| e.at("code"))?,
        name: validation::name(&body.name, 100).map_err(|e| e.at("name"))?,
        active: true,
        last_seq: 0,
        created_at: now_ms(),
        revoked_at: None,
    };
    terminals::insert(&mut tx, &terminal).await.map_err(|e| {
        if e.is_conflict_on("terminals_org_code_key", "terminals.org_id, terminals.code") {
            ApiError::conflict("terminal_code_taken", "another terminal has this code")
                .field("code")
        } else {
            e.into()
        }
    })?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "terminal.registered",
            Some(("terminal", terminal.id.to_string())),
            json!({ "store_id": store, "code": terminal.code }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(TerminalView::from(&terminal))))
}

async fn load(
    conn: &mut Conn,
    session: &Session,
    store: StoreId,
    id: TerminalId,
) -> ApiResult<TerminalRecord> {
    store_in_org(conn, session, store).await?;
    terminals::get(conn, session.user.org_id, id)
        .await?
        .filter(|t| t.store_id == store)
        .ok_or_else(|| ApiError::not_found("terminal"))
}

/// One terminal.
#[utoipa::path(get, path = "/api/stores/{store_id}/terminals/{terminal_id}", tag = "terminals",
    params(("store_id" = StoreId, Path, description = "Store id"), ("terminal_id" = TerminalId, Path, description = "Terminal id")),
    responses((status = 200, description = "The terminal", body = TerminalView)), security(("bearer" = [])))]
async fn get_terminal(
    State(state): State<AppState>,
    session: Session,
    ApiPath((store, id)): ApiPath<(StoreId, TerminalId)>,
) -> ApiResult<Json<TerminalView>> {
    let terminal = load(&mut *state.db.conn().await?, &session, store, id).await?;
    require_view(&session, store)?;
    Ok(Json(TerminalView::from(&terminal)))
}

/// Revoke a terminal (admins and the store's managers): its later sales are quarantined.
#[utoipa::path(delete, path = "/api/stores/{store_id}/terminals/{terminal_id}", tag = "terminals",
    params(("store_id" = StoreId, Path, description = "Store id"), ("terminal_id" = TerminalId, Path, description = "Terminal id")),
    responses((status = 204, description = "Revoked")), security(("bearer" = [])))]
async fn revoke_terminal(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiPath((store, id)): ApiPath<(StoreId, TerminalId)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    load(&mut tx, &session, store, id).await?;
    require_manage(&session, store)?;
    if terminals::revoke(&mut tx, id, now_ms()).await? {
        let auditor = Auditor::for_session(&session, ip);
        audit::insert(
            &mut tx,
            &auditor.entry(
                "terminal.revoked",
                Some(("terminal", id.to_string())),
                json!({ "store_id": store }),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedView {
    /// The client-made mutation id (a sale's or return's `id` as the terminal sent it).
    pub mutation_id: uuid::Uuid,
    /// `sale` or `return`.
    pub kind: String,
    pub terminal_id: TerminalId,
    pub terminal_code: String,
    pub seq: i64,
    /// Why it was not applied: `terminal_revoked`.
    pub reason: String,
    pub received_at: DateTime<Utc>,
    /// The request exactly as the terminal sent it.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    pub items: Vec<QuarantinedView>,
    pub next_cursor: Option<String>,
}

/// Sales and returns a revoked terminal of this store sent, kept for review and not applied
/// (admins and the store's managers), newest mutation id first.
#[utoipa::path(get, path = "/api/stores/{store_id}/quarantined-mutations", tag = "terminals",
    params(("store_id" = StoreId, Path, description = "Store id"), PageParams),
    responses((status = 200, description = "A page of quarantined mutations", body = QuarantineList)), security(("bearer" = [])))]
async fn list_quarantined(
    State(state): State<AppState>,
    session: Session,
    ApiPath(store): ApiPath<StoreId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<QuarantineList>> {
    let mut conn = state.db.conn().await?;
    store_in_org(&mut conn, &session, store).await?;
    require_manage(&session, store)?;
    let found = terminals::quarantined(&mut conn, store, page.cursor()?, page.limit()?).await?;
    let items = found
        .items
        .into_iter()
        .map(|m| QuarantinedView {
            mutation_id: m.id,
            kind: m.kind,
            terminal_id: m.terminal_id,
            terminal_code: m.terminal_code,
            seq: m.seq,
            reason: "terminal_revoked".into(),
            received_at: time(m.received_at),
            request: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(Json(QuarantineList {
        items,
        next_cursor: found.next_cursor,
    }))
}
