//! What the till sends to be priced: lines, an optional cart discount, optional payments.
//!
//! Terms:
//! - **Quantity** is an integer in the product's unit: pieces for [`SaleUnit::Each`], and
//!   thousandths (grams, millilitres) for [`SaleUnit::Weighed`], whose unit price is then per
//!   whole unit (per kg, per litre).
//! - **Unit price** is in minor units of the store's currency and, like every amount the engine
//!   reads, in the store's price basis: tax included if the store prices with tax, excluded if not.
//! - A **manual discount** is one the cashier types; a **cart discount** applies to the whole
//!   cart and is allocated to the lines (see `docs/pricing.md`).

use super::tender::Payment;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A cart to price: the body of "price this cart" and the priced part of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// A discount on the whole cart, allocated to the lines after their own discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_discount: Option<ManualDiscount>,
    /// Tenders. Empty when only pricing; a completed sale carries at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub product_id: Uuid,
    /// Used by category-scoped promotions; `null` for an uncategorised product.
    #[serde(default)]
    pub category_id: Option<Uuid>,
    #[serde(default)]
    pub unit: SaleUnit,
    /// Pieces, or thousandths of the unit for weighed goods (1 250 = 1.25 kg). Must be > 0.
    pub quantity: i64,
    /// Minor units per piece, or per whole unit (kg, l) for weighed goods.
    pub unit_price_minor: i64,
    /// A key of the store's tax classes (`context.tax.rates`).
    pub tax_class: String,
    /// A discount the cashier gave on this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<ManualDiscount>,
}

/// How a product is sold, which fixes what its quantity counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaleUnit {
    /// Counted in pieces.
    #[default]
    Each,
    /// Weighed or measured; quantity in thousandths, price per whole unit.
    Weighed,
}

/// A discount typed at the till, on a line or on the whole cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ManualDiscount {
    /// A percentage in basis points (1 000 = 10 %), of what remains after earlier discounts.
    Percent { percent_bps: u32 },
    /// An amount in minor units, capped at what remains after earlier discounts.
    Amount { amount_minor: i64 },
}

impl CartLine {
    /// Quantity × unit price in minor units, before any discount. Weighed goods round the
    /// product half away from zero (1.255 kg at 3.99/kg → 5.01).
    pub(crate) fn gross(&self) -> i128 {
        let raw = i128::from(self.quantity) * i128::from(self.unit_price_minor);
        match self.unit {
            SaleUnit::Each => raw,
            SaleUnit::Weighed => super::arith::div_round(raw, 1_000),
        }
    }
}
