//! Mutations and sales.
//!
//! A mutation row is written in the same transaction as its effect, so "recorded" and
//! "applied" can never disagree; its `result` is returned again, byte for byte, when the same
//! mutation arrives again.

use crate::batch::Batch;
use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{CustomerId, OrgId, ProductId, ShiftId, StoreId, TerminalId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A recorded mutation.
#[derive(Debug, Clone)]
pub struct MutationRecord {
    pub id: Uuid,
    pub org_id: OrgId,
    pub terminal_id: TerminalId,
    pub seq: i64,
    pub kind: String,
    /// The request as canonical JSON (re-serialised after parsing).
    pub payload: String,
    /// `applied` or `quarantined`.
    pub status: String,
    pub http_status: i64,
    pub result: String,
    pub received_at: i64,
}

pub async fn find_mutation(
    conn: &mut Conn,
    org: OrgId,
    id: Uuid,
) -> StorageResult<Option<MutationRecord>> {
    let row = sqlx::query("SELECT * FROM mutations WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(MutationRecord {
            id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
            org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
            terminal_id: r
                .try_get::<String, _>("terminal_id")?
                .parse()
                .map_err(corrupt)?,
            seq: r.try_get("seq")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            status: r.try_get("status")?,
            http_status: r.try_get("http_status")?,
            result: r.try_get("result")?,
            received_at: r.try_get("received_at")?,
        })
    })
    .transpose()
}

pub async fn insert_mutation(conn: &mut Conn, m: &MutationRecord) -> StorageResult<()> {
    let mut batch = Batch::new();
    push_mutation(&mut batch, m);
    batch.execute(conn).await?;
    Ok(())
}

/// Queues [`insert_mutation`] in `batch`.
pub fn push_mutation(batch: &mut Batch, m: &MutationRecord) {
    let mut sql = Sql::new(
        "INSERT INTO mutations (id, org_id, terminal_id, seq, kind, payload, status, http_status, result, received_at) \
         VALUES ",
    );
    sql.bind_row(
        true,
        [
            Arg::Text(m.id.to_string()),
            Arg::Text(m.org_id.to_string()),
            Arg::Text(m.terminal_id.to_string()),
            Arg::Int(m.seq),
            Arg::Text(m.kind.clone()),
            Arg::Text(m.payload.clone()),
            Arg::Text(m.status.clone()),
            Arg::Int(m.http_status),
            Arg::Text(m.result.clone()),
            Arg::Int(m.received_at),
        ],
    );
    batch.push(sql);
}

/// A sale's header.
#[derive(Debug, Clone)]
pub struct SaleRecord {
    pub id: Uuid,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub mutation_id: Uuid,
    pub receipt_number: String,
    pub cashier_user_id: Option<UserId>,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub currency: String,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub discount_minor: i64,
    pub cogs_minor: i64,
    /// JSON list of review flags (`stale_price`, ...).
    pub flags: String,
    /// The priced cart as JSON (lines, tax breakdown, totals, settlement).
    pub priced: String,
    /// The payments as JSON.
    pub payments: String,
    /// The shift open on the terminal when the sale was applied.
    pub shift_id: Option<ShiftId>,
    pub customer_id: Option<CustomerId>,
    pub points_earned: i64,
    pub points_redeemed: i64,
}

/// One line of a sale, for reports and margins.
#[derive(Debug, Clone)]
pub struct SaleLineRecord {
    pub line_no: i64,
    pub product_id: ProductId,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub total_excl_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub cogs_minor: i64,
}

pub async fn insert_sale(
    conn: &mut Conn,
    s: &SaleRecord,
    lines: &[SaleLineRecord],
) -> StorageResult<()> {
    let mut batch = Batch::new();
    push_sale(&mut batch, s, lines);
    batch.execute(conn).await?;
    Ok(())
}

