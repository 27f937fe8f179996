//! Historical sales file: one row per sale line; rows with the same `store` and `receipt` are
//! one sale. Each sale is priced by the pricing engine with the store's tax rules at the
//! charged unit prices (no promotions: the prices in the file are what was charged), and
//! written as a real sale with its lines and `sale` stock movements (cost of goods sold at the
//! item's average cost when imported: the file has no historical costs). No outbox events are
//! raised and no terminal sequence advances.
//!
//! The sales are booked on a revoked terminal `{STORE}-IMPORT` per store (made on first use),
//! so imported receipts never collide with a till's. A receipt already imported for that store
//! is skipped (`unchanged`): importing a file twice records its sales once.
//!
//! Columns (required): `date` (RFC 3339 `2026-03-08T14:05:00Z`, or local time in the store's
//! time zone `2026-03-08 15:05` or `2026-03-08 15:05:30`), `store` (code), `receipt`, `sku`,
//! `quantity` (whole units; thousandths for weighed goods), `unit_price` (major units, tax as
//! the store's prices are: included or not). Optional: `cashier` (a staff email). Admins only.

use super::table::{Columns, Table};
use super::{Actor, Errors, Progress, Summary};
use crate::http::error::ApiError;
use crate::retail::sales::{PricingInputs, context};
use chainsync_domain::ids::{ProductId, StoreId, TerminalId, UserId};
use chainsync_domain::money::{Currency, parse_major};
use chainsync_domain::pricing::{
    Cart, CartLine, Payment, PricingContext, SaleUnit, price_cart, price_sale,
};
use chainsync_domain::stock::{MovementKind, cost_of};
use chainsync_storage::catalog::ProductRecord;
use chainsync_storage::sales::{self, SaleLineRecord, SaleRecord};
use chainsync_storage::stock::{self, NewMovement};
use chainsync_storage::stores::StoreRecord;
use chainsync_storage::terminals::{self, TerminalRecord};
use chainsync_storage::{Conn, imports, now_ms, users};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use uuid::Uuid;

pub const COLUMNS: &Columns = &Columns {
    required: &["date", "store", "receipt", "sku", "quantity", "unit_price"],
    optional: &["cashier"],
};

/// One checked line.
struct Line {
    product: ProductRecord,
    quantity: i64,
    unit_price: i64,
}

