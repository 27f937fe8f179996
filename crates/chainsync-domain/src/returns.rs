//! Returns: how much of a sale line can still be refunded, and what returning part of it is
//! worth.
//!
//! Invariant: the refunds of a line never add up to more than was paid for it (tax included),
//! however it is split across returns. A partial return is valued pro rata (rounded half away
//! from zero) and capped at what is left; returning the last units refunds exactly what is left,
//! so rounding differences never leak. Tax and cost of goods follow the same rule, so the sale's
//! tax and margin net out exactly when everything comes back.

use crate::ValidationError;

/// A sale line as sold, and what earlier returns already took back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineBalance {
    pub quantity: i64,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub cogs_minor: i64,
    pub returned_quantity: i64,
    pub refunded_minor: i64,
    pub refunded_tax_minor: i64,
    pub returned_cogs_minor: i64,
}

/// What returning some units of a line is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRefund {
    pub quantity: i64,
    pub total_minor: i64,
    pub tax_minor: i64,
    pub cogs_minor: i64,
}

impl LineBalance {
    pub fn remaining_quantity(&self) -> i64 {
        self.quantity - self.returned_quantity
    }

    pub fn remaining_minor(&self) -> i64 {
        self.total_minor - self.refunded_minor
    }

    /// Values returning `quantity` units. Errors when the quantity is not positive or more
    /// than is left to return.
    pub fn refund(&self, quantity: i64) -> Result<LineRefund, ValidationError> {
        if quantity <= 0 {
            return Err(ValidationError::new("invalid_quantity", "must be positive").at("quantity"));
        }
        let left = self.remaining_quantity();
        if quantity > left {
            return Err(ValidationError::new(
                "return_exceeds_sale",
                format!("only {left} left to return on this line"),
            )
            .at("quantity"));
        }
        if quantity == left {
            return Ok(LineRefund {
                quantity,
                total_minor: self.remaining_minor(),
                tax_minor: self.tax_minor - self.refunded_tax_minor,
                cogs_minor: self.cogs_minor - self.returned_cogs_minor,
            });
        }
        let share = |amount: i64, already: i64| {
            pro_rata(amount, quantity, self.quantity)
                .min(amount - already)
                .max(0)
        };
        Ok(LineRefund {
            quantity,
            total_minor: share(self.total_minor, self.refunded_minor),
            tax_minor: share(self.tax_minor, self.refunded_tax_minor),
            cogs_minor: share(self.cogs_minor, self.returned_cogs_minor),
        })
    }
}

/// `amount × part / whole`, rounded half away from zero.
fn pro_rata(amount: i64, part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let n = i128::from(amount) * i128::from(part);
    let d = i128::from(whole);
    let half = d / 2;
    let q = if n >= 0 {
        (n + half) / d
    } else {
        (n - half) / d
    };
    q as i64
}

/// How the money went back: cash from the drawer, to the card it was paid with, or another
/// tender (voucher, store credit, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenderPaid {
    pub cash_minor: i64,
    pub card_minor: i64,
    pub other_minor: i64,
}

