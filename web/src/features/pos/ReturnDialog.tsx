/**
 * A return by receipt: find the sale by its receipt number (typed, or scanned from the printed
 * receipt), choose what comes back and whether it goes back on the shelf, refund in cash, and —
 * above the store's threshold — a manager approves with their email and PIN. The return is a
 * terminal mutation like a sale: it takes the till's next seq and goes through the outbox.
 */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { formatDateTime } from "../../platform/format";
import { ApiError, describeError } from "../../platform/net/errors";
import { Modal } from "../../ui/Modal";
import { ErrorAlert, TextField } from "../../ui/ui";
import type { CatalogCache } from "./catalog";
import type { Money } from "./CartView";
import { type Outbox, type ReturnEntry, enqueueReturn, enqueueVoid } from "./outbox";
import type { PosDb } from "../../platform/db/posDb";
import { lineRefund } from "./refund";
import type { Refund, Returnable, SaleView } from "./types";

type Method = "cash" | "card" | "exchange";

/** What the sale's cards paid: the most a return may give back to a card. */
export function cardPaid(sale: SaleView): number {
  return sale.payments.reduce((s, p) => s + (p.kind === "card" ? p.amount_minor : 0), 0);
}

/** The refund as the server takes it, for the chosen way of giving the money back. */
export function refundOf(method: Method, amount: number, cardReference: string): Refund {
  if (method === "card") return { kind: "card", amount_minor: amount, reference: cardReference };
  if (method === "exchange") return { kind: "other", method: "exchange", amount_minor: amount };
  return { kind: "cash", amount_minor: amount };
}

