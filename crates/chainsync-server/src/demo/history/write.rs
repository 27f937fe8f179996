//! Turns simulated store-days into real rows: promotions, priced sales with their lines, the
//! stock ledger and its projection (see the parent module for what is and is not written).
//!
//! Sales are priced by the real engine (`price_cart` to learn the total the customer pays, then
//! `price_sale` with the payments), so totals, discounts and the per-rate tax are exactly what
//! the sale endpoint would have recorded. Rows go to the database through the bulk functions of
//! `chainsync_storage::bulk`, in batches, inside the caller's transaction.

use super::HistoryOptions;
use super::anomalies::{self, AnomalyKind};
use super::simulate::{Basket, Item, Plan, Shop, Simulator, Tender};
use crate::demo::catalog::SeededProduct;
use crate::retail::sales::{context, load_pricing_inputs};
use chainsync_domain::ids::{MovementId, OrgId, ProductId, UserId};
use chainsync_domain::pricing::{
    Cart, CartLine, Payment, PricingContext, Promotion, PromotionRule, PromotionScope, SaleUnit,
    Schedule, price_cart, price_sale,
};
use chainsync_domain::stock::{MovementKind, cost_of};
use chainsync_storage::Conn;
use chainsync_storage::bulk::{self, BulkMovement, FinalLevel};
use chainsync_storage::promotions::{self, PromotionRecord};
use chainsync_storage::sales::{SaleLineRecord, SaleRecord};
use chainsync_storage::stores::StoreRecord;
use chainsync_storage::terminals::TerminalRecord;
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// Sales buffered before a bulk write.
const SALES_PER_BATCH: usize = 2_000;

/// The seeded chain the history is written for.
#[derive(Debug)]
pub struct HistoryInput<'a> {
    pub seed: u64,
    pub options: HistoryOptions,
    pub org: OrgId,
    pub stores: &'a [StoreRecord],
    /// The two demo tills of each store, in store order.
    pub tills: &'a [[TerminalRecord; 2]],
    /// The two cashiers of each store, in store order.
    pub cashiers: &'a [[UserId; 2]],
    pub products: &'a [SeededProduct],
    /// Opening stock per store, per product (in `products` order).
    pub opening: &'a [Vec<i64>],
}

/// A planted anomaly with its real date and product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedRow {
    pub date: NaiveDate,
    pub store: String,
    pub sku: String,
    pub product_id: ProductId,
    pub kind: AnomalyKind,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct HistorySummary {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub sales: usize,
    pub lines: usize,
    pub movements: usize,
    pub promotions: usize,
    /// Demand that met an empty shelf, in units (pieces or grams).
    pub lost_units: i64,
    pub planted: Vec<PlantedRow>,
}

/// Demand size and growth of each demo store.
fn shop_profile(code: &str) -> (f64, f64) {
    match code {
        "BER" => (1.25, 0.06),
        "PAR" => (1.1, 0.04),
        "AMS" => (0.95, 0.10),
        "VIE" => (0.85, -0.02),
        "MAD" => (1.0, 0.05),
        _ => (1.0, 0.0),
    }
}

/// A UUIDv7 stamped with `ms`, so history ids sort by time (and before anything made later).
fn id_at(rng: &mut ChaCha8Rng, ms: i64) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms).unwrap_or(0), &random).into_uuid()
}

/// Epoch ms of a wall-clock time in a store's zone.
fn local_ms(tz: Tz, date: NaiveDate, minute: u32, second: u32) -> i64 {
    let naive = date
        .and_hms_opt(minute / 60, minute % 60, second)
        .unwrap_or_default();
    tz.from_local_datetime(&naive).earliest().map_or_else(
        || naive.and_utc().timestamp_millis(),
        |t| t.timestamp_millis(),
    )
}

/// Cash handed over: the exact amount now and then, otherwise the next note up.
fn tendered(rng: &mut ChaCha8Rng, due: i64) -> i64 {
    if rng.random_range(0..4) == 0 {
        return due;
    }
    [500, 1000, 2000, 5000, 10_000]
        .into_iter()
        .find(|&note| note >= due)
        .unwrap_or((due + 4999) / 5000 * 5000)
}

fn api(e: crate::http::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.code, e.message)
}

