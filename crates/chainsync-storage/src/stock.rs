//! The stock ledger and its projection.
//!
//! [`record_movement`] is the only way stock changes: it appends the movement and updates the
//! item's `stock_levels` row in the caller's transaction. The update is a single
//! `on_hand = on_hand + q` upsert, so concurrent sales of one item serialise on its row
//! (PostgreSQL row lock; SQLite's single writer) and never lose an update. Invariant (tested):
//! `stock_levels.on_hand` equals the sum of the item's movements.
//!
//! A stock count says what the shelf held at its time. A movement that occurred before the
//! item's latest count but is recorded after it (a sale an offline till sends later, a count
//! taken earlier but entered later) was already part of what that count saw, so recording it
//! also records the opposite quantity as a further count correction at the count's time
//! ([`absorbed_by_count`]): the ledger before the count gains the late movement, the ledger at
//! and after the count is unchanged, and a count never corrects the same loss twice.

use crate::batch::Batch;
use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{MovementId, OrgId, ProductId, StoreId, UserId};
use chainsync_domain::stock::{MovementKind, blended_cost};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap};

/// A movement to record.
#[derive(Debug, Clone)]
pub struct NewMovement {
    pub org_id: OrgId,
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub kind: MovementKind,
    /// Signed, in the product's unit.
    pub quantity: i64,
    pub reason: Option<String>,
    /// What caused it: (`sale`, id), (`transfer`, id), (`stock_count`, id), ...
    pub reference: Option<(String, String)>,
    /// The unit cost of incoming goods (receipts); others move at the item's average cost.
    pub unit_cost_minor: Option<i64>,
    pub user_id: Option<UserId>,
    pub occurred_at: i64,
    pub recorded_at: i64,
}

/// The item's state around a recorded movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovementOutcome {
    pub id: MovementId,
    pub before: i64,
    pub after: i64,
    /// The unit cost the movement was valued at.
    pub unit_cost_minor: i64,
    pub reorder_point: Option<i64>,
}

/// Appends a movement and updates the projection (call inside a write transaction). A
/// movement the item's latest count already saw is absorbed by it (module header); the
/// outcome's `after` is then what the item holds after both.
pub async fn record_movement(conn: &mut Conn, m: &NewMovement) -> StorageResult<MovementOutcome> {
    let (mut outcome, counted_at) = append_movement(conn, m).await?;
    if let Some(absorbed) = absorbed_by_count(m, outcome.id, counted_at) {
        outcome.after = append_movement(conn, &absorbed).await?.0.after;
    }
    Ok(outcome)
}

/// The further count correction that keeps the item's latest count (at `counted_at`) true when
/// `m`, recorded now, occurred before it.
fn absorbed_by_count(
    m: &NewMovement,
    id: MovementId,
    counted_at: Option<i64>,
) -> Option<NewMovement> {
    let counted_at = counted_at.filter(|&at| m.occurred_at < at && m.quantity != 0)?;
    let when = chrono::DateTime::from_timestamp_millis(counted_at)
        .map_or_else(|| counted_at.to_string(), |t| t.to_rfc3339());
    Some(NewMovement {
        org_id: m.org_id,
        store_id: m.store_id,
        product_id: m.product_id,
        kind: MovementKind::CountCorrection,
        quantity: -m.quantity,
        reason: Some(format!(
            "the count of {when} already saw this {}: it occurred before the count and was recorded after it",
            m.kind.as_str()
        )),
        reference: Some(("stock_movement".into(), id.to_string())),
        unit_cost_minor: None,
        user_id: m.user_id,
        occurred_at: counted_at,
        recorded_at: m.recorded_at,
    })
}

/// Records that an item was counted at `at`: the latest count's time is kept (creating the
/// item's row, at zero, if it had none), so later-recorded movements from before it are absorbed.
pub async fn mark_counted(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    product: ProductId,
    at: i64,
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, updated_at, counted_at) \
         VALUES ($1, $2, $3, 0, 0, $4, $5) ON CONFLICT (store_id, product_id) DO UPDATE \
         SET counted_at = CASE WHEN stock_levels.counted_at IS NULL OR stock_levels.counted_at < excluded.counted_at \
         THEN excluded.counted_at ELSE stock_levels.counted_at END",
    )
    .bind(store.to_string())
    .bind(product.to_string())
    .bind(org.to_string())
    .bind(now)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends one movement and updates the projection; answers the outcome and the item's
