/**
 * Sales the server refused, kept on this till: what was sold, when, and the server's reason,
 * with "Send again" once the cause is fixed. Nothing here deletes a sale.
 */
import { formatDateTime } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import { ApiError, describeError } from "../../platform/net/errors";
import { Modal } from "../../ui/Modal";
import type { OutboxEntry } from "./outbox";

export function RefusedSales({
  entries,
  locale,
  onRetry,
  onClose,
}: {
  entries: OutboxEntry[];
  locale: string;
  onRetry: (id: string) => void;
  onClose: () => void;
}) {
  return (
    <Modal title="Sales the server refused" onClose={onClose}>
      <p>
        These sales happened and are kept on this till. Ask a manager: the reason says what to fix;
        then send them again. Later sales of this till wait behind them.
      </p>
      {entries.length ? (
        <ul className="plain refused-list">
          {entries.map((e) => (
            <li key={e.id} className="card">
              <p>
                <strong>{e.mutation.receipt_number}</strong> ·{" "}
                {formatDateTime(e.mutation.occurred_at, locale)} ·{" "}
                {e.kind === "sale"
                  ? formatMoney(e.receipt.priced.totals.total_minor, e.receipt.currency, locale)
                  : `return of ${e.summary.sale_receipt}, refund ${formatMoney(e.summary.refund_minor, e.summary.currency, locale)}`}
              </p>
              <p className="field-error">
                {e.error
                  ? describeError(
                      new ApiError(e.error.status, e.error.code, e.error.message, e.error.field),
                    )
                  : "Refused."}
                {e.error?.code ? <span className="code"> ({e.error.code})</span> : null}
              </p>
              <button type="button" className="btn" onClick={() => onRetry(e.id)}>
                Send again
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p>All refused sales were sent.</p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose} data-autofocus>
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}
