//! Products file: one row per product, matched by SKU (created when new, updated when known).
//!
//! Columns: `sku` (required); `name`, `price`, `tax_class` (required for a new product);
//! `cost`, `unit` (`each` or `weighed`), `category` (by name; created when missing), `brand`,
//! `barcodes` (separated by `;` or spaces; replace the product's barcodes), `active`
//! (`true`/`false`, `1`/`0`, `yes`/`no`). Amounts are in major units of the organisation's
//! currency (`2.99`). An empty cell leaves the product's value as it is (on a new product, the
//! default: cost 0, unit each, no category). Admins only.

use super::table::{Columns, Row, Table};
use super::{Actor, Errors, Progress, Summary};
use crate::http::error::ApiError;
use chainsync_domain::catalog as rules;
use chainsync_domain::ids::{CategoryId, ProductId};
use chainsync_domain::money::{Currency, parse_major};
use chainsync_domain::validation;
use chainsync_storage::catalog::{self, CategoryRecord, PriceChange, ProductRecord};
use chainsync_storage::stores::{self, StoreScope};
use chainsync_storage::{Conn, imports, now_ms, orgs};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

pub const COLUMNS: &Columns = &Columns {
    required: &["sku"],
    optional: &[
        "name",
        "price",
        "cost",
        "tax_class",
        "unit",
        "category",
        "brand",
        "barcodes",
        "active",
    ],
};

/// The values a row sets (each `None` = keep, or the default for a new product).
#[derive(Debug, Default)]
struct Fields {
    name: Option<String>,
    price: Option<i64>,
    cost: Option<i64>,
    tax_class: Option<String>,
    unit: Option<String>,
    category: Option<String>,
    brand: Option<String>,
    barcodes: Option<Vec<String>>,
    active: Option<bool>,
}

