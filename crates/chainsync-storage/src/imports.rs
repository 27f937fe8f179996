//! Look-ups the CSV imports need by the names people write in files: products by SKU,
//! categories by name, stores by code, terminals by code. Every query is scoped by organisation.

use crate::catalog::{self, ProductRecord};
use crate::error::corrupt;
use crate::{Conn, StorageResult};
use chainsync_domain::ids::{CategoryId, OrgId, StoreId, TerminalId};
use sqlx::Row;

pub async fn product_by_sku(
    conn: &mut Conn,
    org: OrgId,
    sku: &str,
) -> StorageResult<Option<ProductRecord>> {
    let row = sqlx::query("SELECT id FROM products WHERE org_id = $1 AND sku = $2")
        .bind(org.to_string())
        .bind(sku)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => {
            let id = r.try_get::<String, _>("id")?.parse().map_err(corrupt)?;
            catalog::get_product(conn, org, id).await
        }
        None => Ok(None),
    }
}

pub async fn category_by_name(
    conn: &mut Conn,
    org: OrgId,
    name: &str,
) -> StorageResult<Option<CategoryId>> {
    let row = sqlx::query("SELECT id FROM categories WHERE org_id = $1 AND name = $2")
        .bind(org.to_string())
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get::<String, _>("id")?.parse().map_err(corrupt))
        .transpose()
}

pub async fn store_by_code(
    conn: &mut Conn,
    org: OrgId,
    code: &str,
) -> StorageResult<Option<StoreId>> {
    let row = sqlx::query("SELECT id FROM stores WHERE org_id = $1 AND code = $2")
        .bind(org.to_string())
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get::<String, _>("id")?.parse().map_err(corrupt))
        .transpose()
}

pub async fn terminal_by_code(
    conn: &mut Conn,
    org: OrgId,
    code: &str,
) -> StorageResult<Option<TerminalId>> {
    let row = sqlx::query("SELECT id FROM terminals WHERE org_id = $1 AND code = $2")
        .bind(org.to_string())
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get::<String, _>("id")?.parse().map_err(corrupt))
        .transpose()
}

/// The customer with this email or phone (`column` is `email` or `phone`, a constant).
pub async fn customer_by(
    conn: &mut Conn,
    org: OrgId,
    column: ContactColumn,
    value: &str,
) -> StorageResult<Option<crate::customers::CustomerRecord>> {
    let sql = match column {
        ContactColumn::Email => "SELECT id FROM customers WHERE org_id = $1 AND email = $2",
        ContactColumn::Phone => "SELECT id FROM customers WHERE org_id = $1 AND phone = $2",
    };
    let row = sqlx::query(sql)
        .bind(org.to_string())
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => {
            let id = r.try_get::<String, _>("id")?.parse().map_err(corrupt)?;
            crate::customers::get(conn, org, id).await
        }
        None => Ok(None),
    }
}

/// How [`customer_by`] finds a customer.
#[derive(Debug, Clone, Copy)]
pub enum ContactColumn {
    Email,
    Phone,
}