export function ReturnDialog({
  storeId,
  currency,
  pos,
  outbox,
  catalog,
  money,
  initialReceipt,
  onDone,
  onClose,
}: {
  storeId: string;
  currency: string;
  pos: PosDb;
  outbox: Outbox;
  catalog: CatalogCache;
  money: Money;
  initialReceipt: string;
  onDone: (entry: ReturnEntry) => void;
  onClose: () => void;
}) {
  const { api, me } = useApp();
  const [receipt, setReceipt] = useState(initialReceipt);
  const [found, setFound] = useState<{ sale: SaleView; returnable: Returnable } | null>(null);
  const [qty, setQty] = useState<Record<number, string>>({});
  const [discard, setDiscard] = useState<Record<number, boolean>>({});
  const [email, setEmail] = useState("");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // A return already in the outbox that the server refused (a wrong PIN): fix and send again.
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [method, setMethod] = useState<Method>("cash");
  const [cardRef, setCardRef] = useState("");
  const [voiding, setVoiding] = useState(false);
  const [reason, setReason] = useState("");

  /** Sends now and reports how it went: done, kept for later (offline), or refused. */
  const settle = async (id: string) => {
    await outbox.flush();
    const e = await outbox.get(id);
    if (e?.kind === "return" && e.status === "failed") {
      setPendingId(id);
      const err = e.error!;
      setError(new ApiError(err.status, err.code, err.message, err.field));
      setBusy(false);
      return;
    }
    if (e?.kind === "return") onDone(e);
  };
  const approval = () => {
    const secret = pin.trim();
    return /^\d{4,8}$/.test(secret)
      ? { email: email.trim(), pin: secret }
      : { email: email.trim(), password: secret };
  };

  const lookUp = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const page = await api.get<{ items: SaleView[] }>(`/api/stores/${storeId}/sales`, {
        receipt_number: receipt.trim(),
        limit: 1,
      });
      const sale = page.items[0];
      if (!sale) throw new Error(`No sale of this store has the receipt number ${receipt.trim()}.`);
      const returnable = await api.get<Returnable>(
        `/api/stores/${storeId}/sales/${sale.id}/returnable`,
      );
      setFound({ sale, returnable });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const chosen = (found?.returnable.lines ?? [])
    .map((l) => ({ line: l, quantity: Number(qty[l.line_no] ?? "0") }))
    .filter((c) => Number.isInteger(c.quantity) && c.quantity > 0);
  const invalid = (found?.returnable.lines ?? []).find((l) => {
    const t = qty[l.line_no];
    if (!t) return false;
    const n = Number(t);
    return !Number.isInteger(n) || n < 0 || n > l.quantity_returnable;
  });
  const refund = chosen.reduce((s, c) => s + lineRefund(c.line, c.quantity), 0);
  const needsApproval = voiding || (!!found && refund > found.returnable.approval_threshold_minor);
  const onCard = found ? cardPaid(found.sale) : 0;
  // A void takes everything back: only while nothing of the sale has been returned.
  const voidable =
    !!found &&
    found.sale.status !== "voided" &&
    found.returnable.lines.every((l) => l.quantity_returnable === l.quantity_sold);
  const saleTotal = found?.sale.total_minor ?? 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!found) return;
    if (voiding && !pendingId) return void submitVoid();
    if (!chosen.length || invalid) return;
    if (pendingId) {
      setBusy(true);
      setError(null);
      outbox.approve(pendingId, approval());
      await outbox.retry(pendingId);
      await settle(pendingId);
      return;
    }
    if (needsApproval && (!email.trim() || !pin.trim())) {
      setError(new Error("A manager must approve this refund: their email and PIN (or password)."));
      return;
    }
    if (method === "card" && refund > onCard) {
      setError(
        new Error(
          `The sale put only ${money(onCard)} on a card: refund at most that to the card, or refund in cash.`,
        ),
      );
      return;
    }
    if (method === "card" && !cardRef.trim()) {
      setError(new Error("Type the reference the card terminal printed for the refund."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const entry = await enqueueReturn(
        pos,
        storeId,
        (seq, number, binding) => ({
          id: crypto.randomUUID(),
          terminal_id: binding.terminal_id,
          seq,
          occurred_at: new Date().toISOString(),
          receipt_number: number,
          sale_id: found.sale.id,
          lines: chosen.map((c) => ({
            line_no: c.line.line_no,
            quantity: c.quantity,
            restock: !discard[c.line.line_no],
          })),
          refunds: [refundOf(method, refund, cardRef.trim())],
        }),
        {
          sale_receipt: found.sale.receipt_number,
          currency,
          refund_minor: refund,
          refund_kind: method,
        },
      );
      if (needsApproval) outbox.approve(entry.id, approval());
      await settle(entry.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const submitVoid = async () => {
    if (!found) return;
    if (!email.trim() || !pin.trim()) {
      setError(new Error("A void always needs a manager: type their email and PIN (or password)."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const entry = await enqueueVoid(
        pos,
        storeId,
        found.sale.id,
        (seq, number, binding) => ({
          id: crypto.randomUUID(),
          terminal_id: binding.terminal_id,
          seq,
          occurred_at: new Date().toISOString(),
          receipt_number: number,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        }),
        { sale_receipt: found.sale.receipt_number, currency, refund_minor: saleTotal },
      );
      outbox.approve(entry.id, approval());
      await settle(entry.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal
      title={voiding ? "Void a sale" : "Return by receipt"}
      onClose={onClose}
      className="payment-dialog"
    >
      {!found ? (
        <form onSubmit={lookUp} noValidate>
          <TextField
            label="Receipt number"
            name="receipt"
            value={receipt}
            onChange={(e) => setReceipt(e.target.value)}
            hint="As printed on the receipt, e.g. BER-T1-000042 (or scan it)."
            autoComplete="off"
            data-autofocus
          />
          <ErrorAlert
            error={
              error instanceof ApiError || error instanceof Error ? describeError(error) : null
            }
          />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel <kbd>Esc</kbd>
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || !receipt.trim()}>
              Find the sale <kbd>Enter</kbd>
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>
            Sale <strong>{found.sale.receipt_number}</strong> of{" "}
            {formatDateTime(found.sale.occurred_at, me.organisation.locale)},{" "}
            {money(found.sale.total_minor)}.
          </p>
          {voiding ? (
            <>
              <p>
                The whole sale comes back and <strong>{money(saleTotal)}</strong> goes back to the
                tenders it was paid with
                {onCard ? ` (${money(onCard)} to the card)` : ""}. Items go back on the shelf.
              </p>
              <TextField
                label="Reason (optional)"
                name="reason"
                value={reason}
                maxLength={200}
                onChange={(e) => setReason(e.target.value)}
                autoComplete="off"
                data-autofocus
              />
            </>
          ) : (
            <table className="table return-lines">
              <caption className="sr-only">Lines of the sale</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="num">
                    Can return
                  </th>
                  <th scope="col">Return</th>
                  <th scope="col">Discard</th>
                </tr>
              </thead>
              <tbody>
                {found.returnable.lines.map((l, i) => {
                  const name = catalog.get(l.product_id)?.name ?? "Item";
                  return (
                    <tr key={l.line_no}>
                      <td>{name}</td>
                      <td className="num">{l.quantity_returnable}</td>
                      <td>
                        <input
                          aria-label={`Quantity of ${name} to return`}
                          inputMode="numeric"
                          className="qty-input"
                          value={qty[l.line_no] ?? ""}
                          placeholder="0"
                          disabled={l.quantity_returnable === 0}
                          onChange={(e) => setQty({ ...qty, [l.line_no]: e.target.value })}
                          autoFocus={i === 0}
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`${name} is damaged: do not put it back on the shelf`}
                          checked={!!discard[l.line_no]}
                          onChange={(e) =>
                            setDiscard({ ...discard, [l.line_no]: e.target.checked })
                          }
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {!voiding && invalid ? (
            <p className="field-error" role="alert">
              A quantity is more than can still be returned on its line.
            </p>
          ) : null}
          {voiding ? null : (
            <>
              <fieldset className="refund-method">
                <legend>Give the money back</legend>
                {(
                  [
                    ["cash", "In cash"],
                    ["card", `To the card (up to ${money(onCard)})`],
                    ["exchange", "As exchange credit (for new items now)"],
                  ] as const
                ).map(([m, label]) => (
                  <label key={m} className="radio">
                    <input
                      type="radio"
                      name="refund-method"
                      value={m}
                      checked={method === m}
                      disabled={m === "card" && onCard === 0}
                      onChange={() => setMethod(m)}
                    />{" "}
                    {label}
                  </label>
                ))}
              </fieldset>
              {method === "card" ? (
                <TextField
                  label="Card terminal's refund reference"
                  name="card_ref"
                  value={cardRef}
                  onChange={(e) => setCardRef(e.target.value)}
                  autoComplete="off"
                  hint="Refund on the card terminal first, then type the code it printed."
                />
              ) : null}
              <p className="pay-due">
                {method === "cash"
                  ? "Refund in cash"
                  : method === "card"
                    ? "Refund to the card"
                    : "Exchange credit"}{" "}
                <span data-testid="refund-total">{money(refund)}</span>
              </p>
            </>
          )}
          {needsApproval || pendingId ? (
            <fieldset>
              <legend>
                {voiding
                  ? "Manager approval (every void needs one)"
                  : `Manager approval (above ${money(found.returnable.approval_threshold_minor)})`}
              </legend>
              <div className="row">
                <TextField
                  label="Manager's email"
                  name="email"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  autoComplete="off"
                />
                <TextField
                  label="PIN or password"
                  name="pin"
                  type="password"
                  value={pin}
                  onChange={(e) => setPin(e.target.value)}
                  autoComplete="off"
                />
              </div>
            </fieldset>
          ) : null}
          <ErrorAlert error={error ? describeError(error) : null} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel <kbd>Esc</kbd>
            </button>
            {voidable && !voiding && !pendingId ? (
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  setVoiding(true);
                  setError(null);
                }}
              >
                Void the whole sale…
              </button>
            ) : null}
            <button
              type="submit"
              className={`btn ${voiding ? "btn-danger" : "btn-primary"}`}
              disabled={busy || (!voiding && (!chosen.length || !!invalid))}
            >
              {pendingId
                ? "Send again"
                : voiding
                  ? `Void and refund ${money(saleTotal)}`
                  : `Refund ${money(refund)}`}{" "}
              <kbd>Enter</kbd>
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
