/**
 * The cart at the till, as plain data and pure functions (no DOM, no network), so every rule
 * here is unit-tested and the same cart can be parked, resumed and, later, priced offline.
 *
 * Rules: scanning a product already in the cart (same price, no line discount) adds to that
 * line instead of making a new one; quantities are whole pieces, or thousandths for weighed
 * goods; a line's price is the one shown when it was rung up (the store's price from the
 * catalog cache), and it is sent with the sale, so what the customer saw is what is charged.
 */
import { parseMoney } from "../../platform/money";
import type { ManualDiscount, Product, SaleLineInput } from "./types";

export interface CartLine {
  /** Stable per line for React and selection. */
  key: string;
  product_id: string;
  name: string;
  sku: string;
  unit: "each" | "weighed";
  quantity: number;
  unit_price_minor: number;
  discount?: ManualDiscount;
}

/** The customer attached to the sale, for loyalty points and purchase history. */
export interface CartCustomer {
  id: string;
  name: string;
  points_balance: number;
}

export interface Cart {
  id: string;
  lines: CartLine[];
  cart_discount?: ManualDiscount;
  customer?: CartCustomer;
  created_at: string;
}

export function setCustomer(cart: Cart, customer: CartCustomer | undefined): Cart {
  const { customer: _old, ...rest } = cart;
  return customer ? { ...rest, customer } : rest;
}

/**
 * Points to redeem against what is left to pay: whole points, worth `valuePerPoint` minor
 * units each, never more than the customer has nor than is left. Their value is paid as an
 * `other` tender with method `loyalty` (the server's rule).
 */
export function redeemable(balance: number, valuePerPoint: number, left: number) {
  if (valuePerPoint <= 0 || balance <= 0 || left <= 0) return { points: 0, amount: 0 };
  const points = Math.min(balance, Math.floor(left / valuePerPoint));
  return { points, amount: points * valuePerPoint };
}

export const MAX_QUANTITY = 1_000_000_000;

export function emptyCart(id: string = crypto.randomUUID()): Cart {
  return { id, lines: [], created_at: new Date().toISOString() };
}

/** Adds `quantity` of a product at `price`; returns the new cart and the index of its line. */
export function addProduct(
  cart: Cart,
  product: Product,
  price: number,
  quantity = product.unit === "weighed" ? 1000 : 1,
): { cart: Cart; index: number } {
  const i = cart.lines.findIndex(
    (l) => l.product_id === product.id && l.unit_price_minor === price && !l.discount,
  );
  if (i >= 0 && product.unit === "each") {
    const lines = cart.lines.slice();
    const l = lines[i]!;
    lines[i] = { ...l, quantity: Math.min(MAX_QUANTITY, l.quantity + quantity) };
    return { cart: { ...cart, lines }, index: i };
  }
  const line: CartLine = {
    key: crypto.randomUUID(),
    product_id: product.id,
    name: product.name,
    sku: product.sku,
    unit: product.unit,
    quantity,
    unit_price_minor: price,
  };
  return { cart: { ...cart, lines: [...cart.lines, line] }, index: cart.lines.length };
}

export function setQuantity(cart: Cart, index: number, quantity: number): Cart {
  if (quantity <= 0) return removeLine(cart, index);
  return mapLine(cart, index, (l) => ({ ...l, quantity: Math.min(MAX_QUANTITY, quantity) }));
}

export function setLineDiscount(
  cart: Cart,
  index: number,
  discount: ManualDiscount | undefined,
): Cart {
  return mapLine(cart, index, (l) => {
    const { discount: _old, ...rest } = l;
    return discount ? { ...rest, discount } : rest;
  });
}

export function setCartDiscount(cart: Cart, discount: ManualDiscount | undefined): Cart {
  const { cart_discount: _old, ...rest } = cart;
  return discount ? { ...rest, cart_discount: discount } : rest;
}

export function removeLine(cart: Cart, index: number): Cart {
  return { ...cart, lines: cart.lines.filter((_, i) => i !== index) };
}

function mapLine(cart: Cart, index: number, f: (l: CartLine) => CartLine): Cart {
  if (!cart.lines[index]) return cart;
  const lines = cart.lines.slice();
  lines[index] = f(lines[index]!);
  return { ...cart, lines };
}

/** The lines as the sale and price-cart endpoints take them. */
export function toSaleLines(cart: Cart): SaleLineInput[] {
  return cart.lines.map((l) => ({
    product_id: l.product_id,
    quantity: l.quantity,
    unit_price_minor: l.unit_price_minor,
    ...(l.discount ? { discount: l.discount } : {}),
  }));
}

/** Pieces in the cart (weighed lines count once). */
export function itemCount(cart: Cart): number {
  return cart.lines.reduce((n, l) => n + (l.unit === "each" ? l.quantity : 1), 0);
}

/**
 * A quantity as typed: whole pieces ("3"), or kilograms for weighed goods ("1.25" or "1,25" →
 * 1250 thousandths). Null when it is not a positive quantity of that kind.
 */
export function parseQuantity(text: string, unit: "each" | "weighed"): number | null {
  const t = text.trim();
  if (unit === "each") {
    if (!/^\d{1,10}$/.test(t)) return null;
    const n = Number(t);
    return n >= 1 && n <= MAX_QUANTITY ? n : null;
  }
  const m = /^(\d{1,7})(?:[.,](\d{0,3}))?$/.exec(t);
  if (!m) return null;
  const n = Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
  return n >= 1 && n <= MAX_QUANTITY ? n : null;
}

/**
 * A discount as typed: "10%" or "12.5 %" → a percentage; "1.50" → an amount in the currency.
 * Null when it is neither, or a percentage over 100.
 */
export function parseDiscount(text: string, currency: string): ManualDiscount | null {
  const t = text.trim();
  const pct = /^(\d{1,3})(?:[.,](\d{1,2}))?\s*%$/.exec(t);
  if (pct) {
    const bps = Number(pct[1]) * 100 + Number((pct[2] ?? "").padEnd(2, "0"));
    return bps > 0 && bps <= 10_000 ? { kind: "percent", percent_bps: bps } : null;
  }
  const amount = parseMoney(t, currency);
  return amount !== null && amount > 0 ? { kind: "amount", amount_minor: amount } : null;
}

/** A quantity for people: "3", or "1.250 kg" for weighed goods. */
export function formatQuantity(quantity: number, unit: "each" | "weighed", locale: string) {
  if (unit === "each") return new Intl.NumberFormat(locale).format(quantity);
  return (
    new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(
      quantity / 1000,
    ) + " kg"
  );
}
