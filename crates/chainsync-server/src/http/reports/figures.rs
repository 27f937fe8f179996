//! Builds each report from the storage sums and the domain rules. Every report reads sales and
//! subtracts returns through [`super::sales_less_returns`]; nothing here knows SQL.

use super::views::*;
use super::{Store, sales_less_returns};
use crate::http::error::{ApiError, ApiResult};
use chainsync_domain::reports::{
    Flow, Granularity, Kpis, Period, bucket_slots, change_bps, share_bps,
};
use chainsync_domain::stock::cost_of;
use chainsync_storage::reports::{self as q, Group, NameTable};
use chainsync_storage::{Conn, now_ms};
use std::collections::{BTreeMap, HashMap};

fn store_ref(store: &Store) -> StoreRef {
    let r = &store.record;
    StoreRef {
        store_id: r.id,
        code: r.code.clone(),
        name: r.name.clone(),
        currency: r.currency.clone(),
        timezone: r.timezone.clone(),
    }
}

fn period_view(p: Period) -> PeriodView {
    PeriodView {
        from: p.from,
        to: p.to,
    }
}

/// Per key: (sales, returns) flows.
fn by_key(
    sales: Vec<q::FlowRow>,
    returns: Vec<q::FlowRow>,
) -> BTreeMap<Option<String>, (Flow, Flow)> {
    let mut out: BTreeMap<Option<String>, (Flow, Flow)> = BTreeMap::new();
    for row in sales {
        out.entry(row.key).or_default().0.add(&row.flow);
    }
    for row in returns {
        out.entry(row.key).or_default().1.add(&row.flow);
    }
    out
}

fn sum(rows: &[q::FlowRow]) -> Flow {
    let mut total = Flow::default();
    for r in rows {
        total.add(&r.flow);
    }
    total
}

/// Sales less returns of a store over a period, in one figure.
async fn period_kpis(conn: &mut Conn, store: &Store, period: Period) -> ApiResult<Kpis> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Total).await?;
    Ok(Kpis::from_flows(&sum(&sales), &sum(&returns)))
}

pub(super) async fn kpis(
    conn: &mut Conn,
    store: &Store,
    period: Period,
    granularity: Granularity,
) -> ApiResult<KpiReport> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Slot).await?;
    let slots = |rows: &[q::FlowRow]| rows.iter().map(|r| (r.slot, r.flow)).collect::<Vec<_>>();
    let sold = bucket_slots(&period, granularity, store.tz, slots(&sales));
    let returned = bucket_slots(&period, granularity, store.tz, slots(&returns));
    let buckets: Vec<KpiBucket> = sold
        .into_iter()
        .zip(returned)
        .map(|((bucket, s), (_, r))| KpiBucket {
            label: bucket.label,
            from: bucket.from,
            to: bucket.to,
            kpis: Kpis::from_flows(&s, &r),
        })
        .collect();
    let totals = Kpis::from_flows(&sum(&sales), &sum(&returns));
    let previous_period = period.previous();
    let previous = period_kpis(conn, store, previous_period).await?;
    let opt_change = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => change_bps(a, b),
        _ => None,
    };
    Ok(KpiReport {
        store: store_ref(store),
        period: period_view(period),
        granularity: granularity.as_str().to_owned(),
        change: KpiChange {
            revenue_bps: change_bps(totals.revenue_minor, previous.revenue_minor),
            transactions_bps: change_bps(totals.transactions, previous.transactions),
            average_basket_bps: opt_change(
                totals.average_basket_minor,
                previous.average_basket_minor,
            ),
            units_bps: change_bps(totals.units, previous.units),
            gross_margin_bps: change_bps(totals.gross_margin_minor, previous.gross_margin_minor),
        },
        totals,
        buckets,
        previous_period: period_view(previous_period),
        previous,
    })
}

/// What top products are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rank {
    Revenue,
    Units,
    Margin,
}

impl Rank {
    pub fn parse(s: &str) -> ApiResult<Rank> {
        match s {
            "revenue" => Ok(Rank::Revenue),
            "units" => Ok(Rank::Units),
            "margin" => Ok(Rank::Margin),
            _ => Err(ApiError::unprocessable(
                "invalid_rank",
                "by must be revenue, units or margin",
            )
            .field("by")),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Rank::Revenue => "revenue",
            Rank::Units => "units",
            Rank::Margin => "margin",
        }
    }

    fn key(self, k: &Kpis) -> i64 {
        match self {
            Rank::Revenue => k.revenue_minor,
            Rank::Units => k.units,
            Rank::Margin => k.gross_margin_minor,
        }
    }
}

