/**
 * Prices the till's cart in the browser with the same engine as the server
 * (domain/pricing, held to the golden vectors): the store's tax rates and price basis, its cash
 * rounding, and the organisation's active promotions from the catalog cache, judged at this
 * moment. No network: totals are ready in the same render as the scanned line, online or not.
 * The server prices the sale again when it arrives and flags any difference (stale_price).
 */
import { priceCart } from "../../domain/pricing/engine";
import { type CashRounding, PricingError, type PricingContext } from "../../domain/pricing/types";
import { cashIncrement } from "../../platform/money";
import type { Store } from "../stores/types";
import type { Cart } from "./cart";
import type { CatalogCache } from "./catalog";
import type { PricedCart } from "./types";

export function pricingContext(store: Store, catalog: CatalogCache, at: Date): PricingContext {
  const step = cashIncrement(store.currency);
  const cash_rounding: CashRounding =
    step > 1 ? { kind: "nearest", increment_minor: step } : { kind: "none" };
  return {
    currency: store.currency,
    timezone: store.timezone,
    priced_at: at.toISOString(),
    tax: { prices_include_tax: store.tax_inclusive, rates: store.tax_rates },
    cash_rounding,
    promotions: catalog.promotions,
  };
}

export function priceLocally(
  cart: Cart,
  store: Store,
  catalog: CatalogCache,
  at: Date = new Date(),
): { priced: PricedCart | null; error: PricingError | null } {
  if (!cart.lines.length) return { priced: null, error: null };
  const lines = [];
  for (const [i, l] of cart.lines.entries()) {
    const p = catalog.get(l.product_id);
    if (!p)
      return {
        priced: null,
        error: new PricingError(
          "unknown_product",
          `${l.name} is no longer in the catalog: remove the line`,
          `lines[${i}].product_id`,
        ),
      };
    lines.push({
      product_id: l.product_id,
      category_id: p.category_id,
      unit: l.unit,
      quantity: l.quantity,
      unit_price_minor: l.unit_price_minor,
      tax_class: p.tax_class,
      ...(l.discount ? { discount: l.discount } : {}),
    });
  }
  try {
    const priced = priceCart(
      { lines, ...(cart.cart_discount ? { cart_discount: cart.cart_discount } : {}) },
      pricingContext(store, catalog, at),
    );
    return { priced: priced as PricedCart, error: null };
  } catch (e) {
    if (e instanceof PricingError) return { priced: null, error: e };
    throw e;
  }
}
