/**
 * CSV imports (`POST /api/imports`, docs/imports.md): what each kind needs and who may send it,
 * and how an answer (200, or 422 `invalid_rows` with every row error) reads. Pure, tested
 * without a browser.
 */
import { ApiError } from "../../platform/net/errors";

export type ImportKind = "products" | "stock" | "sales";

/** The server's limits (imports::MAX_BYTES and the row limit). */
export const MAX_BYTES = 16 * 1024 * 1024;
export const MAX_ROWS = 100_000;

export interface KindInfo {
  label: string;
  /** Who may import it: admins only, or managers too (for their stores). */
  adminOnly: boolean;
  required: string;
  optional: string;
  example: string;
}

export const KINDS: Record<ImportKind, KindInfo> = {
  products: {
    label: "Products",
    adminOnly: true,
    required: "sku; for new products also name, price, tax_class",
    optional: "cost, unit (each or weighed), category, brand, barcodes (separated by ;), active",
    example:
      'sku,name,price,cost,tax_class,category,barcodes,unit\nTEA-1,"Tea, green",3.50,1.20,standard,Drinks,4006381333931,each\n',
  },
  stock: {
    label: "Stock levels (a count)",
    adminOnly: false,
    required: "sku, counted; store (a store code) unless you choose the store here",
    optional: "none: each row records a count correction to the counted level now",
    example: "sku,counted\nTEA-1,24\n",
  },
  sales: {
    label: "Historical sales",
    adminOnly: true,
    required: "date, store, receipt, sku, quantity, unit_price",
    optional: "cashier (a staff email)",
    example:
      "date,store,receipt,sku,quantity,unit_price,cashier\n2026-03-08 15:05,BER,A-1001,TEA-1,2,3.50,cashier1.ber@example.com\n",
  },
};

export interface RowError {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

export interface Outcome {
  kind: ImportKind;
  dry_run: boolean;
  applied: boolean;
  summary: {
    rows: number;
    created: number;
    updated: number;
    unchanged: number;
    categories_created: number;
    sale_lines: number;
  };
  errors: RowError[];
}

/** The outcome inside a 422 `invalid_rows` answer, or null for any other error. */
export function rejectedOutcome(err: unknown): Outcome | null {
  if (!(err instanceof ApiError) || err.code !== "invalid_rows") return null;
  const body = err.body as Partial<Outcome> | null;
  if (!body || !Array.isArray(body.errors) || !body.summary) return null;
  return body as Outcome;
}

/** A file refused before sending: too big for the server, or not a CSV. */
export function checkFile(file: { name: string; size: number }): string | null {
  if (file.size === 0) return "The file is empty: choose a CSV with a header row and data rows.";
  if (file.size > MAX_BYTES) {
    const mib = (file.size / 1024 / 1024).toFixed(1);
    return `The file is ${mib} MiB; an import takes at most 16 MiB (and 100,000 rows). Split it into smaller files and import each one.`;
  }
  if (!/\.(csv|txt)$/i.test(file.name))
    return "Choose a CSV file (.csv). In a spreadsheet, use Save as → CSV UTF-8.";
  return null;
}

/** What an import did or would do, in words. */
export function summaryText(o: Outcome): string {
  const s = o.summary;
  const parts: string[] = [`${s.rows.toLocaleString("en-GB")} row${s.rows === 1 ? "" : "s"} read`];
  if (o.kind === "sales") {
    parts.push(
      `${s.created} sale${s.created === 1 ? "" : "s"} ${o.applied ? "recorded" : "to record"}`,
    );
    parts.push(`${s.sale_lines} line${s.sale_lines === 1 ? "" : "s"}`);
    if (s.unchanged) parts.push(`${s.unchanged} already imported (skipped)`);
  } else {
    const verb = o.applied ? "" : "to be ";
    parts.push(
      `${s.created} ${verb}created`,
      `${s.updated} ${verb}updated`,
      `${s.unchanged} unchanged`,
    );
    if (s.categories_created)
      parts.push(`${s.categories_created} new categor${s.categories_created === 1 ? "y" : "ies"}`);
  }
  return parts.join(", ");
}
