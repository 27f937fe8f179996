/**
 * Taking payment. Cash is the default: the field shows what is due, Enter on an empty field
 * takes the exact amount, and the change is shown before the sale completes. F3 switches to
 * card (amount and the card terminal's approval code); a card that covers part of the total
 * leaves the rest to cash or another card (split tender). F2 goes back to cash.
 */
import { type FormEvent, useRef, useState } from "react";
import { cashIncrement, currencyDigits, parseMoney, toDecimalString } from "../../platform/money";
import { Modal } from "../../ui/Modal";
import { TextField } from "../../ui/ui";
import { redeemable } from "./cart";
import type { Money } from "./CartView";
import { checkCash, checkNonCash, tenderState } from "./tender";
import type { Payment } from "./types";

export interface PaymentResult {
  payments: Payment[];
  change: number;
  cashDue: number;
  /** Loyalty points redeemed (their value is the `loyalty` tender among the payments). */
  redeemPoints: number;
}

/** The attached customer's points, when the programme lets them pay with them. */
export interface PointsOffer {
  balance: number;
  valuePerPoint: number;
}

/** Exchange credit from a return just taken (its id is the tender's reference). */
export interface ExchangeCredit {
  returnId: string;
  receipt: string;
  amount: number;
}

export function PaymentDialog({
  total,
  currency,
  money,
  points,
  exchange,
  onComplete,
  onClose,
}: {
  total: number;
  currency: string;
  money: Money;
  points?: PointsOffer | undefined;
  exchange?: ExchangeCredit | null | undefined;
  onComplete: (r: PaymentResult) => Promise<void>;
  onClose: () => void;
}) {
  const [tenders, setTenders] = useState<Payment[]>([]);
  const [mode, setMode] = useState<"cash" | "card">("cash");
  const [cash, setCash] = useState("");
  const [cardAmount, setCardAmount] = useState("");
  const [cardRef, setCardRef] = useState("");
  const [error, setError] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [redeemPoints, setRedeemPoints] = useState(0);
  const cashInput = useRef<HTMLInputElement>(null);
  const increment = cashIncrement(currency);
  const state = tenderState(total, tenders, increment);
  const tendered = cash.trim() ? parseMoney(cash, currency) : state.cashDue;
  const preview = tendered !== null && mode === "cash" ? checkCash(state, tendered) : null;

  const finish = async (payments: Payment[], change: number, cashDue: number) => {
    setBusy(true);
    try {
      await onComplete({ payments, change, cashDue, redeemPoints });
    } catch (e) {
      setError({ field: "form", message: e instanceof Error ? e.message : String(e) });
      setBusy(false);
    }
  };

  const submitCash = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (tendered === null)
      return setError({ field: "cash", message: "Type an amount like 20 or 12.50." });
    const check = checkCash(state, tendered);
    if (!check.ok)
      return setError({ field: "cash", message: `${check.problem} Due: ${money(state.cashDue)}.` });
    void finish(
      [...tenders, { kind: "cash", tendered_minor: tendered }],
      check.change,
      state.cashDue,
    );
  };

  const submitCard = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const amount = cardAmount.trim() ? parseMoney(cardAmount, currency) : state.remaining;
    if (amount === null)
      return setError({ field: "card_amount", message: "Type an amount like 12.50." });
    const check = checkNonCash(state, amount);
    if (!check.ok) return setError({ field: "card_amount", message: check.problem });
    if (!cardRef.trim())
      return setError({
        field: "card_ref",
        message: "Type the approval code the card terminal printed.",
      });
    const next: Payment[] = [
      ...tenders,
      { kind: "card", amount_minor: amount, reference: cardRef.trim() },
    ];
    setTenders(next);
    setCardAmount("");
    setCardRef("");
    setError(null);
    if (amount === state.remaining) void finish(next, 0, 0);
    else {
      setMode("cash");
      window.setTimeout(() => cashInput.current?.focus(), 0);
    }
  };

  const usePoints = () => {
    if (!points || redeemPoints) return;
    const r = redeemable(points.balance, points.valuePerPoint, state.remaining);
    if (!r.points) return setError({ field: "form", message: "No points can pay for this." });
    const next: Payment[] = [
      ...tenders,
      { kind: "other", amount_minor: r.amount, method: "loyalty" },
    ];
    setTenders(next);
    setRedeemPoints(r.points);
    setError(null);
    if (r.amount === state.remaining) void finishWith(next, r.points);
    else window.setTimeout(() => cashInput.current?.focus(), 0);
  };
  const finishWith = async (payments: Payment[], pts: number) => {
    setBusy(true);
    try {
      await onComplete({ payments, change: 0, cashDue: 0, redeemPoints: pts });
    } catch (e) {
      setError({ field: "form", message: e instanceof Error ? e.message : String(e) });
      setBusy(false);
    }
  };

  const exchangeUsed = tenders.some((t) => t.kind === "other" && t.method === "exchange");
  const useExchange = () => {
    if (!exchange || exchangeUsed || state.remaining <= 0) return;
    const amount = Math.min(exchange.amount, state.remaining);
    const next: Payment[] = [
      ...tenders,
      { kind: "other", method: "exchange", amount_minor: amount, reference: exchange.returnId },
    ];
    setTenders(next);
    setError(null);
    if (amount === state.remaining) void finishWith(next, redeemPoints);
    else window.setTimeout(() => cashInput.current?.focus(), 0);
  };

  const switchTo = (m: "cash" | "card") => {
    setMode(m);
    setError(null);
  };

  const quick = [state.cashDue, ...notes(state.cashDue, currency)];

  return (
    <Modal title="Payment" onClose={onClose} className="payment-dialog">
      <div
        onKeyDown={(e) => {
          if (e.key === "F2") {
            e.preventDefault();
            switchTo("cash");
          } else if (e.key === "F3") {
            e.preventDefault();
            switchTo("card");
          } else if (e.key === "F4" && points) {
            e.preventDefault();
            usePoints();
          } else if (e.key === "F6" && exchange) {
            e.preventDefault();
            useExchange();
          }
        }}
      >
        <dl className="pay-summary">
          <div>
            <dt>Total</dt>
            <dd data-testid="pay-total">{money(total)}</dd>
          </div>
          {state.nonCash ? (
            <div>
              <dt>Paid by {nonCashLabel(tenders)}</dt>
              <dd>{money(state.nonCash)}</dd>
            </div>
          ) : null}
          <div className="pay-due">
            <dt>{mode === "cash" ? "Cash due" : "Left to pay"}</dt>
            <dd>{money(mode === "cash" ? state.cashDue : state.remaining)}</dd>
          </div>
        </dl>
        {tenders.length ? (
          <ul className="tenders" aria-label="Payments so far">
            {tenders.map((t, i) => (
              <li key={i}>
                {t.kind === "card"
                  ? `Card ${t.reference}`
                  : t.kind === "other" && t.method === "loyalty"
                    ? `${redeemPoints} points`
                    : t.kind === "other" && t.method === "exchange"
                      ? `Exchange credit (${exchange?.receipt ?? "return"})`
                      : t.kind}{" "}
                {money(t.kind === "cash" ? t.tendered_minor : t.amount_minor)}
                <button
                  type="button"
                  className="btn btn-quiet"
                  onClick={() => {
                    if (t.kind === "other" && t.method === "loyalty") setRedeemPoints(0);
                    setTenders(tenders.filter((_, k) => k !== i));
                  }}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="button-row mode-switch" role="group" aria-label="How the customer pays">
          <button
            type="button"
            className={`btn ${mode === "cash" ? "btn-primary" : ""}`}
            aria-pressed={mode === "cash"}
            onClick={() => switchTo("cash")}
          >
            Cash <kbd>F2</kbd>
          </button>
          <button
            type="button"
            className={`btn ${mode === "card" ? "btn-primary" : ""}`}
            aria-pressed={mode === "card"}
            onClick={() => switchTo("card")}
          >
            Card <kbd>F3</kbd>
          </button>
          {points ? (
            <button
              type="button"
              className="btn"
              disabled={!!redeemPoints || points.balance <= 0}
              onClick={usePoints}
            >
              Pay with points ({points.balance}) <kbd>F4</kbd>
            </button>
          ) : null}
          {exchange ? (
            <button
              type="button"
              className="btn"
              disabled={exchangeUsed || state.remaining <= 0}
              onClick={useExchange}
            >
              Exchange credit {money(exchange.amount)} <kbd>F6</kbd>
            </button>
          ) : null}
        </div>
        {mode === "cash" ? (
          <form onSubmit={submitCash} noValidate>
            <TextField
              ref={cashInput}
              label="Cash received"
              name="cash"
              value={cash}
              placeholder={toDecimalString(state.cashDue, currency)}
              onChange={(e) => {
                setCash(e.target.value);
                setError(null);
              }}
              error={error?.field === "cash" ? error.message : undefined}
              hint="Enter with the field empty takes the exact amount."
              autoFocus
              data-autofocus
              autoComplete="off"
              inputMode="decimal"
            />
            <div className="button-row quick-cash">
              {quick.map((q) => (
                <button
                  type="button"
                  key={q}
                  className="btn"
                  onClick={() => {
                    const check = checkCash(state, q);
                    if (check.ok)
                      void finish(
                        [...tenders, { kind: "cash", tendered_minor: q }],
                        check.change,
                        state.cashDue,
                      );
                  }}
                >
                  {money(q)}
                </button>
              ))}
            </div>
            <p className="change-due" aria-live="polite">
              {preview?.ok ? (
                <>
                  Change <strong data-testid="change-preview">{money(preview.change)}</strong>
                </>
              ) : (
                " "
              )}
            </p>
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onClose}>
                Back to the sale <kbd>Esc</kbd>
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? "Completing…" : "Complete sale"} <kbd>Enter</kbd>
              </button>
            </div>
          </form>
        ) : (
          <form onSubmit={submitCard} noValidate>
            <TextField
              label="Card amount"
              name="card_amount"
              value={cardAmount}
              placeholder={toDecimalString(state.remaining, currency)}
              onChange={(e) => {
                setCardAmount(e.target.value);
                setError(null);
              }}
              error={error?.field === "card_amount" ? error.message : undefined}
              hint="Empty: the whole amount left. Less: the rest is paid another way."
              autoComplete="off"
              inputMode="decimal"
            />
            <TextField
              label="Approval code"
              name="card_ref"
              value={cardRef}
              onChange={(e) => {
                setCardRef(e.target.value);
                setError(null);
              }}
              error={error?.field === "card_ref" ? error.message : undefined}
              hint="As printed by the card terminal."
              autoFocus
              autoComplete="off"
            />
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onClose}>
                Back to the sale <kbd>Esc</kbd>
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy}>
                Take card payment <kbd>Enter</kbd>
              </button>
            </div>
          </form>
        )}
        {error?.field === "form" ? (
          <div className="alert alert-error" role="alert">
            {error.message}
          </div>
        ) : null}
      </div>
    </Modal>
  );
}

/** Round note amounts above what is due (5, 10, 20, 50 in the currency's main unit). */
function notes(due: number, currency: string): number[] {
  const unit = 10 ** currencyDigits(currency);
  const out: number[] = [];
  for (const n of [5, 10, 20, 50, 100]) {
    const v = n * unit;
    if (v > due && out.length < 3) out.push(v);
  }
  return out;
}

/** "card", "points", "exchange credit", or several of them joined with "and". */
export function nonCashLabel(tenders: Payment[]): string {
  const kinds = new Set<string>();
  for (const t of tenders) {
    if (t.kind === "card") kinds.add("card");
    else if (t.kind === "other")
      kinds.add(
        t.method === "loyalty" ? "points" : t.method === "exchange" ? "exchange credit" : t.method,
      );
  }
  return [...kinds].join(" and ");
}
