import { formatDate, formatRate } from "../../platform/format";
import type { Store } from "./types";

/** A store's details, read-only (cashiers, managers, and admins before editing). */
export function StoreDetails({ store, locale }: { store: Store; locale: string }) {
  const address = [store.address, store.city, store.country].filter(Boolean).join(", ");
  return (
    <dl className="details">
      <dt>Code</dt>
      <dd>
        <span className="code">{store.code}</span>
      </dd>
      <dt>Address</dt>
      <dd>{address || "—"}</dd>
      <dt>Currency</dt>
      <dd>{store.currency}</dd>
      <dt>Time zone</dt>
      <dd>{store.timezone}</dd>
      <dt>Tax rates</dt>
      <dd>
        {Object.keys(store.tax_rates).length === 0 ? (
          "None"
        ) : (
          <ul className="plain">
            {Object.entries(store.tax_rates).map(([cls, bp]) => (
              <li key={cls}>
                {label(cls)}: {formatRate(bp, locale)}
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>Shelf prices</dt>
      <dd>{store.tax_inclusive ? "include tax" : "exclude tax"}</dd>
      <dt>Tax id</dt>
      <dd>{store.tax_id ?? "—"}</dd>
      <dt>Status</dt>
      <dd>{store.active ? "Active" : "Deactivated"}</dd>
      <dt>Opened in ChainSync</dt>
      <dd>{formatDate(store.created_at, locale)}</dd>
    </dl>
  );
}

/** `reduced_food` → "Reduced food". */
function label(cls: string): string {
  const t = cls.replace(/_/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}