/// Checks a refund split against the rule documented in `docs/retail.md`: the refunds add up
/// to the amount due, and no more goes back to cards (or other tenders) than the sale took on
/// them minus what earlier refunds already sent there. Cash can always be refunded.
pub fn check_refund_split(
    due_minor: i64,
    refund: TenderPaid,
    paid: TenderPaid,
    already_refunded: TenderPaid,
) -> Result<(), ValidationError> {
    if refund.cash_minor < 0 || refund.card_minor < 0 || refund.other_minor < 0 {
        return Err(
            ValidationError::new("invalid_refund", "refund amounts must not be negative")
                .at("refunds"),
        );
    }
    let sum = refund.cash_minor + refund.card_minor + refund.other_minor;
    if sum != due_minor {
        return Err(ValidationError::new(
            "refund_mismatch",
            format!("refunds add up to {sum} but {due_minor} is due back"),
        )
        .at("refunds"));
    }
    if refund.card_minor > paid.card_minor - already_refunded.card_minor {
        return Err(ValidationError::new(
            "refund_exceeds_tender",
            "more would go back to card than the sale was paid by card",
        )
        .at("refunds"));
    }
    if refund.other_minor > paid.other_minor - already_refunded.other_minor {
        return Err(ValidationError::new(
            "refund_exceeds_tender",
            "more would go back to other tenders than the sale was paid with them",
        )
        .at("refunds"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, total: i64) -> LineBalance {
        LineBalance {
            quantity,
            total_minor: total,
            tax_minor: total / 10,
            cogs_minor: total / 2,
            returned_quantity: 0,
            refunded_minor: 0,
            refunded_tax_minor: 0,
            returned_cogs_minor: 0,
        }
    }

    fn take(b: &mut LineBalance, r: LineRefund) {
        b.returned_quantity += r.quantity;
        b.refunded_minor += r.total_minor;
        b.refunded_tax_minor += r.tax_minor;
        b.returned_cogs_minor += r.cogs_minor;
    }

    #[test]
    fn returning_one_by_one_refunds_exactly_what_was_paid() {
        // 3 for 1.00 cannot split evenly: 0.33 + 0.33 + 0.34.
        let mut b = line(3, 100);
        let mut refunds = Vec::new();
        for _ in 0..3 {
            let r = b.refund(1).unwrap();
            refunds.push(r.total_minor);
            take(&mut b, r);
        }
        assert_eq!(refunds, vec![33, 33, 34]);
        assert_eq!(b.remaining_minor(), 0);
        assert_eq!(b.refunded_tax_minor, 10);
        assert_eq!(b.returned_cogs_minor, 50);
    }

    #[test]
    fn never_more_than_left_even_when_rounding_up() {
        // 2 for 0.05: half of 5 rounds up to 3; the second half gets what is left, 2.
        let mut b = line(2, 5);
        let first = b.refund(1).unwrap();
        assert_eq!(first.total_minor, 3);
        take(&mut b, first);
        assert_eq!(b.refund(1).unwrap().total_minor, 2);
    }

    #[test]
    fn quantities_outside_what_is_left_are_refused() {
        let mut b = line(2, 200);
        assert!(b.refund(0).is_err());
        assert!(b.refund(-1).is_err());
        assert!(b.refund(3).is_err());
        let all = b.refund(2).unwrap();
        take(&mut b, all);
        let err = b.refund(1).unwrap_err();
        assert!(err.message.contains("only 0 left"), "{err:?}");
    }

    #[test]
    fn refund_split_rules() {
        let paid = TenderPaid {
            cash_minor: 500,
            card_minor: 1000,
            other_minor: 0,
        };
        let none = TenderPaid {
            cash_minor: 0,
            card_minor: 0,
            other_minor: 0,
        };
        let to = |cash, card, other| TenderPaid {
            cash_minor: cash,
            card_minor: card,
            other_minor: other,
        };
        assert!(check_refund_split(1200, to(200, 1000, 0), paid, none).is_ok());
        // Cash may exceed what was paid in cash (the card may be gone).
        assert!(check_refund_split(1200, to(1200, 0, 0), paid, none).is_ok());
        assert!(
            check_refund_split(1200, to(100, 1000, 0), paid, none).is_err(),
            "does not add up"
        );
        assert!(
            check_refund_split(1200, to(0, 1200, 0), paid, none).is_err(),
            "more than card paid"
        );
        assert!(
            check_refund_split(100, to(0, 100, 0), paid, to(0, 950, 0)).is_err(),
            "card already refunded"
        );
        assert!(
            check_refund_split(100, to(0, 0, 100), paid, none).is_err(),
            "no other tender was used"
        );
        assert!(
            check_refund_split(0, to(-5, 5, 0), paid, none).is_err(),
            "negative"
        );
    }
}
