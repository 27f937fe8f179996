import { describe, expect, it } from "vitest";
import {
  redeemable,
  setCustomer,
  addProduct,
  emptyCart,
  itemCount,
  parseDiscount,
  parseQuantity,
  removeLine,
  setCartDiscount,
  setLineDiscount,
  setQuantity,
  toSaleLines,
} from "./cart";
import { checkCash, checkNonCash, tenderState } from "./tender";
import type { Product } from "./types";

const p = (id: string, unit: "each" | "weighed" = "each"): Product => ({
  id,
  sku: id.toUpperCase(),
  name: `Product ${id}`,
  category_id: null,
  supplier_id: null,
  brand: null,
  unit,
  price_minor: 199,
  cost_minor: 100,
  tax_class: "standard",
  parent_id: null,
  variant_attributes: {},
  barcodes: [],
  active: true,
  created_at: "",
  updated_at: "",
});

describe("the cart", () => {
  it("adds a second scan of the same item to its line", () => {
    let c = emptyCart("c1");
    c = addProduct(c, p("a"), 199).cart;
    const r = addProduct(c, p("a"), 199);
    expect(r.index).toBe(0);
    expect(r.cart.lines).toHaveLength(1);
    expect(r.cart.lines[0]!.quantity).toBe(2);
    expect(itemCount(r.cart)).toBe(2);
  });

  it("keeps a discounted line apart, and weighed goods on their own lines", () => {
    let c = addProduct(emptyCart(), p("a"), 199).cart;
    c = setLineDiscount(c, 0, { kind: "percent", percent_bps: 1000 });
    c = addProduct(c, p("a"), 199).cart;
    c = addProduct(c, p("w", "weighed"), 398).cart;
    c = addProduct(c, p("w", "weighed"), 398).cart;
    expect(c.lines.map((l) => [l.product_id, l.quantity])).toEqual([
      ["a", 1],
      ["a", 1],
      ["w", 1000],
      ["w", 1000],
    ]);
  });

  it("edits quantities, removes a line at zero, and sends charged prices and discounts", () => {
    let c = addProduct(emptyCart(), p("a"), 199).cart;
    c = addProduct(c, p("b"), 250).cart;
    c = setQuantity(c, 0, 3);
    c = setLineDiscount(c, 1, { kind: "amount", amount_minor: 50 });
    c = setCartDiscount(c, { kind: "percent", percent_bps: 500 });
    expect(toSaleLines(c)).toEqual([
      { product_id: "a", quantity: 3, unit_price_minor: 199 },
      {
        product_id: "b",
        quantity: 1,
        unit_price_minor: 250,
        discount: { kind: "amount", amount_minor: 50 },
      },
    ]);
    expect(c.cart_discount).toEqual({ kind: "percent", percent_bps: 500 });
    expect(setQuantity(c, 0, 0).lines.map((l) => l.product_id)).toEqual(["b"]);
    expect(removeLine(c, 1).lines).toHaveLength(1);
    expect(setCartDiscount(c, undefined).cart_discount).toBeUndefined();
  });

  it("reads quantities as typed", () => {
    expect(parseQuantity("3", "each")).toBe(3);
    expect(parseQuantity("0", "each")).toBeNull();
    expect(parseQuantity("1.5", "each")).toBeNull();
    expect(parseQuantity("1.25", "weighed")).toBe(1250);
    expect(parseQuantity("0,5", "weighed")).toBe(500);
    expect(parseQuantity("1.2345", "weighed")).toBeNull();
  });

  it("reads discounts as typed", () => {
    expect(parseDiscount("10%", "EUR")).toEqual({ kind: "percent", percent_bps: 1000 });
    expect(parseDiscount("12,5 %", "EUR")).toEqual({ kind: "percent", percent_bps: 1250 });
    expect(parseDiscount("1.50", "EUR")).toEqual({ kind: "amount", amount_minor: 150 });
    expect(parseDiscount("101%", "EUR")).toBeNull();
    expect(parseDiscount("0", "EUR")).toBeNull();
    expect(parseDiscount("x", "EUR")).toBeNull();
  });
});

describe("the customer and points", () => {
  it("attaches and removes a customer", () => {
    const c = setCustomer(emptyCart(), { id: "k", name: "Ada", points_balance: 120 });
    expect(c.customer?.name).toBe("Ada");
    expect(setCustomer(c, undefined).customer).toBeUndefined();
  });
  it("redeems whole points, never more than held or than is left", () => {
    expect(redeemable(120, 1, 500)).toEqual({ points: 120, amount: 120 });
    expect(redeemable(1000, 1, 500)).toEqual({ points: 500, amount: 500 });
    expect(redeemable(1000, 5, 498)).toEqual({ points: 99, amount: 495 });
    expect(redeemable(0, 1, 500)).toEqual({ points: 0, amount: 0 });
  });
});

describe("tenders", () => {
  it("gives change on cash and none on card", () => {
    const s = tenderState(1234, [], 1);
    expect(s.cashDue).toBe(1234);
    expect(checkCash(s, 2000)).toEqual({ ok: true, change: 766 });
    expect(checkCash(s, 1000)).toMatchObject({ ok: false });
    expect(checkNonCash(s, 1235)).toMatchObject({ ok: false });
    expect(checkNonCash(s, 1234)).toEqual({ ok: true, change: 0 });
  });

  it("splits: card first, then cash for the rest, rounded to the cash step (CHF example)", () => {
    // docs/pricing.md: total 12.48; card 10.00; cash due 2.48 → 2.50; tendered 3.00; change 0.50.
    const s = tenderState(1248, [{ kind: "card", amount_minor: 1000, reference: "A" }], 5);
    expect(s).toEqual({ total: 1248, nonCash: 1000, remaining: 248, cashDue: 250 });
    expect(checkCash(s, 300)).toEqual({ ok: true, change: 50 });
  });

  it("refuses cash when the cards already paid everything", () => {
    const s = tenderState(500, [{ kind: "card", amount_minor: 500, reference: "A" }], 1);
    expect(checkCash(s, 100)).toMatchObject({ ok: false });
  });
});
