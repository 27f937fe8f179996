//! Input checks of the pricing engine, run before any arithmetic so the arithmetic can trust
//! its bounds. Errors name the field as a JSON path of the request (`lines[2].quantity`) or of
//! the context (`context.promotions[0].rule.percent_bps`).
//!
//! Bounds: at most 1 000 lines, each worth at most 10^12 minor units, so a cart is at most
//! 10^15 and, with tax on top, 2 × 10^15. Every amount in or out of the engine therefore stays
//! below 2^53 and is exact as a JavaScript number in the browser's port; only intermediate
//! products (amount × quantity × basis points) need `i128` here and `BigInt` there.

use super::cart::{Cart, ManualDiscount};
use super::context::PricingContext;
use crate::ValidationError;

pub(super) const MAX_LINES: usize = 1_000;
pub(super) const MAX_QUANTITY: i64 = 1_000_000_000;
pub(super) const MAX_LINE_AMOUNT: i64 = 1_000_000_000_000;
/// Largest sum of tenders of one sale: covers the largest cart and stays below 2^53.
pub(super) const MAX_TENDERED: i64 = 4_000_000_000_000_000;

/// Checks the context, then the cart, and returns each line's gross amount.
pub(super) fn check(cart: &Cart, ctx: &PricingContext) -> Result<Vec<i64>, ValidationError> {
    check_context(ctx)?;
    if cart.lines.is_empty() {
        return Err(
            ValidationError::new("empty_cart", "a cart needs at least one line").at("lines"),
        );
    }
    if cart.lines.len() > MAX_LINES {
        return Err(ValidationError::new(
            "too_many_lines",
            format!("a cart holds at most {MAX_LINES} lines"),
        )
        .at("lines"));
    }
    let mut gross = Vec::with_capacity(cart.lines.len());
    for (i, line) in cart.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(ValidationError::new(
                "invalid_quantity",
                format!("must be between 1 and {MAX_QUANTITY}; returns are recorded separately"),
            )
            .at(at("quantity")));
        }
        if !(0..=MAX_LINE_AMOUNT).contains(&line.unit_price_minor) {
            return Err(
                ValidationError::new("invalid_price", "must be zero or a positive amount")
                    .at(at("unit_price_minor")),
            );
        }
        let g = line.gross();
        if g > i128::from(MAX_LINE_AMOUNT) {
            return Err(
                ValidationError::new("amount_too_large", "quantity × price is too large")
                    .at(at("quantity")),
            );
        }
        let g = super::arith::narrow(g);
        if !ctx.tax.rates.contains_key(&line.tax_class) {
            return Err(ValidationError::new(
                "unknown_tax_class",
                format!("'{}' is not a tax class of this store", line.tax_class),
            )
            .at(at("tax_class")));
        }
        if let Some(d) = line.discount {
            check_discount(d, g, "discount_exceeds_line", "the line")
                .map_err(|e| nested(e, &at("discount")))?;
        }
        gross.push(g);
    }
    if let Some(d) = cart.cart_discount {
        let sum: i64 = gross.iter().sum();
        check_discount(d, sum, "discount_exceeds_cart", "the cart")
            .map_err(|e| nested(e, "cart_discount"))?;
    }
    Ok(gross)
}

/// A manual discount is at most 100 % and at most the gross it applies to. (Discounts given
/// earlier may leave less than that; the engine then caps the amount instead of refusing.)
fn check_discount(
    d: ManualDiscount,
    gross: i64,
    too_big: &'static str,
    what: &str,
) -> Result<(), ValidationError> {
    match d {
        ManualDiscount::Percent { percent_bps } if percent_bps > 10_000 => Err(
            ValidationError::new("invalid_discount", "must be between 0 and 10000 (100 %)")
                .at("percent_bps"),
        ),
        ManualDiscount::Amount { amount_minor } if amount_minor < 0 => Err(ValidationError::new(
            "invalid_discount",
            "must be zero or a positive amount",
        )
        .at("amount_minor")),
        ManualDiscount::Amount { amount_minor } if amount_minor > gross => Err(
            ValidationError::new(too_big, format!("must not exceed {what} ({gross})"))
                .at("amount_minor"),
        ),
        _ => Ok(()),
    }
}

fn check_context(ctx: &PricingContext) -> Result<(), ValidationError> {
    for (class, rate) in &ctx.tax.rates {
        if class.trim().is_empty() || *rate > 10_000 {
            return Err(ValidationError::new(
                "invalid_tax_rate",
                "a tax class needs a name and a rate between 0 and 10000 basis points",
            )
            .at(format!("context.tax.rates.{class}")));
        }
    }
    ctx.cash_rounding
        .validate()
        .map_err(|e| nested(e, "context.cash_rounding"))?;
    for (i, p) in ctx.promotions.iter().enumerate() {
        p.validate()
            .map_err(|e| nested(e, &format!("context.promotions[{i}]")))?;
    }
    Ok(())
}

/// Re-roots an error from a part's own checks under the part's path: `percent_bps` found in
/// `lines[2].discount` becomes `lines[2].discount.percent_bps`.
pub(super) fn nested(e: ValidationError, prefix: &str) -> ValidationError {
    let field = match &e.field {
        Some(field) => format!("{prefix}.{field}"),
        None => prefix.to_owned(),
    };
    e.at(field)
}
