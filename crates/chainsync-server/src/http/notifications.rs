//! `/api/notifications`: the caller's own notifications (list, unread count, mark read) and
//! notification preferences. Every route is about the caller only, so there is nothing to
//! authorise beyond being signed in; another user's notification is simply not found.

use super::common::{PageParams, time};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::Session;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chainsync_domain::ids::StoreId;
use chainsync_domain::realtime::Preferences;
use chainsync_storage::notifications::{self as store, NotificationRecord};
use chainsync_storage::{now_ms, stores};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(get_preferences, put_preferences))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// The live event it came from (`event.id` on the channels).
    pub event_id: String,
    /// `inventory_alert`, `sales_update`, `system_alert` or `ai_insight`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The domain event kind, e.g. `stock.oversold`.
    pub kind: String,
    /// `low`, `medium`, `high` or `critical`.
    pub priority: String,
    pub title: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub store_id: Option<StoreId>,
    /// Whether it was pushed live (false during quiet hours).
    pub push: bool,
    pub time: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NotificationRecord> for NotificationView {
    fn from(n: NotificationRecord) -> Self {
        NotificationView {
            id: n.id,
            event_id: n.event_id,
            event_type: n.event_type,
            kind: n.kind,
            priority: n.priority,
            title: n.title,
            message: n.message,
            data: serde_json::from_str(&n.data).unwrap_or(serde_json::Value::Null),
            store_id: n.store_id,
            push: n.push,
            time: time(n.created_at),
            read_at: n.read_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only unread notifications.
    #[serde(default)]
    pub unread: Option<bool>,
}

/// Your notifications, newest first.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", params(ListParams),
    responses((status = 200, description = "A page of notifications", body = NotificationList)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<NotificationList>> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let cursor: Option<Uuid> = page.cursor()?;
    let result = store::list(
        &mut *state.db.conn().await?,
        session.user.id,
        params.unread.unwrap_or(false),
        cursor.map(|c| c.to_string()).as_deref(),
        page.limit()?,
    )
    .await?;
    Ok(Json(NotificationList {
        items: result.items.into_iter().map(Into::into).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of your notifications are unread.
#[utoipa::path(get, path = "/api/notifications/unread-count", tag = "notifications",
    responses((status = 200, description = "The count", body = UnreadCount)), security(("bearer" = [])))]
async fn unread_count(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<UnreadCount>> {
    let unread = store::unread_count(&mut *state.db.conn().await?, session.user.id).await?;
    Ok(Json(UnreadCount { unread }))
}

/// Mark one of your notifications read (idempotent: the first read time is kept).
#[utoipa::path(post, path = "/api/notifications/{notification_id}/read", tag = "notifications",
    params(("notification_id" = Uuid, Path, description = "The notification")),
    responses((status = 200, description = "The notification, read", body = NotificationView),
        (status = 404, description = "Not one of your notifications", body = super::error::ErrorBody)), security(("bearer" = [])))]
async fn mark_read(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NotificationView>> {
    let id = id.to_string();
    let mut conn = state.db.conn().await?;
    if !store::mark_read(&mut conn, session.user.id, &id, now_ms()).await? {
        return Err(ApiError::not_found("notification"));
    }
    let record = store::get(&mut conn, session.user.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("notification"))?;
    Ok(Json(record.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread and are now read.
    pub marked: u64,
}

/// Mark all your notifications read.
#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications",
    responses((status = 200, description = "How many changed", body = MarkedRead)), security(("bearer" = [])))]
async fn mark_all_read(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<MarkedRead>> {
    let marked =
        store::mark_all_read(&mut *state.db.conn().await?, session.user.id, now_ms()).await?;
    Ok(Json(MarkedRead { marked }))
}

/// Your notification preferences (the defaults until you save some).
#[utoipa::path(get, path = "/api/notifications/preferences", tag = "notifications",
    responses((status = 200, description = "Preferences", body = Preferences)), security(("bearer" = [])))]
async fn get_preferences(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<Preferences>> {
    let saved = store::preferences(&mut *state.db.conn().await?, session.user.id).await?;
    let prefs = saved
        .and_then(|body| serde_json::from_str(&body).ok())
        .unwrap_or_default();
    Ok(Json(prefs))
}

/// Replace your notification preferences; absent fields take their defaults.
#[utoipa::path(put, path = "/api/notifications/preferences", tag = "notifications", request_body = Preferences,
    responses((status = 200, description = "Saved", body = Preferences)), security(("bearer" = [])))]
async fn put_preferences(
    State(state): State<AppState>,
    session: Session,
    ApiJson(prefs): ApiJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    prefs.validate()?;
    if let Some(list) = &prefs.stores {
        let mut conn = state.db.conn().await?;
        for (i, store) in list.iter().enumerate() {
            let found = stores::get(&mut conn, session.user.org_id, *store).await?;
            if found.is_none() || !session.principal.can_view_store(*store) {
                return Err(
                    ApiError::unprocessable("unknown_store", "not a store you can see")
                        .field(format!("stores[{i}]")),
                );
            }
        }
    }
    let body = serde_json::to_string(&prefs).map_err(ApiError::internal)?;
    store::save_preferences(
        &mut *state.db.conn().await?,
        session.user.id,
        session.user.org_id,
        &body,
        now_ms(),
    )
    .await?;
    Ok(Json(prefs))
}
