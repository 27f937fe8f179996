//! Applying a sale: the one function the online sale endpoint calls and offline sync will
//! call, so online and offline are one path.
//!
//! A sale arrives as a *mutation* made by a terminal: a client-made id, the terminal, its
//! per-terminal `seq`, the till's time, a receipt number the terminal made, lines and payments.
//! Rules, in the order they are checked:
//! 1. **Idempotent**: a mutation id seen before returns the stored result (same status, same
//!    body) and changes nothing; the same id with different content (compared after parsing) is
//!    `409 mutation_conflict`.
//! 2. **Ordered per terminal**: `seq` must be the terminal's next; a gap is not a rejection of
//!    the sale: `409 sequence_gap` tells the terminal which `seq` to send next.
//! 3. **Revoked terminal**: the mutation is recorded as quarantined for review (`202`), not
//!    applied: no stock moves, no sale appears.
//! 4. **Never rejected for business reasons after the fact**: overselling is recorded (and
//!    alerted through the outbox); a price that differs from today's price list is kept as
//!    charged and flagged `stale_price`. Only malformed sales are refused (unknown products,
//!    payments that do not cover the total, a reused receipt number).
//! 5. **All or nothing**: the sale, its lines, the stock movements (valued at average cost,
//!    which gives each line its cost of goods sold), the events and the mutation record commit
//!    in one transaction.

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Session;
use crate::retail::mutation::{self, Envelope};
use crate::retail::stock::move_stocks_queued;
use axum::http::StatusCode;
use chainsync_domain::ids::{CustomerId, ProductId, ShiftId, StoreId, TerminalId};
use chainsync_domain::pricing::{
    Cart, CartLine, CashRounding, ManualDiscount, Payment, PricedCart, PricingContext, Promotion,
    SaleUnit, StoreTimezone, TaxConfig, price_sale,
};
use chainsync_domain::stock::{MovementKind, cost_of};
use chainsync_storage::batch::Batch;
use chainsync_storage::catalog;
use chainsync_storage::customers::{self, PointsChange, PointsReason};
use chainsync_storage::sales::{self, SaleLineRecord, SaleRecord};
use chainsync_storage::stock::NewMovement;
use chainsync_storage::stores::StoreRecord;
use chainsync_storage::{Conn, events, now_ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most lines one sale may carry.
pub const MAX_SALE_LINES: usize = 500;

/// A sale as a terminal sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleMutation {
    /// Made by the terminal (UUID); the idempotency key.
    pub id: Uuid,
    pub terminal_id: TerminalId,
    /// The terminal's own counter: 1, 2, 3, ...
    pub seq: i64,
    /// The terminal's hybrid logical clock reading, kept for ordering across devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<String>,
    /// When the sale happened at the till.
    pub occurred_at: DateTime<Utc>,
    /// Made by the terminal: its code, a dash, its own counter (`BER-T1-000042`).
    pub receipt_number: String,
    pub lines: Vec<SaleLineInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_discount: Option<ManualDiscount>,
    pub payments: Vec<Payment>,
    /// The customer, for loyalty points and purchase history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    /// Loyalty points redeemed: their value must be paid as `{"kind": "other", "method":
    /// "loyalty"}` and the customer must have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_points: Option<i64>,
}

/// One line as rung up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleLineInput {
    pub product_id: ProductId,
    /// Pieces, or thousandths of the unit for weighed goods.
    pub quantity: i64,
    /// The price charged per unit; omitted, today's price for this store applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<ManualDiscount>,
}

