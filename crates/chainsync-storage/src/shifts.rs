//! Shifts: a cashier's time on one terminal, from the opening float to the count, and the
//! drawer events in between (paid in, paid out, no-sale openings).
//!
//! Invariant: at most one open shift per terminal (a partial unique index, so two tills racing
//! to open cannot both win). A closed shift is frozen: its Z report is stored at close.

use crate::error::corrupt;
use crate::sales::opt_id;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{OrgId, ShiftId, StoreId, TerminalId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ShiftRecord {
    pub id: ShiftId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    /// `open` or `closed`.
    pub status: String,
    pub opened_by: UserId,
    pub opened_at: i64,
    pub opening_float_minor: i64,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<i64>,
    pub counted_cash_minor: Option<i64>,
    /// The Z report frozen at close (JSON).
    pub report: Option<String>,
}

fn from_row(r: &AnyRow) -> StorageResult<ShiftRecord> {
    Ok(ShiftRecord {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
        store_id: r
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        terminal_id: r
            .try_get::<String, _>("terminal_id")?
            .parse()
            .map_err(corrupt)?,
        status: r.try_get("status")?,
        opened_by: r
            .try_get::<String, _>("opened_by")?
            .parse()
            .map_err(corrupt)?,
        opened_at: r.try_get("opened_at")?,
        opening_float_minor: r.try_get("opening_float_minor")?,
        closed_by: opt_id(r, "closed_by")?,
        closed_at: r.try_get("closed_at")?,
        counted_cash_minor: r.try_get("counted_cash_minor")?,
        report: r.try_get("report")?,
    })
}

/// Opens a shift. Fails with a conflict on `shifts_open_terminal_key` when the terminal
/// already has an open one.
pub async fn open(conn: &mut Conn, s: &ShiftRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO shifts (id, org_id, store_id, terminal_id, status, opened_by, opened_at, opening_float_minor) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7)",
    )
    .bind(s.id.to_string())
    .bind(s.org_id.to_string())
    .bind(s.store_id.to_string())
    .bind(s.terminal_id.to_string())
    .bind(s.opened_by.to_string())
    .bind(s.opened_at)
    .bind(s.opening_float_minor)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrgId, id: ShiftId) -> StorageResult<Option<ShiftRecord>> {
    let row = sqlx::query("SELECT * FROM shifts WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A store's shifts, newest first, optionally only `open` or `closed` ones.
pub async fn list(
    conn: &mut Conn,
    store: StoreId,
    status: Option<&str>,
    cursor: Option<ShiftId>,
    limit: u32,
) -> StorageResult<Page<ShiftRecord>> {
    let mut sql = Sql::new("SELECT * FROM shifts WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(status) = status {
        sql.push(" AND status = ")
            .bind(Arg::Text(status.to_owned()));
    }
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |s| s.id.to_string()))
}

/// Closes an open shift with its count and frozen report; false when it was not open.
pub async fn close(
    conn: &mut Conn,
    id: ShiftId,
    by: UserId,
    at: i64,
    counted_cash_minor: i64,
    report: &str,
) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE shifts SET status = 'closed', closed_by = $1, closed_at = $2, counted_cash_minor = $3, report = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(by.to_string())
    .bind(at)
    .bind(counted_cash_minor)
    .bind(report)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A drawer event: `paid_in`, `paid_out` or `no_sale`.
#[derive(Debug, Clone)]
pub struct CashEvent {
    pub id: Uuid,
    pub shift_id: ShiftId,
    pub kind: String,
    pub amount_minor: i64,
    pub reason: Option<String>,
    pub user_id: UserId,
    pub occurred_at: i64,
}

pub async fn add_cash_event(conn: &mut Conn, org: OrgId, e: &CashEvent) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO shift_cash_events (id, org_id, shift_id, kind, amount_minor, reason, user_id, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id.to_string())
    .bind(org.to_string())
    .bind(e.shift_id.to_string())
    .bind(&e.kind)
    .bind(e.amount_minor)
    .bind(e.reason.clone())
    .bind(e.user_id.to_string())
    .bind(e.occurred_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn cash_events(conn: &mut Conn, shift: ShiftId) -> StorageResult<Vec<CashEvent>> {
    let rows =
        sqlx::query("SELECT * FROM shift_cash_events WHERE shift_id = $1 ORDER BY occurred_at, id")
            .bind(shift.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(CashEvent {
                id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
                shift_id: r
                    .try_get::<String, _>("shift_id")?
                    .parse()
                    .map_err(corrupt)?,
                kind: r.try_get("kind")?,
                amount_minor: r.try_get("amount_minor")?,
                reason: r.try_get("reason")?,
                user_id: r
                    .try_get::<String, _>("user_id")?
                    .parse()
                    .map_err(corrupt)?,
                occurred_at: r.try_get("occurred_at")?,
            })
        })
        .collect()
}

/// What a shift's sales and returns recorded, for the Z report: per document, its totals and
/// its tender JSON (`payments` and `priced` settlement for sales, `refunds` for returns).
#[derive(Debug, Clone)]
pub struct ShiftDocument {
    pub total_minor: i64,
    pub tax_minor: i64,
    pub discount_minor: i64,
    pub tenders: String,
    pub priced: Option<String>,
}

pub async fn sales_of(conn: &mut Conn, shift: ShiftId) -> StorageResult<Vec<ShiftDocument>> {
    let rows = sqlx::query("SELECT total_minor, tax_minor, discount_minor, payments, priced FROM sales WHERE shift_id = $1")
        .bind(shift.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ShiftDocument {
                total_minor: r.try_get("total_minor")?,
                tax_minor: r.try_get("tax_minor")?,
                discount_minor: r.try_get("discount_minor")?,
                tenders: r.try_get("payments")?,
                priced: Some(r.try_get("priced")?),
            })
        })
        .collect()
}

pub async fn returns_of(conn: &mut Conn, shift: ShiftId) -> StorageResult<Vec<ShiftDocument>> {
    let rows =
        sqlx::query("SELECT total_minor, tax_minor, refunds FROM returns WHERE shift_id = $1")
            .bind(shift.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(ShiftDocument {
                total_minor: r.try_get("total_minor")?,
                tax_minor: r.try_get("tax_minor")?,
                discount_minor: 0,
                tenders: r.try_get("refunds")?,
                priced: None,
            })
        })
        .collect()
}
