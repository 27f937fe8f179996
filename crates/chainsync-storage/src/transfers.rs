//! Transfers between stores: dispatched (stock leaves the sending store, `in_transit`), then
//! received at the other store (stock arrives; a shortfall is recorded as a discrepancy on
//! the line). The stock movements themselves go through the ledger; this module keeps the
//! documents.

use crate::error::corrupt;
use crate::sales::opt_id;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{OrgId, ProductId, StoreId, TransferId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct TransferRecord {
    pub id: TransferId,
    pub org_id: OrgId,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    /// `in_transit` or `received`.
    pub status: String,
    pub note: Option<String>,
    pub dispatched_by: UserId,
    pub dispatched_at: i64,
    pub received_by: Option<UserId>,
    pub received_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct TransferLine {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity_sent: i64,
    pub quantity_received: Option<i64>,
    pub unit_cost_minor: i64,
}

fn from_row(r: &AnyRow) -> StorageResult<TransferRecord> {
    Ok(TransferRecord {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
        from_store_id: r
            .try_get::<String, _>("from_store_id")?
            .parse()
            .map_err(corrupt)?,
        to_store_id: r
            .try_get::<String, _>("to_store_id")?
            .parse()
            .map_err(corrupt)?,
        status: r.try_get("status")?,
        note: r.try_get("note")?,
        dispatched_by: r
            .try_get::<String, _>("dispatched_by")?
            .parse()
            .map_err(corrupt)?,
        dispatched_at: r.try_get("dispatched_at")?,
        received_by: opt_id(r, "received_by")?,
        received_at: r.try_get("received_at")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    t: &TransferRecord,
    lines: &[TransferLine],
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO transfers (id, org_id, from_store_id, to_store_id, status, note, dispatched_by, dispatched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.id.to_string())
    .bind(t.org_id.to_string())
    .bind(t.from_store_id.to_string())
    .bind(t.to_store_id.to_string())
    .bind(&t.status)
    .bind(t.note.clone())
    .bind(t.dispatched_by.to_string())
    .bind(t.dispatched_at)
    .execute(&mut *conn)
    .await?;
    for l in lines {
        sqlx::query(
            "INSERT INTO transfer_lines (transfer_id, line_no, product_id, quantity_sent, unit_cost_minor) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.id.to_string())
        .bind(l.line_no)
        .bind(l.product_id.to_string())
        .bind(l.quantity_sent)
        .bind(l.unit_cost_minor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    org: OrgId,
    id: TransferId,
) -> StorageResult<Option<TransferRecord>> {
    let row = sqlx::query("SELECT * FROM transfers WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn lines(conn: &mut Conn, id: TransferId) -> StorageResult<Vec<TransferLine>> {
    let rows = sqlx::query("SELECT * FROM transfer_lines WHERE transfer_id = $1 ORDER BY line_no")
        .bind(id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TransferLine {
                line_no: r.try_get("line_no")?,
                product_id: r
                    .try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                quantity_sent: r.try_get("quantity_sent")?,
                quantity_received: r.try_get("quantity_received")?,
                unit_cost_minor: r.try_get("unit_cost_minor")?,
            })
        })
        .collect()
}

/// Marks an in-transit transfer received with what arrived per line; false when it was not in
/// transit (received already, concurrently or before).
pub async fn mark_received(
    conn: &mut Conn,
    id: TransferId,
    by: UserId,
    at: i64,
    received: &[(i64, i64)],
) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE transfers SET status = 'received', received_by = $1, received_at = $2 WHERE id = $3 AND status = 'in_transit'",
    )
    .bind(by.to_string())
    .bind(at)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (line_no, quantity) in received {
        sqlx::query("UPDATE transfer_lines SET quantity_received = $1 WHERE transfer_id = $2 AND line_no = $3")
            .bind(*quantity)
            .bind(id.to_string())
            .bind(*line_no)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Transfers leaving or arriving at a store, newest first, optionally by status.
pub async fn list(
    conn: &mut Conn,
    store: StoreId,
    status: Option<&str>,
    cursor: Option<TransferId>,
    limit: u32,
) -> StorageResult<Page<TransferRecord>> {
    let mut sql = Sql::new("SELECT * FROM transfers WHERE (from_store_id = ");
    sql.bind(Arg::Text(store.to_string()))
        .push(" OR to_store_id = ")
        .bind(Arg::Text(store.to_string()))
        .push(")");
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
    Ok(Page::from_overfetch(items, limit, |t| t.id.to_string()))
}