/// latest count time.
async fn append_movement(
    conn: &mut Conn,
    m: &NewMovement,
) -> StorageResult<(MovementOutcome, Option<i64>)> {
    let (store, product) = (m.store_id.to_string(), m.product_id.to_string());
    // One statement creates the item's row or adds to it, and answers what it now holds.
    let row = sqlx::query(
        "INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, updated_at) \
         VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (store_id, product_id) DO UPDATE \
         SET on_hand = stock_levels.on_hand + excluded.on_hand, updated_at = excluded.updated_at \
         RETURNING on_hand, avg_cost_minor, reorder_point, counted_at",
    )
    .bind(&store)
    .bind(&product)
    .bind(m.org_id.to_string())
    .bind(m.quantity)
    .bind(m.recorded_at)
    .fetch_one(&mut *conn)
    .await?;
    let after: i64 = row.try_get("on_hand")?;
    let avg: i64 = row.try_get("avg_cost_minor")?;
    let before = after - m.quantity;
    let unit_cost = match m.unit_cost_minor {
        Some(cost) => {
            let blended = blended_cost(before, avg, m.quantity, cost);
            if blended != avg {
                sqlx::query("UPDATE stock_levels SET avg_cost_minor = $1 WHERE store_id = $2 AND product_id = $3")
                    .bind(blended)
                    .bind(&store)
                    .bind(&product)
                    .execute(&mut *conn)
                    .await?;
            }
            cost
        }
        None => avg,
    };
    let id = MovementId::new();
    sqlx::query(
        "INSERT INTO stock_movements (id, org_id, store_id, product_id, kind, quantity, reason, reference_type, \
         reference_id, unit_cost_minor, user_id, occurred_at, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id.to_string())
    .bind(m.org_id.to_string())
    .bind(&store)
    .bind(&product)
    .bind(m.kind.as_str())
    .bind(m.quantity)
    .bind(m.reason.clone())
    .bind(m.reference.as_ref().map(|r| r.0.clone()))
    .bind(m.reference.as_ref().map(|r| r.1.clone()))
    .bind(unit_cost)
    .bind(m.user_id.map(|u| u.to_string()))
    .bind(m.occurred_at)
    .bind(m.recorded_at)
    .execute(conn)
    .await?;
    let outcome = MovementOutcome {
        id,
        before,
        after,
        unit_cost_minor: unit_cost,
        reorder_point: row.try_get("reorder_point")?,
    };
    Ok((outcome, row.try_get("counted_at")?))
}

/// Records several movements that carry no incoming cost (a sale's lines) in two statements
/// whatever their number: one upsert for every item they touch and one insert for every
/// movement. Outcomes come back in the order of `movements`, each exactly what
/// [`record_movement`] called once per movement in that order would have answered (lines of
/// the same item see each other). Items are updated in (store, product) order, so two
/// concurrent batches on PostgreSQL lock shared rows in the same order and cannot deadlock.
/// A movement with an incoming cost changes the average for the next one, so a batch holding
/// one is recorded one movement at a time. A movement the item's latest count already saw is
/// absorbed as in [`record_movement`].
pub async fn record_movements(
    conn: &mut Conn,
    movements: &[NewMovement],
) -> StorageResult<Vec<MovementOutcome>> {
    let mut batch = Batch::new();
    let outcomes = record_movements_queued(conn, movements, &mut batch).await?;
    batch.execute(conn).await?;
    Ok(outcomes)
}

/// An item as a batch of movements walks through it: on hand (before the batch, then after
/// each movement), and what the upsert answered besides.
struct ItemState {
    on_hand: i64,
    avg_cost_minor: i64,
    reorder_point: Option<i64>,
    counted_at: Option<i64>,
}

/// [`record_movements`], with the ledger rows queued in `batch` rather than written: the
/// projection is updated (and read back) now, so the outcomes are final, and the movements
/// commit with the batch. The caller must execute `batch` in the same transaction.
pub async fn record_movements_queued(
    conn: &mut Conn,
    movements: &[NewMovement],
    batch: &mut Batch,
) -> StorageResult<Vec<MovementOutcome>> {
    if movements.len() < 2 || movements.iter().any(|m| m.unit_cost_minor.is_some()) {
        let mut outcomes = Vec::with_capacity(movements.len());
        for m in movements {
            outcomes.push(record_movement(conn, m).await?);
        }
        return Ok(outcomes);
    }
    // Per item: the org, the summed quantity and the latest recording time.
    let mut items: BTreeMap<(String, String), (OrgId, i64, i64)> = BTreeMap::new();
    for m in movements {
        let item = items
            .entry((m.store_id.to_string(), m.product_id.to_string()))
            .or_insert((m.org_id, 0, m.recorded_at));
        item.1 += m.quantity;
        item.2 = item.2.max(m.recorded_at);
    }
    let mut upsert = Sql::new(
        "INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, updated_at) VALUES ",
    );
    for (n, ((store, product), (org, quantity, at))) in items.iter().enumerate() {
        let values = [
            Arg::Text(store.clone()),
            Arg::Text(product.clone()),
            Arg::Text(org.to_string()),
            Arg::Int(*quantity),
            Arg::Int(0),
            Arg::Int(*at),
        ];
        upsert.bind_row(n == 0, values);
    }
    upsert.push(
        " ON CONFLICT (store_id, product_id) DO UPDATE \
         SET on_hand = stock_levels.on_hand + excluded.on_hand, updated_at = excluded.updated_at \
         RETURNING store_id, product_id, on_hand, avg_cost_minor, reorder_point, counted_at",
    );
    // Per item, from the returned rows.
    let mut state: HashMap<(String, String), ItemState> = HashMap::new();
    for row in upsert.build().fetch_all(&mut *conn).await? {
        let key: (String, String) = (row.try_get("store_id")?, row.try_get("product_id")?);
        let after: i64 = row.try_get("on_hand")?;
        let total = items.get(&key).map(|i| i.1).ok_or_else(|| {
            corrupt(format!(
                "stock upsert returned an item it was not given: {key:?}"
            ))
        })?;
        let item = ItemState {
            on_hand: after - total,
            avg_cost_minor: row.try_get("avg_cost_minor")?,
            reorder_point: row.try_get("reorder_point")?,
            counted_at: row.try_get("counted_at")?,
        };
        state.insert(key, item);
    }
    let mut absorbed = Vec::new();
    let mut outcomes = Vec::with_capacity(movements.len());
    let mut insert = Sql::new(
        "INSERT INTO stock_movements (id, org_id, store_id, product_id, kind, quantity, reason, reference_type, \
         reference_id, unit_cost_minor, user_id, occurred_at, recorded_at) VALUES ",
    );
    for (n, m) in movements.iter().enumerate() {
        let (store, product) = (m.store_id.to_string(), m.product_id.to_string());
        let item = state
            .get_mut(&(store.clone(), product.clone()))
            .ok_or_else(|| corrupt(format!("stock upsert skipped item {store}/{product}")))?;
        let before = item.on_hand;
        let id = MovementId::new();
        let absorption = absorbed_by_count(m, id, item.counted_at);
        if absorption.is_none() {
            item.on_hand += m.quantity;
        }
        outcomes.push(MovementOutcome {
            id,
            before,
            after: item.on_hand,
            unit_cost_minor: item.avg_cost_minor,
            reorder_point: item.reorder_point,
        });
        absorbed.extend(absorption);
        let values = [
            Arg::Text(id.to_string()),
            Arg::Text(m.org_id.to_string()),
            Arg::Text(store),
            Arg::Text(product),
            Arg::Text(m.kind.as_str().to_owned()),
            Arg::Int(m.quantity),
            Arg::NullableText(m.reason.clone()),
            Arg::NullableText(m.reference.as_ref().map(|r| r.0.clone())),
            Arg::NullableText(m.reference.as_ref().map(|r| r.1.clone())),
            Arg::Int(item.avg_cost_minor),
            Arg::NullableText(m.user_id.map(|u| u.to_string())),
            Arg::Int(m.occurred_at),
            Arg::Int(m.recorded_at),
        ];
        insert.bind_row(n == 0, values);
    }
    batch.push(insert);
    for correction in &absorbed {
        append_movement(conn, correction).await?;
    }
    Ok(outcomes)
}

/// What the ledger said for an item at `at` (movements that occurred at or before it).
pub async fn ledger_at(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
    at: i64,
) -> StorageResult<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS total FROM stock_movements \
         WHERE store_id = $1 AND product_id = $2 AND occurred_at <= $3",
    )
    .bind(store.to_string())
    .bind(product.to_string())
    .bind(at)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("total")?)
}