pub async fn apply(
    tx: &mut Conn,
    actor: &Actor,
    table: &Table,
    summary: &mut Summary,
    errors: &mut Errors,
    progress: &dyn Progress,
) -> Result<(), ApiError> {
    if !actor.principal.is_org_admin {
        return Err(ApiError::forbidden("only admins may import products"));
    }
    let org = orgs::get(tx, actor.org)
        .await?
        .ok_or_else(|| ApiError::not_found("organisation"))?;
    let exponent = Currency::parse(&org.currency).map_or(2, |c| c.exponent());
    // Every store must have a rate for a product's tax class.
    let all_stores = stores::list(tx, actor.org, &StoreScope::All, false, None, 10_000).await?;
    let mut seen_skus: HashMap<String, u64> = HashMap::new();
    let mut seen_barcodes: HashMap<String, u64> = HashMap::new();
    let mut categories: HashMap<String, CategoryId> = HashMap::new();
    let now = now_ms();
    let total = table.rows.len();
    for (done, row) in table.rows.iter().enumerate() {
        progress.rows(done, total);
        let line = row.line;
        let mut bad = |column: &str, e: chainsync_domain::ValidationError| {
            errors.push(line, Some(column), e.code, e.message);
        };
        let Some(raw_sku) = table.get(row, "sku") else {
            errors.push(line, Some("sku"), "required", "every row needs a SKU");
            continue;
        };
        let sku = match rules::sku(raw_sku) {
            Ok(s) => s,
            Err(e) => {
                bad("sku", e);
                continue;
            }
        };
        if let Some(first) = seen_skus.insert(sku.clone(), line) {
            errors.push(
                line,
                Some("sku"),
                "duplicate_row",
                format!("SKU {sku} is already on line {first}"),
            );
            continue;
        }
        let before = errors.total;
        let fields = read_fields(table, row, exponent, errors);
        let existing = imports::product_by_sku(tx, actor.org, &sku).await?;
        if existing.is_none() {
            for (column, present) in [
                ("name", fields.name.is_some()),
                ("price", fields.price.is_some()),
                ("tax_class", fields.tax_class.is_some()),
            ] {
                if !present && !errors.has(line, column) {
                    errors.push(
                        line,
                        Some(column),
                        "required",
                        format!("a new product (SKU {sku}) needs a {column}"),
                    );
                }
            }
        }
        if let Some(class) = &fields.tax_class
            && let Some(store) = all_stores
                .items
                .iter()
                .find(|s| !s.tax_rates.contains_key(class))
        {
            errors.push(
                line,
                Some("tax_class"),
                "unknown_tax_class",
                format!("store {} has no rate for tax class '{class}'", store.code),
            );
        }
        let own_id = existing.as_ref().map(|p| p.id);
        if let Some(codes) = &fields.barcodes {
            for code in codes {
                if let Some(first) = seen_barcodes.insert(code.clone(), line) {
                    errors.push(
                        line,
                        Some("barcodes"),
                        "duplicate_barcode",
                        format!("barcode {code} is already on line {first}"),
                    );
                } else if let Some(owner) = catalog::barcode_owner(tx, actor.org, code).await?
                    && Some(owner) != own_id
                {
                    errors.push(
                        line,
                        Some("barcodes"),
                        "barcode_taken",
                        format!("barcode {code} belongs to another product"),
                    );
                }
            }
        }
        if errors.total > before {
            continue;
        }
        // The row is good: write it (rolled back later if another row is not, or a dry run).
        let category_id = match &fields.category {
            None => None,
            Some(name) => Some(match categories.get(name) {
                Some(id) => *id,
                None => {
                    let id = match imports::category_by_name(tx, actor.org, name).await? {
                        Some(id) => id,
                        None => {
                            let record = CategoryRecord {
                                id: CategoryId::new(),
                                org_id: actor.org,
                                name: name.clone(),
                                parent_id: None,
                                active: true,
                                created_at: now,
                                updated_at: now,
                            };
                            catalog::save_category(tx, &record).await?;
                            summary.categories_created += 1;
                            record.id
                        }
                    };
                    categories.insert(name.clone(), id);
                    id
                }
            }),
        };
        let (product, old_price) = match existing {
            Some(mut p) => {
                let old = p.clone();
                let old_price = p.price_minor;
                if let Some(v) = fields.name {
                    p.name = v;
                }
                if let Some(v) = fields.price {
                    p.price_minor = v;
                }
                if let Some(v) = fields.cost {
                    p.cost_minor = v;
                }
                if let Some(v) = fields.tax_class {
                    p.tax_class = v;
                }
                if let Some(v) = fields.unit {
                    p.unit = v;
                }
                if category_id.is_some() {
                    p.category_id = category_id;
                }
                if fields.brand.is_some() {
                    p.brand = fields.brand;
                }
                if let Some(v) = fields.barcodes {
                    p.barcodes = v;
                }
                if let Some(v) = fields.active {
                    p.active = v;
                }
                if same(&old, &p) {
                    summary.unchanged += 1;
                    continue;
                }
                p.updated_at = now;
                summary.updated += 1;
                (p, Some(old_price))
            }
            None => {
                summary.created += 1;
                (
                    ProductRecord {
                        id: ProductId::new(),
                        org_id: actor.org,
                        sku: sku.clone(),
                        name: fields.name.unwrap_or_default(),
                        category_id,
                        supplier_id: None,
                        brand: fields.brand,
                        unit: fields.unit.unwrap_or_else(|| "each".into()),
                        price_minor: fields.price.unwrap_or_default(),
                        cost_minor: fields.cost.unwrap_or_default(),
                        tax_class: fields.tax_class.unwrap_or_default(),
                        parent_id: None,
                        variant_attributes: BTreeMap::new(),
                        active: fields.active.unwrap_or(true),
                        barcodes: fields.barcodes.unwrap_or_default(),
                        created_at: now,
                        updated_at: now,
                    },
                    None,
                )
            }
        };
        let terms = rules::search_terms(
            &product.name,
            product.brand.as_deref(),
            &product.sku,
            &product.barcodes,
        );
        catalog::write_product(tx, &product, &terms).await?;
        if old_price != Some(product.price_minor) {
            catalog::record_price_change(
                tx,
                &PriceChange {
                    id: Uuid::now_v7(),
                    org_id: actor.org,
                    product_id: product.id,
                    store_id: None,
                    old_price_minor: old_price,
                    new_price_minor: Some(product.price_minor),
                    changed_by: Some(actor.user),
                    changed_at: now,
                },
            )
            .await?;
        }
    }
    progress.rows(total, total);
    Ok(())
}

