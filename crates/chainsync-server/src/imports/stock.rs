//! Stock levels file: what was counted on the shelf, one row per store × product. Each row is a
//! **count** taken when the import runs: it corrects the ledger by `counted − ledger`, a
//! `count_correction` movement through the same ledger code as `POST .../stock-counts`
//! (`retail::stock::move_stock`, so reorder alerts fire as for a count). A row that matches
//! the ledger changes nothing, so importing the same file twice corrects once.
//!
//! Columns: `sku`, `counted` (required; whole units, thousandths for weighed goods); `store`
//! (a store code; without it every row is for the store the import names). Admins, and
//! managers for the stores they run.

use super::table::{Columns, Table};
use super::{Actor, Errors, Progress, Summary};
use crate::http::error::ApiError;
use crate::retail::stock::move_stock;
use chainsync_domain::ids::StoreId;
use chainsync_domain::stock::{self as rules, MovementKind};
use chainsync_storage::stock::{self, NewMovement};
use chainsync_storage::{Conn, imports, now_ms};
use std::collections::HashMap;
use uuid::Uuid;

pub const COLUMNS: &Columns = &Columns {
    required: &["sku", "counted"],
    optional: &["store"],
};

pub async fn apply(
    tx: &mut Conn,
    actor: &Actor,
    default_store: Option<StoreId>,
    table: &Table,
    summary: &mut Summary,
    errors: &mut Errors,
    progress: &dyn Progress,
) -> Result<(), ApiError> {
    let stores = super::store_codes(tx, actor.org).await?;
    if !table.has("store") {
        let Some(id) = default_store else {
            return Err(ApiError::unprocessable(
                "missing_store",
                "name the store (store_id, or --store CODE), or add a store column",
            )
            .field("store_id"));
        };
        if !stores.values().any(|s| s.id == id) {
            return Err(ApiError::not_found("store"));
        }
        if !actor.principal.can_manage_store(id) {
            return Err(ApiError::forbidden(
                "only admins and this store's managers may import its stock",
            ));
        }
    }
    let count_id = Uuid::now_v7();
    let now = now_ms();
    let mut seen: HashMap<(StoreId, String), u64> = HashMap::new();
    let total = table.rows.len();
    for (done, row) in table.rows.iter().enumerate() {
        progress.rows(done, total);
        let line = row.line;
        let before = errors.total;
        let store = match table.get(row, "store") {
            Some(code) => match stores.get(code) {
                Some(s) if actor.principal.can_manage_store(s.id) => Some(s.id),
                Some(_) => {
                    errors.push(
                        line,
                        Some("store"),
                        "forbidden",
                        format!("you may not count stock in store {code}"),
                    );
                    None
                }
                None => {
                    errors.push(
                        line,
                        Some("store"),
                        "unknown_store",
                        format!("no store with code {code}"),
                    );
                    None
                }
            },
            None if table.has("store") => {
                errors.push(line, Some("store"), "required", "the store code is empty");
                None
            }
            None => default_store,
        };
        let sku = table.get(row, "sku");
        let product = match sku {
            Some(sku) => imports::product_by_sku(tx, actor.org, sku).await?,
            None => None,
        };
        if product.is_none() {
            let message = sku.map_or_else(
                || "every row needs a SKU".to_owned(),
                |s| format!("no product with SKU {s}"),
            );
            errors.push(line, Some("sku"), "unknown_product", message);
        }
        let counted = match table.get(row, "counted").map(str::parse::<i64>) {
            Some(Ok(n)) if (0..=rules::MAX_QUANTITY).contains(&n) => Some(n),
            _ => {
                errors.push(
                    line,
                    Some("counted"),
                    "invalid_quantity",
                    "counted is a whole number, zero or more (thousandths for weighed goods)",
                );
                None
            }
        };
        let (Some(store), Some(product), Some(counted)) = (store, product, counted) else {
            continue;
        };
        if let Some(first) = seen.insert((store, product.sku.clone()), line) {
            errors.push(
                line,
                Some("sku"),
                "duplicate_row",
                format!("{} is already counted on line {first}", product.sku),
            );
            continue;
        }
        if errors.total > before {
            continue;
        }
        let ledger = stock::ledger_at(tx, store, product.id, now).await?;
        let correction = rules::count_correction(counted, ledger);
        // A count like any other: it absorbs movements recorded later that occurred before it.
        stock::mark_counted(tx, actor.org, store, product.id, now, now).await?;
        if correction == 0 {
            summary.unchanged += 1;
            continue;
        }
        let movement = NewMovement {
            org_id: actor.org,
            store_id: store,
            product_id: product.id,
            kind: MovementKind::CountCorrection,
            quantity: correction,
            reason: Some(format!(
                "import: counted {counted} where the ledger had {ledger}"
            )),
            reference: Some(("stock_count".into(), count_id.to_string())),
            unit_cost_minor: None,
            user_id: Some(actor.user),
            occurred_at: now,
            recorded_at: now,
        };
        move_stock(tx, &movement).await?;
        summary.updated += 1;
    }
    progress.rows(total, total);
    Ok(())
}
