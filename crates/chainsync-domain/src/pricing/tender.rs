//! How a priced cart is paid: cash, card, other, or any mix of them (split tender).
//!
//! Rules (see `docs/pricing.md`):
//! - Card and other tenders pay exact amounts and never give change, so together they may not
//!   exceed the total.
//! - Without cash, the tenders must sum exactly to the total.
//! - With cash, cash pays the rest; that rest is rounded by the store's cash rounding rule, the
//!   cash tendered must cover it, and the difference is change.
//! - The sale total never changes: the rounding is a separate, signed adjustment, so tax stays
//!   computed on the real price.

use super::arith::narrow;
use super::context::CashRounding;
use super::validate::MAX_TENDERED;
use crate::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One tender of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Payment {
    /// Notes and coins handed over; change comes back from the drawer.
    Cash { tendered_minor: i64 },
    /// A card payment approved by the terminal for exactly `amount_minor`.
    Card {
        amount_minor: i64,
        reference: String,
    },
    /// Voucher, gift card, bank transfer, ...: `method` names it.
    Other {
        amount_minor: i64,
        method: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
}

/// How the payments settle the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Settlement {
    /// Paid by card and other tenders.
    pub non_cash_minor: i64,
    /// What the cash had to cover, after rounding (0 without cash).
    pub cash_due_minor: i64,
    pub cash_tendered_minor: i64,
    pub change_minor: i64,
    /// Rounded cash due minus unrounded cash due: positive when the customer pays a little
    /// more. Booked as a rounding difference, not as revenue or tax.
    pub cash_rounding_minor: i64,
    /// What was actually taken: `total + cash_rounding`.
    pub amount_paid_minor: i64,
}

/// Payments per sale; more is a typo.
const MAX_PAYMENTS: usize = 20;

/// Checks `payments` against a sale `total` (both in minor units) and works out change and
/// rounding. Fields in errors are `payments` or `payments[i].…`. A sale needs at least one
/// payment unless its total is zero.
pub fn settle(
    total: i64,
    payments: &[Payment],
    rounding: CashRounding,
) -> Result<Settlement, ValidationError> {
    if payments.is_empty() {
        // A cart made free by discounts is settled by nothing at all.
        if total == 0 {
            return Ok(Settlement::default());
        }
        return Err(
            ValidationError::new("payment_required", "a sale needs at least one payment")
                .at("payments"),
        );
    }
    if payments.len() > MAX_PAYMENTS {
        return Err(ValidationError::new(
            "too_many_payments",
            format!("at most {MAX_PAYMENTS} payments per sale"),
        )
        .at("payments"));
    }
    let mut non_cash: i128 = 0;
    let mut tendered: i128 = 0;
    let mut has_cash = false;
    for (i, p) in payments.iter().enumerate() {
        let (amount, field) = match p {
            Payment::Cash { tendered_minor } => (*tendered_minor, "tendered_minor"),
            Payment::Card { amount_minor, .. } | Payment::Other { amount_minor, .. } => {
                (*amount_minor, "amount_minor")
            }
        };
        let message = if amount < 1 {
            Some("must be a positive amount".to_owned())
        } else if tendered + non_cash + i128::from(amount) > i128::from(MAX_TENDERED) {
            Some(format!(
                "payments of one sale may add up to at most {MAX_TENDERED}"
            ))
        } else {
            None
        };
        if let Some(message) = message {
            return Err(ValidationError::new("invalid_payment_amount", message)
                .at(format!("payments[{i}].{field}")));
        }
        match p {
            Payment::Cash { .. } => {
                has_cash = true;
                tendered += i128::from(amount);
            }
            Payment::Card { reference, .. } => {
                if reference.trim().is_empty() {
                    return Err(ValidationError::new(
                        "missing_reference",
                        "a card payment needs the terminal's approval reference",
                    )
                    .at(format!("payments[{i}].reference")));
                }
                non_cash += i128::from(amount);
            }
            Payment::Other { method, .. } => {
                if method.trim().is_empty() {
                    return Err(
                        ValidationError::new("missing_method", "name the payment method")
                            .at(format!("payments[{i}].method")),
                    );
                }
                non_cash += i128::from(amount);
            }
        }
        if non_cash > i128::from(total) {
            return Err(ValidationError::new(
                "payments_exceed_total",
                "card and other payments give no change, so they may not exceed the total",
            )
            .at(format!("payments[{i}].amount_minor")));
        }
    }
    let rest = i128::from(total) - non_cash;
    if !has_cash {
        if rest != 0 {
            return Err(ValidationError::new(
                "payments_do_not_sum_to_total",
                format!("payments sum to {non_cash} but the total is {total}"),
            )
            .at("payments"));
        }
        return Ok(Settlement {
            non_cash_minor: narrow(non_cash),
            cash_due_minor: 0,
            cash_tendered_minor: 0,
            change_minor: 0,
            cash_rounding_minor: 0,
            amount_paid_minor: total,
        });
    }
    if rest == 0 {
        return Err(ValidationError::new(
            "payments_exceed_total",
            "the other payments already cover the total; remove the cash payment",
        )
        .at("payments"));
    }
    let rest = narrow(rest);
    let cash_due = rounding.apply(rest);
    if tendered < i128::from(cash_due) {
        return Err(ValidationError::new(
            "insufficient_cash",
            format!("cash tendered {tendered} does not cover the {cash_due} due in cash"),
        )
        .at("payments"));
    }
    Ok(Settlement {
        non_cash_minor: narrow(non_cash),
        cash_due_minor: cash_due,
        cash_tendered_minor: narrow(tendered),
        change_minor: narrow(tendered - i128::from(cash_due)),
        cash_rounding_minor: cash_due - rest,
        amount_paid_minor: narrow(non_cash) + cash_due,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(amount_minor: i64) -> Payment {
        Payment::Card {
            amount_minor,
            reference: "AUTH".into(),
        }
    }

    #[test]
    fn a_sale_with_a_total_needs_a_payment() {
        let err = settle(100, &[], CashRounding::None).unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            ("payment_required", Some("payments"))
        );
    }

    #[test]
    fn a_free_cart_needs_no_payment() {
        assert_eq!(
            settle(0, &[], CashRounding::None).unwrap(),
            Settlement::default()
        );
    }

    #[test]
    fn several_cash_tenders_add_up() {
        let cash = |t| Payment::Cash { tendered_minor: t };
        let s = settle(1_250, &[cash(1_000), cash(500)], CashRounding::None).unwrap();
        assert_eq!((s.cash_tendered_minor, s.change_minor), (1_500, 250));
    }

    #[test]
    fn the_payment_that_crosses_the_total_is_named() {
        let err = settle(1_000, &[card(600), card(600)], CashRounding::None).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("payments[1].amount_minor"));
    }

    #[test]
    fn too_many_payments_are_refused() {
        let payments = vec![card(1); MAX_PAYMENTS + 1];
        let err = settle(21, &payments, CashRounding::None).unwrap_err();
        assert_eq!(err.code, "too_many_payments");
    }
}