/// One item's stock in a store, with the product's SKU, name and unit.
#[derive(Debug, Clone)]
pub struct StockLevel {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub on_hand: i64,
    pub avg_cost_minor: i64,
    pub reorder_point: Option<i64>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
    pub updated_at: i64,
    /// When the item was last counted (epoch ms), if ever.
    pub counted_at: Option<i64>,
}

fn level_from_row(row: &AnyRow) -> StorageResult<StockLevel> {
    Ok(StockLevel {
        store_id: row
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        product_id: row
            .try_get::<String, _>("product_id")?
            .parse()
            .map_err(corrupt)?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        unit: row.try_get("unit")?,
        on_hand: row.try_get("on_hand")?,
        avg_cost_minor: row.try_get("avg_cost_minor")?,
        reorder_point: row.try_get("reorder_point")?,
        min_level: row.try_get("min_level")?,
        max_level: row.try_get("max_level")?,
        updated_at: row.try_get("updated_at")?,
        counted_at: row.try_get("counted_at")?,
    })
}

pub async fn level(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
) -> StorageResult<Option<StockLevel>> {
    let row = sqlx::query(
        "SELECT l.*, p.sku, p.name, p.unit FROM stock_levels l JOIN products p ON p.id = l.product_id \
         WHERE l.store_id = $1 AND l.product_id = $2",
    )
        .bind(store.to_string())
        .bind(product.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(level_from_row).transpose()
}

/// A store's stock levels in product order; `low_only` keeps items at or below their reorder
/// point.
pub async fn levels(
    conn: &mut Conn,
    store: StoreId,
    low_only: bool,
    cursor: Option<ProductId>,
    limit: u32,
) -> StorageResult<Page<StockLevel>> {
    let mut sql = Sql::new(
        "SELECT l.*, p.sku, p.name, p.unit FROM stock_levels l JOIN products p ON p.id = l.product_id \
         WHERE l.store_id = ",
    );
    sql.bind(Arg::Text(store.to_string()));
    if low_only {
        sql.push(" AND l.reorder_point IS NOT NULL AND l.on_hand <= l.reorder_point");
    }
    if let Some(c) = cursor {
        sql.push(" AND l.product_id > ")
            .bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY l.product_id")
        .limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(level_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |l| {
        l.product_id.to_string()
    }))
}

/// The replenishment settings of an item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replenishment {
    /// Alert when stock falls to this or below.
    pub reorder_point: Option<i64>,
    pub min_level: Option<i64>,
    pub max_level: Option<i64>,
}

