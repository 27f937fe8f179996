//! The catalog: categories, suppliers, products with their barcodes and search terms, store
//! price overrides and price history. Every query is scoped by organisation.
//!
//! Invariants: a product's `product_search_terms` rows are rewritten in the same transaction as
//! the product, with its current name and active flag (see [`write_product`]); barcodes are
//! unique per organisation.

use crate::error::corrupt;
use crate::sql::{Arg, Sql, org_page};
use crate::{Conn, Page, StorageResult};
use chainsync_domain::ids::{CategoryId, OrgId, ProductId, StoreId, SupplierId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

fn parse_opt<T: std::str::FromStr>(value: Option<String>) -> StorageResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value.map(|v| v.parse::<T>().map_err(corrupt)).transpose()
}

// ---------------------------------------------------------------------------------------------
// Categories and suppliers

#[derive(Debug, Clone)]
pub struct CategoryRecord {
    pub id: CategoryId,
    pub org_id: OrgId,
    pub name: String,
    pub parent_id: Option<CategoryId>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn category_from_row(row: &AnyRow) -> StorageResult<CategoryRecord> {
    Ok(CategoryRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        name: row.try_get("name")?,
        parent_id: parse_opt(row.try_get("parent_id")?)?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts or (same id) updates a category.
pub async fn save_category(conn: &mut Conn, c: &CategoryRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO categories (id, org_id, name, parent_id, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET \
         name = excluded.name, parent_id = excluded.parent_id, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(c.id.to_string())
    .bind(c.org_id.to_string())
    .bind(&c.name)
    .bind(c.parent_id.map(|p| p.to_string()))
    .bind(i64::from(c.active))
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_category(
    conn: &mut Conn,
    org: OrgId,
    id: CategoryId,
) -> StorageResult<Option<CategoryRecord>> {
    let row = sqlx::query("SELECT * FROM categories WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(category_from_row).transpose()
}

pub async fn list_categories(
    conn: &mut Conn,
    org: OrgId,
    include_inactive: bool,
    cursor: Option<CategoryId>,
    limit: u32,
) -> StorageResult<Page<CategoryRecord>> {
    let page = org_page(
        conn,
        "categories",
        org,
        include_inactive,
        cursor.map(|c| c.to_string()),
        limit,
        category_from_row,
    )
    .await?;
    Ok(Page {
        items: page.items.into_iter().map(|(_, r)| r).collect(),
        next_cursor: page.next_cursor,
    })
}

#[derive(Debug, Clone)]
pub struct SupplierRecord {
    pub id: SupplierId,
    pub org_id: OrgId,
    pub name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn supplier_from_row(row: &AnyRow) -> StorageResult<SupplierRecord> {
    Ok(SupplierRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        name: row.try_get("name")?,
        contact_name: row.try_get("contact_name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts or (same id) updates a supplier.
pub async fn save_supplier(conn: &mut Conn, s: &SupplierRecord) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO suppliers (id, org_id, name, contact_name, email, phone, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET \
         name = excluded.name, contact_name = excluded.contact_name, email = excluded.email, \
         phone = excluded.phone, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(s.id.to_string())
    .bind(s.org_id.to_string())
    .bind(&s.name)
    .bind(s.contact_name.clone())
    .bind(s.email.clone())
    .bind(s.phone.clone())
    .bind(i64::from(s.active))
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_supplier(
    conn: &mut Conn,
    org: OrgId,
    id: SupplierId,
) -> StorageResult<Option<SupplierRecord>> {
    let row = sqlx::query("SELECT * FROM suppliers WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(supplier_from_row).transpose()
}

pub async fn list_suppliers(
    conn: &mut Conn,
    org: OrgId,
    include_inactive: bool,
    cursor: Option<SupplierId>,
    limit: u32,
) -> StorageResult<Page<SupplierRecord>> {
    let page = org_page(
        conn,
        "suppliers",
        org,
        include_inactive,
        cursor.map(|c| c.to_string()),
        limit,
        supplier_from_row,
    )
    .await?;
    Ok(Page {
        items: page.items.into_iter().map(|(_, r)| r).collect(),
        next_cursor: page.next_cursor,
    })
}

// ---------------------------------------------------------------------------------------------
// Products

#[derive(Debug, Clone)]
pub struct ProductRecord {
    pub id: ProductId,
    pub org_id: OrgId,
    pub sku: String,
    pub name: String,
    pub category_id: Option<CategoryId>,
    pub supplier_id: Option<SupplierId>,
    pub brand: Option<String>,
    /// `each` or `weighed`.
    pub unit: String,
    pub price_minor: i64,
    pub cost_minor: i64,
    pub tax_class: String,
    /// The product this one is a variant of.
    pub parent_id: Option<ProductId>,
    /// What distinguishes the variant (`{"size": "M", "colour": "red"}`).
    pub variant_attributes: BTreeMap<String, String>,
    pub active: bool,
    pub barcodes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn product_from_row(row: &AnyRow) -> StorageResult<ProductRecord> {
    let attributes: String = row.try_get("variant_attributes")?;
    Ok(ProductRecord {
        id: row.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
        org_id: row
            .try_get::<String, _>("org_id")?
            .parse()
            .map_err(corrupt)?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        category_id: parse_opt(row.try_get("category_id")?)?,
        supplier_id: parse_opt(row.try_get("supplier_id")?)?,
        brand: row.try_get("brand")?,
        unit: row.try_get("unit")?,
        price_minor: row.try_get("price_minor")?,
        cost_minor: row.try_get("cost_minor")?,
        tax_class: row.try_get("tax_class")?,
        parent_id: parse_opt(row.try_get("parent_id")?)?,
        variant_attributes: serde_json::from_str(&attributes).map_err(corrupt)?,
        active: row.try_get::<i64, _>("active")? != 0,
        barcodes: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts or (same id) updates a product, replacing its barcodes and search terms.
pub async fn write_product(
    conn: &mut Conn,
    p: &ProductRecord,
    terms: &BTreeSet<String>,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO products (id, org_id, sku, name, category_id, supplier_id, brand, unit, price_minor, \
         cost_minor, tax_class, parent_id, variant_attributes, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name, \
         category_id = excluded.category_id, supplier_id = excluded.supplier_id, brand = excluded.brand, \
         unit = excluded.unit, price_minor = excluded.price_minor, cost_minor = excluded.cost_minor, \
         tax_class = excluded.tax_class, parent_id = excluded.parent_id, \
         variant_attributes = excluded.variant_attributes, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(p.id.to_string())
    .bind(p.org_id.to_string())
    .bind(&p.sku)
    .bind(&p.name)
    .bind(p.category_id.map(|c| c.to_string()))
    .bind(p.supplier_id.map(|s| s.to_string()))
    .bind(p.brand.clone())
    .bind(&p.unit)
    .bind(p.price_minor)
    .bind(p.cost_minor)
    .bind(&p.tax_class)
    .bind(p.parent_id.map(|x| x.to_string()))
    .bind(serde_json::to_string(&p.variant_attributes).map_err(corrupt)?)
    .bind(i64::from(p.active))
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(&mut *conn)
    .await?;

    let id = p.id.to_string();
    let org = p.org_id.to_string();
    sqlx::query("DELETE FROM product_barcodes WHERE product_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for code in &p.barcodes {
        sqlx::query(
            "INSERT INTO product_barcodes (org_id, barcode, product_id) VALUES ($1, $2, $3)",
        )
        .bind(&org)
        .bind(code)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM product_search_terms WHERE product_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    if !terms.is_empty() {
        // One statement for all terms: a product has a handful to a few dozen, and each
        // statement is a round trip (on SQLite, a hand-off to the connection's worker thread).
        let mut sql = Sql::new(
            "INSERT INTO product_search_terms (org_id, term, product_id, name, active) VALUES ",
        );
        for (i, term) in terms.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(Arg::Text(org.clone()))
                .push(", ")
                .bind(Arg::Text(term.clone()))
                .push(", ")
                .bind(Arg::Text(id.clone()))
                .push(", ")
                .bind(Arg::Text(p.name.clone()))
                .push(", ")
                .bind(Arg::Int(i64::from(p.active)))
                .push(")");
        }
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn attach_barcodes(conn: &mut Conn, products: &mut [ProductRecord]) -> StorageResult<()> {
    if products.is_empty() {
        return Ok(());
    }
    let mut sql =
        Sql::new("SELECT product_id, barcode FROM product_barcodes WHERE product_id IN (");
    sql.bind_list(products.iter().map(|p| p.id.to_string()))
        .push(") ORDER BY barcode");
    let mut by_product: HashMap<String, Vec<String>> = HashMap::new();
    for row in sql.build().fetch_all(conn).await? {
        by_product
            .entry(row.try_get("product_id")?)
            .or_default()
            .push(row.try_get("barcode")?);
    }
    for p in products {
        p.barcodes = by_product.remove(&p.id.to_string()).unwrap_or_default();
    }
    Ok(())
}

pub async fn get_product(
    conn: &mut Conn,
    org: OrgId,
    id: ProductId,
) -> StorageResult<Option<ProductRecord>> {
    let row = sqlx::query("SELECT * FROM products WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut product) = row.as_ref().map(product_from_row).transpose()? else {
        return Ok(None);
    };
    attach_barcodes(conn, std::slice::from_mut(&mut product)).await?;
    Ok(Some(product))
}

/// The product with exactly this barcode.
pub async fn product_by_barcode(
    conn: &mut Conn,
    org: OrgId,
    barcode: &str,
) -> StorageResult<Option<ProductRecord>> {
    let row =
        sqlx::query("SELECT product_id FROM product_barcodes WHERE org_id = $1 AND barcode = $2")
            .bind(org.to_string())
            .bind(barcode)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some(row) => {
            get_product(
                conn,
                org,
                row.try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
            )
            .await
        }
        None => Ok(None),
    }
}

/// Which product owns a barcode (for conflict messages).
pub async fn barcode_owner(
    conn: &mut Conn,
    org: OrgId,
    barcode: &str,
) -> StorageResult<Option<ProductId>> {
    let row =
        sqlx::query("SELECT product_id FROM product_barcodes WHERE org_id = $1 AND barcode = $2")
            .bind(org.to_string())
            .bind(barcode)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        r.try_get::<String, _>("product_id")?
            .parse()
            .map_err(corrupt)
    })
    .transpose()
}

/// Filters of [`search_products`].
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    /// Every word must prefix one of the product's terms (see `chainsync_domain::catalog`).
    pub words: Vec<String>,
    pub category_id: Option<CategoryId>,
    pub parent_id: Option<ProductId>,
    pub include_inactive: bool,
}

/// Below this many index entries for its rarest word, a search starts from that word's terms
/// (see [`search_products_planned`]).
pub const RARE_WORD_TERMS: i64 = 5_000;

/// Products in name order (then id), `limit` per page, after `cursor` (a product id).
pub async fn search_products(
    conn: &mut Conn,
    org: OrgId,
    query: &ProductQuery,
    cursor: Option<ProductId>,
    limit: u32,
) -> StorageResult<Page<ProductRecord>> {
    search_products_planned(conn, org, query, cursor, limit, RARE_WORD_TERMS).await
}

/// [`search_products`] with the plan's threshold given, so tests can force either plan.
///
/// Two plans answer the same question:
/// - **rarest word**: when some word prefixes fewer than `rare_below` terms, the page is taken
///   from that word's index range (terms carry the product's name and active flag, so sorting
///   and cutting the page reads no product), and only the page's products are read. Another
///   word that is also rare (under `rare_below` terms) is intersected with it: its range is
///   read once into a set of products (a hash join on PostgreSQL). A common word is checked
///   per candidate through the `(product_id, term)` index instead, as reading its range would
///   cost more than the probes. A SKU or barcode prefix, or any specific word, matches a few
///   rows however large the catalog.
/// - **name order**: otherwise (no words, or every word common), products are walked in name
///   order and each is checked against every word; common words match early, so the walk stops
///   after little more than a page.
///
/// Counting a word's terms stops at `rare_below`, so choosing costs at most that many index
/// entries per word.
pub async fn search_products_planned(
    conn: &mut Conn,
    org: OrgId,
    query: &ProductQuery,
    cursor: Option<ProductId>,
    limit: u32,
    rare_below: i64,
) -> StorageResult<Page<ProductRecord>> {
    let mut rarest: Option<(usize, i64)> = None;
    let mut rare = Vec::with_capacity(query.words.len());
    for (i, word) in query.words.iter().enumerate() {
        let n = count_terms(conn, org, word, rare_below).await?;
        rare.push(n < rare_below);
        if n < rare_below && rarest.is_none_or(|(_, fewest)| n < fewest) {
            rarest = Some((i, n));
        }
    }
    let items = match rarest {
        Some((i, _)) => rare_word_search(conn, org, query, i, &rare, cursor, limit).await?,
        None => name_order_search(conn, org, query, cursor, limit).await?,
    };
    let mut page = Page::from_overfetch(items, limit, |p| p.id.to_string());
    attach_barcodes(conn, &mut page.items).await?;
    Ok(page)
}

/// The half-open byte range of terms that start with `word`: [word, word + U+10FFFF).
fn prefix_range(word: &str) -> (Arg, Arg) {
    (
        Arg::Text(word.to_owned()),
        Arg::Text(format!("{word}\u{10FFFF}")),
    )
}

/// How many of the organisation's terms start with `word`, counting no further than `cap`.
async fn count_terms(conn: &mut Conn, org: OrgId, word: &str, cap: i64) -> StorageResult<i64> {
    let (from, to) = prefix_range(word);
    let mut sql =
        Sql::new("SELECT COUNT(*) AS n FROM (SELECT 1 FROM product_search_terms WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()))
        .push(" AND term >= ")
        .bind(from)
        .push(" AND term < ")
        .bind(to)
        .limit(cap)
        .push(") x");
    Ok(sql.build().fetch_one(&mut *conn).await?.try_get("n")?)
}

/// `AND EXISTS (a term of the product `product_col` starts with `word`)`.
fn push_word_check(sql: &mut Sql, product_col: &str, word: &str) {
    let (from, to) = prefix_range(word);
    sql.push(" AND EXISTS (SELECT 1 FROM product_search_terms w WHERE w.product_id = ")
        .push(product_col)
        .push(" AND w.term >= ")
        .bind(from)
        .push(" AND w.term < ")
        .bind(to)
        .push(")");
}

/// `AND` the query's category and parent filters on the products aliased `p`.
fn push_product_filters(sql: &mut Sql, query: &ProductQuery) {
    if let Some(category) = query.category_id {
        sql.push(" AND p.category_id = ")
            .bind(Arg::Text(category.to_string()));
    }
    if let Some(parent) = query.parent_id {
        sql.push(" AND p.parent_id = ")
            .bind(Arg::Text(parent.to_string()));
    }
}

/// The rarest-word plan: up to `limit + 1` products, in name order. `rare[i]` says whether word
/// `i` is under the threshold (intersected) or not (probed per candidate).
async fn rare_word_search(
    conn: &mut Conn,
    org: OrgId,
    query: &ProductQuery,
    rarest: usize,
    rare: &[bool],
    cursor: Option<ProductId>,
    limit: u32,
) -> StorageResult<Vec<ProductRecord>> {
    let filtered = query.category_id.is_some() || query.parent_id.is_some();
    let intersected: Vec<&String> = query
        .words
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != rarest && rare[i])
        .map(|(_, w)| w)
        .collect();
    let mut sql = Sql::new("");
    // MATERIALIZED: PostgreSQL estimates a prefix range of the term index at one row, so
    // without it the planner probes the other word per candidate (15.8 ms for a two-word
    // query over 100,000 products, against 5.5 ms for the hash join).
    for (k, word) in intersected.iter().enumerate() {
        let (from, to) = prefix_range(word);
        sql.push(if k == 0 { "WITH " } else { ", " })
            .push(&format!(
                "w{k} AS MATERIALIZED (SELECT product_id FROM product_search_terms WHERE org_id = "
            ))
            .bind(Arg::Text(org.to_string()))
            .push(" AND term >= ")
            .bind(from)
            .push(" AND term < ")
            .bind(to)
            .push(") ");
    }
    sql.push("SELECT DISTINCT t.product_id, t.name FROM product_search_terms t");
    if filtered {
        sql.push(" JOIN products p ON p.id = t.product_id");
    }
    let (from, to) = prefix_range(&query.words[rarest]);
    sql.push(" WHERE t.org_id = ")
        .bind(Arg::Text(org.to_string()))
        .push(" AND t.term >= ")
        .bind(from)
        .push(" AND t.term < ")
        .bind(to);
    if !query.include_inactive {
        sql.push(" AND t.active = 1");
    }
    push_product_filters(&mut sql, query);
    for k in 0..intersected.len() {
        sql.push(&format!(
            " AND t.product_id IN (SELECT product_id FROM w{k})"
        ));
    }
    for (i, word) in query.words.iter().enumerate() {
        if i != rarest && !rare[i] {
            push_word_check(&mut sql, "t.product_id", word);
        }
    }
    if let Some(cursor) = cursor {
        sql.push(
            " AND (t.name, t.product_id) > (SELECT c.name, c.id FROM products c WHERE c.id = ",
        )
        .bind(Arg::Text(cursor.to_string()))
        .push(")");
    }
    sql.push(" ORDER BY t.name, t.product_id")
        .limit(i64::from(limit) + 1);
    let ids: Vec<String> = sql
        .build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get("product_id"))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT * FROM products WHERE id IN (");
    sql.bind_list(ids.iter().cloned()).push(")");
    let mut by_id: HashMap<String, ProductRecord> = HashMap::with_capacity(ids.len());
    for row in sql.build().fetch_all(&mut *conn).await? {
        let product = product_from_row(&row)?;
        by_id.insert(product.id.to_string(), product);
    }
    // A product deleted between the two reads cannot happen (products are never deleted), so a
    // missing one is corruption rather than a race.
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| corrupt(format!("search term of unknown product {id}")))
        })
        .collect()
}

/// The name-order plan: up to `limit + 1` products, in name order.
async fn name_order_search(
    conn: &mut Conn,
    org: OrgId,
    query: &ProductQuery,
    cursor: Option<ProductId>,
    limit: u32,
) -> StorageResult<Vec<ProductRecord>> {
    let mut sql = Sql::new("SELECT p.* FROM products p WHERE p.org_id = ");
    sql.bind(Arg::Text(org.to_string()));
    if !query.include_inactive {
        sql.push(" AND p.active = 1");
    }
    push_product_filters(&mut sql, query);
    for word in &query.words {
        push_word_check(&mut sql, "p.id", word);
    }
    if let Some(cursor) = cursor {
        sql.push(" AND (p.name, p.id) > (SELECT c.name, c.id FROM products c WHERE c.id = ")
            .bind(Arg::Text(cursor.to_string()))
            .push(")");
    }
    sql.push(" ORDER BY p.name, p.id")
        .limit(i64::from(limit) + 1);
    sql.build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(product_from_row)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Store prices and price history

/// A store's own price for a product, if it has one.
pub async fn store_price(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
) -> StorageResult<Option<i64>> {
    let row =
        sqlx::query("SELECT price_minor FROM store_prices WHERE store_id = $1 AND product_id = $2")
            .bind(store.to_string())
            .bind(product.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|r| r.try_get("price_minor")).transpose()?)
}

pub async fn set_store_price(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
    price_minor: i64,
    now: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO store_prices (store_id, product_id, price_minor, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (store_id, product_id) DO UPDATE SET price_minor = excluded.price_minor, updated_at = excluded.updated_at",
    )
    .bind(store.to_string())
    .bind(product.to_string())
    .bind(price_minor)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_store_price(
    conn: &mut Conn,
    store: StoreId,
    product: ProductId,
) -> StorageResult<bool> {
    let done = sqlx::query("DELETE FROM store_prices WHERE store_id = $1 AND product_id = $2")
        .bind(store.to_string())
        .bind(product.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// `(product, price)` overrides of a store, in product id order after `cursor`.
pub async fn list_store_prices(
    conn: &mut Conn,
    store: StoreId,
    cursor: Option<ProductId>,
    limit: u32,
) -> StorageResult<Page<(ProductId, i64, i64)>> {
    let mut sql =
        Sql::new("SELECT product_id, price_minor, updated_at FROM store_prices WHERE store_id = ");
    sql.bind(Arg::Text(store.to_string()));
    if let Some(c) = cursor {
        sql.push(" AND product_id > ")
            .bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY product_id").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                r.try_get("price_minor")?,
                r.try_get("updated_at")?,
            ))
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |(p, _, _)| {
        p.to_string()
    }))
}

#[derive(Debug, Clone)]
pub struct PriceChange {
    pub id: Uuid,
    pub org_id: OrgId,
    pub product_id: ProductId,
    /// `None` for the catalog price; a store for its override.
    pub store_id: Option<StoreId>,
    pub old_price_minor: Option<i64>,
    /// `None` when a store override was removed.
    pub new_price_minor: Option<i64>,
    pub changed_by: Option<UserId>,
    pub changed_at: i64,
}

pub async fn record_price_change(conn: &mut Conn, c: &PriceChange) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO price_history (id, org_id, product_id, store_id, old_price_minor, new_price_minor, \
         changed_by_user_id, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.id.to_string())
    .bind(c.org_id.to_string())
    .bind(c.product_id.to_string())
    .bind(c.store_id.map(|s| s.to_string()))
    .bind(c.old_price_minor)
    .bind(c.new_price_minor)
    .bind(c.changed_by.map(|u| u.to_string()))
    .bind(c.changed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A product's price changes, newest first.
pub async fn price_history(
    conn: &mut Conn,
    org: OrgId,
    product: ProductId,
    cursor: Option<Uuid>,
    limit: u32,
) -> StorageResult<Page<PriceChange>> {
    let mut sql = Sql::new("SELECT * FROM price_history WHERE org_id = ");
    sql.bind(Arg::Text(org.to_string()))
        .push(" AND product_id = ")
        .bind(Arg::Text(product.to_string()));
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(Arg::Text(c.to_string()));
    }
    sql.push(" ORDER BY id DESC").limit(i64::from(limit) + 1);
    let rows = sql.build().fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(PriceChange {
                id: r.try_get::<String, _>("id")?.parse().map_err(corrupt)?,
                org_id: r.try_get::<String, _>("org_id")?.parse().map_err(corrupt)?,
                product_id: r
                    .try_get::<String, _>("product_id")?
                    .parse()
                    .map_err(corrupt)?,
                store_id: parse_opt(r.try_get("store_id")?)?,
                old_price_minor: r.try_get("old_price_minor")?,
                new_price_minor: r.try_get("new_price_minor")?,
                changed_by: parse_opt(r.try_get("changed_by_user_id")?)?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |c| c.id.to_string()))
}

/// The organisation's products with these ids, each with the store's own price when it has
/// one, in one query (what pricing a sale reads), without barcodes (pricing and sales need the
/// product, not its codes). Unknown ids are simply absent.
pub async fn products_for_store(
    conn: &mut Conn,
    org: OrgId,
    store: StoreId,
    ids: &[ProductId],
) -> StorageResult<(HashMap<ProductId, ProductRecord>, HashMap<ProductId, i64>)> {
    let (mut products, mut store_prices) = (HashMap::new(), HashMap::new());
    if ids.is_empty() {
        return Ok((products, store_prices));
    }
    let mut sql = Sql::new(
        "SELECT p.*, sp.price_minor AS store_price_minor FROM products p \
         LEFT JOIN store_prices sp ON sp.product_id = p.id AND sp.store_id = ",
    );
    sql.bind(Arg::Text(store.to_string()))
        .push(" WHERE p.org_id = ")
        .bind(Arg::Text(org.to_string()))
        .push(" AND p.id IN (");
    sql.bind_list(ids.iter().map(ProductId::to_string))
        .push(")");
    for row in sql.build().fetch_all(conn).await? {
        let product = product_from_row(&row)?;
        if let Some(price) = row.try_get::<Option<i64>, _>("store_price_minor")? {
            store_prices.insert(product.id, price);
        }
        products.insert(product.id, product);
    }
    Ok((products, store_prices))
}
