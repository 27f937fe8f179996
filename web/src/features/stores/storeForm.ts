/**
 * The store form's values and how they become an API request. Tax rates are typed as
 * percentages (19, 5.5) and sent as basis points (1900, 550).
 */
import { parseMoney, toDecimalString } from "../../platform/money";
import type { Store } from "./types";

/** The server's default refund approval threshold (50.00 in the store's currency). */
const DEFAULT_APPROVAL_MINOR = 5000;

export interface TaxRow {
  cls: string;
  percent: string;
}

export interface StoreFormValues {
  code: string;
  name: string;
  address: string;
  city: string;
  country: string;
  tax_id: string;
  currency: string;
  timezone: string;
  tax_rates: TaxRow[];
  tax_inclusive: boolean;
  /** Refunds above this (typed in the store's currency) need a manager's approval. */
  refund_approval_minor: string;
}

export const STORE_FIELDS = [
  "code",
  "name",
  "address",
  "city",
  "country",
  "tax_id",
  "currency",
  "timezone",
  "tax_rates",
  "tax_inclusive",
  "refund_approval_minor",
] as const;

export function emptyStore(currency: string): StoreFormValues {
  return {
    code: "",
    name: "",
    address: "",
    city: "",
    country: "",
    tax_id: "",
    currency,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "",
    tax_rates: [{ cls: "standard", percent: "" }],
    tax_inclusive: true,
    refund_approval_minor: toDecimalString(DEFAULT_APPROVAL_MINOR, currency),
  };
}

export function valuesOf(s: Store): StoreFormValues {
  return {
    code: s.code,
    name: s.name,
    address: s.address ?? "",
    city: s.city ?? "",
    country: s.country,
    tax_id: s.tax_id ?? "",
    currency: s.currency,
    timezone: s.timezone,
    tax_rates: Object.entries(s.tax_rates).map(([cls, bp]) => ({
      cls,
      percent: String(bp / 100),
    })),
    tax_inclusive: s.tax_inclusive,
    refund_approval_minor: toDecimalString(
      s.refund_approval_minor ?? DEFAULT_APPROVAL_MINOR,
      s.currency,
    ),
  };
}

/** Percent text → basis points; NaN (sent as is, so the API names the field) when unreadable. */
export function percentToBp(text: string): number {
  const t = text.trim().replace(",", ".").replace(/\s*%$/, "");
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return Number.NaN;
  return Math.round(Number(t) * 100);
}

export type RatesResult =
  { ok: true; rates: Record<string, number> } | { ok: false; message: string };

export function ratesOf(rows: TaxRow[]): RatesResult {
  const rates: Record<string, number> = {};
  for (const row of rows) {
    const cls = row.cls.trim();
    if (!cls && !row.percent.trim()) continue;
    if (!cls) return { ok: false, message: "Give every tax rate a class name, e.g. standard." };
    if (cls in rates) return { ok: false, message: `The tax class "${cls}" appears twice.` };
    const bp = percentToBp(row.percent);
    if (Number.isNaN(bp)) {
      return { ok: false, message: `Enter the "${cls}" rate as a percentage, e.g. 19 or 5.5.` };
    }
    rates[cls] = bp;
  }
  return { ok: true, rates };
}

const nullable = (v: string) => (v.trim() === "" ? null : v.trim());

/** The create request body. */
export function createBody(v: StoreFormValues, rates: Record<string, number>) {
  return {
    code: v.code.trim(),
    name: v.name.trim(),
    address: nullable(v.address),
    city: nullable(v.city),
    country: v.country.trim().toUpperCase(),
    tax_id: nullable(v.tax_id),
    currency: v.currency.trim().toUpperCase(),
    timezone: v.timezone.trim(),
    tax_rates: rates,
    tax_inclusive: v.tax_inclusive,
    // Unreadable text is sent as -1, so the API refuses it and names the field.
    refund_approval_minor:
      parseMoney(v.refund_approval_minor, v.currency.trim().toUpperCase()) ?? -1,
  };
}

/** The PATCH body: only what changed (each change is one line in the audit log). */
export function patchBody(before: Store, v: StoreFormValues, rates: Record<string, number>) {
  const next = createBody(v, rates);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof typeof next)[]) {
    const a = JSON.stringify(key === "tax_rates" ? sortKeys(before.tax_rates) : before[key]);
    const b = JSON.stringify(key === "tax_rates" ? sortKeys(next.tax_rates) : next[key]);
    if (a !== b) patch[key] = next[key];
  }
  return patch;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