/// A recorded sale, as every sale endpoint returns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaleView {
    pub id: Uuid,
    /// `completed`, or `quarantined` (a revoked terminal's sale, kept for review, not applied).
    pub status: String,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub mutation_id: Uuid,
    pub seq: i64,
    pub receipt_number: String,
    pub occurred_at: DateTime<Utc>,
    pub currency: String,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub discount_minor: i64,
    /// Cost of goods sold at the store's average cost when sold.
    pub cogs_minor: i64,
    /// Review flags: `stale_price:<line>` when a line was charged another price than today's,
    /// `inactive_product:<line>` when its product had been deactivated, `clock_ahead` when the
    /// sale's time is more than five minutes after the server's.
    pub flags: Vec<String>,
    /// The priced cart: lines, discounts, tax per rate, totals, and the payment settlement.
    #[schema(value_type = Object)]
    pub priced: Option<serde_json::Value>,
    pub payments: Vec<Payment>,
    pub customer_id: Option<CustomerId>,
    /// The shift open on the terminal when the sale was applied.
    pub shift_id: Option<ShiftId>,
    pub points_earned: i64,
    pub points_redeemed: i64,
}

impl SaleView {
    pub fn from_record(s: &SaleRecord, seq: i64) -> ApiResult<SaleView> {
        Ok(SaleView {
            id: s.id,
            status: "completed".into(),
            store_id: s.store_id,
            terminal_id: s.terminal_id,
            mutation_id: s.mutation_id,
            seq,
            receipt_number: s.receipt_number.clone(),
            occurred_at: DateTime::from_timestamp_millis(s.occurred_at).unwrap_or_default(),
            currency: s.currency.clone(),
            total_minor: s.total_minor,
            tax_minor: s.tax_minor,
            discount_minor: s.discount_minor,
            cogs_minor: s.cogs_minor,
            flags: serde_json::from_str(&s.flags).map_err(ApiError::internal)?,
            priced: Some(serde_json::from_str(&s.priced).map_err(ApiError::internal)?),
            payments: serde_json::from_str(&s.payments).map_err(ApiError::internal)?,
            customer_id: s.customer_id,
            shift_id: s.shift_id,
            points_earned: s.points_earned,
            points_redeemed: s.points_redeemed,
        })
    }
}

/// What applying a mutation produced: the HTTP status and body to answer, every time.
#[derive(Debug, Clone)]
pub struct Applied {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

/// What pricing a sale reads from the catalog: its products, the store's own prices for them,
/// and the organisation's active promotions. Loaded in two queries on a read connection
/// before the write transaction starts, so the single SQLite writer is never held while the
/// catalog is read. A price or promotion changed in between is harmless: the sale is priced
/// as the catalog stood a moment before, exactly as if it had been rung up then.
#[derive(Debug, Default)]
pub struct PricingInputs {
    products: HashMap<ProductId, catalog::ProductRecord>,
    store_prices: HashMap<ProductId, i64>,
    promotions: Vec<Promotion>,
}

impl PricingInputs {
    pub fn new(
        products: HashMap<ProductId, catalog::ProductRecord>,
        store_prices: HashMap<ProductId, i64>,
        promotions: Vec<Promotion>,
    ) -> PricingInputs {
        PricingInputs {
            products,
            store_prices,
            promotions,
        }
    }

    pub fn products(&self) -> &HashMap<ProductId, catalog::ProductRecord> {
        &self.products
    }

    /// The store's own price of `product`, if it has one.
    pub fn store_price(&self, product: ProductId) -> Option<i64> {
        self.store_prices.get(&product).copied()
    }

