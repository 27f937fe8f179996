//! `/api/auth`: sign in, refresh, sign out, who am I, change my password.
//!
//! Login failures are answered with one message whether the email exists, the password is
//! wrong or the account is inactive, after spending the same Argon2 time. Failures count
//! against the email and the client address (see `security::throttle`); a locked key answers
//! 429 with `Retry-After` before any password is checked.
//!
//! Refresh tokens rotate: each use returns a new one in the same family. Presenting a used or
//! revoked token again means it was copied, so the whole family (the session) is revoked.

use super::common::Auditor;
use super::error::{ApiError, ApiResult};
use super::extract::ApiJson;
use super::session::{ClientAddr, PendingSession};
use super::users::UserView;
use crate::security::tokens::{Claims, hash_refresh_token, new_refresh_token};
use crate::security::{passwords, throttle};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Json, response::IntoResponse};
use chainsync_domain::access::Role;
use chainsync_domain::ids::StoreId;
use chainsync_domain::validation::{Email, NewPassword};
use chainsync_storage::auth::{self as auth_store, RefreshTokenRecord};
use chainsync_storage::users::{self, UserRecord};
use chainsync_storage::{Conn, audit, now_ms, orgs, stores};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(format = Email)]
    pub email: String,
    pub password: String,
}

/// A new session: a short-lived access token and a rotating refresh token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// True until the user replaces a one-time password; until then only `/api/auth/me`,
    /// `/api/auth/password` and `/api/auth/logout` accept the token.
    pub must_change_password: bool,
}

/// Creates a refresh token in `family` (a new family when `None`) and a matching access token.
pub(crate) async fn issue_session(
    state: &AppState,
    conn: &mut Conn,
    user: &UserRecord,
    family: Option<Uuid>,
) -> ApiResult<TokenResponse> {
    let now = now_ms();
    let family_id = family.unwrap_or_else(Uuid::now_v7);
    let (refresh_token, token_hash) = new_refresh_token();
    let refresh_ttl = state.settings.refresh_token_ttl_secs;
    auth_store::insert_refresh_token(
        conn,
        &RefreshTokenRecord {
            id: Uuid::now_v7(),
            family_id,
            user_id: user.id,
            token_hash,
            created_at: now,
            expires_at: now + refresh_ttl * 1000,
            used_at: None,
            revoked_at: None,
        },
    )
    .await?;
    let ttl = state.settings.access_token_ttl_secs;
    let claims = Claims {
        sub: user.id,
        org: user.org_id,
        sid: family_id,
        iat: now / 1000,
        iat_ms: now,
        exp: now / 1000 + ttl,
        typ: "access".into(),
    };
    let access_token = state.keys.sign(&claims).map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
        refresh_token,
        refresh_expires_in: refresh_ttl,
        must_change_password: user.must_change_password,
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the email or password is incorrect")
}

fn locked(until_ms: i64, now: i64) -> ApiError {
    let secs = ((until_ms - now) / 1000 + 1).max(1) as u64;
    ApiError::too_many(
        "too_many_attempts",
        "too many failed sign-ins: try again later",
        secs,
    )
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = TokenResponse)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let email = Email::parse(&body.email).map_err(|e| ApiError::from(e.at("email")))?;
    if body.password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let now = now_ms();
    let account_key = throttle::account_key(email.as_str());
    let address_key = ip.as_deref().map(throttle::address_key);
    {
        let mut conn = state.db.conn().await?;
        for key in std::iter::once(&account_key).chain(address_key.as_ref()) {
            if let Some(s) = auth_store::throttle_state(&mut conn, key).await?
                && s.locked_until > now
            {
                return Err(locked(s.locked_until, now));
            }
        }
    }

    let user = users::find_by_email(&mut *state.db.conn().await?, email.as_str()).await?;
    let password_ok = passwords::verify(
        body.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await
    .map_err(ApiError::internal)?;
    let user = user.filter(|u| password_ok && u.active);

    let mut tx = state.db.begin_write().await?;
    let Some(user) = user else {
        let known = users::find_by_email(&mut tx, email.as_str()).await?;
        let auditor = Auditor::anonymous(
            known.as_ref().map(|u| u.org_id),
            known.as_ref().map(|u| u.id),
            email.as_str(),
            ip.clone(),
        );
        let reason = match &known {
            None => "unknown_email",
            Some(u) if !u.active && password_ok => "inactive",
            Some(_) => "wrong_password",
        };
        audit::insert(
            &mut tx,
            &auditor.entry(
                "auth.login_failed",
                known.as_ref().map(|u| ("user", u.id.to_string())),
                json!({ "reason": reason }),
            ),
        )
        .await?;
        let state_after =
            auth_store::record_failure(&mut tx, &account_key, throttle::ACCOUNT, now).await?;
        if let Some(key) = &address_key {
            auth_store::record_failure(&mut tx, key, throttle::ADDRESS, now).await?;
        }
        tx.commit().await.map_err(ApiError::internal)?;
        if state_after.locked_until > now {
            return Err(locked(state_after.locked_until, now));
        }
        return Err(invalid_credentials());
    };
    auth_store::clear_throttle(&mut tx, &account_key).await?;
    let tokens = issue_session(&state, &mut tx, &user, None).await?;
    let auditor = Auditor::anonymous(Some(user.org_id), Some(user.id), &user.email, ip);
    audit::insert(
        &mut tx,
        &auditor.entry("auth.login", Some(("user", user.id.to_string())), json!({})),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn invalid_refresh() -> ApiError {
    ApiError::unauthorized(
        "invalid_refresh_token",
        "the refresh token is not valid: sign in again",
    )
}

/// Exchange a refresh token for a new access token and a new refresh token.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair", body = TokenResponse)))]
async fn refresh(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let now = now_ms();
    let hash = hash_refresh_token(&body.refresh_token);
    let mut tx = state.db.begin_write().await?;
    let token = auth_store::find_refresh_token(&mut tx, &hash)
        .await?
        .ok_or_else(invalid_refresh)?;
    if token.expires_at <= now {
        return Err(invalid_refresh());
    }
    let user = users::get_any_org(&mut tx, token.user_id)
        .await?
        .ok_or_else(invalid_refresh)?;
    if !auth_store::consume_refresh_token(&mut tx, token.id, now).await? {
        // Used or revoked before: someone holds a copy. End the whole session.
        let revoked = auth_store::revoke_family(&mut tx, token.family_id, now).await?;
        if revoked == 0 {
            // The session was already ended (and the detection recorded).
            return Err(invalid_refresh());
        }
        let auditor = Auditor::anonymous(Some(user.org_id), Some(user.id), &user.email, ip);
        audit::insert(
            &mut tx,
            &auditor.entry(
                "auth.refresh_reuse_detected",
                Some(("user", user.id.to_string())),
                json!({ "revoked_tokens": revoked }),
            ),
        )
        .await?;
        tx.commit().await.map_err(ApiError::internal)?;
        return Err(invalid_refresh());
    }
    if !user.active {
        return Err(invalid_refresh());
    }
    let tokens = issue_session(&state, &mut tx, &user, Some(token.family_id)).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(tokens))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// End every session of this user, on every device.
    #[serde(default)]
    pub all_sessions: bool,
}

/// Sign out: ends this session (or all of the user's sessions) at once.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = LogoutRequest,
    responses((status = 204, description = "Signed out")), security(("bearer" = [])))]
