import { describe, expect, it } from "vitest";
import {
  createBody,
  emptyProduct,
  fieldFor,
  patchBody,
  splitBarcodes,
  valuesOf,
} from "./productForm";
import type { Product } from "../pos/types";

const product: Product = {
  id: "p1",
  sku: "DAI01AL",
  name: "Alpenhof Butter 250 g",
  category_id: "c1",
  supplier_id: null,
  brand: "Alpenhof",
  unit: "each",
  price_minor: 509,
  cost_minor: 310,
  tax_class: "reduced",
  parent_id: null,
  variant_attributes: {},
  barcodes: ["2006525633523"],
  active: true,
  created_at: "",
  updated_at: "",
};

describe("the product form", () => {
  it("turns typed values into the create body", () => {
    const r = createBody(
      {
        ...emptyProduct(),
        sku: " X1 ",
        name: "Tea",
        price: "2,49",
        barcodes: "4006381333931, 12345670\n",
      },
      "EUR",
    );
    expect(r).toEqual({
      ok: true,
      body: {
        sku: "X1",
        name: "Tea",
        brand: null,
        category_id: null,
        supplier_id: null,
        unit: "each",
        price_minor: 249,
        cost_minor: 0,
        tax_class: "standard",
        barcodes: ["4006381333931", "12345670"],
      },
    });
  });

  it("names the fields that cannot be sent", () => {
    const r = createBody({ ...emptyProduct(), price: "abc", cost: "1.234" }, "EUR");
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(Object.keys(r.errors).sort()).toEqual(["cost_minor", "name", "price_minor", "sku"]);
  });

  it("patches only what changed, and clears optional fields with null", () => {
    const before = valuesOf(product, "EUR");
    expect(before.price).toBe("5.09");
    const r = patchBody(before, { ...before, price: "5.29", brand: "" }, "EUR");
    expect(r).toEqual({ ok: true, body: { price_minor: 529, brand: null } });
    const same = patchBody(before, { ...before, barcodes: " 2006525633523 " }, "EUR");
    expect(same).toEqual({ ok: true, body: {} });
  });

  it("maps API error paths to form fields", () => {
    expect(fieldFor("barcodes[1]")).toBe("barcodes");
    expect(fieldFor("price_minor")).toBe("price");
    expect(fieldFor("variant_attributes.size")).toBeNull();
    expect(splitBarcodes("a b,c;d")).toEqual(["a", "b", "c", "d"]);
  });
});