    pub fn promotions(&self) -> &[Promotion] {
        &self.promotions
    }
}

/// Loads the pricing inputs of `lines` for `store` (nothing for more lines than a sale may
/// have: the sale is refused for that anyway).
pub async fn load_pricing_inputs(
    conn: &mut Conn,
    store: &StoreRecord,
    lines: &[SaleLineInput],
) -> ApiResult<PricingInputs> {
    let mut promotions = Vec::new();
    for record in chainsync_storage::promotions::active(conn, store.org_id).await? {
        promotions.push(serde_json::from_str(&record.definition).map_err(ApiError::internal)?);
    }
    if lines.len() > MAX_SALE_LINES {
        return Ok(PricingInputs {
            promotions,
            ..PricingInputs::default()
        });
    }
    let mut ids: Vec<ProductId> = lines.iter().map(|l| l.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let (products, store_prices) =
        catalog::products_for_store(conn, store.org_id, store.id, &ids).await?;
    Ok(PricingInputs {
        products,
        store_prices,
        promotions,
    })
}

/// The store's pricing context at the moment of the sale: its currency, time zone and tax rates,
/// and every active promotion of the organisation (each one's schedule decides whether it
/// applies at `at`).
pub fn context(
    store: &StoreRecord,
    inputs: &PricingInputs,
    at: DateTime<Utc>,
) -> ApiResult<PricingContext> {
    let currency =
        chainsync_domain::money::Currency::parse(&store.currency).map_err(ApiError::internal)?;
    let tz = StoreTimezone::try_from(store.timezone.clone()).map_err(ApiError::internal)?;
    Ok(PricingContext {
        currency,
        timezone: tz,
        priced_at: at,
        tax: TaxConfig {
            prices_include_tax: store.tax_inclusive,
            rates: store
                .tax_rates
                .iter()
                .map(|(k, v)| (k.clone(), u32::try_from(*v).unwrap_or(0)))
                .collect(),
        },
        // Swiss francs are paid in cash to 0.05 (no 1- or 2-centime coins); elsewhere to the cent.
        cash_rounding: if store.currency == "CHF" {
            CashRounding::Nearest { increment_minor: 5 }
        } else {
            CashRounding::None
        },
        promotions: inputs.promotions.clone(),
    })
}

pub(crate) fn check_receipt_number(receipt: &str, terminal_code: &str) -> ApiResult<()> {
    let valid = receipt.len() <= 40
        && receipt
            .strip_prefix(terminal_code)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
    if valid {
        Ok(())
    } else {
        Err(ApiError::unprocessable("invalid_receipt_number", format!("receipt numbers are the terminal code, a dash and the terminal's counter ({terminal_code}-000001)"))
            .field("receipt_number"))
    }
}

/// Builds the cart to price from lines as rung up: each product is looked up in the
/// organisation (422 naming the line when unknown), its tax class and category come from the
/// catalog, and the charged price is kept; a price other than today's (the store override or
/// the catalog price) is flagged `stale_price:<line>`. Also returns which lines are weighed.
pub fn cart_from_lines(
    inputs: &PricingInputs,
    lines: &[SaleLineInput],
    cart_discount: Option<ManualDiscount>,
    payments: Vec<Payment>,
) -> ApiResult<(Cart, Vec<String>, Vec<bool>)> {
    let mut cart_lines = Vec::with_capacity(lines.len());
    let mut flags = Vec::new();
    let mut weighed = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let product = inputs.products.get(&line.product_id).ok_or_else(|| {
            ApiError::unprocessable("unknown_product", "no such product in your organisation")
                .field(format!("lines[{i}].product_id"))
        })?;
        let today = inputs
            .store_prices
            .get(&product.id)
            .copied()
            .unwrap_or(product.price_minor);
        let charged = line.unit_price_minor.unwrap_or(today);
        if !product.active {
            // Deactivated after the till cached it: the shelf still had one, so it is sold.
            flags.push(format!("inactive_product:{i}"));
        }
        if charged != today {
            flags.push(format!("stale_price:{i}"));
        }
        let unit = if product.unit == "weighed" {
            SaleUnit::Weighed
        } else {
            SaleUnit::Each
        };
        weighed.push(unit == SaleUnit::Weighed);
        cart_lines.push(CartLine {
            product_id: product.id.0,
            category_id: product.category_id.map(|c| c.0),
            unit,
            quantity: line.quantity,
            unit_price_minor: charged,
            tax_class: product.tax_class.clone(),
            discount: line.discount,
        });
    }
    Ok((
        Cart {
            lines: cart_lines,
            cart_discount,
            payments,
        },
        flags,
        weighed,
    ))
}

/// How far ahead of the server's clock a sale's time may be before it is flagged `clock_ahead`.
const CLOCK_AHEAD_MS: i64 = 5 * 60_000;

/// Applies a sale mutation for `store` inside `tx`. See the module header for the rules.
pub async fn apply_sale(
    tx: &mut Conn,
    session: &Session,
    store: &StoreRecord,
    sale: &SaleMutation,
    inputs: &PricingInputs,
) -> ApiResult<Applied> {
    let org = session.user.org_id;
    let payload = serde_json::to_string(sale).map_err(ApiError::internal)?;

    // 1–2. Idempotency and the per-terminal sequence: the envelope every terminal mutation
    // shares (`retail::mutation`), which takes the sequence before anything else is checked.
    let target = match mutation::open(
        tx,
        org,
        store.id,
        sale.terminal_id,
        sale.id,
        sale.seq,
        &payload,
    )
    .await?
    {
        Envelope::Replay(applied) => return Ok(applied),
        Envelope::ReplayOfEffect(status) => {
            let recorded = sales::get_sale_by_mutation(tx, org, store.id, sale.id)
                .await?
                .ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!(
                        "a sale's mutation is recorded without its sale"
                    ))
                })?;
            let view = SaleView::from_record(&recorded, sale.seq)?;
            let body = serde_json::to_value(&view).map_err(ApiError::internal)?;
            return Ok(Applied { status, body });
        }
        Envelope::Fresh(target) => target,
    };
    let claim = target.claim;
    let terminal = target.terminal;
    check_receipt_number(&sale.receipt_number, &terminal.code)?;
    if sale.lines.is_empty() || sale.lines.len() > MAX_SALE_LINES {
        return Err(ApiError::unprocessable(
            "invalid_lines",
            format!("a sale has 1 to {MAX_SALE_LINES} lines"),
        )
        .field("lines"));
    }
    let now = now_ms();
    let occurred_at = sale.occurred_at.timestamp_millis();

    // 3. A revoked terminal's sale is kept for review, not applied.
    if !terminal.active {
        let body = json!({
            "id": sale.id, "status": "quarantined", "store_id": store.id, "terminal_id": terminal.id, "mutation_id": sale.id,
            "seq": sale.seq, "receipt_number": sale.receipt_number, "reason": "terminal_revoked",
        });
        let answer = Applied {
            status: StatusCode::ACCEPTED,
            body,
        };
        mutation::record(
            tx,
            org,
            claim,
            sale.id,
            "sale",
            &payload,
            "quarantined",
            &answer,
        )
        .await?;
        events::append(
            tx,
            org,
            Some(store.id),
            "sale.quarantined",
            &json!({ "mutation_id": sale.id, "terminal_id": terminal.id }),
            now,
        )
        .await?;
        return Ok(answer);
    }
    // A receipt number the terminal already used is refused by the unique key when the sale is
    // inserted below (receipt_number_taken), which rolls the whole sale back: no query here.

    // 4. Price it: charged prices are kept; differences from today's price are flagged.
    let (cart, mut flags, weighed) = cart_from_lines(
        inputs,
        &sale.lines,
        sale.cart_discount,
        sale.payments.clone(),
    )?;
    let priced: PricedCart =
        price_sale(&cart, &context(store, inputs, sale.occurred_at)?).map_err(ApiError::from)?;
    // A till clock running ahead: the sale happened, so it is kept, but its date is suspect.
    if occurred_at > now + CLOCK_AHEAD_MS {
        flags.push("clock_ahead".into());
    }

    // 5. Record it all in this transaction.
    let sale_id = Uuid::now_v7();
    let shift_id = target.open_shift;
    let loyalty = apply_loyalty(tx, session, store, sale, sale_id, &priced, now).await?;
    spend_exchange_credit(tx, store, sale, sale_id).await?;
    let movements: Vec<NewMovement> = priced
        .lines
        .iter()
        .map(|line| NewMovement {
            org_id: org,
            store_id: store.id,
            product_id: ProductId(line.product_id),
            kind: MovementKind::Sale,
            quantity: -line.quantity,
            reason: None,
            reference: Some(("sale".into(), sale_id.to_string())),
            unit_cost_minor: None,
            user_id: Some(session.user.id),
            occurred_at,
            recorded_at: now,
        })
        .collect();
    // Everything below the stock projection is only written, never read back: it goes to the
    // database as one batch (one round trip) after the sale is fully built.
    let mut batch = Batch::new();
    let outcomes = move_stocks_queued(tx, &movements, &mut batch).await?;
    let mut lines = Vec::with_capacity(priced.lines.len());
    let mut cogs_total = 0i64;
    for (i, ((line, is_weighed), outcome)) in
        priced.lines.iter().zip(&weighed).zip(&outcomes).enumerate()
    {
        let cogs = cost_of(line.quantity, outcome.unit_cost_minor, *is_weighed);
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
    let record_row = SaleRecord {
        id: sale_id,
        org_id: org,
        store_id: store.id,
        terminal_id: terminal.id,
        mutation_id: sale.id,
        receipt_number: sale.receipt_number.clone(),
        cashier_user_id: Some(session.user.id),
        occurred_at,
        recorded_at: now,
        currency: store.currency.clone(),
        total_minor: priced.totals.total_minor,
        tax_minor: priced.totals.tax_minor,
        discount_minor: priced.totals.discount_minor,
        cogs_minor: cogs_total,
        flags: serde_json::to_string(&flags).map_err(ApiError::internal)?,
        priced: serde_json::to_string(&priced).map_err(ApiError::internal)?,
        payments: serde_json::to_string(&sale.payments).map_err(ApiError::internal)?,
        shift_id,
        customer_id: sale.customer_id,
        points_earned: loyalty.earned,
        points_redeemed: loyalty.redeemed,
    };
    sales::push_sale(&mut batch, &record_row, &lines);
    let view = SaleView::from_record(&record_row, sale.seq)?;
    let body = serde_json::to_value(&view).map_err(ApiError::internal)?;
    let answer = Applied {
        status: StatusCode::CREATED,
        body,
    };
    // A replay rebuilds this answer from the sale row (`SaleView::from_record` of the same
    // record), so the record keeps no copy of it.
    mutation::queue_record(
        &mut batch,
        org,
        claim,
        sale.id,
        "sale",
        &payload,
        "applied",
        answer.status,
        None,
    );
    events::push_append(
        &mut batch,
        org,
        Some(store.id),
        "sale.completed",
        &json!({ "sale_id": sale_id, "receipt_number": sale.receipt_number, "total_minor": view.total_minor, "currency": view.currency, "flags": view.flags }),
        now,
    );
    if !flags.is_empty() {
        events::push_append(
            &mut batch,
            org,
            Some(store.id),
            "sale.flagged",
            &json!({ "sale_id": sale_id, "flags": flags }),
            now,
        );
    }
    batch.execute(tx).await.map_err(|e| {
        mutation::receipt_number_taken(
            e,
            "sales_terminal_receipt_key",
            "sales.terminal_id, sales.receipt_number",
        )
    })?;
    Ok(answer)
}

