//! Returns and voids: what came back from a sale, line by line, and how it was refunded.
//!
//! A return row and its lines, the stock movements of restocked items, the loyalty reversal,
//! the events and the mutation record commit in one transaction. What a sale line can still
//! refund is derived from its earlier return lines ([`returned_by_line`]), so the cap holds
//! however a sale is returned in pieces.

use crate::error::corrupt;
use crate::sales::opt_id;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{
    CustomerId, OrgId, ProductId, ReturnId, ShiftId, StoreId, TerminalId, UserId,
};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ReturnRecord {
    pub id: ReturnId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub mutation_id: Uuid,
    /// `return` or `void`.
    pub kind: String,
    pub sale_id: Uuid,
    pub receipt_number: String,
    pub cashier_user_id: Option<UserId>,
    pub approved_by: Option<UserId>,
    pub shift_id: Option<ShiftId>,
    pub customer_id: Option<CustomerId>,
    pub exchange_sale_id: Option<Uuid>,
    pub reason: Option<String>,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub currency: String,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub cogs_minor: i64,
    pub points_reversed: i64,
    /// The refunds as JSON (a list of payments).
    pub refunds: String,
}

#[derive(Debug, Clone)]
pub struct ReturnLineRecord {
    pub line_no: i64,
    pub sale_line_no: i64,
    pub product_id: ProductId,
    pub quantity: i64,
    pub total_excl_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub cogs_minor: i64,
    pub restock: bool,
}

pub async fn insert(
    conn: &mut Conn,
    r: &ReturnRecord,
    lines: &[ReturnLineRecord],
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO returns (id, org_id, store_id, terminal_id, mutation_id, kind, sale_id, receipt_number, cashier_user_id, \
         approved_by, shift_id, customer_id, exchange_sale_id, reason, occurred_at, recorded_at, currency, total_minor, tax_minor, \
         cogs_minor, points_reversed, refunds) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(r.id.to_string())
    .bind(r.org_id.to_string())
    .bind(r.store_id.to_string())
    .bind(r.terminal_id.to_string())
    .bind(r.mutation_id.to_string())
    .bind(&r.kind)
    .bind(r.sale_id.to_string())
    .bind(&r.receipt_number)
    .bind(r.cashier_user_id.map(|x| x.to_string()))
    .bind(r.approved_by.map(|x| x.to_string()))
    .bind(r.shift_id.map(|x| x.to_string()))
    .bind(r.customer_id.map(|x| x.to_string()))
    .bind(r.exchange_sale_id.map(|x| x.to_string()))
    .bind(r.reason.clone())
    .bind(r.occurred_at)
    .bind(r.recorded_at)
    .bind(&r.currency)
    .bind(r.total_minor)
    .bind(r.tax_minor)
    .bind(r.cogs_minor)
    .bind(r.points_reversed)
    .bind(&r.refunds)
    .execute(&mut *conn)
    .await?;
    for line in lines {
        sqlx::query(
            "INSERT INTO return_lines (return_id, line_no, org_id, store_id, sale_id, sale_line_no, product_id, quantity, \
             total_excl_tax_minor, tax_minor, total_minor, cogs_minor, restock, occurred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(r.id.to_string())
        .bind(line.line_no)
        .bind(r.org_id.to_string())
        .bind(r.store_id.to_string())
        .bind(r.sale_id.to_string())
        .bind(line.sale_line_no)
        .bind(line.product_id.to_string())
        .bind(line.quantity)
        .bind(line.total_excl_tax_minor)
        .bind(line.tax_minor)
        .bind(line.total_minor)
        .bind(line.cogs_minor)
        .bind(i64::from(line.restock))
        .bind(r.occurred_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn from_row(r: &AnyRow) -> StorageResult<ReturnRecord> {
    Ok(ReturnRecord {
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
        mutation_id: r
            .try_get::<String, _>("mutation_id")?
            .parse()
            .map_err(corrupt)?,
        kind: r.try_get("kind")?,
        sale_id: r
            .try_get::<String, _>("sale_id")?
            .parse()
            .map_err(corrupt)?,
        receipt_number: r.try_get("receipt_number")?,
        cashier_user_id: opt_id(r, "cashier_user_id")?,
        approved_by: opt_id(r, "approved_by")?,
        shift_id: opt_id(r, "shift_id")?,
        customer_id: opt_id(r, "customer_id")?,
        exchange_sale_id: opt_id(r, "exchange_sale_id")?,
        reason: r.try_get("reason")?,
        occurred_at: r.try_get("occurred_at")?,
        recorded_at: r.try_get("recorded_at")?,
        currency: r.try_get("currency")?,
        total_minor: r.try_get("total_minor")?,
        tax_minor: r.try_get("tax_minor")?,
        cogs_minor: r.try_get("cogs_minor")?,
        points_reversed: r.try_get("points_reversed")?,
        refunds: r.try_get("refunds")?,
    })
}

pub async fn get(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    id: ReturnId,
) -> StorageResult<Option<ReturnRecord>> {
    let row = sqlx::query("SELECT * FROM returns WHERE org_id = $1 AND store_id = $2 AND id = $3")
        .bind(org.to_string())
        .bind(store.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn lines(conn: &mut Conn, id: ReturnId) -> StorageResult<Vec<ReturnLineRecord>> {
    let rows = sqlx::query("SELECT * FROM return_lines WHERE return_id = $1 ORDER BY line_no")
        .bind(id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReturnLineRecord {
                line_no: r.try_get("line_no")?,
                sale_line_no: r.try_get("sale_line_no")?,
                product_id: r
                    .try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                quantity: r.try_get("quantity")?,
                total_excl_tax_minor: r.try_get("total_excl_tax_minor")?,
                tax_minor: r.try_get("tax_minor")?,
                total_minor: r.try_get("total_minor")?,
                cogs_minor: r.try_get("cogs_minor")?,
                restock: r.try_get::<i64, _>("restock")? != 0,
            })
        })
        .collect()
}

/// A store's returns, newest first, optionally those of one sale.
pub async fn list(
    conn: &mut Conn,
    store: StoreId,
    sale: Option<Uuid>,
    cursor: Option<ReturnId>,
    limit: u32,
) -> StorageResult<Page<ReturnRecord>> {
    let mut sql = Sql::new("SELECT * FROM returns WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(sale) = sale {
        sql.push(" AND sale_id = ")
            .bind(Arg::Text(sale.to_string()));
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
    Ok(Page::from_overfetch(items, limit, |r| r.id.to_string()))
}

/// What earlier returns took back from each line of a sale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Returned {
    pub quantity: i64,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub cogs_minor: i64,
}

pub async fn returned_by_line(
    conn: &mut Conn,
    sale: Uuid,
) -> StorageResult<BTreeMap<i64, Returned>> {
    let rows = sqlx::query(
        "SELECT sale_line_no, CAST(SUM(quantity) AS BIGINT) AS q, CAST(SUM(total_minor) AS BIGINT) AS t, \
         CAST(SUM(tax_minor) AS BIGINT) AS x, CAST(SUM(cogs_minor) AS BIGINT) AS c \
         FROM return_lines WHERE sale_id = $1 GROUP BY sale_line_no",
    )
    .bind(sale.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("sale_line_no")?,
                Returned {
                    quantity: r.try_get("q")?,
                    total_minor: r.try_get("t")?,
                    tax_minor: r.try_get("x")?,
                    cogs_minor: r.try_get("c")?,
                },
            ))
        })
        .collect()
}

/// The refunds (JSON lists of payments) of a sale's earlier returns.
pub async fn refunds_of_sale(conn: &mut Conn, sale: Uuid) -> StorageResult<Vec<String>> {
    let rows = sqlx::query("SELECT refunds FROM returns WHERE sale_id = $1")
        .bind(sale.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("refunds")?)).collect()
}

