//! Cart pricing engine: promotions, tax, rounding and payments, as pure functions
//! (user-facing rules in `docs/pricing.md`, shared test vectors in `testdata/pricing/`).
//!
//! Entry points: [`price_cart`] prices a [`Cart`] in a [`PricingContext`] ("price this cart")
//! and, when the cart carries payments, settles them; [`price_sale`] does the same for a
//! completed sale, where payments are required; [`settle`] checks payments against a total.
//!
//! Reading guide, in the order the engine works:
//! - `cart`, `context`, `promotion`, `schedule`: the input types.
//! - `validate`: bounds and field-naming errors, before any arithmetic.
//! - `apply`: which promotion wins each line.
//! - `arith`: the rounding rule (half away from zero) and largest-remainder allocation.
//! - `tax`: tax per rate on the total, allocated to lines.
//! - `tender`: cash, card, other, split tender, change and cash rounding.
//! - `priced`: the result types; `engine`: the pipeline tying them together.
//!
//! Invariants: money is `i64` minor units on the wire and `i128` in intermediate products; no
//! floating point; every total is the exact sum of its parts.

mod apply;
mod arith;
mod cart;
mod context;
mod engine;
mod priced;
mod promotion;
mod schedule;
mod tax;
mod tender;
mod validate;

pub use cart::{Cart, CartLine, ManualDiscount, SaleUnit};
pub use context::{CashRounding, PricingContext, StoreTimezone, TaxConfig};
pub use engine::{price_cart, price_sale};
pub use priced::{AppliedDiscount, CartTotals, PricedCart, PricedLine, TaxRateTotal};
pub use promotion::{Promotion, PromotionRule, PromotionScope};
pub use schedule::{DayOfWeek, LocalTime, Schedule, TimeWindow};
pub use tender::{Payment, Settlement, settle};
