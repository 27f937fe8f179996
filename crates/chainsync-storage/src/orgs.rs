//! Organisations: the tenants. Every other row belongs to exactly one.

use crate::error::corrupt;
use crate::{Conn, StorageResult};
use chainsync_domain::ids::OrgId;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: String,
    pub currency: String,
    pub locale: String,
    pub is_demo: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> StorageResult<OrgRecord> {
    Ok(OrgRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        name: row.try_get("name")?,
        currency: row.try_get("currency")?,
        locale: row.try_get("locale")?,
        is_demo: row.try_get::<i64, _>("is_demo")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, org: &OrgRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO organisations (id, name, currency, locale, is_demo, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org.id.to_string())
    .bind(&org.name)
    .bind(&org.currency)
    .bind(&org.locale)
    .bind(i64::from(org.is_demo))
    .bind(org.created_at)
    .bind(org.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: OrgId) -> StorageResult<Option<OrgRecord>> {
    let row = sqlx::query("SELECT * FROM organisations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The demo organisation, if one was seeded.
pub async fn find_demo(conn: &mut Conn) -> StorageResult<Option<OrgRecord>> {
    let row = sqlx::query("SELECT * FROM organisations WHERE is_demo = 1 ORDER BY id LIMIT 1")
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count(conn: &mut Conn) -> StorageResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(conn)
        .await?
        .try_get("n")?)
}
