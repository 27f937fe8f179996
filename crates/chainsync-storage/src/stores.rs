//! Stores of an organisation. Every query is scoped by organisation, so another tenant's store
//! is simply not found.

use crate::error::corrupt;
use crate::sql::{Arg, Sql};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{OrgId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct StoreRecord {
    pub id: StoreId,
    pub org_id: OrgId,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub tax_id: Option<String>,
    pub currency: String,
    pub timezone: String,
    /// Tax class → rate in basis points.
    pub tax_rates: BTreeMap<String, i32>,
    pub tax_inclusive: bool,
    /// Refunds above this amount (minor units) need a manager's approval at the till.
    pub refund_approval_minor: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> StorageResult<StoreRecord> {
    let tax_rates: String = row.try_get("tax_rates")?;
    Ok(StoreRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        city: row.try_get("city")?,
        country: row.try_get("country")?,
        tax_id: row.try_get("tax_id")?,
        currency: row.try_get("currency")?,
        timezone: row.try_get("timezone")?,
        tax_rates: serde_json::from_str(&tax_rates).map_err(corrupt)?,
        tax_inclusive: row.try_get::<i64, _>("tax_inclusive")? != 0,
        refund_approval_minor: row.try_get("refund_approval_minor")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn tax_rates_json(store: &StoreRecord) -> String {
    serde_json::to_string(&store.tax_rates).unwrap_or_else(|_| "{}".into())
}

pub async fn insert(conn: &mut Conn, store: &StoreRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO stores (id, org_id, code, name, address, city, country, tax_id, currency, \
         timezone, tax_rates, tax_inclusive, active, created_at, updated_at, refund_approval_minor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(store.id.to_string())
    .bind(store.org_id.to_string())
    .bind(&store.code)
    .bind(&store.name)
    .bind(store.address.clone())
    .bind(store.city.clone())
    .bind(&store.country)
    .bind(store.tax_id.clone())
    .bind(&store.currency)
    .bind(&store.timezone)
    .bind(tax_rates_json(store))
    .bind(i64::from(store.tax_inclusive))
    .bind(i64::from(store.active))
    .bind(store.created_at)
    .bind(store.updated_at)
    .bind(store.refund_approval_minor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes every mutable field of `store` (identified by org and id).
pub async fn update(conn: &mut Conn, store: &StoreRecord) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE stores SET code = $1, name = $2, address = $3, city = $4, country = $5, \
         tax_id = $6, currency = $7, timezone = $8, tax_rates = $9, tax_inclusive = $10, \
         active = $11, updated_at = $12, refund_approval_minor = $15 WHERE org_id = $13 AND id = $14",
    )
    .bind(&store.code)
    .bind(&store.name)
    .bind(store.address.clone())
    .bind(store.city.clone())
    .bind(&store.country)
    .bind(store.tax_id.clone())
    .bind(&store.currency)
    .bind(&store.timezone)
    .bind(tax_rates_json(store))
    .bind(i64::from(store.tax_inclusive))
    .bind(i64::from(store.active))
    .bind(store.updated_at)
    .bind(store.org_id.to_string())
    .bind(store.id.to_string())
    .bind(store.refund_approval_minor)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut Conn, org: OrgId, id: StoreId) -> StorageResult<Option<StoreRecord>> {
    let row = sqlx::query("SELECT * FROM stores WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Which stores a list may show.
#[derive(Debug, Clone)]
pub enum StoreScope {
    All,
    Only(Vec<StoreId>),
}

/// Stores of `org` in creation order, `limit` per page, after `cursor` (a store id).
pub async fn list(
    conn: &mut Conn,
    org: OrgId,
    scope: &StoreScope,
    include_inactive: bool,
    cursor: Option<StoreId>,
    limit: u32,
) -> StorageResult<Page<StoreRecord>> {
    let mut sql = Sql::new("SELECT * FROM stores WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if let StoreScope::Only(ids) = scope {
        if ids.is_empty() {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        sql.push(" AND id IN (")
            .bind_list(ids.iter().map(ToString::to_string))
            .push(")");
    }
    if !include_inactive {
        sql.push(" AND active = 1");
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id > ").bind(Arg::Text(cursor.to_string()));
    }
    sql.push(" ORDER BY id").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |s| s.id.to_string()))
}
