/** The cart on screen: its lines (with the promotions that apply) and the totals. */
import { memo } from "react";
import { PricingError } from "../../domain/pricing/types";
import { ApiError, describeError } from "../../platform/net/errors";
import { formatRate } from "../../platform/format";
import { type Cart, type CartLine, formatQuantity, itemCount } from "./cart";
import type { Pricing } from "./usePricedCart";
import type { ManualDiscount, PricedLine } from "./types";

export interface Money {
  (minor: number): string;
}

export const CartTable = memo(function CartTable({
  cart,
  pricing,
  selected,
  money,
  locale,
  onSelect,
}: {
  cart: Cart;
  pricing: Pricing;
  selected: number;
  money: Money;
  locale: string;
  onSelect: (i: number) => void;
}) {
  const priced = pricing.priced ?? undefined;
  if (!cart.lines.length) {
    return (
      <div className="cart-empty" aria-live="polite">
        <p className="state-title">Scan an item to start a sale</p>
        <p className="muted">Or type a name or SKU and press Enter.</p>
      </div>
    );
  }
  return (
    <table className="table cart-table" aria-label="Cart">
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col" className="num">
            Qty
          </th>
          <th scope="col" className="num hide-narrow">
            Price
          </th>
          <th scope="col" className="num">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {cart.lines.map((l, i) => (
          <Line
            key={l.key}
            line={l}
            index={i}
            priced={priced?.lines[i]}
            selected={i === selected}
            money={money}
            locale={locale}
            onSelect={onSelect}
          />
        ))}
      </tbody>
    </table>
  );
});

/** One line; memoised so typing in the scan field does not re-render the whole cart. */
const Line = memo(function Line({
  line,
  index,
  priced,
  selected,
  money,
  locale,
  onSelect,
}: {
  line: CartLine;
  index: number;
  priced: PricedLine | undefined;
  selected: boolean;
  money: Money;
  locale: string;
  onSelect: (i: number) => void;
}) {
  const gross =
    line.unit === "each"
      ? line.quantity * line.unit_price_minor
      : Math.round((line.quantity * line.unit_price_minor) / 1000);
  return (
    <tr
      className={selected ? "selected" : undefined}
      onClick={() => onSelect(index)}
      data-line={index}
    >
      <td>
        <span className="line-name">{line.name}</span>
        {selected ? <span className="sr-only"> (selected)</span> : null}
        <span className="line-sku muted"> {line.sku}</span>
        {priced?.discounts.map((d, k) => (
          <span className="line-discount" key={k}>
            {d.kind === "promotion"
              ? d.name
              : d.kind === "manual"
                ? `Discount ${describeManual(line.discount, money, locale)}`
                : "Share of the cart discount"}{" "}
            −{money(d.amount_minor)}
          </span>
        ))}
        {!priced && line.discount ? (
          <span className="line-discount">
            Discount {describeManual(line.discount, money, locale)}
          </span>
        ) : null}
      </td>
      <td className="num">{formatQuantity(line.quantity, line.unit, locale)}</td>
      <td className="num hide-narrow">{money(line.unit_price_minor)}</td>
      <td className="num line-total">
        {priced ? (
          <>
            {priced.discount_minor ? <s className="muted">{money(priced.gross_minor)}</s> : null}{" "}
            {money(priced.total_minor)}
          </>
        ) : (
          money(gross)
        )}
      </td>
    </tr>
  );
});

export function describeManual(d: ManualDiscount | undefined, money: Money, locale: string) {
  if (!d) return "";
  return d.kind === "percent" ? formatRate(d.percent_bps, locale) : money(d.amount_minor);
}

/** A pricing refusal in words, naming the cart line at fault ("Line 2: …"). */
export function describeCartError(e: unknown): string {
  // The local engine refuses with the server's codes and fields: describe them alike.
  const err = e instanceof PricingError ? new ApiError(422, e.code, e.message, e.field) : e;
  const msg = describeError(err);
  if (err instanceof ApiError && err.field) {
    const m = /^lines\[(\d+)\]/.exec(err.field);
    if (m) return `Line ${Number(m[1]) + 1}: ${msg}`;
    if (err.field.startsWith("cart_discount")) return `Cart discount: ${msg}`;
  }
  return msg;
}

export function Totals({
  cart,
  pricing,
  money,
  locale,
}: {
  cart: Cart;
  pricing: Pricing;
  money: Money;
  locale: string;
}) {
  const priced = pricing.priced ?? undefined;
  const count = itemCount(cart);
  return (
    <section className="totals" aria-label="Totals" aria-live="polite">
      <dl>
        <div>
          <dt>Items</dt>
          <dd data-testid="item-count">{count}</dd>
        </div>
        {priced ? (
          <>
            <div>
              <dt>Subtotal</dt>
              <dd>{money(priced.totals.gross_minor)}</dd>
            </div>
            {priced.totals.discount_minor ? (
              <div>
                <dt>Discounts</dt>
                <dd>−{money(priced.totals.discount_minor)}</dd>
              </div>
            ) : null}
            {priced.tax_breakdown.map((t) => (
              <div key={t.rate_bps} className="totals-tax">
                <dt>
                  {priced.prices_include_tax ? "incl. " : ""}tax {formatRate(t.rate_bps, locale)}
                </dt>
                <dd>{money(t.tax_minor)}</dd>
              </div>
            ))}
          </>
        ) : null}
      </dl>
      <p className="grand-total">
        <span>Total</span>
        <strong data-testid="cart-total">
          {!cart.lines.length ? money(0) : priced ? money(priced.totals.total_minor) : "–"}
        </strong>
      </p>
      {pricing.error ? (
        <div className="alert alert-error" role="alert">
          <p>{describeCartError(pricing.error)}</p>
        </div>
      ) : null}
    </section>
  );
}
