//! A manager's approval at the till, for voids and refunds above the store's threshold.
//!
//! The manager types their email and either their PIN (set with `PUT /api/auth/me/pin`) or
//! their password on the cashier's screen; the mutation carries it. It is checked before the
//! write transaction, against the same kind of throttle as sign-in (`approve:<email>`: 5
//! failures in 15 minutes lock approvals by that manager for 15 minutes), and the secret is
//! never stored: the mutation is recorded with the approver's email only.
//!
//! An approver must be active, in the caller's organisation, and an admin or a manager of the
//! store. A cashier cannot approve their own refund.

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Session;
use crate::security::{passwords, throttle};
use crate::state::AppState;
use chainsync_domain::access::Role;
use chainsync_domain::ids::{StoreId, UserId};
use chainsync_storage::auth as auth_store;
use chainsync_storage::{now_ms, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the approving manager typed. Exactly one of `pin` and `password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl Approval {
    /// The approval without its secret, as the mutation is recorded.
    pub fn redacted(&self) -> Approval {
        Approval {
            email: self.email.trim().to_lowercase(),
            pin: None,
            password: None,
        }
    }
}

fn failed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "approval_failed",
        "the approval was not accepted: check the manager's email and PIN or password",
    )
    .field("approval")
}

/// Checks an approval for `store`; the approver's id when it holds.
pub async fn verify(
    state: &AppState,
    session: &Session,
    store: StoreId,
    approval: &Approval,
) -> ApiResult<UserId> {
    let email = approval.email.trim().to_lowercase();
    let key = format!("approve:{email}");
    let now = now_ms();
    if let Some(s) = auth_store::throttle_state(&mut *state.db.conn().await?, &key).await?
        && s.locked_until > now
    {
        return Err(ApiError::too_many(
            "approval_locked",
            "too many failed approvals by this manager: try again later",
            u64::try_from((s.locked_until - now) / 1000 + 1).unwrap_or(1),
        ));
    }
    let user = users::find_by_email(&mut *state.db.conn().await?, &email).await?;
    let secret_ok = match (&approval.pin, &approval.password, &user) {
        (Some(pin), None, Some(u)) if pin.len() <= 16 => {
            let stored = users::pin_hash(&mut *state.db.conn().await?, u.id).await?;
            passwords::verify(pin.clone(), stored)
                .await
                .map_err(ApiError::internal)?
        }
        (None, Some(password), user) if password.len() <= 1024 => passwords::verify(
            password.clone(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await
        .map_err(ApiError::internal)?,
        (Some(_), Some(_), _) | (None, None, _) => {
            return Err(ApiError::unprocessable(
                "invalid_approval",
                "give either a PIN or a password",
            )
            .field("approval"));
        }
        _ => false,
    };
    let approver = match user {
        Some(u)
            if secret_ok
                && u.active
                && u.org_id == session.user.org_id
                && u.id != session.user.id =>
        {
            let may = u.is_org_admin
                || users::memberships_of(&mut *state.db.conn().await?, u.id)
                    .await?
                    .iter()
                    .any(|m| m.store_id == store && m.role == Role::Manager);
            may.then_some(u.id)
        }
        _ => None,
    };
    match approver {
        Some(id) => {
            let mut tx = state.db.begin_write().await?;
            auth_store::clear_throttle(&mut tx, &key).await?;
            tx.commit().await.map_err(ApiError::internal)?;
            Ok(id)
        }
        None => {
            let mut tx = state.db.begin_write().await?;
            auth_store::record_failure(&mut tx, &key, throttle::ACCOUNT, now).await?;
            tx.commit().await.map_err(ApiError::internal)?;
            Err(failed())
        }
    }
}
