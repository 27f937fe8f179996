//! Report queries: sums over sale lines, stock movements and stock levels, for one store and
//! one half-open range of epoch milliseconds `[start, end)` (callers turn local dates into
//! instants; see `chainsync_domain::reports`).
//!
//! Every figure comes from a **source** of goods leaving or coming back: [`Source::Sales`]
//! (`sales` + `sale_lines`) and [`Source::Returns`] (`returns` + `return_lines`, returns and
//! voids alike), which have the same columns; the reports subtract the sources listed in
//! [`Source::SUBTRACTED`]. Sums are `CAST(.. AS BIGINT)` (PostgreSQL widens them to NUMERIC); time
//! buckets are quarter-hour slots (`occurred_at / 900000`), bucketed into local days by the
//! caller, so the SQL is the same on both backends and needs no time-zone support.

use crate::sql::{Arg, Sql};
use crate::{Conn, StorageResult};
use chainsync_domain::ids::StoreId;
use chainsync_domain::reports::{Flow, SLOT_MS};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// Where goods flow from: a header table and its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Sales,
    Returns,
}

impl Source {
    /// (header table, lines table, the lines' column naming the header).
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Source::Sales => ("sales", "sale_lines", "sale_id"),
            Source::Returns => ("returns", "return_lines", "return_id"),
        }
    }

    /// Every source whose flows are subtracted from sales.
    pub const SUBTRACTED: &'static [Source] = &[Source::Returns];
}

/// How flows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// One row in all.
    Total,
    /// Per quarter-hour slot of UTC time (the key is the slot number).
    Slot,
    Product,
    /// Per category of the product (the key is null for uncategorised products).
    Category,
    /// Per cashier who rang it up (null when unknown).
    Cashier,
}

/// One group's flows: the key (text id or slot number) and the sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    pub key: Option<String>,
    pub slot: i64,
    pub flow: Flow,
    /// Σ quantity in the product's unit (thousandths for weighed goods): meaningful per product.
    pub quantity: i64,
}

/// Sums of `source` in `store` over `[start, end)` per `group`.
pub async fn flows(
    conn: &mut Conn,
    source: Source,
    store: StoreId,
    start: i64,
    end: i64,
    group: Group,
) -> StorageResult<Vec<FlowRow>> {
    let (header, lines, header_key) = source.tables();
    let slot = format!("CAST(l.occurred_at / {SLOT_MS} AS BIGINT)");
    let (key_text, key_int) = match group {
        Group::Total => (
            "CAST(NULL AS TEXT)".to_owned(),
            "CAST(0 AS BIGINT)".to_owned(),
        ),
        Group::Slot => ("CAST(NULL AS TEXT)".to_owned(), slot),
        Group::Product => ("l.product_id".to_owned(), "CAST(0 AS BIGINT)".to_owned()),
        Group::Category => ("p.category_id".to_owned(), "CAST(0 AS BIGINT)".to_owned()),
        Group::Cashier => (
            "h.cashier_user_id".to_owned(),
            "CAST(0 AS BIGINT)".to_owned(),
        ),
    };
    let join_header = if group == Group::Cashier {
        format!(" JOIN {header} h ON h.id = l.{header_key}")
    } else {
        String::new()
    };
    let group_by = match group {
        Group::Total => String::new(),
        Group::Slot => format!(" GROUP BY {key_int}"),
        _ => format!(" GROUP BY {key_text}"),
    };
    let mut sql = Sql::new(&format!(
        "SELECT {key_text} AS key_text, {key_int} AS key_int, \
         CAST(COALESCE(SUM(l.total_minor), 0) AS BIGINT) AS gross, \
         CAST(COALESCE(SUM(l.tax_minor), 0) AS BIGINT) AS tax, \
         CAST(COALESCE(SUM(l.cogs_minor), 0) AS BIGINT) AS cogs, \
         CAST(COUNT(DISTINCT l.{header_key}) AS BIGINT) AS transactions, \
         CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) AS quantity, \
         CAST(COALESCE(SUM(CASE WHEN p.unit = 'weighed' THEN 1 ELSE l.quantity END), 0) AS BIGINT) AS units \
         FROM {lines} l JOIN products p ON p.id = l.product_id{join_header} \
         WHERE l.store_id = "
    ));
    sql.bind(Arg::Text(store.to_string()))
        .push(" AND l.occurred_at >= ")
        .bind(Arg::Int(start))
        .push(" AND l.occurred_at < ")
        .bind(Arg::Int(end))
        .push(&group_by);
    let rows = sql.build().fetch_all(conn).await?;
    rows.iter().map(flow_row).collect()
}

fn flow_row(r: &AnyRow) -> StorageResult<FlowRow> {
    let gross: i64 = r.try_get("gross")?;
    let tax: i64 = r.try_get("tax")?;
    Ok(FlowRow {
        key: r.try_get("key_text")?,
        slot: r.try_get("key_int")?,
        flow: Flow {
            gross_sales_minor: gross,
            tax_minor: tax,
            net_sales_minor: gross - tax,
            cogs_minor: r.try_get("cogs")?,
            transactions: r.try_get("transactions")?,
            units: r.try_get("units")?,
        },
        quantity: r.try_get("quantity")?,
    })
}

