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
import { type Outbox, type ReturnEntry, enqueueReturn } from "./outbox";
import type { PosDb } from "../../platform/db/posDb";
import { lineRefund } from "./refund";
import type { Returnable, SaleView } from "./types";

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
  const needsApproval = !!found && refund > found.returnable.approval_threshold_minor;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!found || !chosen.length || invalid) return;
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
          refunds: [{ kind: "cash", amount_minor: refund }],
        }),
        { sale_receipt: found.sale.receipt_number, currency, refund_minor: refund },
      );
      if (needsApproval) outbox.approve(entry.id, approval());
      await settle(entry.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title="Return by receipt" onClose={onClose} className="payment-dialog">
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
                        onChange={(e) => setDiscard({ ...discard, [l.line_no]: e.target.checked })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {invalid ? (
            <p className="field-error" role="alert">
              A quantity is more than can still be returned on its line.
            </p>
          ) : null}
          <p className="pay-due">
            Refund in cash <span data-testid="refund-total">{money(refund)}</span>
          </p>
          {needsApproval || pendingId ? (
            <fieldset>
              <legend>
                Manager approval (above {money(found.returnable.approval_threshold_minor)})
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
            <button
              type="submit"
              className="btn btn-primary"
              disabled={busy || !chosen.length || !!invalid}
            >
              {pendingId ? "Send again" : `Refund ${money(refund)}`} <kbd>Enter</kbd>
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
