//! Promotions as data: what they give (rule), to what (scope), and when (schedule).
//!
//! Terms:
//! - **Rule**: a percentage off, a fixed amount off each unit, or buy-X-get-Y (of every X + Y
//!   units in scope, the Y cheapest get `get_percent_bps` off; 10 000 = free).
//! - **Scope**: every product, a list of products, or a list of categories.
//! - **Priority**: higher wins. How promotions compete for lines lives in `apply.rs` and
//!   `docs/pricing.md`.

use super::cart::CartLine;
use super::schedule::Schedule;
use super::validate::{MAX_LINE_AMOUNT, nested};
use crate::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A promotion as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub id: Uuid,
    /// Shown on the receipt next to the discount.
    pub name: String,
    /// Higher wins when several promotions cover the same line; ties go to the smaller id.
    #[serde(default)]
    pub priority: i32,
    pub rule: PromotionRule,
    pub scope: PromotionScope,
    #[serde(default)]
    pub schedule: Schedule,
}

/// What a promotion gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PromotionRule {
    /// `percent_bps` basis points off each line in scope (1 500 = 15 %).
    Percentage { percent_bps: u32 },
    /// `amount_minor` off each piece (or each whole kg/l of a weighed product), never more than
    /// the line.
    FixedAmount { amount_minor: i64 },
    /// Of every `buy_quantity + get_quantity` pieces in scope, the `get_quantity` cheapest get
    /// `get_percent_bps` off (10 000 = free). Weighed goods never take part.
    BuyXGetY {
        buy_quantity: u32,
        get_quantity: u32,
        get_percent_bps: u32,
    },
}

/// What a promotion applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PromotionScope {
    All,
    Product { product_ids: Vec<Uuid> },
    Category { category_ids: Vec<Uuid> },
}

/// A group of more pieces than this is a typo, and bounds the arithmetic.
const MAX_GROUP: u32 = 1_000;

impl PromotionScope {
    pub fn covers(&self, line: &CartLine) -> bool {
        match self {
            PromotionScope::All => true,
            PromotionScope::Product { product_ids } => product_ids.contains(&line.product_id),
            PromotionScope::Category { category_ids } => {
                line.category_id.is_some_and(|c| category_ids.contains(&c))
            }
        }
    }
}

impl Promotion {
    /// Checks the promotion on its own (the promotions endpoint calls this on create and
    /// update); the field is relative to the promotion, e.g. `rule.percent_bps`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let bad = |field: &str, message: &str| {
            Err(ValidationError::new("invalid_promotion", message).at(field))
        };
        if self.name.trim().is_empty() {
            return bad("name", "must not be empty");
        }
        match self.rule {
            PromotionRule::Percentage { percent_bps } if !(1..=10_000).contains(&percent_bps) => {
                return bad(
                    "rule.percent_bps",
                    "must be between 1 and 10000 (0.01 % to 100 %)",
                );
            }
            PromotionRule::FixedAmount { amount_minor }
                if !(1..=MAX_LINE_AMOUNT).contains(&amount_minor) =>
            {
                return bad(
                    "rule.amount_minor",
                    "must be a positive amount in minor units",
                );
            }
            PromotionRule::BuyXGetY {
                buy_quantity,
                get_quantity,
                get_percent_bps,
            } => {
                if !(1..=MAX_GROUP).contains(&buy_quantity) {
                    return bad("rule.buy_quantity", "must be between 1 and 1000");
                }
                if !(1..=MAX_GROUP).contains(&get_quantity) {
                    return bad("rule.get_quantity", "must be between 1 and 1000");
                }
                if !(1..=10_000).contains(&get_percent_bps) {
                    return bad(
                        "rule.get_percent_bps",
                        "must be between 1 and 10000 (10000 = free)",
                    );
                }
            }
            _ => {}
        }
        match &self.scope {
            PromotionScope::Product { product_ids } if product_ids.is_empty() => {
                return bad("scope.product_ids", "must list at least one product");
            }
            PromotionScope::Category { category_ids } if category_ids.is_empty() => {
                return bad("scope.category_ids", "must list at least one category");
            }
            _ => {}
        }
        self.schedule.validate().map_err(|e| nested(e, "schedule"))
    }
}
