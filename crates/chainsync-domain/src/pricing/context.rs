//! What the server knows about the store at the moment of the sale: currency, wall clock, tax
//! configuration, cash rounding, and the promotions that might apply.
//!
//! The server builds it from the database; the golden vectors spell it out in JSON. Amounts
//! and rates are integers: tax rates in basis points (2 000 = 20 %).

use super::promotion::Promotion;
use crate::ValidationError;
use crate::money::Currency;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Everything besides the cart that decides its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingContext {
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    #[schema(value_type = String, example = "Europe/Zurich")]
    pub timezone: StoreTimezone,
    /// The moment of the sale: promotions are judged at this instant.
    pub priced_at: DateTime<Utc>,
    pub tax: TaxConfig,
    #[serde(default)]
    pub cash_rounding: CashRounding,
    /// Candidate promotions; the engine itself checks their schedules against `priced_at`.
    #[serde(default)]
    pub promotions: Vec<Promotion>,
}

/// A store's tax configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// True when shelf prices include tax (usual for consumer sales in Europe); false when tax
    /// is added on top (usual in North America).
    pub prices_include_tax: bool,
    /// Tax class → rate in basis points, e.g. `{"standard": 2000, "reduced": 550, "zero": 0}`.
    pub rates: BTreeMap<String, u32>,
}

/// How a cash payment is rounded, because the smallest coins are not in circulation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CashRounding {
    /// Cash is paid to the minor unit.
    #[default]
    None,
    /// Cash due is rounded half away from zero to a multiple of `increment_minor`
    /// (5 for CHF 0.05, 10 for 0.10, 100 for whole Swedish kronor).
    Nearest { increment_minor: i64 },
}

impl CashRounding {
    /// `amount` as it must be paid in cash.
    pub fn apply(self, amount: i64) -> i64 {
        match self {
            CashRounding::None => amount,
            CashRounding::Nearest { increment_minor } => {
                let inc = i128::from(increment_minor);
                super::arith::narrow(super::arith::div_round(i128::from(amount), inc) * inc)
            }
        }
    }

    pub fn validate(self) -> Result<(), ValidationError> {
        match self {
            CashRounding::Nearest { increment_minor }
                if !(1..=100_000).contains(&increment_minor) =>
            {
                Err(ValidationError::new(
                    "invalid_cash_rounding",
                    "increment_minor must be between 1 and 100000",
                )
                .at("increment_minor"))
            }
            _ => Ok(()),
        }
    }
}

/// A store's IANA time zone (`Europe/Zurich`), on the wire as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StoreTimezone(pub Tz);

impl TryFrom<String> for StoreTimezone {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse::<Tz>().map(StoreTimezone).map_err(|_| {
            ValidationError::new(
                "invalid_timezone",
                format!("'{value}' is not an IANA time zone"),
            )
        })
    }
}

impl From<StoreTimezone> for String {
    fn from(tz: StoreTimezone) -> Self {
        tz.0.name().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_rounds_to_the_nearest_increment_half_up() {
        let chf = CashRounding::Nearest { increment_minor: 5 };
        assert_eq!(chf.apply(1002), 1000);
        assert_eq!(chf.apply(1003), 1005);
        let sek = CashRounding::Nearest {
            increment_minor: 100,
        };
        assert_eq!(sek.apply(4950), 5000);
        assert_eq!(sek.apply(4949), 4900);
        assert_eq!(CashRounding::None.apply(1003), 1003);
    }
}
