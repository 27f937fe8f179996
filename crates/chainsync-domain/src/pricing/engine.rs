//! `price_cart`: the one function that turns a cart into a priced cart.
//!
//! Order of work, each step on what the previous left: gross per line → promotion (at most
//! one per line) → manual line discount → cart discount allocated by largest remainder → tax
//! per rate → totals → cash rounding → payments. Deterministic: the same cart and context
//! always give the same result, on the server and (by the golden vectors) in the browser.

use super::apply;
use super::arith::{allocate, percent_of};
use super::cart::{Cart, ManualDiscount};
use super::context::PricingContext;
use super::priced::{AppliedDiscount, CartTotals, PricedCart, PricedLine};
use super::tax;
use super::tender::settle;
use super::validate;
use crate::ValidationError;

/// Prices `cart` in the store and at the moment described by `ctx`.
///
/// Errors are validation errors naming the offending field (`lines[2].quantity`,
/// `payments`, `context.promotions[0].rule.percent_bps`); nothing else can fail.
pub fn price_cart(cart: &Cart, ctx: &PricingContext) -> Result<PricedCart, ValidationError> {
    let gross = validate::check(cart, ctx)?;
    let n = cart.lines.len();
    let mut remaining = gross.clone();
    let mut discounts: Vec<Vec<AppliedDiscount>> = vec![Vec::new(); n];
    let mut take = |i: usize, d: AppliedDiscount, remaining: &mut Vec<i64>| {
        let amount = d.amount_minor();
        if amount > 0 {
            remaining[i] -= amount;
            discounts[i].push(d);
        }
    };

    let claims = apply::claims(
        &cart.lines,
        &gross,
        &ctx.promotions,
        ctx.priced_at,
        ctx.timezone.0,
    );
    for (i, claim) in claims.into_iter().enumerate() {
        if let Some(c) = claim {
            let promo = &ctx.promotions[c.promotion];
            let d = AppliedDiscount::Promotion {
                promotion_id: promo.id,
                name: promo.name.clone(),
                amount_minor: c.amount,
            };
            take(i, d, &mut remaining);
        }
    }

    for (i, line) in cart.lines.iter().enumerate() {
        if let Some(d) = line.discount {
            let amount = manual_amount(d, remaining[i]);
            take(
                i,
                AppliedDiscount::Manual {
                    amount_minor: amount,
                },
                &mut remaining,
            );
        }
    }

    if let Some(d) = cart.cart_discount {
        let amount = manual_amount(d, remaining.iter().sum());
        for (i, share) in allocate(amount, &remaining.clone()).into_iter().enumerate() {
            take(
                i,
                AppliedDiscount::Cart {
                    amount_minor: share,
                },
                &mut remaining,
            );
        }
    }

    let include = ctx.tax.prices_include_tax;
    let rates: Vec<u32> = cart
        .lines
        .iter()
        .map(|l| ctx.tax.rates[&l.tax_class])
        .collect();
    let classes: Vec<&str> = cart.lines.iter().map(|l| l.tax_class.as_str()).collect();
    let tax = tax::compute(&remaining, &rates, &classes, include);

    let lines: Vec<PricedLine> = cart
        .lines
        .iter()
        .zip(discounts)
        .enumerate()
        .map(|(i, (line, discounts))| {
            let line_tax = tax.line_tax[i];
            let (excl, total) = if include {
                (remaining[i] - line_tax, remaining[i])
            } else {
                (remaining[i], remaining[i] + line_tax)
            };
            PricedLine {
                product_id: line.product_id,
                unit: line.unit,
                quantity: line.quantity,
                unit_price_minor: line.unit_price_minor,
                tax_class: line.tax_class.clone(),
                tax_rate_bps: rates[i],
                gross_minor: gross[i],
                discount_minor: gross[i] - remaining[i],
                discounts,
                total_excl_tax_minor: excl,
                tax_minor: line_tax,
                total_minor: total,
            }
        })
        .collect();

    let totals = CartTotals {
        gross_minor: lines.iter().map(|l| l.gross_minor).sum(),
        discount_minor: lines.iter().map(|l| l.discount_minor).sum(),
        total_excl_tax_minor: lines.iter().map(|l| l.total_excl_tax_minor).sum(),
        tax_minor: lines.iter().map(|l| l.tax_minor).sum(),
        total_minor: lines.iter().map(|l| l.total_minor).sum(),
    };
    let settlement = if cart.payments.is_empty() {
        None
    } else {
        Some(settle(
            totals.total_minor,
            &cart.payments,
            ctx.cash_rounding,
        )?)
    };
    Ok(PricedCart {
        currency: ctx.currency,
        prices_include_tax: include,
        lines,
        tax_breakdown: tax.breakdown,
        cash_total_minor: ctx.cash_rounding.apply(totals.total_minor),
        totals,
        settlement,
    })
}

/// Prices a completed sale: [`price_cart`], with payments required. The result's `settlement`
/// is always present (all zeros for a cart that discounts made free).
pub fn price_sale(cart: &Cart, ctx: &PricingContext) -> Result<PricedCart, ValidationError> {
    let mut priced = price_cart(cart, ctx)?;
    if priced.settlement.is_none() {
        priced.settlement = Some(settle(priced.totals.total_minor, &[], ctx.cash_rounding)?);
    }
    Ok(priced)
}

/// A manual discount on `base` (what is left after earlier discounts): a percentage of it, or
/// an amount capped at it.
fn manual_amount(d: ManualDiscount, base: i64) -> i64 {
    match d {
        ManualDiscount::Percent { percent_bps } => percent_of(base, percent_bps),
        ManualDiscount::Amount { amount_minor } => amount_minor.min(base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::pricing::{CartLine, SaleUnit, StoreTimezone, TaxConfig};
    use std::collections::BTreeMap;

    fn ctx() -> PricingContext {
        PricingContext {
            currency: Currency::EUR,
            timezone: StoreTimezone(chrono_tz::Tz::UTC),
            priced_at: "2026-03-04T10:00:00Z".parse().unwrap(),
            tax: TaxConfig {
                prices_include_tax: true,
                rates: BTreeMap::from([("standard".to_owned(), 1_900)]),
            },
            cash_rounding: Default::default(),
            promotions: Vec::new(),
        }
    }

    fn cart(unit_price_minor: i64) -> Cart {
        Cart {
            lines: vec![CartLine {
                product_id: uuid::Uuid::nil(),
                category_id: None,
                unit: SaleUnit::Each,
                quantity: 1,
                unit_price_minor,
                tax_class: "standard".to_owned(),
                discount: None,
            }],
            cart_discount: None,
            payments: Vec::new(),
        }
    }

    #[test]
    fn a_sale_without_payments_is_refused() {
        let err = price_sale(&cart(100), &ctx()).unwrap_err();
        assert_eq!(err.code, "payment_required");
    }

    #[test]
    fn a_free_sale_settles_without_payments() {
        let priced = price_sale(&cart(0), &ctx()).unwrap();
        assert_eq!(priced.settlement.map(|s| s.amount_paid_minor), Some(0));
    }

    #[test]
    fn pricing_a_cart_alone_needs_no_payments() {
        assert!(price_cart(&cart(100), &ctx()).unwrap().settlement.is_none());
    }
}
