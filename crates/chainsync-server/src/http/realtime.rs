//! The real-time entry points: `GET /ws` (the WebSocket, see `docs/websocket-protocol.md`),
//! `POST /api/realtime/ticket` (a short-lived token to open it with, since browsers cannot set
//! headers on a WebSocket), and `POST /api/realtime/announcements` (a person-made system alert,
//! raised through the outbox like every other event).

use super::common::Auditor;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery};
use super::session::{ClientAddr, Session, authenticate};
use crate::realtime::connection::{self, Identity};
use crate::realtime::upgrade::{NotAnUpgrade, Upgrade};
use crate::security::tokens::Claims;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chainsync_domain::ids::StoreId;
use chainsync_domain::realtime::Priority;
use chainsync_storage::batch::Batch;
use chainsync_storage::{audit, events, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(connect))
        .routes(routes!(ticket))
        .routes(routes!(announce))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectParams {
    /// A ticket from `POST /api/realtime/ticket` (browsers). Other clients may send
    /// `Authorization: Bearer <access token>` instead.
    pub ticket: Option<String>,
}

/// Open the real-time WebSocket (protocol in docs/websocket-protocol.md).
#[utoipa::path(get, path = "/ws", tag = "realtime", params(ConnectParams),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "Missing, expired or forged ticket or token", body = super::error::ErrorBody),
        (status = 403, description = "The user must change their one-time password first", body = super::error::ErrorBody),
        (status = 426, description = "Not a WebSocket upgrade request", body = super::error::ErrorBody),
    ))]
async fn connect(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ConnectParams>,
    headers: HeaderMap,
    upgrade: Result<Upgrade, NotAnUpgrade>,
) -> ApiResult<Response> {
    let session = match (&params.ticket, bearer(&headers)) {
        (Some(ticket), _) => authenticate(&state, ticket, "ws").await?,
        (None, Some(token)) => authenticate(&state, token, "access").await?,
        (None, None) => {
            return Err(ApiError::unauthorized(
                "unauthenticated",
                "open /ws?ticket=<ticket from POST /api/realtime/ticket>, or send Authorization: Bearer <access token>",
            ));
        }
    };
    if session.user.must_change_password {
        return Err(ApiError::forbidden(
            "choose your own password first (POST /api/auth/password)",
        )
        .with_code("password_change_required"));
    }
    let upgrade = upgrade.map_err(|e| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_upgrade_required",
            format!(
                "this endpoint speaks WebSocket only: send an upgrade request ({})",
                e.reason()
            ),
        )
    })?;
    if state.realtime.is_shutting_down() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "this server is shutting down: connect to another one",
        ));
    }
    let settings = &state.realtime.settings;
    let identity = Identity {
        principal: session.principal,
        sid: session.claims.sid,
        iat_ms: session.claims.iat_ms,
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(settings.max_message_bytes))
        .max_frame_size(Some(settings.max_message_bytes))
        // Small buffers keep an idle connection cheap: the read buffer is allocated and
        // zero-filled up front, so its whole size is resident for every connection. Client
        // messages are small JSON (a subscribe is ~150 bytes); a larger frame still arrives
        // whole, as the buffer grows to the frame's length (up to the maximum above).
        .read_buffer_size(512)
        // tungstenite writes only control frames (pongs, the close handshake), each at once.
        .write_buffer_size(0);
    let listener = state
        .realtime
        .hub
        .listener(upgrade.socket().clone(), settings.send_queue);
    let serving = state.clone();
    Ok(
        upgrade.on_upgrade(listener, config, move |socket, listener| {
            connection::run(socket, listener, serving, identity)
        }),
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    /// Pass as `?ticket=` when opening `/ws`; valid once or many times until it expires.
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
    /// The path to open, ticket included.
    pub url: String,
}

/// Get a short-lived ticket to open the WebSocket with.
#[utoipa::path(post, path = "/api/realtime/ticket", tag = "realtime",
    responses((status = 201, description = "A ticket", body = TicketView)), security(("bearer" = [])))]
async fn ticket(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let now = now_ms();
    let ttl = state.realtime.settings.ticket_ttl_secs;
    let claims = Claims {
        sub: session.user.id,
        org: session.user.org_id,
        sid: session.claims.sid,
        iat: now / 1000,
        iat_ms: session.claims.iat_ms,
        exp: now / 1000 + ttl,
        typ: "ws".into(),
    };
    let ticket = state.keys.sign(&claims).map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(TicketView {
            url: format!("/ws?ticket={ticket}"),
            ticket,
            expires_at: super::common::time((now / 1000 + ttl) * 1000),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementRequest {
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 2000 characters.
    #[serde(default)]
    pub message: String,
    pub priority: Priority,
    /// The store whose channel carries it; absent for the organisation channel (admins only).
    #[serde(default)]
    pub store_id: Option<StoreId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementAccepted {
    /// The channel the announcement will appear on.
    pub channel: String,
}

/// Announce a system alert to a store's channel (admins, the store's managers) or to the
/// organisation channel (admins).
#[utoipa::path(post, path = "/api/realtime/announcements", tag = "realtime", request_body = AnnouncementRequest,
    responses((status = 202, description = "Recorded; delivered through the outbox", body = AnnouncementAccepted)), security(("bearer" = [])))]
async fn announce(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<AnnouncementRequest>,
) -> ApiResult<(StatusCode, Json<AnnouncementAccepted>)> {
    let title = body.title.trim();
    if title.is_empty() {
        return Err(ApiError::unprocessable("required", "a title is required").field("title"));
    }
    if title.chars().count() > 200 {
        return Err(ApiError::unprocessable("too_long", "at most 200 characters").field("title"));
    }
    if body.message.chars().count() > 2000 {
        return Err(
            ApiError::unprocessable("too_long", "at most 2000 characters").field("message"),
        );
    }
    let org = session.user.org_id;
    let channel = match body.store_id {
        Some(store) => {
            // Which organisation a store belongs to never changes: cached after the first look.
            let found = state
                .realtime
                .caches
                .store_of_org(&state.db, org, store)
                .await?;
            if found.is_none() {
                return Err(ApiError::not_found("store").field("store_id"));
            }
            if !session.principal.can_manage_store(store) {
                return Err(ApiError::forbidden(
                    "only admins and this store's managers can announce to it",
                ));
            }
            format!("store:{store}")
        }
        None => {
            if !session.principal.is_org_admin {
                return Err(ApiError::forbidden(
                    "only admins can announce to the whole organisation",
                ));
            }
            format!("org:{org}")
        }
    };
    let now = now_ms();
    let payload = json!({
        "title": title, "message": body.message, "priority": body.priority.as_str(),
        "store_id": body.store_id, "by": session.user.email,
    });
    let auditor = Auditor::for_session(&session, ip);
    let mut writes = Batch::new();
    events::push_append(
        &mut writes,
        org,
        body.store_id,
        "announcement",
        &payload,
        now,
    );
    audit::push_insert(
        &mut writes,
        &auditor.entry("announcement.created", None, payload.clone()),
    );
    state.db.write_batch(writes).await?;
    state.realtime.poke();
    Ok((StatusCode::ACCEPTED, Json(AnnouncementAccepted { channel })))
}
