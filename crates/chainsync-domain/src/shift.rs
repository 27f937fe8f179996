//! Shifts and the Z report: what should be in the drawer, and what was.
//!
//! Cash expected at close = opening float + cash taken for sales (tendered minus change) −
//! cash refunded + paid in − paid out. Card and other tenders are reported per tender; only
//! cash is counted, so only cash has a difference (counted − expected: negative is a shortage).

use serde::{Deserialize, Serialize};

/// Money through the till for one tender during a shift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenderTotals {
    pub sales_minor: i64,
    pub refunds_minor: i64,
    pub net_minor: i64,
}

impl TenderTotals {
    pub fn new(sales_minor: i64, refunds_minor: i64) -> Self {
        TenderTotals {
            sales_minor,
            refunds_minor,
            net_minor: sales_minor - refunds_minor,
        }
    }
}

/// What the shift's records add up to, before the count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShiftActivity {
    pub opening_float_minor: i64,
    pub sales_count: i64,
    pub returns_count: i64,
    pub gross_sales_minor: i64,
    pub refunds_minor: i64,
    pub tax_minor: i64,
    pub discounts_minor: i64,
    pub cash: TenderTotals,
    pub card: TenderTotals,
    pub other: TenderTotals,
    pub paid_in_minor: i64,
    pub paid_out_minor: i64,
    pub no_sale_count: i64,
    pub cash_rounding_minor: i64,
}

/// The Z report: the shift's activity, the cash expected, and (once closed) the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ZReport {
    pub opening_float_minor: i64,
    pub sales_count: i64,
    pub returns_count: i64,
    pub gross_sales_minor: i64,
    pub refunds_minor: i64,
    pub net_sales_minor: i64,
    pub tax_minor: i64,
    pub discounts_minor: i64,
    pub cash: TenderTotals,
    pub card: TenderTotals,
    pub other: TenderTotals,
    pub paid_in_minor: i64,
    pub paid_out_minor: i64,
    pub no_sale_count: i64,
    /// Cash rounding taken on cash sales (positive: customers paid a little more).
    pub cash_rounding_minor: i64,
    pub expected_cash_minor: i64,
    /// Null until the shift is closed.
    pub counted_cash_minor: Option<i64>,
    /// Counted − expected: negative is a shortage. Null until closed.
    pub cash_difference_minor: Option<i64>,
}

impl ZReport {
    pub fn from_activity(a: &ShiftActivity, counted_cash_minor: Option<i64>) -> ZReport {
        let expected =
            a.opening_float_minor + a.cash.net_minor + a.paid_in_minor - a.paid_out_minor;
        ZReport {
            opening_float_minor: a.opening_float_minor,
            sales_count: a.sales_count,
            returns_count: a.returns_count,
            gross_sales_minor: a.gross_sales_minor,
            refunds_minor: a.refunds_minor,
            net_sales_minor: a.gross_sales_minor - a.refunds_minor,
            tax_minor: a.tax_minor,
            discounts_minor: a.discounts_minor,
            cash: a.cash,
            card: a.card,
            other: a.other,
            paid_in_minor: a.paid_in_minor,
            paid_out_minor: a.paid_out_minor,
            no_sale_count: a.no_sale_count,
            cash_rounding_minor: a.cash_rounding_minor,
            expected_cash_minor: expected,
            counted_cash_minor,
            cash_difference_minor: counted_cash_minor.map(|c| c - expected),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_cash_counts_float_sales_refunds_and_drawer_movements() {
        let a = ShiftActivity {
            opening_float_minor: 10_000,
            sales_count: 3,
            returns_count: 1,
            gross_sales_minor: 9_000,
            refunds_minor: 500,
            cash: TenderTotals::new(4_000, 500),
            card: TenderTotals::new(5_000, 0),
            paid_in_minor: 1_000,
            paid_out_minor: 300,
            ..ShiftActivity::default()
        };
        let open = ZReport::from_activity(&a, None);
        assert_eq!(open.expected_cash_minor, 10_000 + 3_500 + 1_000 - 300);
        assert_eq!(open.cash_difference_minor, None);
        assert_eq!(open.net_sales_minor, 8_500);
        let closed = ZReport::from_activity(&a, Some(14_000));
        assert_eq!(
            closed.cash_difference_minor,
            Some(-200),
            "a shortage is negative"
        );
    }
}
