//! Bulk writes for generated history (the demo's year of sales): many rows per statement.
//!
//! These functions write exactly the rows the one-at-a-time paths write (`sales::insert_sale`,
//! `stock::record_movement`) but as multi-row `INSERT`s, because a year of a chain's sales is
//! about a million rows. They do **not** keep the `stock_levels` projection: the caller writes
//! the final on-hand with [`set_on_hand`] in the same transaction, so the projection still equals
//! the ledger when the transaction commits (checked by `stock::projection_mismatches` in tests).
//!
//! Batches stay under both backends' bind limits (PostgreSQL: 65 535 parameters per statement;
//! SQLite: 32 766).

use crate::sales::{SaleLineRecord, SaleRecord, sale_line_values, sale_values};
use crate::sql::{Arg, Sql};
use crate::{Conn, StorageResult};
use chainsync_domain::ids::{MovementId, OrgId, ProductId, StoreId, UserId};
use chainsync_domain::stock::MovementKind;

/// Parameters per statement: under SQLite's limit, well under PostgreSQL's.
const MAX_PARAMS: usize = 1_000;

/// A ledger movement with its id and cost already decided by the caller.
#[derive(Debug, Clone)]
pub struct BulkMovement {
    pub id: MovementId,
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<String>,
    pub reference: Option<(String, String)>,
    pub unit_cost_minor: i64,
    pub user_id: Option<UserId>,
    pub occurred_at: i64,
    pub recorded_at: i64,
}

/// Writes `rows` into `table` (`columns` fixed by the caller, never input), as many rows per
/// statement as the parameter limit allows.
async fn insert_rows(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
) -> StorageResult<()> {
    let per_statement = MAX_PARAMS / columns.len();
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut sql = Sql::new(&head);
    let mut count = 0;
    for row in rows {
        debug_assert_eq!(row.len(), columns.len());
        if count > 0 {
            sql.push(", ");
        }
        sql.push("(");
        for (i, arg) in row.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(arg);
        }
        sql.push(")");
        count += 1;
        if count == per_statement {
            std::mem::replace(&mut sql, Sql::new(&head))
                .build()
                .execute(&mut *conn)
                .await?;
            count = 0;
        }
    }
    if count > 0 {
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts sales and their lines (the rows `sales::insert_sale` writes).
pub async fn insert_sales(
    conn: &mut Conn,
    sales: &[(SaleRecord, Vec<SaleLineRecord>)],
) -> StorageResult<()> {
    insert_rows(
        conn,
        "sales",
        &[
            "id",
            "org_id",
            "store_id",
            "terminal_id",
            "mutation_id",
            "receipt_number",
            "cashier_user_id",
            "occurred_at",
            "recorded_at",
            "currency",
            "total_minor",
            "tax_minor",
            "discount_minor",
            "cogs_minor",
            "flags",
            "priced",
            "payments",
            "shift_id",
            "customer_id",
            "points_earned",
            "points_redeemed",
        ],
        sales.iter().map(|(s, _)| sale_values(s).to_vec()).collect(),
    )
    .await?;
    insert_rows(
        conn,
        "sale_lines",
        &[
            "sale_id",
            "line_no",
            "org_id",
            "store_id",
            "product_id",
            "quantity",
            "unit_price_minor",
            "discount_minor",
            "total_excl_tax_minor",
            "tax_minor",
            "total_minor",
            "cogs_minor",
            "occurred_at",
        ],
        sales
            .iter()
            .flat_map(|(s, lines)| lines.iter().map(move |l| sale_line_values(s, l).to_vec()))
            .collect(),
    )
    .await
}

/// Appends movements to the ledger without touching the projection (see the module header).
pub async fn insert_movements(conn: &mut Conn, movements: &[BulkMovement]) -> StorageResult<()> {
    insert_rows(
        conn,
        "stock_movements",
        &[
            "id",
            "org_id",
            "store_id",
            "product_id",
            "kind",
            "quantity",
            "reason",
            "reference_type",
            "reference_id",
            "unit_cost_minor",
            "user_id",
            "occurred_at",
            "recorded_at",
        ],
        movements
            .iter()
            .map(|m| {
                vec![
                    Arg::Text(m.id.to_string()),
                    Arg::Text(m.org_id.to_string()),
                    Arg::Text(m.store_id.to_string()),
                    Arg::Text(m.product_id.to_string()),
                    Arg::Text(m.kind.as_str().to_owned()),
                    Arg::Int(m.quantity),
                    Arg::NullableText(m.reason.clone()),
                    Arg::NullableText(m.reference.as_ref().map(|r| r.0.clone())),
                    Arg::NullableText(m.reference.as_ref().map(|r| r.1.clone())),
                    Arg::Int(m.unit_cost_minor),
                    Arg::NullableText(m.user_id.map(|u| u.to_string())),
                    Arg::Int(m.occurred_at),
                    Arg::Int(m.recorded_at),
                ]
            })
            .collect(),
    )
    .await
}

/// An item's projection after bulk movements: on-hand (the sum of all its movements), average
/// cost and replenishment settings.
#[derive(Debug, Clone, Copy)]
pub struct FinalLevel {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub on_hand: i64,
    pub avg_cost_minor: i64,
    pub reorder_point: Option<i64>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
}

/// Writes items' projections (creating rows as needed), in the transaction of their movements.
pub async fn set_on_hand(
    conn: &mut Conn,
    org: OrgId,
    levels: &[FinalLevel],
    now: i64,
) -> StorageResult<()> {
    for l in levels {
        sqlx::query(
            "INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, reorder_point, min_level, max_level, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (store_id, product_id) DO UPDATE SET \
             on_hand = excluded.on_hand, avg_cost_minor = excluded.avg_cost_minor, reorder_point = excluded.reorder_point, \
             min_level = excluded.min_level, max_level = excluded.max_level, updated_at = excluded.updated_at",
        )
        .bind(l.store_id.to_string())
        .bind(l.product_id.to_string())
        .bind(org.to_string())
        .bind(l.on_hand)
        .bind(l.avg_cost_minor)
        .bind(l.reorder_point)
        .bind(l.min_level)
        .bind(l.max_level)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// On SQLite, gives this connection a page cache big enough (256 MiB) that one large
/// transaction does not spill pages to the WAL over and over; `false` restores the default.
/// Does nothing on PostgreSQL (its buffers are server-wide).
pub async fn large_cache(conn: &mut Conn, on: bool) -> StorageResult<()> {
    if crate::Backend::of(conn) == crate::Backend::Sqlite {
        let kib = if on { 262_144 } else { 2_000 };
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