/// Simulates and writes the history of every store. See the module header.
pub async fn write_history(
    tx: &mut Conn,
    input: &HistoryInput<'_>,
) -> anyhow::Result<HistorySummary> {
    let options = input.options;
    let start = options.start();
    let plan = Plan {
        seed: input.seed,
        start,
        days: options.days,
    };
    let shops = input
        .stores
        .iter()
        .map(|s| {
            let (traffic, growth) = shop_profile(&s.code);
            Shop {
                code: s.code.clone(),
                country: s.country.clone(),
                traffic,
                growth,
            }
        })
        .collect();
    let items = input
        .products
        .iter()
        .map(|p| Item {
            sku: p.record.sku.clone(),
            category: p.category,
            item: p.item,
            item_rank: p.item_rank,
            brand_rank: p.brand_rank,
            size: p.size,
            weighed: p.record.unit == "weighed",
        })
        .collect();
    let sim = Simulator::new(plan, shops, items);
    let mut rng = ChaCha8Rng::seed_from_u64(input.seed ^ 0x4157_0000);
    let start_ms = local_ms(Tz::UTC, start, 0, 0);
    let mut summary = HistorySummary {
        start: Some(start),
        end: Some(options.end),
        ..HistorySummary::default()
    };

    // The simulator's campaigns become real promotions, scheduled in the past.
    for c in &sim.campaigns {
        let Some(category) = input
            .products
            .iter()
            .find(|p| p.category == c.category)
            .and_then(|p| p.record.category_id)
        else {
            continue;
        };
        let day_ms = |day: u32| start_ms + i64::from(day) * 86_400_000;
        let promotion = Promotion {
            id: id_at(&mut rng, day_ms(c.first_day)),
            name: c.name.clone(),
            priority: 0,
            rule: PromotionRule::Percentage {
                percent_bps: c.percent_bps,
            },
            scope: PromotionScope::Category {
                category_ids: vec![category.0],
            },
            schedule: Schedule {
                starts_at: Utc.timestamp_millis_opt(day_ms(c.first_day)).single(),
                ends_at: Utc
                    .timestamp_millis_opt(day_ms(c.first_day + c.days))
                    .single(),
                ..Schedule::default()
            },
        };
        promotions::save(
            tx,
            &PromotionRecord {
                id: promotion.id,
                org_id: input.org,
                name: promotion.name.clone(),
                active: true,
                definition: serde_json::to_string(&promotion)?,
                created_at: day_ms(c.first_day.saturating_sub(7)),
                updated_at: day_ms(c.first_day.saturating_sub(7)),
            },
        )
        .await?;
        summary.promotions += 1;
    }

    // Simulating and pricing (CPU) runs on a blocking thread while this task writes (I/O):
    // the two overlap on two cores. Batches go through a bounded channel, so memory stays flat.
    let mut contexts = Vec::with_capacity(input.stores.len());
    for store in input.stores {
        // The promotions (the lines do not matter: history prices from the catalog it has).
        let inputs = load_pricing_inputs(tx, store, &[]).await.map_err(api)?;
        contexts.push(context(store, &inputs, Utc::now()).map_err(api)?);
    }
    let job = Producer {
        sim,
        org: input.org,
        stores: input.stores.to_vec(),
        tills: input.tills.to_vec(),
        cashiers: input.cashiers.to_vec(),
        products: input.products.to_vec(),
        opening: input.opening.to_vec(),
        contexts,
        seed: input.seed,
    };
    let (send, mut receive) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        if let Err(e) = job.run(&send) {
            let _ = send.blocking_send(Err(e));
        }
    });
    bulk::large_cache(tx, true).await?;
    let mut levels = Vec::new();
    while let Some(batch) = receive.recv().await {
        let batch = batch?;
        summary.sales += batch.sales.len();
        summary.lines += batch.sales.iter().map(|(_, l)| l.len()).sum::<usize>();
        summary.movements += batch.movements.len();
        summary.lost_units += batch.lost_units;
        bulk::insert_sales(tx, &batch.sales).await?;
        bulk::insert_movements(tx, &batch.movements).await?;
        levels.extend(batch.levels);
        summary.planted.extend(batch.planted);
    }
    producer.await?;
    bulk::large_cache(tx, false).await?;
    let end_ms = local_ms(Tz::UTC, options.end, 23 * 60 + 59, 59);
    bulk::set_on_hand(tx, input.org, &levels, end_ms).await?;
    summary.planted.sort_by(|a, b| {
        (a.date, &a.store, &a.sku, a.kind).cmp(&(b.date, &b.store, &b.sku, b.kind))
    });
    Ok(summary)
}

/// Rows ready to write; a store's last batch also carries its final levels and anomalies.
#[derive(Debug, Default)]
struct Batch {
    sales: Vec<(SaleRecord, Vec<SaleLineRecord>)>,
    movements: Vec<BulkMovement>,
    lost_units: i64,
    levels: Vec<FinalLevel>,
    planted: Vec<PlantedRow>,
}

