/**
 * Settling payments against a total (tender.rs; docs/pricing.md "Payments and split tender"):
 * card and other tenders never give change and may not exceed the total; without cash they
 * must add up exactly; with cash, cash pays the rest, rounded by the store's cash rule.
 */
import { cashRound } from "./arith";
import { type CashRounding, type Payment, PricingError, type Settlement } from "./types";

const MAX_PAYMENTS = 20;
export const MAX_TENDERED = 4_000_000_000_000_000;

export function settle(total: number, payments: Payment[], rounding: CashRounding): Settlement {
  const zero: Settlement = {
    non_cash_minor: 0,
    cash_due_minor: 0,
    cash_tendered_minor: 0,
    change_minor: 0,
    cash_rounding_minor: 0,
    amount_paid_minor: 0,
  };
  if (!payments.length) {
    if (total === 0) return zero;
    throw new PricingError("payment_required", "a sale needs at least one payment", "payments");
  }
  if (payments.length > MAX_PAYMENTS)
    throw new PricingError(
      "too_many_payments",
      `at most ${MAX_PAYMENTS} payments per sale`,
      "payments",
    );
  let nonCash = 0;
  let tendered = 0;
  let hasCash = false;
  payments.forEach((p, i) => {
    const [amount, field] =
      p.kind === "cash" ? [p.tendered_minor, "tendered_minor"] : [p.amount_minor, "amount_minor"];
    if (!Number.isInteger(amount) || amount < 1)
      throw new PricingError(
        "invalid_payment_amount",
        "must be a positive amount",
        `payments[${i}].${field}`,
      );
    if (tendered + nonCash + amount > MAX_TENDERED)
      throw new PricingError(
        "invalid_payment_amount",
        `payments of one sale may add up to at most ${MAX_TENDERED}`,
        `payments[${i}].${field}`,
      );
    if (p.kind === "cash") {
      hasCash = true;
      tendered += amount;
    } else if (p.kind === "card") {
      if (!p.reference.trim())
        throw new PricingError(
          "missing_reference",
          "a card payment needs the terminal's approval reference",
          `payments[${i}].reference`,
        );
      nonCash += amount;
    } else {
      if (!p.method.trim())
        throw new PricingError(
          "missing_method",
          "name the payment method",
          `payments[${i}].method`,
        );
      nonCash += amount;
    }
    if (nonCash > total)
      throw new PricingError(
        "payments_exceed_total",
        "card and other payments give no change, so they may not exceed the total",
        `payments[${i}].amount_minor`,
      );
  });
  const rest = total - nonCash;
  if (!hasCash) {
    if (rest !== 0)
      throw new PricingError(
        "payments_do_not_sum_to_total",
        `payments sum to ${nonCash} but the total is ${total}`,
        "payments",
      );
    return { ...zero, non_cash_minor: nonCash, amount_paid_minor: total };
  }
  if (rest === 0)
    throw new PricingError(
      "payments_exceed_total",
      "the other payments already cover the total; remove the cash payment",
      "payments",
    );
  const due = cashRound(rest, rounding);
  if (tendered < due)
    throw new PricingError(
      "insufficient_cash",
      `cash tendered ${tendered} does not cover the ${due} due in cash`,
      "payments",
    );
  return {
    non_cash_minor: nonCash,
    cash_due_minor: due,
    cash_tendered_minor: tendered,
    change_minor: tendered - due,
    cash_rounding_minor: due - rest,
    amount_paid_minor: nonCash + due,
  };
}
