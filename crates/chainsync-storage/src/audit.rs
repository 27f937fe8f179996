//! The audit log: an append-only record of who did what to what, when, and from where.
//! Rows are never updated or deleted by the application.

use crate::batch::Batch;
use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{AuditId, OrgId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: AuditId,
    /// `None` for events outside any organisation (a failed login for an unknown email).
    pub org_id: Option<OrgId>,
    pub at: i64,
    pub actor_user_id: Option<UserId>,
    /// Who acted, readable: the email used to sign in, or `system`.
    pub actor_label: Option<String>,
    /// A dotted action name such as `auth.login_failed` or `user.created`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub source_ip: Option<String>,
    pub details: serde_json::Value,
}

fn from_row(row: &AnyRow) -> StorageResult<AuditRecord> {
    let opt_id =
        |col: &str| -> StorageResult<Option<String>> { Ok(row.try_get::<Option<String>, _>(col)?) };
    let details: String = row.try_get("details")?;
    Ok(AuditRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: opt_id("org_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(corrupt)?,
        at: row.try_get("at")?,
        actor_user_id: opt_id("actor_user_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(corrupt)?,
        actor_label: row.try_get("actor_label")?,
        action: row.try_get("action")?,
        target_type: row.try_get("target_type")?,
        target_id: row.try_get("target_id")?,
        source_ip: row.try_get("source_ip")?,
        details: serde_json::from_str(&details).map_err(corrupt)?,
    })
}

pub async fn insert(conn: &mut Conn, entry: &AuditRecord) -> StorageResult<()> {
    let mut batch = Batch::new();
    push_insert(&mut batch, entry);
    batch.execute(conn).await?;
    Ok(())
}

/// Queues [`insert`] in `batch`.
pub fn push_insert(batch: &mut Batch, entry: &AuditRecord) {
    let mut sql = Sql::new(
        "INSERT INTO audit_log (id, org_id, at, actor_user_id, actor_label, action, target_type, \
         target_id, source_ip, details) VALUES ",
    );
    sql.bind_row(
        true,
        [
            Arg::Text(entry.id.to_string()),
            Arg::NullableText(entry.org_id.map(|o| o.to_string())),
            Arg::Int(entry.at),
            Arg::NullableText(entry.actor_user_id.map(|u| u.to_string())),
            Arg::NullableText(entry.actor_label.clone()),
            Arg::Text(entry.action.clone()),
            Arg::NullableText(entry.target_type.clone()),
            Arg::NullableText(entry.target_id.clone()),
            Arg::NullableText(entry.source_ip.clone()),
            Arg::Text(entry.details.to_string()),
        ],
    );
    batch.push(sql);
}

/// Filters for [`list`]; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An exact action, or a prefix ending in `.` (`user.` matches every user action).
    pub action: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub target_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// Entries of `org`, newest first, `limit` per page, before `cursor` (an entry id).
pub async fn list(
    conn: &mut Conn,
    org: OrgId,
    filter: &AuditFilter,
    cursor: Option<AuditId>,
    limit: u32,
) -> StorageResult<Page<AuditRecord>> {
    let mut sql = Sql::new("SELECT * FROM audit_log WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if let Some(action) = &filter.action {
        if let Some(prefix) = action.strip_suffix('.') {
            // Prefix match without LIKE so `_` and `%` in input mean nothing special.
            // PostgreSQL has no substr(text, int, bigint): cast the bound length.
            sql.push(" AND substr(action, 1, CAST(")
                .bind(Arg::Int(prefix.len() as i64 + 1))
                .push(" AS INTEGER)) = ")
                .bind(Arg::Text(format!("{prefix}.")));
        } else {
            sql.push(" AND action = ").bind(Arg::Text(action.clone()));
        }
    }
    if let Some(actor) = filter.actor_user_id {
        sql.push(" AND actor_user_id = ")
            .bind(Arg::Text(actor.to_string()));
    }
    if let Some(target) = &filter.target_id {
        sql.push(" AND target_id = ")
            .bind(Arg::Text(target.clone()));
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND at >= ").bind(Arg::Int(from));
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND at < ").bind(Arg::Int(to));
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(cursor.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |e| e.id.to_string()))
}