/// Exchange credit paid with (`{"kind": "other", "method": "exchange", "reference": <return id>}`)
/// is taken from that return's credit; 422 when the return has not that much left.
async fn spend_exchange_credit(
    tx: &mut Conn,
    store: &StoreRecord,
    sale: &SaleMutation,
    sale_id: Uuid,
) -> ApiResult<()> {
    for (i, p) in sale.payments.iter().enumerate() {
        if let Payment::Other {
            amount_minor,
            method,
            reference,
        } = p
            && method == crate::retail::returns::EXCHANGE_METHOD
        {
            let unavailable = || {
                ApiError::unprocessable(
                    "exchange_credit_unavailable",
                    "exchange credit needs the id of a return in this store with that much credit left as its reference",
                )
                .field(format!("payments[{i}]"))
            };
            let return_id = reference
                .as_deref()
                .and_then(|r| r.parse::<chainsync_domain::ids::ReturnId>().ok())
                .ok_or_else(unavailable)?;
            if !chainsync_storage::returns::spend_exchange_credit(
                tx,
                store.id,
                return_id,
                *amount_minor,
                sale_id,
            )
            .await?
            {
                return Err(unavailable());
            }
        }
    }
    Ok(())
}

/// Points a sale earned and redeemed.
struct LoyaltyOutcome {
    earned: i64,
    redeemed: i64,
}

