/**
 * The product form as plain data: what the fields hold (text, as typed), how they become the
 * API's create and update bodies (money parsed in the organisation's currency, barcodes split
 * on spaces, commas or lines), and which fields the API's error paths belong to. Pure, tested.
 */
import { parseMoney, toDecimalString } from "../../platform/money";
import type { Product } from "../pos/types";

export interface ProductFormValues {
  sku: string;
  name: string;
  brand: string;
  category_id: string;
  supplier_id: string;
  unit: "each" | "weighed";
  price: string;
  cost: string;
  tax_class: string;
  barcodes: string;
}

export const PRODUCT_FIELDS = [
  "sku",
  "name",
  "brand",
  "category_id",
  "supplier_id",
  "unit",
  "price_minor",
  "cost_minor",
  "tax_class",
  "barcodes",
] as const;

export function emptyProduct(): ProductFormValues {
  return {
    sku: "",
    name: "",
    brand: "",
    category_id: "",
    supplier_id: "",
    unit: "each",
    price: "",
    cost: "",
    tax_class: "standard",
    barcodes: "",
  };
}

export function valuesOf(p: Product, currency: string): ProductFormValues {
  return {
    sku: p.sku,
    name: p.name,
    brand: p.brand ?? "",
    category_id: p.category_id ?? "",
    supplier_id: p.supplier_id ?? "",
    unit: p.unit,
    price: toDecimalString(p.price_minor, currency),
    cost: toDecimalString(p.cost_minor, currency),
    tax_class: p.tax_class,
    barcodes: p.barcodes.join("\n"),
  };
}

export function splitBarcodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((b) => b.trim())
    .filter(Boolean);
}

export type Checked =
  { ok: true; body: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** The create body, or the fields that cannot be sent as typed. */
export function createBody(v: ProductFormValues, currency: string): Checked {
  const errors: Record<string, string> = {};
  const price = parseMoney(v.price, currency);
  if (price === null) errors.price_minor = "Type a price like 2.49.";
  const cost = v.cost.trim() ? parseMoney(v.cost, currency) : 0;
  if (cost === null) errors.cost_minor = "Type a cost like 1.20, or leave it empty.";
  if (!v.sku.trim()) errors.sku = "Give the product a SKU, e.g. DAI01AL.";
  if (!v.name.trim()) errors.name = "Give the product a name.";
  if (!v.tax_class.trim()) errors.tax_class = "Choose a tax class.";
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      sku: v.sku.trim(),
      name: v.name.trim(),
      brand: v.brand.trim() || null,
      category_id: v.category_id || null,
      supplier_id: v.supplier_id || null,
      unit: v.unit,
      price_minor: price,
      cost_minor: cost,
      tax_class: v.tax_class.trim(),
      barcodes: splitBarcodes(v.barcodes),
    },
  };
}

/** Only what changed, for PATCH (nulls clear optional fields). */
export function patchBody(
  before: ProductFormValues,
  v: ProductFormValues,
  currency: string,
): Checked {
  const full = createBody(v, currency);
  if (!full.ok) return full;
  const body: Record<string, unknown> = {};
  const keys: [keyof ProductFormValues, string][] = [
    ["sku", "sku"],
    ["name", "name"],
    ["brand", "brand"],
    ["category_id", "category_id"],
    ["supplier_id", "supplier_id"],
    ["unit", "unit"],
    ["price", "price_minor"],
    ["cost", "cost_minor"],
    ["tax_class", "tax_class"],
  ];
  for (const [field, key] of keys) if (before[field] !== v[field]) body[key] = full.body[key];
  if (splitBarcodes(before.barcodes).join(" ") !== splitBarcodes(v.barcodes).join(" "))
    body.barcodes = full.body.barcodes;
  return { ok: true, body };
}

/** The form field for an API error path (`barcodes[2]` → `barcodes`, `price_minor` → `price`). */
export function fieldFor(apiField: string | null): keyof ProductFormValues | null {
  if (!apiField) return null;
  const first = /^[^.[]+/.exec(apiField)?.[0];
  switch (first) {
    case "price_minor":
      return "price";
    case "cost_minor":
      return "cost";
    case "sku":
    case "name":
    case "brand":
    case "category_id":
    case "supplier_id":
    case "unit":
    case "tax_class":
    case "barcodes":
      return first;
    default:
      return null;
  }
}
