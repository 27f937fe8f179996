//! Tax per rate on the cart's total, then shared out to the lines.
//!
//! Rule: for each rate, the tax is computed **once on the sum of the lines at that rate** and
//! rounded half away from zero to the minor unit:
//! - prices include tax: `tax = round(sum × rate / (10 000 + rate))`, the rest is the amount
//!   excluding tax;
//! - prices exclude tax: `tax = round(sum × rate / 10 000)`, added on top.
//!
//! That per-rate tax is then allocated to the lines by largest remainder, so per-line tax (used
//! for returns) sums exactly to the receipt's breakdown. Why per rate and not per line: it is
//! what the EU VAT directive's invoice rules (Art. 226: the VAT amount payable per rate) and the
//! Court of Justice (C-484/06 *Ahold*) accept everywhere, and it is never off by more than half
//! a minor unit per rate, where per-line rounding drifts with the number of lines.

use super::arith::{allocate, div_round, narrow};
use super::priced::TaxRateTotal;
use std::collections::{BTreeMap, BTreeSet};

pub(super) struct TaxResult {
    /// Per line, in line order.
    pub line_tax: Vec<i64>,
    /// Per rate, ascending.
    pub breakdown: Vec<TaxRateTotal>,
}

/// `amounts` are the lines after discounts, in the store's price basis; `rates` and `classes`
/// are each line's rate and tax class.
pub(super) fn compute(
    amounts: &[i64],
    rates: &[u32],
    classes: &[&str],
    prices_include_tax: bool,
) -> TaxResult {
    let mut by_rate: BTreeMap<u32, (Vec<usize>, BTreeSet<&str>)> = BTreeMap::new();
    for (i, rate) in rates.iter().enumerate() {
        let entry = by_rate.entry(*rate).or_default();
        entry.0.push(i);
        entry.1.insert(classes[i]);
    }
    let mut line_tax = vec![0; amounts.len()];
    let mut breakdown = Vec::with_capacity(by_rate.len());
    for (rate, (members, class_names)) in by_rate {
        let weights: Vec<i64> = members.iter().map(|&i| amounts[i]).collect();
        let sum: i64 = weights.iter().sum();
        let (s, r) = (i128::from(sum), i128::from(rate));
        let tax = narrow(if prices_include_tax {
            div_round(s * r, 10_000 + r)
        } else {
            div_round(s * r, 10_000)
        });
        for (&i, share) in members.iter().zip(allocate(tax, &weights)) {
            line_tax[i] = share;
        }
        let excl = if prices_include_tax { sum - tax } else { sum };
        breakdown.push(TaxRateTotal {
            rate_bps: rate,
            tax_classes: class_names.into_iter().map(str::to_owned).collect(),
            total_excl_tax_minor: excl,
            tax_minor: tax,
            total_minor: excl + tax,
        });
    }
    TaxResult {
        line_tax,
        breakdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_tax_is_extracted_once_per_rate() {
        // Three lines of 0.99 at 19 %: per line 0.158 → 0.16 each (0.48), on the total
        // 2.97 × 19/119 = 0.4742 → 0.47. The total rule gives 0.47.
        let r = compute(&[99, 99, 99], &[1_900; 3], &["standard"; 3], true);
        assert_eq!(r.breakdown[0].tax_minor, 47);
        assert_eq!(r.line_tax.iter().sum::<i64>(), 47);
        assert_eq!(r.breakdown[0].total_excl_tax_minor, 250);
    }

    #[test]
    fn exclusive_tax_is_added_on_top() {
        let r = compute(&[1_000, 250], &[800, 0], &["standard", "food"], false);
        assert_eq!(r.breakdown.len(), 2);
        assert_eq!(r.breakdown[0].rate_bps, 0);
        assert_eq!(r.breakdown[1].tax_minor, 80);
        assert_eq!(r.breakdown[1].total_minor, 1_080);
        assert_eq!(r.line_tax, vec![80, 0]);
    }
}
