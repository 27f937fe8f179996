//! The demand simulator: what each demo store sold, day by day, as baskets of lines — pure and
//! deterministic (no database, no clock; everything follows from the plan's seed).
//!
//! Model, per store × product × day:
//! - **Expected purchases** ([`Simulator::expected`]) = the product's base rate (its category,
//!   a Zipf-like popularity by item and brand, a seeded per-store jitter, so a long tail of
//!   items sells only now and then) × the store's traffic × the weekday rhythm × the product's
//!   yearly season × the holiday rule of the store's country × a yearly growth trend × a lift
//!   while a promotion covers the product's category (1 + 2.2 × the discount).
//! - **Purchases** are Poisson draws of that rate; each purchase is a quantity (mostly 1 piece;
//!   250 g – 1.6 kg for weighed goods).
//! - **Stock**: a purchase sells only if the item is on hand; otherwise it is lost (a stockout).
//!   Stock comes from supplier deliveries: when on-hand plus on-order falls to the reorder point
//!   (four days of demand) an order up to about two weeks of demand is placed, arriving two days
//!   later on an open day; one order in 25 is late by 5–10 days, which is where most stockouts
//!   come from.
//! - **Baskets**: the day's sold lines are shuffled into baskets of 1 + Poisson(2.3) lines,
//!   timed by a lunch and an evening peak within opening hours, rung up on one of two tills,
//!   paid by card (62 %), cash (34 %) or both (4 %).
//! - **Anomalies** from the committed list are planted as described on [`AnomalyKind`].
//!
//! Invariant (tested): on-hand never goes negative, and the closing on-hand equals opening
//! plus deliveries minus sales minus losses.

use super::anomalies::{Anomaly, AnomalyKind};
use super::calendar::{self, DayKind};
use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// A sellable product as the simulator sees it.
#[derive(Debug, Clone)]
pub struct Item {
    pub sku: String,
    pub category: &'static str,
    /// The item's name without brand or size (`Sun Cream SPF 30`).
    pub item: &'static str,
    /// Position of the item within its category (0 = best seller).
    pub item_rank: usize,
    /// Position of the brand (0 = leading brand).
    pub brand_rank: usize,
    /// Clothing size, if a variant.
    pub size: Option<&'static str>,
    pub weighed: bool,
}

/// A store as the simulator sees it.
#[derive(Debug, Clone)]
pub struct Shop {
    pub code: String,
    pub country: String,
    /// Demand multiplier of the whole store.
    pub traffic: f64,
    /// Growth over a year (0.06 = +6 %).
    pub growth: f64,
}

/// A week-long category promotion.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub name: String,
    pub category: &'static str,
    pub first_day: u32,
    pub days: u32,
    /// Discount in basis points.
    pub percent_bps: u32,
}

impl Campaign {
    pub fn covers(&self, day: u32) -> bool {
        (self.first_day..self.first_day + self.days).contains(&day)
    }
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub start: NaiveDate,
    pub days: u32,
}

/// How a basket was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tender {
    Card,
    Cash,
    /// Part card, the rest cash.
    Split,
}

/// One line of a basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub item: usize,
    /// Pieces, or grams for weighed goods.
    pub quantity: i64,
    /// Charged a tenth of the price (a planted price error).
    pub price_error: bool,
}

/// One customer's purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basket {
    /// Minutes after local midnight.
    pub minute: u32,
    /// 0 or 1: which of the store's two tills.
    pub till: usize,
    /// 0 or 1: which of the store's two cashiers.
    pub cashier: usize,
    pub tender: Tender,
    pub lines: Vec<Line>,
}

/// A store's day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day {
    pub day: u32,
    /// Supplier deliveries received before opening: `(item, quantity)`.
    pub deliveries: Vec<(usize, i64)>,
    /// In time order.
    pub baskets: Vec<Basket>,
    /// Losses found by the evening count: `(item, quantity > 0)`.
    pub losses: Vec<(usize, i64)>,
    /// Purchases lost because the item was out of stock, in units.
    pub lost_units: i64,
}

/// An anomaly as planted: the file row, on the day it really happened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub day: u32,
    pub store: String,
    pub sku: String,
    pub kind: AnomalyKind,
}