fn same(a: &ProductRecord, b: &ProductRecord) -> bool {
    let set = |v: &[String]| v.iter().cloned().collect::<HashSet<_>>();
    a.name == b.name
        && a.price_minor == b.price_minor
        && a.cost_minor == b.cost_minor
        && a.tax_class == b.tax_class
        && a.unit == b.unit
        && a.category_id == b.category_id
        && a.brand == b.brand
        && set(&a.barcodes) == set(&b.barcodes)
        && a.active == b.active
}

fn read_fields(table: &Table, row: &Row, exponent: u8, errors: &mut Errors) -> Fields {
    let line = row.line;
    let mut f = Fields::default();
    let mut check = |column: &str, result: Result<(), chainsync_domain::ValidationError>| {
        if let Err(e) = result {
            errors.push(line, Some(column), e.code, e.message);
        }
    };
    if let Some(v) = table.get(row, "name") {
        check("name", validation::name(v, 200).map(|n| f.name = Some(n)));
    }
    for (column, slot) in [("price", &mut f.price), ("cost", &mut f.cost)] {
        if let Some(v) = table.get(row, column) {
            check(
                column,
                parse_major(v, exponent)
                    .and_then(rules::amount_minor)
                    .map(|a| *slot = Some(a)),
            );
        }
    }
    if let Some(v) = table.get(row, "tax_class") {
        check(
            "tax_class",
            rules::tax_class(v).map(|t| f.tax_class = Some(t)),
        );
    }
    if let Some(v) = table.get(row, "unit") {
        match v.to_ascii_lowercase().as_str() {
            u @ ("each" | "weighed") => f.unit = Some(u.to_owned()),
            _ => check(
                "unit",
                Err(chainsync_domain::ValidationError::new(
                    "invalid_unit",
                    format!("unit must be each or weighed, not '{v}'"),
                )),
            ),
        }
    }
    if let Some(v) = table.get(row, "category") {
        check(
            "category",
            validation::name(v, 100).map(|c| f.category = Some(c)),
        );
    }
    if let Some(v) = table.get(row, "brand") {
        check(
            "brand",
            validation::optional_text(Some(v), 100).map(|b| f.brand = b),
        );
    }
    if let Some(v) = table.get(row, "barcodes") {
        let codes: Vec<&str> = v
            .split([';', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if codes.len() > 20 {
            check(
                "barcodes",
                Err(chainsync_domain::ValidationError::new(
                    "too_many_barcodes",
                    "at most 20 barcodes per product",
                )),
            );
        } else {
            let mut parsed = Vec::new();
            for code in codes {
                match rules::barcode(code) {
                    Ok(c) if parsed.contains(&c) => check(
                        "barcodes",
                        Err(chainsync_domain::ValidationError::new(
                            "duplicate_barcode",
                            format!("barcode {c} twice"),
                        )),
                    ),
                    Ok(c) => parsed.push(c),
                    Err(e) => check("barcodes", Err(e)),
                }
            }
            f.barcodes = Some(parsed);
        }
    }
    if let Some(v) = table.get(row, "active") {
        match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => f.active = Some(true),
            "false" | "0" | "no" => f.active = Some(false),
            _ => check(
                "active",
                Err(chainsync_domain::ValidationError::new(
                    "invalid_flag",
                    format!("active must be true or false, not '{v}'"),
                )),
            ),
        }
    }
    f
}
