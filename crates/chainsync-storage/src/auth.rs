//! Authentication state every server process must agree on: JWT signing keys, refresh-token
//! families, and login throttling (failure counters and lockouts).
//!
//! Refresh tokens are stored as SHA-256 hashes only. A token is used once: using it marks it
//! `used_at` (a conditional update, so two concurrent uses cannot both win); presenting a used
//! or revoked token again means it leaked, and the caller revokes the whole family.

use crate::error::corrupt;
use crate::{Conn, StorageResult};
use chainsync_domain::ids::UserId;
use sqlx::Row;
use uuid::Uuid;

/// A JWT signing key (HMAC secret, base64) identified by `kid`.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub secret_b64: String,
    pub created_at: i64,
}

/// All signing keys, newest first.
pub async fn signing_keys(conn: &mut Conn) -> StorageResult<Vec<SigningKeyRecord>> {
    let rows = sqlx::query(
        "SELECT kid, secret, created_at FROM signing_keys ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SigningKeyRecord {
                kid: row.try_get("kid")?,
                secret_b64: row.try_get("secret")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Stores a key unless one with the same kid exists (two processes starting together may both
/// try; both then read back the same set).
pub async fn insert_signing_key(conn: &mut Conn, key: &SigningKeyRecord) -> StorageResult<()> {
    sqlx::query("INSERT INTO signing_keys (kid, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING")
        .bind(&key.kid)
        .bind(&key.secret_b64)
        .bind(key.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert_refresh_token(
    conn: &mut Conn,
    token: &RefreshTokenRecord,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.id.to_string())
    .bind(token.family_id.to_string())
    .bind(token.user_id.to_string())
    .bind(&token.token_hash)
    .bind(token.created_at)
    .bind(token.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_refresh_token(
    conn: &mut Conn,
    token_hash: &str,
) -> StorageResult<Option<RefreshTokenRecord>> {
    let row = sqlx::query("SELECT * FROM refresh_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(RefreshTokenRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        family_id: row
            .try_get::<String, _>("family_id")?
            .parse()
            .map_err(corrupt)?,
        user_id: row
            .try_get::<String, _>("user_id")?
            .parse()
            .map_err(corrupt)?,
        token_hash: row.try_get("token_hash")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    }))
}

/// Marks a token used; false when it was already used or revoked (someone else got there
/// first, or it is being replayed).
pub async fn consume_refresh_token(conn: &mut Conn, id: Uuid, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke_family(conn: &mut Conn, family: Uuid, now: i64) -> StorageResult<u64> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(family.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn revoke_user_tokens(conn: &mut Conn, user: UserId, now: i64) -> StorageResult<u64> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Counters for one throttling key (`acct:<email>` or `ip:<address>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub locked_until: i64,
}

pub async fn throttle_state(conn: &mut Conn, key: &str) -> StorageResult<Option<ThrottleState>> {
    let row = sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(ThrottleState {
            failures: row.try_get("failures")?,
            locked_until: row.try_get("locked_until")?,
        })
    })
    .transpose()
}

/// Policy for one kind of throttling key.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures within `window_ms` that trigger a lock.
    pub max_failures: i64,
    pub window_ms: i64,
    pub lock_ms: i64,
}

/// Counts one failure for `key` (atomically, in the caller's transaction) and locks the key
/// when the policy says so. Returns the state after the failure.
pub async fn record_failure(
    conn: &mut Conn,
    key: &str,
    policy: ThrottlePolicy,
    now: i64,
) -> StorageResult<ThrottleState> {
    let window_start = now - policy.window_ms;
    let row = sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_started_at < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
           window_started_at = CASE WHEN login_throttle.window_started_at < $3 THEN $2 ELSE login_throttle.window_started_at END \
         RETURNING failures, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(&mut *conn)
    .await?;
    let mut state = ThrottleState {
        failures: row.try_get("failures")?,
        locked_until: row.try_get("locked_until")?,
    };
    if state.failures >= policy.max_failures {
        state = ThrottleState {
            failures: 0,
            locked_until: now + policy.lock_ms,
        };
        sqlx::query("UPDATE login_throttle SET failures = 0, window_started_at = $1, locked_until = $2 WHERE key = $3")
            .bind(now)
            .bind(state.locked_until)
            .bind(key)
            .execute(conn)
            .await?;
    }
    Ok(state)
}

/// Forgets the failures of `key` (after a successful login or a password reset).
pub async fn clear_throttle(conn: &mut Conn, key: &str) -> StorageResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// True when the session (refresh-token family) was revoked: by logout, reuse detection,
/// deactivation or a password change.
pub async fn family_revoked(conn: &mut Conn, family: Uuid) -> StorageResult<bool> {
    let row = sqlx::query("SELECT 1 AS hit FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL LIMIT 1")
        .bind(family.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}