/// One sale being assembled from its rows.
struct Receipt {
    store: StoreId,
    receipt: String,
    first_row: u64,
    at: DateTime<Utc>,
    cashier: Option<UserId>,
    lines: Vec<Line>,
    /// A row of this receipt had an error: the sale is not written.
    broken: bool,
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
        return Err(ApiError::forbidden("only admins may import sales history"));
    }
    let stores = super::store_codes(tx, actor.org).await?;
    let mut products: HashMap<String, Option<ProductRecord>> = HashMap::new();
    let mut cashiers: HashMap<String, Option<UserId>> = HashMap::new();
    let mut receipts: Vec<Receipt> = Vec::new();
    let mut index: HashMap<(StoreId, String), usize> = HashMap::new();
    let now = now_ms();
    let total = table.rows.len();

    // Pass 1: check every row and group the rows into receipts.
    for (done, row) in table.rows.iter().enumerate() {
        if done % 256 == 0 {
            progress.rows(done / 2, total);
        }
        let line = row.line;
        let before = errors.total;
        let store = match table.get(row, "store").map(|c| (c, stores.get(c))) {
            Some((_, Some(s))) => Some(s),
            Some((code, None)) => {
                errors.push(
                    line,
                    Some("store"),
                    "unknown_store",
                    format!("no store with code {code}"),
                );
                None
            }
            None => {
                errors.push(line, Some("store"), "required", "the store code is empty");
                None
            }
        };
        let at = store.and_then(|s| match parse_time(table.get(row, "date"), &s.timezone) {
            Ok(t) if t.timestamp_millis() > now + 5 * 60_000 => {
                errors.push(
                    line,
                    Some("date"),
                    "date_in_future",
                    "the sale is dated in the future",
                );
                None
            }
            Ok(t) => Some(t),
            Err(message) => {
                errors.push(line, Some("date"), "invalid_date", message);
                None
            }
        });
        let receipt = match table.get(row, "receipt") {
            Some(r) if r.chars().count() <= 40 && !r.chars().any(char::is_control) => {
                Some(r.to_owned())
            }
            Some(_) => {
                errors.push(
                    line,
                    Some("receipt"),
                    "invalid_receipt_number",
                    "a receipt number is at most 40 characters",
                );
                None
            }
            None => {
                errors.push(
                    line,
                    Some("receipt"),
                    "required",
                    "every row needs its receipt number",
                );
                None
            }
        };
        let product = match table.get(row, "sku") {
            Some(sku) => {
                if !products.contains_key(sku) {
                    let found = imports::product_by_sku(tx, actor.org, sku).await?;
                    products.insert(sku.to_owned(), found);
                }
                let found = products.get(sku).cloned().flatten();
                if found.is_none() {
                    errors.push(
                        line,
                        Some("sku"),
                        "unknown_product",
                        format!("no product with SKU {sku}"),
                    );
                }
                found
            }
            None => {
                errors.push(line, Some("sku"), "required", "every row needs a SKU");
                None
            }
        };
        let quantity = match table.get(row, "quantity").map(str::parse::<i64>) {
            Some(Ok(q)) if q > 0 && q <= chainsync_domain::stock::MAX_QUANTITY => Some(q),
            _ => {
                errors.push(
                    line,
                    Some("quantity"),
                    "invalid_quantity",
                    "quantity is a whole number above zero (thousandths for weighed goods)",
                );
                None
            }
        };
        let exponent = store
            .and_then(|s| Currency::parse(&s.currency).ok())
            .map_or(2, |c| c.exponent());
        let unit_price = match table
            .get(row, "unit_price")
            .map(|v| parse_major(v, exponent))
        {
            Some(Ok(p)) if p >= 0 => Some(p),
            Some(Ok(_)) => {
                errors.push(
                    line,
                    Some("unit_price"),
                    "invalid_amount",
                    "a price is zero or more",
                );
                None
            }
            Some(Err(e)) => {
                errors.push(line, Some("unit_price"), e.code, e.message);
                None
            }
            None => {
                errors.push(
                    line,
                    Some("unit_price"),
                    "required",
                    "every row needs its unit price",
                );
                None
            }
        };
        let cashier = match table.get(row, "cashier") {
            None => None,
            Some(email) => {
                let key = email.to_ascii_lowercase();
                if !cashiers.contains_key(&key) {
                    let user = users::find_by_email(tx, &key)
                        .await?
                        .filter(|u| u.org_id == actor.org)
                        .map(|u| u.id);
                    cashiers.insert(key.clone(), user);
                }
                let user = cashiers.get(&key).copied().flatten();
                if user.is_none() {
                    errors.push(
                        line,
                        Some("cashier"),
                        "unknown_user",
                        format!("no staff member with email {email}"),
                    );
                }
                user
            }
        };
        let (Some(store), Some(at), Some(receipt)) = (store, at, receipt) else {
            continue;
        };
        let key = (store.id, receipt.clone());
        let i = *index.entry(key).or_insert_with(|| {
            receipts.push(Receipt {
                store: store.id,
                receipt,
                first_row: line,
                at,
                cashier,
                lines: Vec::new(),
                broken: false,
            });
            receipts.len() - 1
        });
        let r = &mut receipts[i];
        if r.at != at {
            errors.push(
                line,
                Some("date"),
                "receipt_date_mismatch",
                format!(
                    "receipt {} is dated differently on line {}",
                    r.receipt, r.first_row
                ),
            );
        }
        if r.cashier != cashier {
            errors.push(
                line,
                Some("cashier"),
                "receipt_cashier_mismatch",
                format!(
                    "receipt {} names another cashier on line {}",
                    r.receipt, r.first_row
                ),
            );
        }
        match (product, quantity, unit_price) {
            (Some(product), Some(quantity), Some(unit_price)) if errors.total == before => {
                r.lines.push(Line {
                    product,
                    quantity,
                    unit_price,
                });
            }
            _ => r.broken = true,
        }
        if r.lines.len() > crate::retail::sales::MAX_SALE_LINES {
            errors.push(line, None, "invalid_lines", "a sale has at most 500 lines");
            r.broken = true;
        }
    }

    // Pass 2: price and write each receipt.
    let mut contexts: HashMap<StoreId, PricingContext> = HashMap::new();
    let mut tills: HashMap<StoreId, TerminalId> = HashMap::new();
    let by_id: HashMap<StoreId, &StoreRecord> = stores.values().map(|s| (s.id, s)).collect();
    let count = receipts.len().max(1);
    for (done, r) in receipts.iter().enumerate() {
        if done % 64 == 0 {
            progress.rows(total / 2 + done * total / 2 / count, total);
        }
        if r.broken {
            continue;
        }
        let store = by_id[&r.store];
        let mut ctx = match contexts.get(&r.store) {
            Some(ctx) => ctx.clone(),
            None => {
                let mut ctx = context(store, &PricingInputs::default(), r.at)?;
                ctx.promotions.clear();
                contexts.insert(r.store, ctx.clone());
                ctx
            }
        };
        ctx.priced_at = r.at;
        let mut cart = Cart {
            lines: r
                .lines
                .iter()
                .map(|l| CartLine {
                    product_id: l.product.id.0,
                    category_id: l.product.category_id.map(|c| c.0),
                    unit: if l.product.unit == "weighed" {
                        SaleUnit::Weighed
                    } else {
                        SaleUnit::Each
                    },
                    quantity: l.quantity,
                    unit_price_minor: l.unit_price,
                    tax_class: l.product.tax_class.clone(),
                    discount: None,
                })
                .collect(),
            cart_discount: None,
            payments: Vec::new(),
        };
        let total_minor = match price_cart(&cart, &ctx) {
            Ok(p) => p.totals.total_minor,
            Err(e) => {
                errors.push(r.first_row, None, e.code, e.message);
                continue;
            }
        };
        cart.payments = vec![Payment::Other {
            amount_minor: total_minor,
            method: "import".into(),
            reference: None,
        }];
        let priced = match price_sale(&cart, &ctx) {
            Ok(p) => p,
            Err(e) => {
                errors.push(r.first_row, None, e.code, e.message);
                continue;
            }
        };
        if !errors.is_empty() {
            // With any error nothing is written; pricing the rest still finds their errors.
            continue;
        }
        let till = match tills.get(&r.store) {
            Some(t) => *t,
            None => {
                let t = import_terminal(tx, store, now).await?;
                tills.insert(r.store, t);
                t
            }
        };
        if sales::receipt_number_used(tx, till, &r.receipt).await? {
            summary.unchanged += 1;
            continue;
        }
        let sale_id = Uuid::now_v7();
        let occurred_at = r.at.timestamp_millis();
        let mut lines = Vec::with_capacity(priced.lines.len());
        let mut cogs_total = 0;
        for (i, (line, input)) in priced.lines.iter().zip(&r.lines).enumerate() {
            let outcome = stock::record_movement(
                tx,
                &NewMovement {
                    org_id: actor.org,
                    store_id: r.store,
                    product_id: ProductId(line.product_id),
                    kind: MovementKind::Sale,
                    quantity: -line.quantity,
                    reason: Some("import".into()),
                    reference: Some(("sale".into(), sale_id.to_string())),
                    unit_cost_minor: None,
                    user_id: r.cashier,
                    occurred_at,
                    recorded_at: now,
                },
            )
            .await?;
            let cogs = cost_of(
                line.quantity,
                outcome.unit_cost_minor,
                input.product.unit == "weighed",
            );
            cogs_total += cogs;
            lines.push(SaleLineRecord {
                line_no: i as i64,
                product_id: ProductId(line.product_id),
                quantity: line.quantity,
                unit_price_minor: line.unit_price_minor,
                discount_minor: line.discount_minor,
                total_excl_tax_minor: line.total_excl_tax_minor,
                tax_minor: line.tax_minor,
                total_minor: line.total_minor,
                cogs_minor: cogs,
            });
        }
        let record = SaleRecord {
            id: sale_id,
            org_id: actor.org,
            store_id: r.store,
            terminal_id: till,
            // Imported sales come from no terminal mutation: a fresh id keeps the column unique.
            mutation_id: Uuid::now_v7(),
            receipt_number: r.receipt.clone(),
            cashier_user_id: r.cashier,
            occurred_at,
            recorded_at: now,
            currency: store.currency.clone(),
            total_minor: priced.totals.total_minor,
            tax_minor: priced.totals.tax_minor,
            discount_minor: priced.totals.discount_minor,
            cogs_minor: cogs_total,
            flags: r#"["imported"]"#.into(),
            priced: serde_json::to_string(&priced).map_err(ApiError::internal)?,
            payments: serde_json::to_string(&cart.payments).map_err(ApiError::internal)?,
            // History belongs to no shift and earns no loyalty points today.
            shift_id: None,
            customer_id: None,
            points_earned: 0,
            points_redeemed: 0,
        };
        sales::insert_sale(tx, &record, &lines).await?;
        summary.created += 1;
        summary.sale_lines += lines.len();
    }
    progress.rows(total, total);
    Ok(())
}

