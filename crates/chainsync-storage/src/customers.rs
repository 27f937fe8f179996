//! Customers, the loyalty programme's settings, and the points ledger.
//!
//! Invariants: a customer's `points_balance` equals the sum of their ledger rows and is never
//! negative. [`add_points`] is the only way points change: one conditional `UPDATE` (so
//! concurrent redemptions serialise on the customer row and cannot overdraw) and a ledger row
//! with the balance after, in the caller's transaction. Erasing a customer blanks their
//! personal data but keeps the row, so sales and the ledger still add up.

use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{CustomerId, OrgId, UserId};
use chainsync_domain::loyalty::LoyaltySettings;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub id: CustomerId,
    pub org_id: OrgId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub points_balance: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub erased_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> StorageResult<CustomerRecord> {
    Ok(CustomerRecord {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        note: r.try_get("note")?,
        points_balance: r.try_get("points_balance")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        erased_at: r.try_get("erased_at")?,
    })
}

/// Inserts a new customer (balance 0).
pub async fn insert(conn: &mut Conn, c: &CustomerRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO customers (id, org_id, name, email, phone, note, points_balance, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(c.id.to_string())
    .bind(c.org_id.to_string())
    .bind(c.name.clone())
    .bind(c.email.clone())
    .bind(c.phone.clone())
    .bind(c.note.clone())
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves the editable fields (not the balance, which only [`add_points`] changes).
pub async fn update(conn: &mut Conn, c: &CustomerRecord) -> StorageResult<()> {
    sqlx::query(
        "UPDATE customers SET name = $1, email = $2, phone = $3, note = $4, updated_at = $5 WHERE org_id = $6 AND id = $7",
    )
    .bind(c.name.clone())
    .bind(c.email.clone())
    .bind(c.phone.clone())
    .bind(c.note.clone())
    .bind(c.updated_at)
    .bind(c.org_id.to_string())
    .bind(c.id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    org: OrgId,
    id: CustomerId,
) -> StorageResult<Option<CustomerRecord>> {
    let row = sqlx::query("SELECT * FROM customers WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Customers in creation order, optionally those whose email or phone starts with `q` or
/// whose name contains it (case-insensitive). Erased customers are not listed.
pub async fn search(
    conn: &mut Conn,
    org: OrgId,
    q: Option<&str>,
    cursor: Option<CustomerId>,
    limit: u32,
) -> StorageResult<Page<CustomerRecord>> {
    let mut sql = Sql::new("SELECT * FROM customers WHERE erased_at IS NULL AND org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if let Some(q) = q {
        let lower = q.to_lowercase();
        let escaped = lower
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push(" AND (email LIKE ")
            .bind(Arg::Text(format!("{escaped}%")))
            .push(" ESCAPE '\\' OR phone LIKE ")
            .bind(Arg::Text(format!("{escaped}%")))
            .push(" ESCAPE '\\' OR LOWER(name) LIKE ")
            .bind(Arg::Text(format!("%{escaped}%")))
            .push(" ESCAPE '\\')");
    }
    if let Some(c) = cursor {
        sql.push(" AND id > ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |c| c.id.to_string()))
}

/// Blanks the customer's personal data (name, email, phone, note); keeps the row and the
/// balance history so sales stay consistent. Returns false when already erased.
pub async fn erase(conn: &mut Conn, org: OrgId, id: CustomerId, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE customers SET name = NULL, email = NULL, phone = NULL, note = NULL, erased_at = $1, updated_at = $1 \
         WHERE org_id = $2 AND id = $3 AND erased_at IS NULL",
    )
    .bind(now)
    .bind(org.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The organisation's loyalty settings (defaults until saved).
pub async fn loyalty_settings(conn: &mut Conn, org: OrgId) -> StorageResult<LoyaltySettings> {
    let row = sqlx::query("SELECT * FROM loyalty_settings WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => LoyaltySettings {
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            earn_points_per_unit: r.try_get("earn_points_per_unit")?,
            redeem_minor_per_point: r.try_get("redeem_minor_per_point")?,
        },
        None => LoyaltySettings::default(),
    })
}

pub async fn save_loyalty_settings(
    conn: &mut Conn,
    org: OrgId,
    s: &LoyaltySettings,
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO loyalty_settings (org_id, enabled, earn_points_per_unit, redeem_minor_per_point, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, \
         earn_points_per_unit = excluded.earn_points_per_unit, redeem_minor_per_point = excluded.redeem_minor_per_point, \
         updated_at = excluded.updated_at",
    )
    .bind(org.to_string())
    .bind(i64::from(s.enabled))
    .bind(s.earn_points_per_unit)
    .bind(s.redeem_minor_per_point)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsReason {
    Earn,
    Redeem,
    Return,
    Adjustment,
}

impl PointsReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsReason::Earn => "earn",
            PointsReason::Redeem => "redeem",
            PointsReason::Return => "return",
            PointsReason::Adjustment => "adjustment",
        }
    }
}

/// A points movement to record.
#[derive(Debug, Clone)]
pub struct PointsChange<'a> {
    pub org_id: OrgId,
    pub customer_id: CustomerId,
    pub delta: i64,
    pub reason: PointsReason,
    pub reference: Option<(&'a str, String)>,
    pub user_id: Option<UserId>,
    pub at: i64,
}

/// Applies a points change; `Ok(None)` when it would take the balance below zero (nothing is
/// written), else the balance after.
pub async fn add_points(conn: &mut Conn, change: &PointsChange<'_>) -> StorageResult<Option<i64>> {
    let row = sqlx::query(
        "UPDATE customers SET points_balance = points_balance + $1, updated_at = $2 \
         WHERE org_id = $3 AND id = $4 AND points_balance + $1 >= 0 RETURNING points_balance",
    )
    .bind(change.delta)
    .bind(change.at)
    .bind(change.org_id.to_string())
    .bind(change.customer_id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let balance: i64 = row.try_get("points_balance")?;
    sqlx::query(
        "INSERT INTO loyalty_ledger (id, org_id, customer_id, delta, balance_after, reason, reference_type, reference_id, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(change.org_id.to_string())
    .bind(change.customer_id.to_string())
    .bind(change.delta)
    .bind(balance)
    .bind(change.reason.as_str())
    .bind(change.reference.as_ref().map(|r| r.0.to_owned()))
    .bind(change.reference.as_ref().map(|r| r.1.clone()))
    .bind(change.user_id.map(|u| u.to_string()))
    .bind(change.at)
    .execute(conn)
    .await?;
    Ok(Some(balance))
}

/// One row of a customer's points ledger.
#[derive(Debug, Clone)]
pub struct PointsEntry {
    pub id: String,
    pub delta: i64,
    pub balance_after: i64,
    pub reason: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: i64,
}

/// A customer's points ledger, newest first.
pub async fn points_ledger(
    conn: &mut Conn,
    org: OrgId,
    customer: CustomerId,
    cursor: Option<String>,
    limit: u32,
) -> StorageResult<Page<PointsEntry>> {
    let mut sql = Sql::new("SELECT * FROM loyalty_ledger WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()))
        .push(" AND customer_id = ")
        .bind(Arg::Text(customer.to_string()));
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(PointsEntry {
                id: r.try_get("id")?,
                delta: r.try_get("delta")?,
                balance_after: r.try_get("balance_after")?,
                reason: r.try_get("reason")?,
                reference_type: r.try_get("reference_type")?,
                reference_id: r.try_get("reference_id")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |e| e.id.clone()))
}

/// Sum of the ledger for one customer (tests compare it with the balance).
pub async fn ledger_sum(conn: &mut Conn, customer: CustomerId) -> StorageResult<i64> {
    let row = sqlx::query("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS total FROM loyalty_ledger WHERE customer_id = $1")
        .bind(customer.to_string())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("total")?)
}