/// The payment method that carries redeemed points.
pub const LOYALTY_METHOD: &str = "loyalty";

/// Checks the customer and the redemption, and moves the points (in the sale's transaction).
/// Redeemed points must be paid as an `other` payment with method `loyalty` worth exactly their
/// value; everything else paid earns points.
async fn apply_loyalty(
    tx: &mut Conn,
    session: &Session,
    store: &StoreRecord,
    sale: &SaleMutation,
    sale_id: Uuid,
    priced: &PricedCart,
    now: i64,
) -> ApiResult<LoyaltyOutcome> {
    let loyalty_paid: i64 = sale
        .payments
        .iter()
        .filter_map(|p| match p {
            Payment::Other {
                amount_minor,
                method,
                ..
            } if method == LOYALTY_METHOD => Some(*amount_minor),
            _ => None,
        })
        .sum();
    let redeem = sale.redeem_points.unwrap_or(0);
    let Some(customer_id) = sale.customer_id else {
        if redeem != 0 || loyalty_paid != 0 {
            return Err(ApiError::unprocessable(
                "customer_required",
                "redeeming points needs a customer",
            )
            .field("customer_id"));
        }
        return Ok(LoyaltyOutcome {
            earned: 0,
            redeemed: 0,
        });
    };
    let org = session.user.org_id;
    let customer = customers::get(tx, org, customer_id)
        .await?
        .filter(|c| c.erased_at.is_none())
        .ok_or_else(|| {
            ApiError::unprocessable("unknown_customer", "no such customer in your organisation")
                .field("customer_id")
        })?;
    let settings = customers::loyalty_settings(tx, org).await?;
    if redeem < 0 {
        return Err(ApiError::unprocessable(
            "invalid_points",
            "points to redeem must not be negative",
        )
        .field("redeem_points"));
    }
    if redeem > 0 && !settings.enabled {
        return Err(ApiError::unprocessable(
            "loyalty_disabled",
            "the loyalty programme is switched off",
        )
        .field("redeem_points"));
    }
    let value = settings.redemption_value(redeem);
    if loyalty_paid != value {
        return Err(ApiError::unprocessable(
            "loyalty_mismatch",
            format!("{redeem} points are worth {value}; pay exactly that with method \"{LOYALTY_METHOD}\""),
        )
        .field("payments"));
    }
    let reference = Some(("sale", sale_id.to_string()));
    if redeem > 0 {
        let change = PointsChange {
            org_id: org,
            customer_id: customer.id,
            delta: -redeem,
            reason: PointsReason::Redeem,
            reference: reference.clone(),
            user_id: Some(session.user.id),
            at: now,
        };
        if customers::add_points(tx, &change).await?.is_none() {
            return Err(ApiError::unprocessable(
                "insufficient_points",
                format!("the customer has {} points", customer.points_balance),
            )
            .field("redeem_points"));
        }
    }
    let exponent = u32::from(
        chainsync_domain::money::Currency::parse(&store.currency)
            .map_err(ApiError::internal)?
            .exponent(),
    );
    let paid = priced.totals.total_minor - loyalty_paid;
    let earned = settings.points_earned(paid, exponent);
    if earned > 0 {
        let change = PointsChange {
            org_id: org,
            customer_id: customer.id,
            delta: earned,
            reason: PointsReason::Earn,
            reference,
            user_id: Some(session.user.id),
            at: now,
        };
        customers::add_points(tx, &change).await?;
    }
    Ok(LoyaltyOutcome {
        earned,
        redeemed: redeem,
    })
}
