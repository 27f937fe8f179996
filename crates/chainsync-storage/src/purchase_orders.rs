//! Purchase orders: what a store ordered from a supplier, and how much of each line has been
//! received so far. Receiving goes through the stock ledger (a `receipt` movement at the
//! line's cost); this module keeps the order and its received quantities.
//!
//! Status follows the lines: `open` until something arrives, `partially_received`, then
//! `received` when every line is complete; `cancelled` stops further receipts.

use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{OrgId, ProductId, PurchaseOrderId, StoreId, SupplierId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct PurchaseOrderRecord {
    pub id: PurchaseOrderId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub supplier_id: SupplierId,
    pub status: String,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub expected_at: Option<i64>,
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct PurchaseOrderLine {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    pub unit_cost_minor: i64,
}

fn from_row(r: &AnyRow) -> StorageResult<PurchaseOrderRecord> {
    Ok(PurchaseOrderRecord {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
        store_id: r
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        supplier_id: r
            .try_get::<String, _>("supplier_id")?
            .parse()
            .map_err(corrupt)?,
        status: r.try_get("status")?,
        reference: r.try_get("reference")?,
        note: r.try_get("note")?,
        expected_at: r.try_get("expected_at")?,
        created_by: r
            .try_get::<String, _>("created_by")?
            .parse()
            .map_err(corrupt)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    po: &PurchaseOrderRecord,
    lines: &[PurchaseOrderLine],
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO purchase_orders (id, org_id, store_id, supplier_id, status, reference, note, expected_at, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(po.id.to_string())
    .bind(po.org_id.to_string())
    .bind(po.store_id.to_string())
    .bind(po.supplier_id.to_string())
    .bind(&po.status)
    .bind(po.reference.clone())
    .bind(po.note.clone())
    .bind(po.expected_at)
    .bind(po.created_by.to_string())
    .bind(po.created_at)
    .bind(po.updated_at)
    .execute(&mut *conn)
    .await?;
    for l in lines {
        sqlx::query(
            "INSERT INTO purchase_order_lines (po_id, line_no, product_id, quantity_ordered, quantity_received, unit_cost_minor) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(po.id.to_string())
        .bind(l.line_no)
        .bind(l.product_id.to_string())
        .bind(l.quantity_ordered)
        .bind(l.unit_cost_minor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    id: PurchaseOrderId,
) -> StorageResult<Option<PurchaseOrderRecord>> {
    let row = sqlx::query(
        "SELECT * FROM purchase_orders WHERE org_id = $1 AND store_id = $2 AND id = $3",
    )
    .bind(org.to_string())
    .bind(store.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Locks the order for a receipt or a cancellation (PostgreSQL: `FOR UPDATE`, so two receipts
/// of the same order serialise and cannot both take the last units; SQLite has one writer).
pub async fn get_for_update(
    conn: &mut Conn,
    backend: crate::Backend,
    org: OrgId,
    store: StoreId,
    id: PurchaseOrderId,
) -> StorageResult<Option<PurchaseOrderRecord>> {
    let sql = match backend {
        crate::Backend::Postgres => {
            "SELECT * FROM purchase_orders WHERE org_id = $1 AND store_id = $2 AND id = $3 FOR UPDATE"
        }
        crate::Backend::Sqlite => {
            "SELECT * FROM purchase_orders WHERE org_id = $1 AND store_id = $2 AND id = $3"
        }
    };
    let row = sqlx::query(sql)
        .bind(org.to_string())
        .bind(store.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn lines(conn: &mut Conn, id: PurchaseOrderId) -> StorageResult<Vec<PurchaseOrderLine>> {
    let rows = sqlx::query("SELECT * FROM purchase_order_lines WHERE po_id = $1 ORDER BY line_no")
        .bind(id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PurchaseOrderLine {
                line_no: r.try_get("line_no")?,
                product_id: r
                    .try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                quantity_ordered: r.try_get("quantity_ordered")?,
                quantity_received: r.try_get("quantity_received")?,
                unit_cost_minor: r.try_get("unit_cost_minor")?,
            })
        })
        .collect()
}

pub async fn add_received(
    conn: &mut Conn,
    id: PurchaseOrderId,
    line_no: i64,
    quantity: i64,
) -> StorageResult<()> {
    sqlx::query("UPDATE purchase_order_lines SET quantity_received = quantity_received + $1 WHERE po_id = $2 AND line_no = $3")
        .bind(quantity)
        .bind(id.to_string())
        .bind(line_no)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut Conn,
    id: PurchaseOrderId,
    status: &str,
    at: i64,
) -> StorageResult<()> {
    sqlx::query("UPDATE purchase_orders SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(at)
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// A store's purchase orders, newest first, optionally by status.
pub async fn list(
    conn: &mut Conn,
    store: StoreId,
    status: Option<&str>,
    cursor: Option<PurchaseOrderId>,
    limit: u32,
) -> StorageResult<Page<PurchaseOrderRecord>> {
    let mut sql = Sql::new("SELECT * FROM purchase_orders WHERE store_id = ");
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
    Ok(Page::from_overfetch(items, limit, |p| p.id.to_string()))
}