/// Sets an item's replenishment settings (creating its level row at zero if needed).
pub async fn set_levels(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    product: ProductId,
    settings: Replenishment,
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO stock_levels (store_id, product_id, org_id, on_hand, avg_cost_minor, reorder_point, min_level, max_level, updated_at) \
         VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7) ON CONFLICT (store_id, product_id) DO UPDATE SET \
         reorder_point = excluded.reorder_point, min_level = excluded.min_level, max_level = excluded.max_level, updated_at = excluded.updated_at",
    )
    .bind(store.to_string())
    .bind(product.to_string())
    .bind(org.to_string())
    .bind(settings.reorder_point)
    .bind(settings.min_level)
    .bind(settings.max_level)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A recorded movement.
#[derive(Debug, Clone)]
pub struct MovementRecord {
    pub id: MovementId,
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<String>,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub unit_cost_minor: i64,
    pub user_id: Option<UserId>,
    pub occurred_at: i64,
    pub recorded_at: i64,
}

fn movement_from_row(row: &AnyRow) -> StorageResult<MovementRecord> {
    let kind: String = row.try_get("kind")?;
    Ok(MovementRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        store_id: row
            .try_get::<String, _>("store_id")?
            .parse()
            .map_err(corrupt)?,
        product_id: row
            .try_get::<String, _>("product_id")?
            .parse()
            .map_err(corrupt)?,
        kind: MovementKind::parse(&kind).ok_or_else(|| corrupt(format!("movement kind {kind}")))?,
        quantity: row.try_get("quantity")?,
        reason: row.try_get("reason")?,
        reference_type: row.try_get("reference_type")?,
        reference_id: row.try_get("reference_id")?,
        unit_cost_minor: row.try_get("unit_cost_minor")?,
        user_id: row
            .try_get::<Option<String>, _>("user_id")?
            .map(|u| u.parse())
            .transpose()
            .map_err(corrupt)?,
        occurred_at: row.try_get("occurred_at")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

/// A store's movements, newest first, optionally of one product.
pub async fn movements(
    conn: &mut Conn,
    store: StoreId,
    product: Option<ProductId>,
    cursor: Option<MovementId>,
    limit: u32,
) -> StorageResult<Page<MovementRecord>> {
    let mut sql = Sql::new("SELECT * FROM stock_movements WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(p) = product {
        sql.push(" AND product_id = ")
            .bind(Arg::Text(p.to_string()));
    }
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(movement_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |m| m.id.to_string()))
}

/// Items whose projection differs from the sum of their movements: always empty unless a bug
/// or a hand edit broke the ledger (checked by tests; usable by an operator).
pub async fn projection_mismatches(
    conn: &mut Conn,
    store: StoreId,
) -> StorageResult<Vec<(ProductId, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT l.product_id, l.on_hand, CAST(COALESCE((SELECT SUM(m.quantity) FROM stock_movements m \
         WHERE m.store_id = l.store_id AND m.product_id = l.product_id), 0) AS BIGINT) AS ledger \
         FROM stock_levels l WHERE l.store_id = $1",
    )
    .bind(store.to_string())
    .fetch_all(conn)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let (on_hand, ledger): (i64, i64) = (row.try_get("on_hand")?, row.try_get("ledger")?);
        if on_hand != ledger {
            out.push((
                row.try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                on_hand,
                ledger,
            ));
        }
    }
    Ok(out)
}