/// Everything the producer thread needs, owned.
struct Producer {
    sim: Simulator,
    org: OrgId,
    stores: Vec<StoreRecord>,
    tills: Vec<[TerminalRecord; 2]>,
    cashiers: Vec<[UserId; 2]>,
    products: Vec<SeededProduct>,
    opening: Vec<Vec<i64>>,
    contexts: Vec<PricingContext>,
    seed: u64,
}

impl Producer {
    fn run(self, send: &tokio::sync::mpsc::Sender<anyhow::Result<Batch>>) -> anyhow::Result<()> {
        let planted_all = anomalies::committed();
        let start = self.sim.plan.start;
        for (shop, store) in self.stores.iter().enumerate() {
            // One id stream per store, so the ids do not depend on batch boundaries.
            let mut rng =
                ChaCha8Rng::seed_from_u64(self.seed ^ 0x4157_0000 ^ ((shop as u64) << 40));
            let history = self
                .sim
                .simulate_store(shop, &self.opening[shop], &planted_all);
            let tz: Tz = store.timezone.parse().unwrap_or(Tz::UTC);
            let mut writer = StoreWriter {
                org: self.org,
                store,
                ctx: self.contexts[shop].clone(),
                tills: &self.tills[shop],
                cashiers: &self.cashiers[shop],
                products: &self.products,
                avg_cost: self.products.iter().map(|p| p.record.cost_minor).collect(),
                receipt_counter: [0, 0],
                batch: Batch::default(),
            };
            for (item, &qty) in self.opening[shop].iter().enumerate() {
                if qty > 0 {
                    let at = local_ms(tz, start, 6 * 60, 0);
                    writer.receive(&mut rng, item, qty, at, "opening stock");
                }
            }
            for day in &history.days {
                let date = self.sim.date(day.day);
                for &(item, qty) in &day.deliveries {
                    let at = local_ms(tz, date, 7 * 60, 0);
                    writer.receive(&mut rng, item, qty, at, "supplier delivery");
                }
                for (n, basket) in day.baskets.iter().enumerate() {
                    let at = local_ms(tz, date, basket.minute, (n % 60) as u32);
                    writer.sell(&mut rng, basket, at)?;
                }
                for &(item, qty) in &day.losses {
                    let at = local_ms(tz, date, 21 * 60, 0);
                    writer.movement(
                        &mut rng,
                        item,
                        MovementKind::CountCorrection,
                        -qty,
                        at,
                        Some("evening count: unexplained loss"),
                        None,
                    );
                }
                writer.batch.lost_units += day.lost_units;
                if writer.batch.sales.len() >= SALES_PER_BATCH {
                    let full = std::mem::take(&mut writer.batch);
                    if send.blocking_send(Ok(full)).is_err() {
                        return Ok(());
                    }
                }
            }
            let mut last = std::mem::take(&mut writer.batch);
            for (item, p) in self.products.iter().enumerate() {
                let (rop, up_to) = history.policy[item];
                last.levels.push(FinalLevel {
                    store_id: store.id,
                    product_id: p.record.id,
                    on_hand: history.closing[item],
                    avg_cost_minor: writer.avg_cost[item],
                    reorder_point: Some(rop),
                    min_level: Some(rop),
                    max_level: Some(up_to),
                });
            }
            for p in history.planted {
                if let Some(product) = self.products.iter().find(|x| x.record.sku == p.sku) {
                    last.planted.push(PlantedRow {
                        date: self.sim.date(p.day),
                        store: p.store,
                        sku: p.sku,
                        product_id: product.record.id,
                        kind: p.kind,
                    });
                }
            }
            if send.blocking_send(Ok(last)).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// One store's rows on their way to the database.
struct StoreWriter<'a> {
    org: OrgId,
    store: &'a StoreRecord,
    ctx: PricingContext,
    tills: &'a [TerminalRecord; 2],
    cashiers: &'a [UserId; 2],
    products: &'a [SeededProduct],
    /// The moving average cost per product (every delivery is at the product's cost, so it
    /// stays there; kept as the ledger would compute it anyway).
    avg_cost: Vec<i64>,
    receipt_counter: [u64; 2],
    batch: Batch,
}

impl StoreWriter<'_> {
    #[allow(clippy::too_many_arguments)]
    fn movement(
        &mut self,
        rng: &mut ChaCha8Rng,
        item: usize,
        kind: MovementKind,
        quantity: i64,
        at: i64,
        reason: Option<&str>,
        reference: Option<(String, String)>,
    ) -> i64 {
        let unit_cost = self.avg_cost[item];
        self.batch.movements.push(BulkMovement {
            id: MovementId(id_at(rng, at)),
            org_id: self.org,
            store_id: self.store.id,
            product_id: self.products[item].record.id,
            kind,
            quantity,
            reason: reason.map(str::to_owned),
            reference,
            unit_cost_minor: unit_cost,
            user_id: None,
            occurred_at: at,
            recorded_at: at,
        });
        unit_cost
    }

    fn receive(&mut self, rng: &mut ChaCha8Rng, item: usize, qty: i64, at: i64, reason: &str) {
        // Deliveries come at the product's cost; the average cost after them is what the
        // ledger computes (`blended_cost`), which stays the cost when nothing else came in.
        let cost = self.products[item].record.cost_minor;
        self.avg_cost[item] = cost;
        self.movement(
            rng,
            item,
            MovementKind::Receipt,
            qty,
            at,
            Some(reason),
            None,
        );
    }

    fn sell(&mut self, rng: &mut ChaCha8Rng, basket: &Basket, at: i64) -> anyhow::Result<()> {
        let mut flags = Vec::new();
        let lines: Vec<CartLine> = basket
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let p = &self.products[l.item].record;
                let price = if l.price_error {
                    flags.push(format!("stale_price:{i}"));
                    (p.price_minor / 10).max(1)
                } else {
                    p.price_minor
                };
                CartLine {
                    product_id: p.id.0,
                    category_id: p.category_id.map(|c| c.0),
                    unit: if p.unit == "weighed" {
                        SaleUnit::Weighed
                    } else {
                        SaleUnit::Each
                    },
                    quantity: l.quantity,
                    unit_price_minor: price,
                    tax_class: p.tax_class.clone(),
                    discount: None,
                }
            })
            .collect();
        self.ctx.priced_at = Utc.timestamp_millis_opt(at).single().unwrap_or_default();
        let mut cart = Cart {
            lines,
            cart_discount: None,
            payments: Vec::new(),
        };
        let total = price_cart(&cart, &self.ctx)?.totals.total_minor;
        let till = &self.tills[basket.till];
        self.receipt_counter[basket.till] += 1;
        let receipt = format!("{}-H{:07}", till.code, self.receipt_counter[basket.till]);
        let card = |amount: i64| Payment::Card {
            amount_minor: amount,
            reference: format!("DEMO-{receipt}"),
        };
        cart.payments = match basket.tender {
            Tender::Card => vec![card(total)],
            Tender::Cash => vec![Payment::Cash {
                tendered_minor: tendered(rng, total),
            }],
            Tender::Split => {
                let on_card = total / 2;
                vec![
                    card(on_card),
                    Payment::Cash {
                        tendered_minor: tendered(rng, total - on_card),
                    },
                ]
            }
        };
        let priced = price_sale(&cart, &self.ctx)?;
        let sale_id = id_at(rng, at);
        let mut records = Vec::with_capacity(priced.lines.len());
        let mut cogs_total = 0;
        for (i, (line, sim_line)) in priced.lines.iter().zip(&basket.lines).enumerate() {
            let weighed = line.unit == SaleUnit::Weighed;
            let unit_cost = self.movement(
                rng,
                sim_line.item,
                MovementKind::Sale,
                -line.quantity,
                at,
                None,
                Some(("sale".into(), sale_id.to_string())),
            );
            if let Some(m) = self.batch.movements.last_mut() {
                m.user_id = Some(self.cashiers[basket.cashier]);
            }
            let cogs = cost_of(line.quantity, unit_cost, weighed);
            cogs_total += cogs;
            records.push(SaleLineRecord {
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
        let sale = SaleRecord {
            id: sale_id,
            org_id: self.org,
            store_id: self.store.id,
            terminal_id: till.id,
            mutation_id: id_at(rng, at),
            receipt_number: receipt,
            cashier_user_id: Some(self.cashiers[basket.cashier]),
            occurred_at: at,
            recorded_at: at,
            currency: self.store.currency.clone(),
            total_minor: priced.totals.total_minor,
            tax_minor: priced.totals.tax_minor,
            discount_minor: priced.totals.discount_minor,
            cogs_minor: cogs_total,
            flags: serde_json::to_string(&flags)?,
            priced: serde_json::to_string(&priced)?,
            payments: serde_json::to_string(&cart.payments)?,
            // History has no shifts or known customers (see docs/demo-data.md).
            shift_id: None,
            customer_id: None,
            points_earned: 0,
            points_redeemed: 0,
        };
        self.batch.sales.push((sale, records));
        Ok(())
    }
}