/// True when the sale was voided (a void returns all of it, so nothing else can follow).
pub async fn is_voided(conn: &mut Conn, sale: Uuid) -> StorageResult<bool> {
    let row =
        sqlx::query("SELECT 1 AS one FROM returns WHERE sale_id = $1 AND kind = 'void' LIMIT 1")
            .bind(sale.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some())
}

/// Points already taken back by a sale's earlier returns.
pub async fn points_reversed_for_sale(conn: &mut Conn, sale: Uuid) -> StorageResult<i64> {
    let row = sqlx::query("SELECT CAST(COALESCE(SUM(points_reversed), 0) AS BIGINT) AS p FROM returns WHERE sale_id = $1")
        .bind(sale.to_string())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("p")?)
}

/// Spends `amount` of a return's exchange credit on `sale`; false (nothing written) when the
/// return is unknown in this store or has less credit left.
pub async fn spend_exchange_credit(
    conn: &mut Conn,
    store: StoreId,
    id: ReturnId,
    amount: i64,
    sale: Uuid,
) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE returns SET exchange_used_minor = exchange_used_minor + $1, exchange_sale_id = $2 \
         WHERE store_id = $3 AND id = $4 AND exchange_used_minor + $1 <= exchange_credit_minor",
    )
    .bind(amount)
    .bind(sale.to_string())
    .bind(store.to_string())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records how much of a new return's refund went to exchange credit.
pub async fn set_exchange_credit(conn: &mut Conn, id: ReturnId, amount: i64) -> StorageResult<()> {
    sqlx::query("UPDATE returns SET exchange_credit_minor = $1 WHERE id = $2")
        .bind(amount)
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
