//! Loyalty points: what a purchase earns, what points are worth, and what a return takes back.
//!
//! Invariant: a customer's balance never goes below zero. Earning happens on what the customer
//! actually paid (points redeemed do not earn points); a return takes back the points the
//! refunded part earned, but never more than the customer still has.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// An organisation's loyalty programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoyaltySettings {
    pub enabled: bool,
    /// Points earned per whole unit of currency paid (1 = one point per 1.00).
    pub earn_points_per_unit: i64,
    /// What one point is worth when redeemed, in minor units (1 = 0.01).
    pub redeem_minor_per_point: i64,
}

impl Default for LoyaltySettings {
    fn default() -> Self {
        LoyaltySettings {
            enabled: true,
            earn_points_per_unit: 1,
            redeem_minor_per_point: 1,
        }
    }
}

/// Most points earned per currency unit, or minor units per point: beyond this is a typo.
const MAX_RATE: i64 = 1_000;

impl LoyaltySettings {
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, value) in [
            ("earn_points_per_unit", self.earn_points_per_unit),
            ("redeem_minor_per_point", self.redeem_minor_per_point),
        ] {
            if !(0..=MAX_RATE).contains(&value) {
                return Err(ValidationError::new(
                    "invalid_loyalty_rate",
                    format!("must be between 0 and {MAX_RATE}"),
                )
                .at(field));
            }
        }
        Ok(())
    }

    /// Points earned by paying `paid_minor` in a currency with `exponent` decimals (rounded
    /// down: part of a currency unit earns nothing).
    pub fn points_earned(&self, paid_minor: i64, exponent: u32) -> i64 {
        if !self.enabled || paid_minor <= 0 {
            return 0;
        }
        let unit = 10i128.pow(exponent);
        (i128::from(paid_minor) * i128::from(self.earn_points_per_unit) / unit) as i64
    }

    /// What redeeming `points` is worth, in minor units.
    pub fn redemption_value(&self, points: i64) -> i64 {
        points.saturating_mul(self.redeem_minor_per_point)
    }
}

/// The points a refund takes back: the share of the sale's earned points that the refunded
/// amount represents (rounded down, in the customer's favour), capped at the current balance.
pub fn points_to_reverse(
    earned: i64,
    refunded_minor: i64,
    sale_total_minor: i64,
    balance: i64,
) -> i64 {
    if earned <= 0 || refunded_minor <= 0 || sale_total_minor <= 0 {
        return 0;
    }
    let share =
        (i128::from(earned) * i128::from(refunded_minor) / i128::from(sale_total_minor)) as i64;
    share.min(earned).min(balance.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earning_rounds_down_to_whole_units() {
        let s = LoyaltySettings::default();
        assert_eq!(s.points_earned(1999, 2), 19);
        assert_eq!(s.points_earned(99, 2), 0);
        assert_eq!(
            s.points_earned(1500, 0),
            1500,
            "currencies without decimals"
        );
        assert_eq!(s.points_earned(-100, 2), 0);
        let off = LoyaltySettings {
            enabled: false,
            ..s
        };
        assert_eq!(off.points_earned(10_000, 2), 0);
    }

    #[test]
    fn redemption_and_reversal() {
        let s = LoyaltySettings {
            enabled: true,
            earn_points_per_unit: 2,
            redeem_minor_per_point: 5,
        };
        assert_eq!(s.redemption_value(100), 500);
        // Half the sale comes back: half the points go, but never below a zero balance.
        assert_eq!(points_to_reverse(40, 500, 1000, 100), 20);
        assert_eq!(points_to_reverse(40, 500, 1000, 7), 7);
        assert_eq!(points_to_reverse(40, 1000, 1000, 100), 40);
        assert_eq!(points_to_reverse(0, 1000, 1000, 100), 0);
    }

    #[test]
    fn rates_are_bounded() {
        let bad = LoyaltySettings {
            enabled: true,
            earn_points_per_unit: -1,
            redeem_minor_per_point: 1,
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("earn_points_per_unit")
        );
        let bad = LoyaltySettings {
            enabled: true,
            earn_points_per_unit: 1,
            redeem_minor_per_point: 1_001,
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("redeem_minor_per_point")
        );
        assert!(LoyaltySettings::default().validate().is_ok());
    }
}
