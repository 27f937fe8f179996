//! The priced cart: what the receipt prints and the sale records.
//!
//! Terms (all amounts integers in minor units of `currency`):
//! - **gross**: quantity × unit price, before any discount, in the store's price basis (tax
//!   included when `prices_include_tax`).
//! - **discount**: every reduction of a line, each with its source.
//! - **total_excl_tax** + **tax** = **total**: what the customer pays, split for the tax return.
//!
//! Invariants (property-tested): every cart total is the sum of its lines; the tax breakdown
//! sums to the total tax; per line `gross − discount` is `total` (tax-inclusive store) or
//! `total_excl_tax` (tax-exclusive store); no amount is negative; no discount exceeds its line.

use super::cart::SaleUnit;
use super::tender::Settlement;
use crate::money::Currency;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricedCart {
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    pub prices_include_tax: bool,
    pub lines: Vec<PricedLine>,
    /// One row per tax rate, ascending by rate.
    pub tax_breakdown: Vec<TaxRateTotal>,
    pub totals: CartTotals,
    /// What the customer would pay if paying everything in cash (the store's cash rounding
    /// applied to `totals.total_minor`).
    pub cash_total_minor: i64,
    /// Present when the cart carried payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricedLine {
    pub product_id: Uuid,
    pub unit: SaleUnit,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub tax_class: String,
    pub tax_rate_bps: u32,
    pub gross_minor: i64,
    /// In the order they were applied: promotion, manual, cart.
    pub discounts: Vec<AppliedDiscount>,
    pub discount_minor: i64,
    pub total_excl_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}

/// One reduction of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppliedDiscount {
    Promotion {
        promotion_id: Uuid,
        name: String,
        amount_minor: i64,
    },
    /// The cashier's discount on this line.
    Manual { amount_minor: i64 },
    /// This line's share of the cart discount.
    Cart { amount_minor: i64 },
}

impl AppliedDiscount {
    pub fn amount_minor(&self) -> i64 {
        match self {
            AppliedDiscount::Promotion { amount_minor, .. }
            | AppliedDiscount::Manual { amount_minor }
            | AppliedDiscount::Cart { amount_minor } => *amount_minor,
        }
    }
}

/// The receipt's tax table: one row per rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxRateTotal {
    pub rate_bps: u32,
    /// The store's tax classes charged at this rate, sorted.
    pub tax_classes: Vec<String>,
    pub total_excl_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CartTotals {
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub total_excl_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}