/// The flows of `source` in one row (zeros when nothing happened).
pub async fn total(
    conn: &mut Conn,
    source: Source,
    store: StoreId,
    start: i64,
    end: i64,
) -> StorageResult<Flow> {
    Ok(flows(conn, source, store, start, end, Group::Total)
        .await?
        .first()
        .map(|r| r.flow)
        .unwrap_or_default())
}

/// What a report shows of a product.
#[derive(Debug, Clone)]
pub struct ProductLabel {
    pub sku: String,
    pub name: String,
    /// `each` or `weighed`.
    pub unit: String,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
}

/// Labels of these products, by id.
pub async fn product_labels(
    conn: &mut Conn,
    ids: &[String],
) -> StorageResult<HashMap<String, ProductLabel>> {
    let mut out = HashMap::new();
    // Bounded IN lists keep every backend's parameter limit far away.
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(
            "SELECT p.id, p.sku, p.name, p.unit, p.category_id, c.name AS category_name \
             FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id IN (",
        );
        sql.bind_list(chunk.iter().cloned()).push(")");
        for r in sql.build().fetch_all(&mut *conn).await? {
            out.insert(
                r.try_get("id")?,
                ProductLabel {
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    category_id: r.try_get("category_id")?,
                    category_name: r.try_get("category_name")?,
                },
            );
        }
    }
    Ok(out)
}

/// Names of `table` rows (`categories` by `name`, `users` by `display_name`), by id.
pub async fn names(
    conn: &mut Conn,
    table: NameTable,
    ids: &[String],
) -> StorageResult<HashMap<String, (String, Option<String>)>> {
    let (from, name, extra) = match table {
        NameTable::Categories => ("categories", "name", "CAST(NULL AS TEXT)"),
        NameTable::Users => ("users", "display_name", "email"),
    };
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(&format!(
            "SELECT id, {name} AS label, {extra} AS extra FROM {from} WHERE id IN ("
        ));
        sql.bind_list(chunk.iter().cloned()).push(")");
        for r in sql.build().fetch_all(&mut *conn).await? {
            out.insert(r.try_get("id")?, (r.try_get("label")?, r.try_get("extra")?));
        }
    }
    Ok(out)
}

/// Tables [`names`] reads.
#[derive(Debug, Clone, Copy)]
pub enum NameTable {
    Categories,
    Users,
}

/// Stock adjustments and count corrections of a store in `[start, end)`, summed per kind,
/// reason and product unit. `value_raw` is Σ quantity × unit cost (thousandths of the unit
/// for weighed goods, so the caller divides those by 1000 once, rounding half away from zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRow {
    pub kind: String,
    pub reason: Option<String>,
    pub weighed: bool,
    pub quantity: i64,
    pub value_raw: i64,
}

pub async fn corrections(
    conn: &mut Conn,
    store: StoreId,
    start: i64,
    end: i64,
) -> StorageResult<Vec<CorrectionRow>> {
    let rows = sqlx::query(
        "SELECT m.kind, m.reason, p.unit, CAST(SUM(m.quantity) AS BIGINT) AS quantity, \
         CAST(SUM(m.quantity * m.unit_cost_minor) AS BIGINT) AS value_raw \
         FROM stock_movements m JOIN products p ON p.id = m.product_id \
         WHERE m.store_id = $1 AND m.occurred_at >= $2 AND m.occurred_at < $3 \
         AND m.kind IN ('adjustment', 'count_correction') \
         GROUP BY m.kind, m.reason, p.unit",
    )
    .bind(store.to_string())
    .bind(start)
    .bind(end)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CorrectionRow {
                kind: r.try_get("kind")?,
                reason: r.try_get("reason")?,
                weighed: r.try_get::<String, _>("unit")? == "weighed",
                quantity: r.try_get("quantity")?,
                value_raw: r.try_get("value_raw")?,
            })
        })
        .collect()
}

/// One item's stock as it stands, with what the report shows of its product.
#[derive(Debug, Clone)]
pub struct ValuationRow {
    pub product_id: String,
    pub label: ProductLabel,
    pub on_hand: i64,
    pub avg_cost_minor: i64,
}

/// Every item of the store with stock on hand other than zero.
pub async fn valuation(conn: &mut Conn, store: StoreId) -> StorageResult<Vec<ValuationRow>> {
    let rows = sqlx::query(
        "SELECT s.product_id, p.sku, p.name, p.unit, p.category_id, c.name AS category_name, \
         s.on_hand, s.avg_cost_minor \
         FROM stock_levels s JOIN products p ON p.id = s.product_id \
         LEFT JOIN categories c ON c.id = p.category_id \
         WHERE s.store_id = $1 AND s.on_hand <> 0 ORDER BY p.sku",
    )
    .bind(store.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ValuationRow {
                product_id: r.try_get("product_id")?,
                label: ProductLabel {
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    category_id: r.try_get("category_id")?,
                    category_name: r.try_get("category_name")?,
                },
                on_hand: r.try_get("on_hand")?,
                avg_cost_minor: r.try_get("avg_cost_minor")?,
            })
        })
        .collect()
}