/// Queues [`insert_sale`] in `batch`: the header, then its lines.
pub fn push_sale(batch: &mut Batch, s: &SaleRecord, lines: &[SaleLineRecord]) {
    let mut header = Sql::new(
        "INSERT INTO sales (id, org_id, store_id, terminal_id, mutation_id, receipt_number, cashier_user_id, occurred_at, \
         recorded_at, currency, total_minor, tax_minor, discount_minor, cogs_minor, flags, priced, payments, shift_id, customer_id, \
         points_earned, points_redeemed) VALUES ",
    );
    header.bind_row(true, sale_values(s));
    batch.push(header);
    // One multi-row statement for all lines (a sale has at most a few hundred; 13 values each
    // stays far below both backends' bind limits).
    if !lines.is_empty() {
        let mut sql = Sql::new(
            "INSERT INTO sale_lines (sale_id, line_no, org_id, store_id, product_id, quantity, unit_price_minor, discount_minor, \
             total_excl_tax_minor, tax_minor, total_minor, cogs_minor, occurred_at) VALUES ",
        );
        for (n, line) in lines.iter().enumerate() {
            sql.bind_row(n == 0, sale_line_values(s, line));
        }
        batch.push(sql);
    }
}

/// A sale's header as the values of an `INSERT INTO sales` row, in the column order of
/// [`push_sale`] (also the bulk import's).
pub(crate) fn sale_values(s: &SaleRecord) -> [Arg; 21] {
    [
        Arg::Text(s.id.to_string()),
        Arg::Text(s.org_id.to_string()),
        Arg::Text(s.store_id.to_string()),
        Arg::Text(s.terminal_id.to_string()),
        Arg::Text(s.mutation_id.to_string()),
        Arg::Text(s.receipt_number.clone()),
        Arg::NullableText(s.cashier_user_id.map(|u| u.to_string())),
        Arg::Int(s.occurred_at),
        Arg::Int(s.recorded_at),
        Arg::Text(s.currency.clone()),
        Arg::Int(s.total_minor),
        Arg::Int(s.tax_minor),
        Arg::Int(s.discount_minor),
        Arg::Int(s.cogs_minor),
        Arg::Text(s.flags.clone()),
        Arg::Text(s.priced.clone()),
        Arg::Text(s.payments.clone()),
        Arg::NullableText(s.shift_id.map(|x| x.to_string())),
        Arg::NullableText(s.customer_id.map(|x| x.to_string())),
        Arg::Int(s.points_earned),
        Arg::Int(s.points_redeemed),
    ]
}

/// One line of sale `s` as the values of an `INSERT INTO sale_lines` row, in the column order
/// of [`push_sale`] (also the bulk import's).
pub(crate) fn sale_line_values(s: &SaleRecord, line: &SaleLineRecord) -> [Arg; 13] {
    [
        Arg::Text(s.id.to_string()),
        Arg::Int(line.line_no),
        Arg::Text(s.org_id.to_string()),
        Arg::Text(s.store_id.to_string()),
        Arg::Text(line.product_id.to_string()),
        Arg::Int(line.quantity),
        Arg::Int(line.unit_price_minor),
        Arg::Int(line.discount_minor),
        Arg::Int(line.total_excl_tax_minor),
        Arg::Int(line.tax_minor),
        Arg::Int(line.total_minor),
        Arg::Int(line.cogs_minor),
        Arg::Int(s.occurred_at),
    ]
}

fn sale_from_row(r: &AnyRow) -> StorageResult<SaleRecord> {
    Ok(SaleRecord {
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
        receipt_number: r.try_get("receipt_number")?,
        cashier_user_id: r
            .try_get::<Option<String>, _>("cashier_user_id")?
            .map(|u| u.parse())
            .transpose()
            .map_err(corrupt)?,
        occurred_at: r.try_get("occurred_at")?,
        recorded_at: r.try_get("recorded_at")?,
        currency: r.try_get("currency")?,
        total_minor: r.try_get("total_minor")?,
        tax_minor: r.try_get("tax_minor")?,
        discount_minor: r.try_get("discount_minor")?,
        cogs_minor: r.try_get("cogs_minor")?,
        flags: r.try_get("flags")?,
        priced: r.try_get("priced")?,
        payments: r.try_get("payments")?,
        shift_id: opt_id(r, "shift_id")?,
        customer_id: opt_id(r, "customer_id")?,
        points_earned: r.try_get("points_earned")?,
        points_redeemed: r.try_get("points_redeemed")?,
    })
}

