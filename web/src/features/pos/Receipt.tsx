/**
 * The receipt of a sale just made, from what the till showed (the outbox entry's snapshot), so
 * it exists at once and also while the server cannot be reached. Printing uses the browser's
 * print dialog with a stylesheet for 80 mm paper that prints only the receipt.
 */
import { useEffect, useState } from "react";
import { formatDateTime, formatRate } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import { Modal } from "../../ui/Modal";
import { formatQuantity } from "./cart";
import type { Outbox, SaleEntry } from "./outbox";

export function ReceiptDialog({
  entry: initial,
  outbox,
  onNext,
}: {
  entry: SaleEntry;
  outbox: Outbox;
  onNext: () => void;
}) {
  const [entry, setEntry] = useState(initial);
  useEffect(() => {
    const update = () => void outbox.get(initial.id).then((e) => e?.kind === "sale" && setEntry(e));
    update();
    return outbox.subscribe(update);
  }, [outbox, initial.id]);
  const r = entry.receipt;
  return (
    <Modal title="Sale complete" onClose={onNext} className="receipt-dialog">
      <div
        onKeyDown={(e) => {
          if (e.key === "p" || e.key === "P") {
            e.preventDefault();
            window.print();
          }
        }}
      >
        {entry.mutation.payments.some((p) => p.kind === "cash") ? (
          <p className="change-big" role="status">
            Change due{" "}
            <strong data-testid="change-due">
              {formatMoney(r.change_minor, r.currency, r.locale)}
            </strong>
          </p>
        ) : null}
        <p className={`send-state send-${entry.status}`} role="status">
          {entry.status === "sent"
            ? "Recorded on the server."
            : entry.status === "failed"
              ? `The server refused this sale: ${entry.error?.message}. It is kept on this till for a manager to review.`
              : "Kept on this till; it is sent to the server as soon as it can be."}
        </p>
        <ReceiptPaper entry={entry} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => window.print()}>
            Print <kbd>P</kbd>
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={onNext}
            autoFocus
            data-autofocus
          >
            Next sale <kbd>Enter</kbd>
          </button>
        </div>
      </div>
    </Modal>
  );
}

export function ReceiptPaper({ entry }: { entry: SaleEntry }) {
  const r = entry.receipt;
  const m = (v: number) => formatMoney(v, r.currency, r.locale);
  const p = r.priced;
  return (
    // Focusable: it scrolls when long, and keyboard users must be able to scroll it.
    <article className="receipt-paper" aria-label="Receipt" tabIndex={0}>
      <header>
        <p className="receipt-store">{r.store.name}</p>
        {r.store.address ? <p>{r.store.address}</p> : null}
        {r.store.city ? <p>{r.store.city}</p> : null}
        {r.store.tax_id ? <p>VAT no. {r.store.tax_id}</p> : null}
        <p>
          Receipt <span data-testid="receipt-number">{entry.mutation.receipt_number}</span>
        </p>
        <p>{formatDateTime(entry.mutation.occurred_at, r.locale)}</p>
        <p>
          Till {r.terminal_code} · {r.cashier}
        </p>
        {r.customer ? <p>Customer: {r.customer}</p> : null}
      </header>
      <table className="receipt-lines">
        <caption className="sr-only">Items</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {p.lines.map((l, i) => (
            <tr key={i}>
              <td>
                {r.names[l.product_id] ?? l.product_id}
                <br />
                <span className="receipt-qty">
                  {formatQuantity(l.quantity, l.unit, r.locale)} × {m(l.unit_price_minor)}
                </span>
                {l.discounts.map((d, k) => (
                  <span key={k} className="receipt-discount">
                    <br />
                    {d.kind === "promotion"
                      ? d.name
                      : d.kind === "manual"
                        ? "Discount"
                        : "Cart discount"}{" "}
                    −{m(d.amount_minor)}
                  </span>
                ))}
              </td>
              <td className="num">{m(l.total_minor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="receipt-totals">
        {p.totals.discount_minor ? (
          <div>
            <dt>You saved</dt>
            <dd>{m(p.totals.discount_minor)}</dd>
          </div>
        ) : null}
        <div className="receipt-total">
          <dt>Total</dt>
          <dd data-testid="receipt-total">{m(p.totals.total_minor)}</dd>
        </div>
        {entry.mutation.payments.map((pay, i) => (
          <div key={i}>
            <dt>
              {pay.kind === "cash"
                ? "Cash"
                : pay.kind === "card"
                  ? `Card ${pay.reference}`
                  : pay.method}
            </dt>
            <dd>{m(pay.kind === "cash" ? pay.tendered_minor : pay.amount_minor)}</dd>
          </div>
        ))}
        {entry.mutation.payments.some((x) => x.kind === "cash") ? (
          <div>
            <dt>Change</dt>
            <dd>{m(r.change_minor)}</dd>
          </div>
        ) : null}
      </dl>
      <table className="receipt-tax">
        <caption>{p.prices_include_tax ? "Tax included" : "Tax"}</caption>
        <thead>
          <tr>
            <th scope="col">Rate</th>
            <th scope="col" className="num">
              Net
            </th>
            <th scope="col" className="num">
              Tax
            </th>
            <th scope="col" className="num">
              Gross
            </th>
          </tr>
        </thead>
        <tbody>
          {p.tax_breakdown.map((t) => (
            <tr key={t.rate_bps}>
              <td>{formatRate(t.rate_bps, r.locale)}</td>
              <td className="num">{m(t.total_excl_tax_minor)}</td>
              <td className="num">{m(t.tax_minor)}</td>
              <td className="num">{m(t.total_minor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entry.result?.points_earned || entry.result?.points_redeemed ? (
        <p data-testid="points">
          Points: +{entry.result.points_earned ?? 0} earned
          {entry.result.points_redeemed ? `, −${entry.result.points_redeemed} redeemed` : ""}
        </p>
      ) : null}
      <p className="receipt-thanks">Thank you for shopping with us</p>
    </article>
  );
}
