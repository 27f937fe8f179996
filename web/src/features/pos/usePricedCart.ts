/**
 * Prices the cart with the store's promotions and tax through `POST .../price-cart` (the
 * server's pricing engine), whenever the cart's lines or discounts change. Answers to older
 * carts are dropped, so the totals shown always belong to the cart on screen; `current` is
 * false while the newest cart is being priced.
 */
import { useEffect, useRef, useState } from "react";
import type { Api } from "../../platform/net/api";
import { type Cart, toSaleLines } from "./cart";
import type { PricedCartView } from "./types";

export interface Pricing {
  /** The last answer (may belong to an older cart while `current` is false). */
  view: PricedCartView | null;
  /** True when `view` (or `error`) is for the cart as it is now. */
  current: boolean;
  error: unknown;
  retry: () => void;
}

export function cartSignature(cart: Cart): string {
  return JSON.stringify([toSaleLines(cart), cart.cart_discount ?? null]);
}

export function usePricedCart(api: Api, storeId: string, cart: Cart): Pricing {
  const sig = cartSignature(cart);
  const [state, setState] = useState<{ sig: string; view: PricedCartView | null; error: unknown }>({
    sig: "",
    view: null,
    error: null,
  });
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(sig);
  latest.current = sig;

  useEffect(() => {
    if (!cart.lines.length) {
      setState({ sig, view: null, error: null });
      return;
    }
    const body = {
      lines: toSaleLines(cart),
      ...(cart.cart_discount ? { cart_discount: cart.cart_discount } : {}),
    };
    api.post<PricedCartView>(`/api/stores/${storeId}/price-cart`, body).then(
      (view) => latest.current === sig && setState({ sig, view, error: null }),
      (error: unknown) => latest.current === sig && setState((s) => ({ sig, view: s.view, error })),
    );
    // The signature captures everything priced; `cart` itself changes identity on every edit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, storeId, sig, attempt]);

  return {
    view: state.view,
    current: state.sig === sig,
    error: state.sig === sig ? state.error : null,
    retry: () => setAttempt((n) => n + 1),
  };
}