/// The store's import terminal (`{CODE}-IMPORT`, revoked so nobody sells on it), made on
/// first use.
async fn import_terminal(
    tx: &mut Conn,
    store: &StoreRecord,
    now: i64,
) -> Result<TerminalId, ApiError> {
    let code = format!("{}-IMPORT", store.code);
    if let Some(id) = imports::terminal_by_code(tx, store.org_id, &code).await? {
        return Ok(id);
    }
    let record = TerminalRecord {
        id: TerminalId::new(),
        org_id: store.org_id,
        store_id: store.id,
        code,
        name: "Imported sales history".into(),
        active: false,
        last_seq: 0,
        created_at: now,
        revoked_at: Some(now),
    };
    terminals::insert(tx, &record).await?;
    Ok(record.id)
}

/// RFC 3339, or a local date and time in the store's time zone.
fn parse_time(value: Option<&str>, timezone: &str) -> Result<DateTime<Utc>, String> {
    let Some(value) = value else {
        return Err("every row needs its date and time".into());
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let tz: Tz = timezone
        .parse()
        .map_err(|_| format!("the store's time zone {timezone} is unknown"))?;
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(value, format) {
            return tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("{value} does not exist in {timezone} (a clock change)"));
        }
    }
    Err(format!(
        "'{value}' is not a date and time (2026-03-08T14:05:00Z, or 2026-03-08 15:05 in the store's time)"
    ))
}