pub(super) async fn top_products(
    conn: &mut Conn,
    store: &Store,
    period: Period,
    rank: Rank,
    limit: usize,
) -> ApiResult<TopProductsReport> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Product).await?;
    // Net quantities in the product's own unit (units count a weighed line as one).
    let mut quantities: HashMap<String, i64> = HashMap::new();
    for (rows, sign) in [(&sales, 1), (&returns, -1)] {
        for row in rows.iter() {
            if let Some(id) = &row.key {
                *quantities.entry(id.clone()).or_insert(0) += sign * row.quantity;
            }
        }
    }
    let mut ranked: Vec<(String, Kpis)> = by_key(sales, returns)
        .into_iter()
        .filter_map(|(key, (s, r))| key.map(|k| (k, Kpis::from_flows(&s, &r))))
        .collect();
    // Highest first; ties by product id so the order is stable.
    ranked.sort_by(|a, b| rank.key(&b.1).cmp(&rank.key(&a.1)).then(a.0.cmp(&b.0)));
    ranked.truncate(limit);
    let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
    let labels = q::product_labels(conn, &ids).await?;
    let items = ranked
        .into_iter()
        .enumerate()
        .map(|(i, (id, kpis))| {
            let label = labels.get(&id);
            ProductFigures {
                rank: i + 1,
                sku: label.map(|l| l.sku.clone()).unwrap_or_default(),
                name: label.map(|l| l.name.clone()).unwrap_or_default(),
                unit: label.map_or_else(|| "each".into(), |l| l.unit.clone()),
                category_id: label.and_then(|l| l.category_id.clone()),
                category_name: label.and_then(|l| l.category_name.clone()),
                quantity: quantities.get(&id).copied().unwrap_or(kpis.units),
                product_id: id,
                kpis,
            }
        })
        .collect();
    Ok(TopProductsReport {
        store: store_ref(store),
        period: period_view(period),
        by: rank.as_str().to_owned(),
        items,
    })
}

pub(super) async fn categories(
    conn: &mut Conn,
    store: &Store,
    period: Period,
) -> ApiResult<CategoryReport> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Category).await?;
    let totals = Kpis::from_flows(&sum(&sales), &sum(&returns));
    let grouped = by_key(sales, returns);
    let ids: Vec<String> = grouped.keys().flatten().cloned().collect();
    let names = q::names(conn, NameTable::Categories, &ids).await?;
    let mut items: Vec<CategoryFigures> = grouped
        .into_iter()
        .map(|(key, (s, r))| {
            let kpis = Kpis::from_flows(&s, &r);
            CategoryFigures {
                name: key
                    .as_ref()
                    .and_then(|k| names.get(k))
                    .map_or_else(|| "Uncategorised".to_owned(), |(n, _)| n.clone()),
                revenue_share_bps: share_bps(kpis.revenue_minor, totals.revenue_minor),
                category_id: key,
                kpis,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.kpis
            .revenue_minor
            .cmp(&a.kpis.revenue_minor)
            .then(a.name.cmp(&b.name))
    });
    Ok(CategoryReport {
        store: store_ref(store),
        period: period_view(period),
        totals,
        items,
    })
}

pub(super) async fn profit_and_loss(
    conn: &mut Conn,
    store: &Store,
    period: Period,
) -> ApiResult<ProfitAndLoss> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Total).await?;
    let (s, r) = (sum(&sales), sum(&returns));
    let k = Kpis::from_flows(&s, &r);
    let mut shrinkage = Shrinkage::default();
    for row in q::corrections(conn, store.record.id, start, end).await? {
        // Σ qty × unit cost, divided once for weighed goods (their quantities are thousandths).
        let value = cost_of(row.value_raw, 1, row.weighed);
        let reason = row
            .reason
            .as_deref()
            .map(|r| r.split(':').next().unwrap_or(r).trim());
        let slot = match (row.kind.as_str(), reason) {
            ("count_correction", _) => &mut shrinkage.count_corrections_minor,
            (_, Some("damaged")) => &mut shrinkage.damaged_minor,
            (_, Some("expired")) => &mut shrinkage.expired_minor,
            (_, Some("theft")) => &mut shrinkage.theft_minor,
            (_, Some("internal_use")) => &mut shrinkage.internal_use_minor,
            _ => &mut shrinkage.other_adjustments_minor,
        };
        *slot += value;
    }
    shrinkage.total_minor = shrinkage.damaged_minor
        + shrinkage.expired_minor
        + shrinkage.theft_minor
        + shrinkage.internal_use_minor
        + shrinkage.count_corrections_minor;
    Ok(ProfitAndLoss {
        store: store_ref(store),
        period: period_view(period),
        // The KPIs' own figures, so gross sales mean the same in every report.
        gross_sales_minor: k.gross_sales_minor,
        returns_minor: k.returns_minor,
        tax_minor: k.tax_minor,
        revenue_minor: k.revenue_minor,
        cogs_minor: k.cogs_minor,
        gross_profit_minor: k.gross_margin_minor,
        gross_margin_bps: k.gross_margin_bps,
        profit_after_shrinkage_minor: k.gross_margin_minor + shrinkage.total_minor,
        shrinkage,
    })
}

