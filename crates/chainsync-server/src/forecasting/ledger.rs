//! Daily series from the sales ledger: net quantity (sales minus returns and voids) per store ×
//! product and local day of the store, in the product's unit (weighed goods in kilograms or
//! litres, not the ledger's thousandths). A day whose returns exceed its sales counts as zero:
//! demand is never negative.

use chainsync_domain::ids::{ProductId, StoreId};
use chainsync_domain::reports::{SLOT_MS, local_date, local_midnight_ms};
use chainsync_storage::{Conn, StorageResult, forecasting, reports};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// Net quantity per product and local day over `[from, to]` (inclusive local dates).
pub type Daily = BTreeMap<String, BTreeMap<NaiveDate, f64>>;

/// Reads the ledger of `store` (or of one product) over `[from, to]` local days.
pub async fn daily(
    conn: &mut Conn,
    store: StoreId,
    tz: Tz,
    product: Option<ProductId>,
    from: NaiveDate,
    to: NaiveDate,
) -> StorageResult<Daily> {
    let start = local_midnight_ms(tz, from);
    let end = local_midnight_ms(tz, to.succ_opt().unwrap_or(to));
    let rows = forecasting::net_quantities(conn, store, product, start, end).await?;
    let mut ids: Vec<String> = rows.iter().map(|(p, _, _)| p.clone()).collect();
    ids.sort();
    ids.dedup();
    let labels = reports::product_labels(conn, &ids).await?;
    let divisor: HashMap<&str, f64> = ids
        .iter()
        .map(|id| {
            let weighed = labels.get(id).is_some_and(|l| l.unit == "weighed");
            (id.as_str(), if weighed { 1000.0 } else { 1.0 })
        })
        .collect();
    let mut out: Daily = BTreeMap::new();
    for (product, slot, quantity) in &rows {
        let day = local_date(tz, slot * SLOT_MS);
        let d = divisor.get(product.as_str()).copied().unwrap_or(1.0);
        *out.entry(product.clone())
            .or_default()
            .entry(day)
            .or_insert(0.0) += *quantity as f64 / d;
    }
    Ok(out)
}

/// The dense series of `days` from `start` to `end` inclusive (missing days are zero,
/// negative net days zero).
pub fn dense(days: &BTreeMap<NaiveDate, f64>, start: NaiveDate, end: NaiveDate) -> Vec<f64> {
    let n = (end - start).num_days() + 1;
    if n <= 0 {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let day = start + chrono::Days::new(i as u64);
            days.get(&day).copied().unwrap_or(0.0).max(0.0)
        })
        .collect()
}

/// The store's total per day (every product summed).
pub fn store_total(daily: &Daily) -> BTreeMap<NaiveDate, f64> {
    let mut total = BTreeMap::new();
    for days in daily.values() {
        for (day, q) in days {
            *total.entry(*day).or_insert(0.0) += q.max(0.0);
        }
    }
    total
}

/// First and last day with a positive net quantity.
pub fn sold_range(days: &BTreeMap<NaiveDate, f64>) -> Option<(NaiveDate, NaiveDate)> {
    let mut sold = days.iter().filter(|(_, q)| **q > 0.0).map(|(d, _)| *d);
    let first = sold.next()?;
    let last = sold.next_back().unwrap_or(first);
    Some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dense_series_fill_gaps_with_zero_and_clamp_net_returns() {
        let days = BTreeMap::from([(d("2026-11-01"), 2.0), (d("2026-11-03"), -1.0)]);
        assert_eq!(
            dense(&days, d("2026-10-31"), d("2026-11-03")),
            vec![0.0, 2.0, 0.0, 0.0]
        );
        assert!(dense(&days, d("2026-11-03"), d("2026-11-01")).is_empty());
    }

    #[test]
    fn sold_range_ignores_days_without_positive_sales() {
        let days = BTreeMap::from([
            (d("2026-11-01"), 0.0),
            (d("2026-11-02"), 1.0),
            (d("2026-11-05"), 3.0),
            (d("2026-11-06"), -2.0),
        ]);
        assert_eq!(sold_range(&days), Some((d("2026-11-02"), d("2026-11-05"))));
        assert_eq!(sold_range(&BTreeMap::new()), None);
    }
}
