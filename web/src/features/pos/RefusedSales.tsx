/**
 * Sales the server refused, kept on this till: what was sold, when, and the server's reason,
 * with "Send again" once the cause is fixed. Nothing here deletes a sale.
 */
import { useState } from "react";
import { formatDateTime } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import { ApiError, describeError } from "../../platform/net/errors";
import { Modal } from "../../ui/Modal";
import type { OutboxEntry } from "./outbox";
import type { Approval } from "./types";

export function RefusedSales({
  entries,
  locale,
  onRetry,
  onClose,
}: {
  entries: OutboxEntry[];
  locale: string;
  onRetry: (id: string, approval?: Approval) => void;
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
              {e.kind === "return" ? (
                <ApproveAndRetry onRetry={(a) => onRetry(e.id, a)} />
              ) : (
                <button type="button" className="btn" onClick={() => onRetry(e.id)}>
                  Send again
                </button>
              )}
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

/** A return may need a manager's approval again (it is never stored on the till). */
function ApproveAndRetry({ onRetry }: { onRetry: (a?: Approval) => void }) {
  const [email, setEmail] = useState("");
  const [secret, setSecret] = useState("");
  return (
    <div className="row">
      <div className="field">
        <label>
          Manager&rsquo;s email (if approval is needed)
          <input value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
        </label>
      </div>
      <div className="field">
        <label>
          PIN or password
          <input
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="off"
          />
        </label>
      </div>
      <button
        type="button"
        className="btn"
        onClick={() =>
          onRetry(
            email.trim() && secret.trim()
              ? /^\d{4,8}$/.test(secret.trim())
                ? { email: email.trim(), pin: secret.trim() }
                : { email: email.trim(), password: secret.trim() }
              : undefined,
          )
        }
      >
        Send again
      </button>
    </div>
  );
}
