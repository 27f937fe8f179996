/**
 * The cart's prices, computed in the browser on every change (localPricing.ts): promotions,
 * discounts, tax and totals are in the same render as the line that changed them.
 */
import { useMemo } from "react";
import type { PricingError } from "../../domain/pricing/types";
import type { Store } from "../stores/types";
import type { Cart } from "./cart";
import type { CatalogCache } from "./catalog";
import { priceLocally } from "./localPricing";
import type { PricedCart } from "./types";

export interface Pricing {
  priced: PricedCart | null;
  /** A refusal of the cart as it is (a discount larger than its line, ...), with its field. */
  error: PricingError | null;
}

export function usePricedCart(
  store: Store,
  catalog: CatalogCache,
  catalogVersion: number,
  cart: Cart,
): Pricing {
  // catalogVersion: price again when the catalog or promotions change.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => priceLocally(cart, store, catalog), [cart, store, catalog, catalogVersion]);
}
