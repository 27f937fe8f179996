//! Promotions, stored as the pricing engine's own definition (validated JSON) so what is saved is
//! exactly what prices a cart.

use crate::error::corrupt;
use crate::sql::org_page;
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::OrgId;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct PromotionRecord {
    pub id: Uuid,
    pub org_id: OrgId,
    pub name: String,
    pub active: bool,
    /// `chainsync_domain::pricing::Promotion` as JSON.
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(r: &AnyRow) -> StorageResult<PromotionRecord> {
    Ok(PromotionRecord {
        id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
        name: r.try_get("name")?,
        active: r.try_get::<i64, _>("active")? != 0,
        definition: r.try_get("definition")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts or (same id) updates a promotion.
pub async fn save(conn: &mut Conn, p: &PromotionRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO promotions (id, org_id, name, active, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active, definition = excluded.definition, \
         updated_at = excluded.updated_at",
    )
    .bind(p.id.to_string())
    .bind(p.org_id.to_string())
    .bind(&p.name)
    .bind(i64::from(p.active))
    .bind(&p.definition)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, org: OrgId, id: Uuid) -> StorageResult<Option<PromotionRecord>> {
    let row = sqlx::query("SELECT * FROM promotions WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The organisation's promotions in creation order.
pub async fn list(
    conn: &mut Conn,
    org: OrgId,
    include_inactive: bool,
    cursor: Option<Uuid>,
    limit: u32,
) -> StorageResult<Page<PromotionRecord>> {
    let page = org_page(
        conn,
        "promotions",
        org,
        include_inactive,
        cursor.map(|c| c.to_string()),
        limit,
        from_row,
    )
    .await?;
    Ok(Page {
        items: page.items.into_iter().map(|(_, r)| r).collect(),
        next_cursor: page.next_cursor,
    })
}

/// Every active promotion of the organisation (their schedules decide when they apply).
pub async fn active(conn: &mut Conn, org: OrgId) -> StorageResult<Vec<PromotionRecord>> {
    let rows = sqlx::query("SELECT * FROM promotions WHERE org_id = $1 AND active = 1 ORDER BY id")
        .bind(org.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