/// A store's simulated year.
#[derive(Debug, Clone)]
pub struct StoreHistory {
    pub days: Vec<Day>,
    /// On-hand per item after the last day.
    pub closing: Vec<i64>,
    /// `(reorder point, order-up-to level)` per item, the policy the simulation followed.
    pub policy: Vec<(i64, i64)>,
    pub planted: Vec<Planted>,
}

/// The simulator for one chain.
#[derive(Debug, Clone)]
pub struct Simulator {
    pub plan: Plan,
    pub shops: Vec<Shop>,
    pub items: Vec<Item>,
    pub campaigns: Vec<Campaign>,
    /// Base purchases per day of each item in each store, before the calendar.
    base: Vec<Vec<f64>>,
}

/// Purchases per average open day of one item, by category, before popularity.
fn category_rate(category: &str) -> f64 {
    match category {
        "Fruit & Vegetables" => 5.5,
        "Bakery" => 7.0,
        "Dairy" => 5.5,
        "Beverages" => 5.0,
        "Pantry" => 2.8,
        "Snacks" => 3.5,
        "Household" => 1.4,
        "Personal Care" => 1.1,
        "Frozen" => 2.1,
        "Clothing" => 0.12,
        _ => 1.0,
    }
}

const BRAND_SHARE: [f64; 3] = [1.0, 0.45, 0.2];
/// Mean grams of one purchase of a weighed product (uniform 250–1 600 g).
const MEAN_GRAMS: f64 = 925.0;
/// Mean pieces of one purchase of a counted product (see [`quantity`]).
const MEAN_PIECES: f64 = 1.33;

