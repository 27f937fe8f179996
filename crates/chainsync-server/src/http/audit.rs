//! `/api/audit`: the organisation's audit log, newest first, for admins.

use super::common::{PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::ApiQuery;
use super::session::Session;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chainsync_domain::ids::{AuditId, UserId};
use chainsync_storage::audit::{self as audit_store, AuditFilter, AuditRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    /// The actor's email (or the email tried, for a failed sign-in).
    pub actor_label: Option<String>,
    /// e.g. `auth.login`, `auth.login_failed`, `user.created`, `store.updated`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub source_ip: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditRecord> for AuditEntryView {
    fn from(r: AuditRecord) -> Self {
        AuditEntryView {
            id: r.id,
            at: time(r.at),
            actor_user_id: r.actor_user_id,
            actor_label: r.actor_label,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            source_ip: r.source_ip,
            details: r.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// An action (`user.created`) or a prefix ending in a dot (`user.`).
    pub action: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub target_id: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// Read the audit log (admins), filtered and paginated.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditParams),
    responses((status = 200, description = "A page of entries, newest first", body = AuditList)), security(("bearer" = [])))]
async fn list_audit(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditList>> {
    if !session.principal.is_org_admin {
        return Err(ApiError::forbidden("only admins can read the audit log"));
    }
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let filter = AuditFilter {
        action: params.action.filter(|a| !a.is_empty()),
        actor_user_id: params.actor_user_id,
        target_id: params.target_id.filter(|t| !t.is_empty()),
        from_ms: params.from.map(|t| t.timestamp_millis()),
        to_ms: params.to.map(|t| t.timestamp_millis()),
    };
    let result = audit_store::list(
        &mut *state.db.conn().await?,
        session.user.org_id,
        &filter,
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(Json(AuditList {
        items: result.items.into_iter().map(Into::into).collect(),
        next_cursor: result.next_cursor,
    }))
}