async fn logout(
    State(state): State<AppState>,
    PendingSession(session): PendingSession,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<LogoutRequest>,
) -> ApiResult<StatusCode> {
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    if body.all_sessions {
        auth_store::revoke_user_tokens(&mut tx, session.user.id, now).await?;
        let mut user = session.user.clone();
        user.tokens_valid_after = now;
        user.updated_at = now;
        users::update(&mut tx, &user).await?;
    } else {
        auth_store::revoke_family(&mut tx, session.claims.sid, now).await?;
    }
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "auth.logout",
            Some(("user", session.user.id.to_string())),
            json!({ "all_sessions": body.all_sessions }),
        ),
    )
    .await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    pub name: String,
    pub currency: String,
    pub locale: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyMembership {
    pub store_id: StoreId,
    pub store_code: String,
    pub store_name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub organisation: OrganisationView,
    /// The stores this user works in and the role in each (empty for an admin without store
    /// roles: admins reach every store).
    pub memberships: Vec<MyMembership>,
}

/// The signed-in user, their organisation and their store roles.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, description = "The signed-in user", body = MeResponse)), security(("bearer" = [])))]
async fn me(
    State(state): State<AppState>,
    PendingSession(session): PendingSession,
) -> ApiResult<Json<MeResponse>> {
    let mut conn = state.db.conn().await?;
    let org = orgs::get(&mut conn, session.user.org_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user without organisation")))?;
    let mut memberships = Vec::new();
    for m in &session.principal.memberships {
        if let Some(store) = stores::get(&mut conn, org.id, m.store_id).await? {
            memberships.push(MyMembership {
                store_id: store.id,
                store_code: store.code,
                store_name: store.name,
                role: m.role,
            });
        }
    }
    Ok(Json(MeResponse {
        user: UserView::new(&session.user, &session.principal.memberships),
        organisation: OrganisationView {
            id: org.id.0,
            name: org.name,
            currency: org.currency,
            locale: org.locale,
        },
        memberships,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change your own password (required after a one-time password). Ends every other session
/// and returns a fresh token pair for this one.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 200, description = "Password changed; a new session", body = TokenResponse)), security(("bearer" = [])))]
async fn change_password(
    State(state): State<AppState>,
    PendingSession(session): PendingSession,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> ApiResult<impl IntoResponse> {
    if body.current_password.len() > 1024
        || !passwords::verify(
            body.current_password.clone(),
            Some(session.user.password_hash.clone()),
        )
        .await
        .map_err(ApiError::internal)?
    {
        return Err(
            ApiError::unprocessable("wrong_password", "the current password is incorrect")
                .field("current_password"),
        );
    }
    NewPassword::check(&body.new_password, &session.user.email)
        .map_err(|e| e.at("new_password"))?;
    if body.new_password == body.current_password {
        return Err(ApiError::unprocessable(
            "password_unchanged",
            "choose a password different from the current one",
        )
        .field("new_password"));
    }
    let hash = passwords::hash(body.new_password)
        .await
        .map_err(ApiError::internal)?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let mut user = session.user.clone();
    user.password_hash = hash;
    user.must_change_password = false;
    user.tokens_valid_after = now;
    user.updated_at = now;
    users::update(&mut tx, &user).await?;
    auth_store::revoke_user_tokens(&mut tx, user.id, now).await?;
    let auditor = Auditor::for_session(&session, ip);
    audit::insert(
        &mut tx,
        &auditor.entry(
            "auth.password_changed",
            Some(("user", user.id.to_string())),
            json!({}),
        ),
    )
    .await?;
    // A new session for this client: the old tokens were just invalidated.
    let tokens = issue_session(&state, &mut tx, &user, None).await?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(tokens))
}
