/** Parked carts: the list to resume one from (↑/↓ or Tab, then Enter). */
import { Modal } from "../../ui/Modal";
import { formatDateTime } from "../../platform/format";
import { type Cart, itemCount } from "./cart";

export interface ParkedCart {
  id: string;
  store_id: string;
  cart: Cart;
  parked_at: string;
}

export function ParkedDialog({
  parked,
  locale,
  onResume,
  onDelete,
  onClose,
}: {
  parked: ParkedCart[];
  locale: string;
  onResume: (p: ParkedCart) => void;
  onDelete: (p: ParkedCart) => void;
  onClose: () => void;
}) {
  return (
    <Modal title="Parked sales" onClose={onClose}>
      {!parked.length ? (
        <p>No sale is parked on this till.</p>
      ) : (
        <ul
          className="choice-list"
          onKeyDown={(e) => {
            if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
            e.preventDefault();
            const buttons = [
              ...e.currentTarget.querySelectorAll<HTMLButtonElement>("button.choice"),
            ];
            const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
            const next = e.key === "ArrowDown" ? at + 1 : at - 1;
            buttons[(next + buttons.length) % buttons.length]?.focus();
          }}
        >
          {parked.map((p, i) => (
            <li key={p.id} className="parked-row">
              <button
                type="button"
                className="btn choice"
                autoFocus={i === 0}
                data-autofocus={i === 0 ? true : undefined}
                onClick={() => onResume(p)}
              >
                <strong>{formatDateTime(p.parked_at, locale)}</strong>
                <span>
                  {itemCount(p.cart)} item{itemCount(p.cart) === 1 ? "" : "s"}:{" "}
                  {p.cart.lines
                    .slice(0, 3)
                    .map((l) => l.name)
                    .join(", ")}
                  {p.cart.lines.length > 3 ? "…" : ""}
                </span>
              </button>
              <button
                type="button"
                className="btn btn-danger-outline"
                onClick={() => onDelete(p)}
                aria-label={`Delete the sale parked at ${formatDateTime(p.parked_at, locale)}`}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}