fn rng_for(seed: u64, a: u64, b: u64) -> ChaCha8Rng {
    // Distinct, well-mixed streams per (store, day): SplitMix64 of the three parts.
    let mut x =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(x ^ (x >> 31))
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A Poisson draw: Knuth's product method for small rates, a rounded normal for large ones.
pub fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 40.0 {
        return (lambda + lambda.sqrt() * normal(rng)).round().max(0.0) as u32;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// One purchase's quantity: pieces (1 mostly, sometimes a few) or grams.
fn quantity(rng: &mut ChaCha8Rng, weighed: bool) -> i64 {
    if weighed {
        return 250 + 5 * rng.random_range(0..=270);
    }
    match rng.random_range(0..100) {
        0..78 => 1,
        78..93 => 2,
        93..97 => 3,
        _ => rng.random_range(4..=6),
    }
}

/// Category promotions spread over the plan: one about every 25 days, a week or so each,
/// never two on one category at once.
pub fn campaigns(plan: &Plan, categories: &[&'static str]) -> Vec<Campaign> {
    let mut rng = rng_for(plan.seed, 0xCA4A, 0);
    let mut out: Vec<Campaign> = Vec::new();
    let mut day = 6 + rng.random_range(0..10);
    while day + 7 <= plan.days && !categories.is_empty() {
        let category = categories[rng.random_range(0..categories.len())];
        let days = rng.random_range(7..=10);
        let percent_bps = [1500, 2000, 2500, 3000][rng.random_range(0..4)];
        let date = plan.start + chrono::Duration::days(i64::from(day));
        out.push(Campaign {
            name: format!(
                "{category} week {} ({}% off)",
                date.format("%Y-%m-%d"),
                percent_bps / 100
            ),
            category,
            first_day: day,
            days,
            percent_bps,
        });
        day += days + rng.random_range(12..24);
    }
    out
}

impl Simulator {
    /// A simulator for `shops` selling `items`; rates and campaigns follow from the seed.
    pub fn new(plan: Plan, shops: Vec<Shop>, items: Vec<Item>) -> Simulator {
        let mut rng = rng_for(plan.seed, 0xBA5E, 0);
        let popularity: Vec<f64> = items
            .iter()
            .map(|item| {
                let size = match item.size {
                    Some("M" | "L") => 1.3,
                    Some(_) => 0.7,
                    None => 1.0,
                };
                category_rate(item.category)
                    * (1.0 + item.item_rank as f64).powf(-0.6)
                    * BRAND_SHARE[item.brand_rank.min(2)]
                    * size
                    * (0.45 * normal(&mut rng)).exp()
            })
            .collect();
        let base = shops
            .iter()
            .map(|shop| {
                popularity
                    .iter()
                    .map(|p| p * shop.traffic * (0.25 * normal(&mut rng)).exp())
                    .collect()
            })
            .collect();
        let mut categories: Vec<&'static str> = items.iter().map(|i| i.category).collect();
        categories.dedup();
        categories.sort_unstable();
        categories.dedup();
        let campaigns = campaigns(&plan, &categories);
        Simulator {
            plan,
            shops,
            items,
            campaigns,
            base,
        }
    }

    pub fn date(&self, day: u32) -> NaiveDate {
        self.plan.start + chrono::Duration::days(i64::from(day))
    }

    /// The campaign covering `item` on `day`, if any.
    pub fn campaign(&self, item: usize, day: u32) -> Option<&Campaign> {
        let category = self.items[item].category;
        self.campaigns
            .iter()
            .find(|c| c.category == category && c.covers(day))
    }

    /// Expected purchases of `item` in `shop` on `day` (0 when the store is closed).
    pub fn expected(&self, shop: usize, item: usize, day: u32) -> f64 {
        let date = self.date(day);
        let s = &self.shops[shop];
        let holiday = match calendar::day_kind(&s.country, date) {
            DayKind::Closed => return 0.0,
            DayKind::Open => 1.0,
            DayKind::Scaled(f) => f,
        };
        let it = &self.items[item];
        let promo = self
            .campaign(item, day)
            .map_or(1.0, |c| 1.0 + 2.2 * f64::from(c.percent_bps) / 10_000.0);
        let trend = 1.0 + s.growth * f64::from(day) / 365.0;
        self.base[shop][item]
            * calendar::weekday_factor(date.weekday())
            * calendar::season_factor(it.category, it.item, date)
            * holiday
            * promo
            * trend
    }

    /// Units (pieces or grams) one purchase of `item` takes on average.
    fn mean_units(&self, item: usize) -> f64 {
        if self.items[item].weighed {
            MEAN_GRAMS
        } else {
            MEAN_PIECES
        }
    }

    /// Simulates one store from its opening stock (per item, in the items' order).
    pub fn simulate_store(
        &self,
        shop: usize,
        opening: &[i64],
        anomalies: &[Anomaly],
    ) -> StoreHistory {
        let s = &self.shops[shop];
        let n = self.items.len();
        let sku_index: HashMap<&str, usize> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.sku.as_str(), i))
            .collect();
        // Planted anomalies by day, moved off closed days.
        let mut planned: HashMap<u32, Vec<(usize, AnomalyKind)>> = HashMap::new();
        let mut planted = Vec::new();
        for a in anomalies.iter().filter(|a| a.store == s.code) {
            let Some(&item) = sku_index.get(a.sku.as_str()) else {
                continue;
            };
            let mut day = a.day;
            while day < self.plan.days
                && calendar::day_kind(&s.country, self.date(day)) == DayKind::Closed
            {
                day += 1;
            }
            if day >= self.plan.days {
                continue;
            }
            planned.entry(day).or_default().push((item, a.kind));
            planted.push(Planted {
                day,
                store: s.code.clone(),
                sku: a.sku.clone(),
                kind: a.kind,
            });
        }
        planted.sort();

        // Replenishment policy from the item's average demand.
        let policy: Vec<(i64, i64)> = (0..n)
            .map(|i| {
                let daily = self.base[shop][i] * self.mean_units(i);
                let minimum = if self.items[i].weighed { 2_000.0 } else { 2.0 };
                let rop = (daily * 4.0).max(minimum).ceil() as i64;
                let up_to = rop + (daily * 12.0).max(minimum * 3.0).ceil() as i64;
                (rop, up_to)
            })
            .collect();

        let mut on_hand = opening.to_vec();
        // Orders in transit: (arrival day, item, quantity).
        let mut pending: Vec<(u32, usize, i64)> = Vec::new();
        let mut on_order = vec![0i64; n];
        let mut days = Vec::with_capacity(self.plan.days as usize);
        for day in 0..self.plan.days {
            let mut rng = rng_for(self.plan.seed, shop as u64 + 1, u64::from(day) + 1);
            let date = self.date(day);
            let closed = calendar::day_kind(&s.country, date) == DayKind::Closed;
            let mut out = Day {
                day,
                ..Day::default()
            };
            if closed {
                days.push(out);
                continue;
            }
            // Deliveries due by today arrive before opening.
            pending.retain(|&(arrival, item, qty)| {
                if arrival <= day {
                    on_hand[item] += qty;
                    on_order[item] -= qty;
                    out.deliveries.push((item, qty));
                    false
                } else {
                    true
                }
            });
            let today: &[(usize, AnomalyKind)] = planned.get(&day).map_or(&[], |v| v.as_slice());
            let has = |item: usize, kind: AnomalyKind| today.contains(&(item, kind));

            // Demand, served from stock in a shuffled order of items.
            let mut sold: Vec<Line> = Vec::new();
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            for &item in &order {
                let weighed = self.items[item].weighed;
                let count = poisson(&mut rng, self.expected(shop, item, day));
                let price_error = has(item, AnomalyKind::PriceError);
                if has(item, AnomalyKind::Drop) {
                    continue;
                }
                for _ in 0..count {
                    let qty = quantity(&mut rng, weighed);
                    if qty <= on_hand[item] {
                        on_hand[item] -= qty;
                        sold.push(Line {
                            item,
                            quantity: qty,
                            price_error,
                        });
                    } else {
                        out.lost_units += qty;
                    }
                }
                if has(item, AnomalyKind::Spike) {
                    // A bulk buyer takes about eight days' demand; a special delivery that
                    // morning makes sure it is there.
                    let unit = if weighed { 1_000 } else { 1 };
                    let typical = self.base[shop][item] * self.mean_units(item);
                    let qty = ((typical * 8.0 / unit as f64).ceil() as i64).max(12) * unit;
                    if on_hand[item] < qty {
                        let extra = qty - on_hand[item];
                        on_hand[item] += extra;
                        out.deliveries.push((item, extra));
                    }
                    on_hand[item] -= qty;
                    sold.push(Line {
                        item,
                        quantity: qty,
                        price_error,
                    });
                }
            }
            out.baskets = baskets(&mut rng, sold, &s.country, date);

            // The evening: counts that find losses, then orders.
            for &(item, kind) in today {
                if kind == AnomalyKind::Shrinkage && on_hand[item] > 0 {
                    let loss = (on_hand[item] * 2 / 5).max(1);
                    on_hand[item] -= loss;
                    out.losses.push((item, loss));
                }
            }
            for item in 0..n {
                let (rop, up_to) = policy[item];
                if on_hand[item] + on_order[item] <= rop {
                    let qty = up_to - on_hand[item] - on_order[item];
                    let late = if rng.random_range(0..25) == 0 {
                        rng.random_range(5..=10)
                    } else {
                        0
                    };
                    let mut arrival = day + 2 + late;
                    while arrival < self.plan.days
                        && calendar::day_kind(&s.country, self.date(arrival)) == DayKind::Closed
                    {
                        arrival += 1;
                    }
                    pending.push((arrival, item, qty));
                    on_order[item] += qty;
                }
            }
            days.push(out);
        }
        StoreHistory {
            days,
            closing: on_hand,
            policy,
            planted,
        }
    }
}

/// Shuffles the day's lines into timed, paid baskets in time order.
fn baskets(
    rng: &mut ChaCha8Rng,
    mut lines: Vec<Line>,
    country: &str,
    date: NaiveDate,
) -> Vec<Basket> {
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.random_range(0..=i));
    }
    let (open, close) = calendar::opening_hours(country, date);
    let mut out = Vec::new();
    let mut rest = lines.as_slice();
    while !rest.is_empty() {
        let size = (1 + poisson(rng, 2.3) as usize).min(rest.len());
        let (mine, others) = rest.split_at(size);
        rest = others;
        // A third of shoppers come any time, the rest around lunch or after work.
        let centre = match rng.random_range(0..3) {
            0 => f64::from(open + rng.random_range(0..close - open)),
            1 => 12.5 * 60.0 + 45.0 * normal(rng),
            _ => 17.75 * 60.0 + 70.0 * normal(rng),
        };
        let minute = (centre.round() as i64).clamp(i64::from(open), i64::from(close) - 1) as u32;
        let tender = match rng.random_range(0..100) {
            0..62 => Tender::Card,
            62..96 => Tender::Cash,
            _ => Tender::Split,
        };
        out.push(Basket {
            minute,
            till: rng.random_range(0..2),
            cashier: rng.random_range(0..2),
            tender,
            lines: mine.to_vec(),
        });
    }
    out.sort_by_key(|b| b.minute);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn items() -> Vec<Item> {
        vec![
            Item {
                sku: "BAK00BA".into(),
                category: "Bakery",
                item: "Sourdough Loaf",
                item_rank: 0,
                brand_rank: 0,
                size: None,
                weighed: false,
            },
            Item {
                sku: "FRU00BI".into(),
                category: "Fruit & Vegetables",
                item: "Apples",
                item_rank: 0,
                brand_rank: 0,
                size: None,
                weighed: true,
            },
            Item {
                sku: "CLO03NO-S".into(),
                category: "Clothing",
                item: "Rain Jacket",
                item_rank: 3,
                brand_rank: 1,
                size: Some("S"),
                weighed: false,
            },
            Item {
                sku: "PER08PU".into(),
                category: "Personal Care",
                item: "Sun Cream SPF 30",
                item_rank: 8,
                brand_rank: 0,
                size: None,
                weighed: false,
            },
        ]
    }

    fn sim(seed: u64, days: u32) -> Simulator {
        Simulator::new(
            Plan {
                seed,
                start: NaiveDate::from_ymd_opt(2025, 11, 24).unwrap(),
                days,
            },
            vec![
                Shop {
                    code: "BER".into(),
                    country: "DE".into(),
                    traffic: 1.2,
                    growth: 0.06,
                },
                Shop {
                    code: "PAR".into(),
                    country: "FR".into(),
                    traffic: 1.0,
                    growth: 0.04,
                },
            ],
            items(),
        )
    }

    const OPENING: [i64; 4] = [30, 20_000, 10, 12];

    fn units(h: &StoreHistory, item: usize) -> i64 {
        h.days
            .iter()
            .flat_map(|d| &d.baskets)
            .flat_map(|b| &b.lines)
            .filter(|l| l.item == item)
            .map(|l| l.quantity)
            .sum()
    }

    #[test]
    fn the_same_seed_gives_the_same_history_and_another_seed_another() {
        let a = sim(7, 120).simulate_store(1, &OPENING, &[]);
        let b = sim(7, 120).simulate_store(1, &OPENING, &[]);
        let c = sim(8, 120).simulate_store(1, &OPENING, &[]);
        assert_eq!(a.days, b.days);
        assert_ne!(a.days, c.days);
    }

    #[test]
    fn stock_never_goes_negative_and_the_books_balance() {
        let s = sim(3, 365);
        for shop in 0..2 {
            let h = s.simulate_store(shop, &OPENING, &[]);
            for (item, &opening) in OPENING.iter().enumerate() {
                let mut level = opening;
                for d in &h.days {
                    level += d
                        .deliveries
                        .iter()
                        .filter(|x| x.0 == item)
                        .map(|x| x.1)
                        .sum::<i64>();
                    for b in &d.baskets {
                        for l in b.lines.iter().filter(|l| l.item == item) {
                            level -= l.quantity;
                            assert!(level >= 0, "negative stock of {item} on day {}", d.day);
                        }
                    }
                    level -= d
                        .losses
                        .iter()
                        .filter(|x| x.0 == item)
                        .map(|x| x.1)
                        .sum::<i64>();
                }
                assert_eq!(level, h.closing[item]);
            }
        }
    }

    #[test]
    fn german_sundays_are_closed_and_saturdays_busiest() {
        let s = sim(5, 365);
        let h = s.simulate_store(0, &OPENING, &[]);
        let mut by_weekday = [0usize; 7];
        for d in &h.days {
            by_weekday[s.date(d.day).weekday().num_days_from_monday() as usize] += d.baskets.len();
        }
        assert_eq!(by_weekday[Weekday::Sun.num_days_from_monday() as usize], 0);
        assert!(
            by_weekday[5] as f64 > 1.3 * by_weekday[1] as f64,
            "{by_weekday:?}"
        );
    }

    #[test]
    fn seasons_show_and_tail_items_are_intermittent() {
        let s = sim(11, 365);
        let h = s.simulate_store(1, &[30, 20_000, 10, 400], &[]);
        let summer: i64 = h
            .days
            .iter()
            .filter(|d| matches!(s.date(d.day).month(), 6..=8))
            .flat_map(|d| &d.baskets)
            .flat_map(|b| &b.lines)
            .filter(|l| l.item == 3)
            .map(|l| l.quantity)
            .sum();
        let winter: i64 = h
            .days
            .iter()
            .filter(|d| matches!(s.date(d.day).month(), 12 | 1 | 2))
            .flat_map(|d| &d.baskets)
            .flat_map(|b| &b.lines)
            .filter(|l| l.item == 3)
            .map(|l| l.quantity)
            .sum();
        assert!(
            summer > 2 * winter,
            "sun cream: summer {summer}, winter {winter}"
        );
        let jacket_days = h
            .days
            .iter()
            .filter(|d| {
                d.baskets
                    .iter()
                    .any(|b| b.lines.iter().any(|l| l.item == 2))
            })
            .count();
        assert!(
            jacket_days > 0 && jacket_days < 100,
            "a size-S rain jacket sells on few days: {jacket_days}"
        );
        assert!(units(&h, 0) > 1_000, "bread sells daily");
    }

    #[test]
    fn late_deliveries_cause_stockouts_and_promotions_lift_sales() {
        let s = sim(2, 365);
        let h = s.simulate_store(1, &OPENING, &[]);
        assert!(
            h.days.iter().any(|d| d.lost_units > 0),
            "some demand meets an empty shelf"
        );
        assert!(!s.campaigns.is_empty());
        let c = &s.campaigns[0];
        let item = s.items.iter().position(|i| i.category == c.category);
        if let Some(item) = item {
            let during = s.expected(1, item, c.first_day);
            let without = during / (1.0 + 2.2 * f64::from(c.percent_bps) / 10_000.0);
            assert!(during > without * 1.3);
        }
    }

    #[test]
    fn anomalies_are_planted_as_listed_and_moved_off_closed_days() {
        let s = sim(4, 60);
        // 2025-11-30 (day 6) is a Sunday: Berlin is closed, so it moves to Monday.
        let list = vec![
            Anomaly {
                day: 6,
                store: "BER".into(),
                sku: "BAK00BA".into(),
                kind: AnomalyKind::Spike,
            },
            Anomaly {
                day: 10,
                store: "BER".into(),
                sku: "BAK00BA".into(),
                kind: AnomalyKind::Drop,
            },
            Anomaly {
                day: 12,
                store: "BER".into(),
                sku: "BAK00BA".into(),
                kind: AnomalyKind::PriceError,
            },
            Anomaly {
                day: 14,
                store: "BER".into(),
                sku: "FRU00BI".into(),
                kind: AnomalyKind::Shrinkage,
            },
            Anomaly {
                day: 20,
                store: "BER".into(),
                sku: "NOPE".into(),
                kind: AnomalyKind::Spike,
            },
            Anomaly {
                day: 80,
                store: "BER".into(),
                sku: "BAK00BA".into(),
                kind: AnomalyKind::Spike,
            },
            Anomaly {
                day: 20,
                store: "PAR".into(),
                sku: "BAK00BA".into(),
                kind: AnomalyKind::Spike,
            },
        ];
        let h = s.simulate_store(0, &OPENING, &list);
        let days: Vec<(u32, AnomalyKind)> = h.planted.iter().map(|p| (p.day, p.kind)).collect();
        assert_eq!(
            days,
            vec![
                (7, AnomalyKind::Spike),
                (10, AnomalyKind::Drop),
                (12, AnomalyKind::PriceError),
                (14, AnomalyKind::Shrinkage)
            ]
        );
        let sold = |day: u32| -> Vec<Line> {
            h.days[day as usize]
                .baskets
                .iter()
                .flat_map(|b| b.lines.clone())
                .filter(|l| l.item == 0)
                .collect()
        };
        assert!(sold(7).iter().any(|l| l.quantity >= 12), "the bulk buy");
        assert!(sold(10).is_empty(), "nothing sells on a drop day");
        assert!(!sold(12).is_empty() && sold(12).iter().all(|l| l.price_error));
        assert!(sold(13).iter().all(|l| !l.price_error));
        assert!(
            h.days[14]
                .losses
                .iter()
                .any(|&(item, q)| item == 1 && q > 0)
        );
    }
}
