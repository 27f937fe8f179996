//! Notifications: live events stored per recipient with read state, and each user's
//! notification preferences (a JSON document validated by the domain before it is stored).
//!
//! A notification is written by the relay in the same transaction as the channel event it
//! comes from, so it exists if and only if that event was relayed; `(user_id, event_id)` is
//! unique, so a relay can never notify a user twice of one event.

use crate::batch::Batch;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use sqlx::Row;

/// A stored notification.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    pub id: String,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub event_id: String,
    pub event_type: String,
    pub kind: String,
    pub priority: String,
    pub title: String,
    pub message: String,
    /// JSON text.
    pub data: String,
    pub store_id: Option<StoreId>,
    pub push: bool,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Rows per multi-row insert on SQLite (14 values each, well under SQLite's variable limit).
const ROWS_PER_INSERT: usize = 200;

/// Queues the insert of every record in `batch`, in as few statements as the backend allows:
/// on SQLite multi-row inserts; on PostgreSQL one fixed-text insert whose rows travel as one
/// JSON parameter (`jsonb_to_recordset`), so the statement stays prepared whatever the number
/// of rows (the relay's channel events are written the same way, `realtime::Appender`).
pub fn push_inserts(
    batch: &mut Batch,
    records: &[NotificationRecord],
    backend: crate::Backend,
) -> StorageResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    if backend == crate::Backend::Postgres {
        let rows: Vec<serde_json::Value> = records
            .iter()
            .map(|n| {
                serde_json::json!({
                    "id": n.id, "org_id": n.org_id.to_string(), "user_id": n.user_id.to_string(),
                    "event_id": n.event_id, "event_type": n.event_type, "kind": n.kind,
                    "priority": n.priority, "title": n.title, "message": n.message, "data": n.data,
                    "store_id": n.store_id.map(|s| s.to_string()), "push": i64::from(n.push),
                    "created_at": n.created_at, "read_at": n.read_at,
                })
            })
            .collect();
        let mut sql = Sql::new(
            "INSERT INTO notifications (id, org_id, user_id, event_id, event_type, kind, priority, title, message, data, store_id, push, created_at, read_at) \
             SELECT id, org_id, user_id, event_id, event_type, kind, priority, title, message, data, store_id, push, created_at, read_at \
             FROM jsonb_to_recordset(",
        );
        sql.bind(Arg::Text(
            serde_json::to_string(&rows).map_err(crate::error::corrupt)?,
        ))
        .push(
            "::jsonb) AS r(id TEXT, org_id TEXT, user_id TEXT, event_id TEXT, event_type TEXT, kind TEXT, \
             priority TEXT, title TEXT, message TEXT, data TEXT, store_id TEXT, push BIGINT, created_at BIGINT, \
             read_at BIGINT) ON CONFLICT (user_id, event_id) DO NOTHING",
        );
        batch.push(sql);
        return Ok(());
    }
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::new(
            "INSERT INTO notifications (id, org_id, user_id, event_id, event_type, kind, priority, title, message, data, store_id, push, created_at, read_at) \
             VALUES ",
        );
        for (i, n) in chunk.iter().enumerate() {
            sql.bind_row(i == 0, row_args(n));
        }
        sql.push(" ON CONFLICT (user_id, event_id) DO NOTHING");
        batch.push(sql);
    }
    Ok(())
}

fn row_args(n: &NotificationRecord) -> [Arg; 14] {
    [
        Arg::Text(n.id.clone()),
        Arg::Text(n.org_id.to_string()),
        Arg::Text(n.user_id.to_string()),
        Arg::Text(n.event_id.clone()),
        Arg::Text(n.event_type.clone()),
        Arg::Text(n.kind.clone()),
        Arg::Text(n.priority.clone()),
        Arg::Text(n.title.clone()),
        Arg::Text(n.message.clone()),
        Arg::Text(n.data.clone()),
        Arg::NullableText(n.store_id.map(|s| s.to_string())),
        Arg::Int(i64::from(n.push)),
        Arg::Int(n.created_at),
        Arg::NullableInt(n.read_at),
    ]
}

fn from_row(r: &sqlx::any::AnyRow) -> StorageResult<NotificationRecord> {
    Ok(NotificationRecord {
        id: r.try_get("id")?,
        org_id: r
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(crate::error::corrupt)?,
        user_id: r
            .try_get::<String, _>("user_id")?
            .parse()
            .map_err(crate::error::corrupt)?,
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("event_type")?,
        kind: r.try_get("kind")?,
        priority: r.try_get("priority")?,
        title: r.try_get("title")?,
        message: r.try_get("message")?,
        data: r.try_get("data")?,
        store_id: r
            .try_get::<Option<String>, _>("store_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(crate::error::corrupt)?,
        push: r.try_get::<i64, _>("push")? == 1,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

/// A user's notifications, newest first, `limit` per page, before `cursor` (a notification
/// id); only unread ones when `unread_only`.
pub async fn list(
    conn: &mut Conn,
    user: UserId,
    unread_only: bool,
    cursor: Option<&str>,
    limit: u32,
) -> StorageResult<Page<NotificationRecord>> {
    let unread = if unread_only {
        " AND read_at IS NULL"
    } else {
        ""
    };
    // The limit is in the text, not bound: see `Sql::limit`.
    let rows_wanted = i64::from(limit) + 1;
    let rows = match cursor {
        Some(cursor) => {
            let sql = format!(
                "SELECT * FROM notifications WHERE user_id = $1{unread} AND id < $2 ORDER BY id DESC LIMIT {rows_wanted}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user.to_string())
                .bind(cursor)
                .fetch_all(conn)
                .await?
        }
        None => {
            let sql = format!(
                "SELECT * FROM notifications WHERE user_id = $1{unread} ORDER BY id DESC LIMIT {rows_wanted}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user.to_string())
                .fetch_all(conn)
                .await?
        }
    };
    let items = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |n| n.id.clone()))
}

/// One of the user's notifications.
pub async fn get(
    conn: &mut Conn,
    user: UserId,
    id: &str,
) -> StorageResult<Option<NotificationRecord>> {
    let row = sqlx::query("SELECT * FROM notifications WHERE user_id = $1 AND id = $2")
        .bind(user.to_string())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks one notification read (keeping the first read time); `false` if it is not the user's.
pub async fn mark_read(conn: &mut Conn, user: UserId, id: &str, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE user_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(user.to_string())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every unread notification of the user read; returns how many changed.
pub async fn mark_all_read(conn: &mut Conn, user: UserId, now: i64) -> StorageResult<u64> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now)
            .bind(user.to_string())
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

pub async fn unread_count(conn: &mut Conn, user: UserId) -> StorageResult<i64> {
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user.to_string())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// A user's stored preferences document (JSON text), if they saved one.
pub async fn preferences(conn: &mut Conn, user: UserId) -> StorageResult<Option<String>> {
    let row = sqlx::query("SELECT body FROM notification_preferences WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("body"))
        .transpose()
        .map_err(Into::into)
}

pub async fn save_preferences(
    conn: &mut Conn,
    user: UserId,
    org: OrgId,
    body: &str,
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, org_id, body, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
    )
    .bind(user.to_string())
    .bind(org.to_string())
    .bind(body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