pub(super) async fn stock_valuation(
    conn: &mut Conn,
    store: &Store,
    limit: usize,
) -> ApiResult<StockValuation> {
    let rows = q::valuation(conn, store.record.id).await?;
    let mut items: Vec<ValuedItem> = rows
        .into_iter()
        .map(|r| {
            let weighed = r.label.unit == "weighed";
            ValuedItem {
                value_minor: cost_of(r.on_hand.max(0), r.avg_cost_minor, weighed),
                product_id: r.product_id,
                sku: r.label.sku,
                name: r.label.name,
                unit: r.label.unit,
                category_id: r.label.category_id,
                category_name: r.label.category_name,
                on_hand: r.on_hand,
                avg_cost_minor: r.avg_cost_minor,
            }
        })
        .collect();
    let mut categories: BTreeMap<Option<String>, ValuedCategory> = BTreeMap::new();
    for item in &items {
        let entry = categories
            .entry(item.category_id.clone())
            .or_insert_with(|| ValuedCategory {
                category_id: item.category_id.clone(),
                name: item
                    .category_name
                    .clone()
                    .unwrap_or_else(|| "Uncategorised".to_owned()),
                items: 0,
                value_minor: 0,
            });
        entry.items += 1;
        entry.value_minor += item.value_minor;
    }
    let mut categories: Vec<ValuedCategory> = categories.into_values().collect();
    categories.sort_by(|a, b| b.value_minor.cmp(&a.value_minor).then(a.name.cmp(&b.name)));
    let total_value_minor = items.iter().map(|i| i.value_minor).sum();
    let items_in_stock = items.iter().filter(|i| i.on_hand > 0).count();
    let items_oversold = items.iter().filter(|i| i.on_hand < 0).count();
    items.sort_by(|a, b| b.value_minor.cmp(&a.value_minor).then(a.sku.cmp(&b.sku)));
    items.truncate(limit);
    Ok(StockValuation {
        store: store_ref(store),
        as_of: crate::http::common::time(now_ms()),
        total_value_minor,
        items_in_stock,
        items_oversold,
        categories,
        items,
    })
}

pub(super) async fn staff(
    conn: &mut Conn,
    store: &Store,
    period: Period,
) -> ApiResult<StaffReport> {
    let (start, end) = period.utc_bounds(store.tz);
    let (sales, returns) =
        sales_less_returns(conn, store.record.id, start, end, Group::Cashier).await?;
    let grouped = by_key(sales, returns);
    let ids: Vec<String> = grouped.keys().flatten().cloned().collect();
    let names = q::names(conn, NameTable::Users, &ids).await?;
    let mut items: Vec<CashierFigures> = grouped
        .into_iter()
        .map(|(key, (s, r))| {
            let name = key.as_ref().and_then(|k| names.get(k));
            CashierFigures {
                display_name: name.map_or_else(|| "Unknown".to_owned(), |(n, _)| n.clone()),
                email: name.and_then(|(_, e)| e.clone()),
                user_id: key,
                transactions: s.transactions,
                gross_sales_minor: s.gross_sales_minor,
                net_sales_minor: s.net_sales_minor,
                average_basket_minor: chainsync_domain::reports::ratio_rounded(
                    s.gross_sales_minor,
                    s.transactions,
                ),
                units: s.units,
                returns: r.transactions,
                returns_minor: r.gross_sales_minor,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.gross_sales_minor
            .cmp(&a.gross_sales_minor)
            .then(a.display_name.cmp(&b.display_name))
    });
    Ok(StaffReport {
        store: store_ref(store),
        period: period_view(period),
        items,
    })
}

pub(super) async fn store_comparison(
    conn: &mut Conn,
    stores: &[Store],
    period: Period,
) -> ApiResult<StoreComparison> {
    let previous_period = period.previous();
    let mut items = Vec::with_capacity(stores.len());
    for store in stores {
        let totals = period_kpis(conn, store, period).await?;
        let previous = period_kpis(conn, store, previous_period).await?;
        items.push(StoreFigures {
            store: store_ref(store),
            revenue_change_bps: change_bps(totals.revenue_minor, previous.revenue_minor),
            totals,
            previous,
        });
    }
    Ok(StoreComparison {
        period: period_view(period),
        previous_period: period_view(previous_period),
        items,
    })
}