pub async fn get_sale(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    id: Uuid,
) -> StorageResult<Option<SaleRecord>> {
    let sql = "SELECT * FROM sales WHERE id = $1 AND org_id = $2 AND store_id = $3";
    sale_by_key(conn, sql, id, org, store).await
}

/// The sale that mutation `mutation` of `org` recorded in `store` (the answer to a replay of
/// it), by the unique `mutation_id`.
pub async fn get_sale_by_mutation(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    mutation: Uuid,
) -> StorageResult<Option<SaleRecord>> {
    let sql = "SELECT * FROM sales WHERE mutation_id = $1 AND org_id = $2 AND store_id = $3";
    sale_by_key(conn, sql, mutation, org, store).await
}

/// One sale by `sql`, a query on one of its unique keys (`$1`) within `org` and `store`.
async fn sale_by_key(
    conn: &mut Conn,
    sql: &'static str,
    key: Uuid,
    org: OrgId,
    store: StoreId,
) -> StorageResult<Option<SaleRecord>> {
    let row = sqlx::query(sql)
        .bind(key.to_string())
        .bind(org.to_string())
        .bind(store.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(sale_from_row).transpose()
}

/// Optional filters of [`list_sales`].
#[derive(Debug, Clone, Default)]
pub struct SaleFilter {
    pub receipt_number: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub shift_id: Option<ShiftId>,
}

/// A store's sales (or with `store = None`, the organisation's), newest first.
pub async fn list_sales(
    conn: &mut Conn,
    org: OrgId,
    store: Option<StoreId>,
    filter: &SaleFilter,
    cursor: Option<Uuid>,
    limit: u32,
) -> StorageResult<Page<SaleRecord>> {
    let mut sql = Sql::new("SELECT * FROM sales WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if let Some(store) = store {
        sql.push(" AND store_id = ")
            .bind(Arg::Text(store.to_string()));
    }
    if let Some(r) = &filter.receipt_number {
        sql.push(" AND receipt_number = ")
            .bind(Arg::Text(r.clone()));
    }
    if let Some(c) = filter.customer_id {
        sql.push(" AND customer_id = ")
            .bind(Arg::Text(c.to_string()));
    }
    if let Some(s) = filter.shift_id {
        sql.push(" AND shift_id = ").bind(Arg::Text(s.to_string()));
    }
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(sale_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |s| s.id.to_string()))
}

/// Whether a terminal already used a receipt number.
pub async fn receipt_number_used(
    conn: &mut Conn,
    terminal: TerminalId,
    receipt: &str,
) -> StorageResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS hit FROM sales WHERE terminal_id = $1 AND receipt_number = $2 \
         UNION ALL SELECT 1 AS hit FROM returns WHERE terminal_id = $1 AND receipt_number = $2",
    )
    .bind(terminal.to_string())
    .bind(receipt)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// A sale's lines in line order.
pub async fn sale_lines(conn: &mut Conn, sale: Uuid) -> StorageResult<Vec<SaleLineRecord>> {
    let rows = sqlx::query("SELECT * FROM sale_lines WHERE sale_id = $1 ORDER BY line_no")
        .bind(sale.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SaleLineRecord {
                line_no: r.try_get("line_no")?,
                product_id: r
                    .try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                quantity: r.try_get("quantity")?,
                unit_price_minor: r.try_get("unit_price_minor")?,
                discount_minor: r.try_get("discount_minor")?,
                total_excl_tax_minor: r.try_get("total_excl_tax_minor")?,
                tax_minor: r.try_get("tax_minor")?,
                total_minor: r.try_get("total_minor")?,
                cogs_minor: r.try_get("cogs_minor")?,
            })
        })
        .collect()
}

/// A nullable id column.
pub(crate) fn opt_id<T: std::str::FromStr>(r: &AnyRow, column: &str) -> StorageResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    r.try_get::<Option<String>, _>(column)?
        .map(|v| v.parse::<T>())
        .transpose()
        .map_err(|e| corrupt(e.to_string()))
}
