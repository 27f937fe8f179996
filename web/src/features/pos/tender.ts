/**
 * Payment at the till: what is still due, what cash is due after cash rounding, and the change,
 * by the rules of docs/pricing.md ("Payments and split tender"), which the server applies again
 * when the sale arrives. Card and other tenders never give change and may not exceed what is
 * left; cash pays the rest, rounded to the store's cash step; only cash gives change.
 */
import { roundCash } from "../../platform/money";
import type { Payment } from "./types";

export interface TenderState {
  total: number;
  /** Paid by card and other tenders so far. */
  nonCash: number;
  /** Left to pay before cash rounding. */
  remaining: number;
  /** What the drawer should take in cash for the rest (rounded). */
  cashDue: number;
}

export function tenderState(total: number, payments: Payment[], increment: number): TenderState {
  const nonCash = payments.reduce((s, p) => s + (p.kind === "cash" ? 0 : p.amount_minor), 0);
  const remaining = Math.max(0, total - nonCash);
  return { total, nonCash, remaining, cashDue: roundCash(remaining, increment) };
}

export type TenderCheck = { ok: true; change: number } | { ok: false; problem: string };

/** Whether a card or other tender of `amount` may be added now. */
export function checkNonCash(state: TenderState, amount: number): TenderCheck {
  if (amount <= 0) return { ok: false, problem: "Enter an amount above zero." };
  if (amount > state.remaining)
    return { ok: false, problem: "A card pays at most what is left; it gives no change." };
  return { ok: true, change: 0 };
}

/** Whether `tendered` in cash completes the sale, and the change. */
export function checkCash(state: TenderState, tendered: number): TenderCheck {
  if (state.remaining === 0) return { ok: false, problem: "Nothing is left to pay in cash." };
  if (tendered < state.cashDue) return { ok: false, problem: "Not enough cash for what is due." };
  return { ok: true, change: tendered - state.cashDue };
}
