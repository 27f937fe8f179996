//! Who is calling: the bearer token checked, the user loaded fresh from the database.
//!
//! Loading the user on every request is what makes a deactivation, a role change, a password
//! reset or a logout take effect at once instead of when the token expires. A token is refused
//! when it is expired or forged, when its user is inactive, when it was issued before the
//! user's `tokens_valid_after`, or when its session (refresh-token family) was revoked.
//!
//! [`Session`] additionally refuses users who must change their password first (403
//! `password_change_required`); [`PendingSession`] admits them, for the few routes they need.

use super::error::ApiError;
use crate::net::Peer;
use crate::security::tokens::{Claims, TokenError};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use chainsync_domain::access::Principal;
use chainsync_storage::users::{self, UserRecord};

/// An authenticated caller who has a usable password.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserRecord,
    pub principal: Principal,
    pub claims: Claims,
}

impl Session {
    /// `(user id, email)` for audit rows.
    pub fn actor(&self) -> (chainsync_domain::ids::UserId, &str) {
        (self.user.id, &self.user.email)
    }
}

/// An authenticated caller who may still have to change a one-time password.
#[derive(Debug, Clone)]
pub struct PendingSession(pub Session);

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn session_ended() -> ApiError {
    ApiError::unauthorized("session_ended", "this session has ended: sign in again")
}

/// Checks a token of use `typ` and loads its user; shared with the WebSocket endpoint.
pub async fn authenticate(state: &AppState, token: &str, typ: &str) -> Result<Session, ApiError> {
    let claims = state
        .keys
        .verify(&state.db, token, typ)
        .await
        .map_err(|e| match (e, typ) {
            (TokenError::Expired, "ws") => ApiError::unauthorized(
                "token_expired",
                "the ticket has expired: get a new one (POST /api/realtime/ticket)",
            ),
            (TokenError::Expired, _) => {
                ApiError::unauthorized("token_expired", "the access token has expired: refresh it")
            }
            (TokenError::Invalid, "ws") => {
                ApiError::unauthorized("invalid_token", "the ticket is not valid")
            }
            (TokenError::Invalid, _) => {
                ApiError::unauthorized("invalid_token", "the access token is not valid")
            }
            (TokenError::Storage(e), _) => ApiError::internal(e),
        })?;
    let users::SessionFacts {
        user,
        family_revoked,
        memberships,
    } = session_facts(state, &claims).await?;
    if !user.active
        || user.org_id != claims.org
        || claims.iat_ms < user.tokens_valid_after
        || family_revoked
    {
        return Err(session_ended());
    }
    let principal = Principal {
        user_id: user.id,
        org_id: user.org_id,
        is_org_admin: user.is_org_admin,
        memberships,
    };
    Ok(Session {
        user,
        principal,
        claims,
    })
}

/// The facts of the token's session: from the session cache, or read and then cached.
async fn session_facts(state: &AppState, claims: &Claims) -> Result<users::SessionFacts, ApiError> {
    let cache = &state.session_cache;
    let lookups = &state.metrics.session_cache_lookups;
    if let Some(facts) = cache.lookup(claims.sub, claims.sid) {
        lookups.with_label_values(&["hit"]).inc();
        return Ok(facts);
    }
    lookups.with_label_values(&["miss"]).inc();
    let generation = cache.generation();
    let mut conn = state.db.conn().await?;
    let facts = users::session_facts(&mut conn, claims.sub, claims.sid)
        .await?
        .ok_or_else(session_ended)?;
    cache.fill(generation, claims.sub, claims.sid, &facts);
    Ok(facts)
}

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized(
                "unauthenticated",
                "sign in first: send Authorization: Bearer <access token>",
            )
        })?;
        authenticate(state, token, "access")
            .await
            .map(PendingSession)
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PendingSession(session) = PendingSession::from_request_parts(parts, state).await?;
        if session.user.must_change_password {
            return Err(ApiError::forbidden(
                "choose your own password first (POST /api/auth/password)",
            )
            .with_code("password_change_required"));
        }
        Ok(session)
    }
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when the server
/// is configured to trust its proxy.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.settings.trust_forwarded_for
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            && let Some(first) = forwarded
                .split(',')
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            return Ok(ClientAddr(Some(first.chars().take(64).collect())));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<Peer>>()
            .map(|ConnectInfo(peer)| peer.addr.ip().to_string());
        Ok(ClientAddr(peer))
    }
}
