//! Stock as a ledger: every change is an append-only movement; the quantity on hand is their
//! sum. This module holds the pure rules: movement kinds, adjustment reasons, weighted-average
//! costing, count corrections, and when a reorder alert fires.
//!
//! Costing is **weighted average per store × product**: each receipt blends its unit cost into
//! the item's average (`(on_hand × avg + qty × cost) / (on_hand + qty)`), and each sale records
//! `qty × avg` as its cost of goods sold. We chose it over FIFO because it is exact for weighed
//! goods and partial receipts, needs no cost layers that transfers and returns would have to
//! split, is accepted by IFRS (IAS 2) and US GAAP alike, and is what most retail systems report.
//! Quantities are in the product's unit (thousandths for weighed goods), so costs are per unit
//! and `cost_of(qty)` divides by 1000 for weighed goods.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// What a stock movement records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Sale,
    Return,
    Receipt,
    TransferOut,
    TransferIn,
    Adjustment,
    CountCorrection,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Receipt => "receipt",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Adjustment => "adjustment",
            MovementKind::CountCorrection => "count_correction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            MovementKind::Sale,
            MovementKind::Return,
            MovementKind::Receipt,
            MovementKind::TransferOut,
            MovementKind::TransferIn,
            MovementKind::Adjustment,
            MovementKind::CountCorrection,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Why stock was adjusted by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentReason {
    Damaged,
    Expired,
    Theft,
    /// Found stock that was not recorded.
    Found,
    /// Used in the store (samples, consumables).
    InternalUse,
    /// A booking error put right.
    Correction,
}

impl AdjustmentReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::Damaged => "damaged",
            AdjustmentReason::Expired => "expired",
            AdjustmentReason::Theft => "theft",
            AdjustmentReason::Found => "found",
            AdjustmentReason::InternalUse => "internal_use",
            AdjustmentReason::Correction => "correction",
        }
    }

    /// Reasons that can only remove stock (a "found" adjustment can only add it).
    pub fn check_direction(self, delta: i64) -> Result<(), ValidationError> {
        let ok = match self {
            AdjustmentReason::Damaged
            | AdjustmentReason::Expired
            | AdjustmentReason::Theft
            | AdjustmentReason::InternalUse => delta < 0,
            AdjustmentReason::Found => delta > 0,
            AdjustmentReason::Correction => delta != 0,
        };
        if ok {
            Ok(())
        } else {
            Err(ValidationError::new(
                "invalid_adjustment",
                format!(
                    "a '{}' adjustment cannot change stock by {delta}",
                    self.as_str()
                ),
            ))
        }
    }
}

/// Largest quantity one movement may carry (a billion units, or a million kg weighed).
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A non-zero quantity within bounds.
pub fn quantity(value: i64) -> Result<i64, ValidationError> {
    if value != 0 && value.abs() <= MAX_QUANTITY {
        Ok(value)
    } else {
        Err(ValidationError::new(
            "invalid_quantity",
            format!("must be non-zero and at most {MAX_QUANTITY} in size"),
        ))
    }
}

/// The average unit cost after receiving `qty` units at `unit_cost` onto `on_hand` units at
/// `avg`. Stock below zero (oversold) does not dilute the new cost: the receipt's cost wins.
pub fn blended_cost(on_hand: i64, avg: i64, qty: i64, unit_cost: i64) -> i64 {
    if qty <= 0 {
        return avg;
    }
    if on_hand <= 0 {
        return unit_cost;
    }
    let total = i128::from(on_hand) * i128::from(avg) + i128::from(qty) * i128::from(unit_cost);
    let units = i128::from(on_hand) + i128::from(qty);
    // Round half up; both are non-negative.
    ((total * 2 + units) / (units * 2)) as i64
}

/// Cost of `qty` units at `unit_cost` (per whole unit); weighed quantities are thousandths.
pub fn cost_of(qty: i64, unit_cost: i64, weighed: bool) -> i64 {
    let raw = i128::from(qty) * i128::from(unit_cost);
    let value = if weighed {
        let half = if raw >= 0 { 500 } else { -500 };
        (raw + half) / 1000
    } else {
        raw
    };
    value as i64
}

/// The correction a count taken at time T makes: what was counted minus what the ledger said
/// at T. Movements after T stay untouched, so sales rung up during the count are not lost.
pub fn count_correction(counted: i64, ledger_at_count: i64) -> i64 {
    counted - ledger_at_count
}

/// True when stock moved from above the reorder point to at or below it: the moment to alert
/// (once, not on every sale while it stays low).
pub fn crossed_reorder_point(before: i64, after: i64, reorder_point: Option<i64>) -> bool {
    reorder_point.is_some_and(|point| before > point && after <= point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_blend_into_the_average_cost() {
        assert_eq!(blended_cost(10, 100, 10, 200), 150);
        assert_eq!(
            blended_cost(0, 100, 5, 80),
            80,
            "empty stock takes the receipt's cost"
        );
        assert_eq!(
            blended_cost(-3, 100, 5, 80),
            80,
            "oversold stock takes the receipt's cost"
        );
        assert_eq!(blended_cost(3, 100, 0, 999), 100);
        assert_eq!(
            blended_cost(2, 101, 1, 100),
            101,
            "rounds half up: 302 / 3 = 100.67"
        );
    }

    #[test]
    fn weighed_costs_use_thousandths() {
        assert_eq!(cost_of(1_250, 800, true), 1_000, "1.25 kg at 8.00/kg");
        assert_eq!(cost_of(3, 250, false), 750);
        assert_eq!(cost_of(-1_255, 399, true), -501);
    }

    #[test]
    fn a_count_corrects_against_the_ledger_at_count_time() {
        // 10 on the ledger when counted, 8 found: -2, whatever was sold afterwards.
        assert_eq!(count_correction(8, 10), -2);
    }

    #[test]
    fn the_reorder_alert_fires_once_on_crossing() {
        assert!(crossed_reorder_point(6, 5, Some(5)));
        assert!(!crossed_reorder_point(5, 4, Some(5)), "already below");
        assert!(!crossed_reorder_point(9, 6, Some(5)));
        assert!(!crossed_reorder_point(9, 0, None));
    }

    #[test]
    fn adjustment_reasons_fix_the_direction() {
        assert!(AdjustmentReason::Damaged.check_direction(-1).is_ok());
        assert!(AdjustmentReason::Damaged.check_direction(1).is_err());
        assert!(AdjustmentReason::Found.check_direction(2).is_ok());
        assert!(AdjustmentReason::Correction.check_direction(0).is_err());
    }

    #[test]
    fn quantities_are_non_zero_and_bounded() {
        assert!(quantity(0).is_err() && quantity(MAX_QUANTITY + 1).is_err());
        assert_eq!(quantity(-5).unwrap(), -5);
    }

    #[test]
    fn movement_kinds_round_trip() {
        for kind in [
            "sale",
            "return",
            "receipt",
            "transfer_out",
            "transfer_in",
            "adjustment",
            "count_correction",
        ] {
            assert_eq!(MovementKind::parse(kind).unwrap().as_str(), kind);
        }
    }
}
