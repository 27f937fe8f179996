/**
 * Dashboard figures from sales, as pure functions (tested without a browser or server).
 *
 * Definitions (what the cards say):
 * - **Net sales**: sales excluding tax (`priced.totals.total_excl_tax_minor`), after every
 *   discount; **gross sales** include tax (`total_minor`).
 * - **Transactions**: completed sales; **average basket**: net sales ÷ transactions.
 * - **Units**: pieces sold; a weighed line counts as one unit.
 * - **Gross margin**: net sales − cost of goods sold (each sale line's `cogs_minor`, at the store's
 *   average cost when sold), also as a share of net sales.
 * - A **period** is a rolling window ending now (last 24 hours, 7 or 30 days), compared with the
 *   window of the same length just before it. Buckets are hours or days on each store's clock
 *   (its time zone), so a Berlin sale at 00:30 counts on the Berlin day it happened.
 *
 * Returns are not subtracted yet: the returns API is not in the server yet (see docs/web-app.md).
 */
import type { PricedCart } from "../pos/types";

export interface SaleRow {
  id: string;
  status: string;
  store_id: string;
  occurred_at: string;
  currency: string;
  total_minor: number;
  cogs_minor: number;
  priced?: PricedCart | null;
}

export interface StoreInfo {
  id: string;
  name: string;
  code: string;
  timezone: string;
  currency: string;
}

export interface ProductInfo {
  name: string;
  category_id: string | null;
}

export type PeriodKey = "24h" | "7d" | "30d";
export const PERIODS: Record<PeriodKey, { label: string; ms: number; bucket: "hour" | "day" }> = {
  "24h": { label: "Last 24 hours", ms: 24 * 3600_000, bucket: "hour" },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000, bucket: "day" },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000, bucket: "day" },
};

export interface Kpis {
  net: number;
  gross: number;
  transactions: number;
  basket: number;
  units: number;
  margin: number;
  /** Margin ÷ net sales, 0..1 (0 without sales). */
  marginRate: number;
}

export interface Dashboard {
  current: Kpis;
  previous: Kpis;
  /** Net sales per bucket, oldest first, every bucket of the period present (zeros included). */
  series: { key: string; net: number; transactions: number }[];
  topProducts: { product_id: string; name: string; units: number; net: number }[];
  categories: { category_id: string | null; name: string; net: number }[];
  stores: { store_id: string; name: string; net: number; transactions: number }[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function keyFormatter(tz: string, bucket: "hour" | "day"): Intl.DateTimeFormat {
  const k = `${tz}|${bucket}`;
  let f = formatters.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      ...(bucket === "hour" ? { hour: "2-digit", hourCycle: "h23" } : {}),
    });
    formatters.set(k, f);
  }
  return f;
}

/** "2026-11-26" or "2026-11-26 14" on the clock of `tz`. */
export function bucketKey(at: Date, tz: string, bucket: "hour" | "day"): string {
  const parts = Object.fromEntries(
    keyFormatter(tz, bucket)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return bucket === "hour" ? `${day} ${parts.hour}` : day;
}

function emptyKpis(): Kpis {
  return { net: 0, gross: 0, transactions: 0, basket: 0, units: 0, margin: 0, marginRate: 0 };
}

function netOf(s: SaleRow): number {
  return s.priced?.totals.total_excl_tax_minor ?? s.total_minor;
}

function kpisOf(sales: SaleRow[]): Kpis {
  const k = emptyKpis();
  for (const s of sales) {
    const net = netOf(s);
    k.net += net;
    k.gross += s.total_minor;
    k.transactions += 1;
    k.margin += net - s.cogs_minor;
    for (const l of s.priced?.lines ?? []) k.units += l.unit === "each" ? l.quantity : 1;
  }
  k.basket = k.transactions ? Math.round(k.net / k.transactions) : 0;
  k.marginRate = k.net ? k.margin / k.net : 0;
  return k;
}

/** Change from `before` to `now` as a share (0.25 = +25 %); null when there was nothing before. */
export function change(now: number, before: number): number | null {
  if (before === 0) return null;
  return (now - before) / Math.abs(before);
}

export function buildDashboard(
  sales: SaleRow[],
  stores: Map<string, StoreInfo>,
  products: Map<string, ProductInfo>,
  categories: Map<string, string>,
  period: PeriodKey,
  now: Date,
): Dashboard {
  const { ms, bucket } = PERIODS[period];
  const end = now.getTime();
  const start = end - ms;
  const prevStart = start - ms;
  const completed = sales.filter((s) => s.status === "completed");
  const current = completed.filter((s) => {
    const t = Date.parse(s.occurred_at);
    return t >= start && t < end;
  });
  const previous = completed.filter((s) => {
    const t = Date.parse(s.occurred_at);
    return t >= prevStart && t < start;
  });

  // Every bucket the window touches (the first and last may be partial), on the clock of the
  // first store: one clock for the axis.
  const tz = stores.values().next().value?.timezone ?? "UTC";
  const step = bucket === "hour" ? 3600_000 : 86_400_000;
  const keys: string[] = [];
  for (let t = start; t < end + step; t += step) {
    const k = bucketKey(new Date(Math.min(t, end - 1)), tz, bucket);
    if (keys[keys.length - 1] !== k) keys.push(k);
  }
  const series = new Map(keys.map((k) => [k, { key: k, net: 0, transactions: 0 }]));
  const byProduct = new Map<
    string,
    { product_id: string; name: string; units: number; net: number }
  >();
  const byCategory = new Map<string | null, number>();
  const byStore = new Map<
    string,
    { store_id: string; name: string; net: number; transactions: number }
  >();

  for (const s of current) {
    const store = stores.get(s.store_id);
    const k = bucketKey(new Date(s.occurred_at), store?.timezone ?? tz, bucket);
    const b = series.get(k);
    if (b) {
      b.net += netOf(s);
      b.transactions += 1;
    }
    const st = byStore.get(s.store_id) ?? {
      store_id: s.store_id,
      name: store?.name ?? s.store_id,
      net: 0,
      transactions: 0,
    };
    st.net += netOf(s);
    st.transactions += 1;
    byStore.set(s.store_id, st);
    for (const l of s.priced?.lines ?? []) {
      const p = products.get(l.product_id);
      const row = byProduct.get(l.product_id) ?? {
        product_id: l.product_id,
        name: p?.name ?? "Unknown product",
        units: 0,
        net: 0,
      };
      row.units += l.unit === "each" ? l.quantity : 1;
      row.net += l.total_excl_tax_minor;
      byProduct.set(l.product_id, row);
      const cat = p?.category_id ?? null;
      byCategory.set(cat, (byCategory.get(cat) ?? 0) + l.total_excl_tax_minor);
    }
  }

  return {
    current: kpisOf(current),
    previous: kpisOf(previous),
    series: [...series.values()],
    topProducts: [...byProduct.values()]
      .sort((a, b) => b.net - a.net || a.name.localeCompare(b.name))
      .slice(0, 10),
    categories: [...byCategory.entries()]
      .map(([id, net]) => ({
        category_id: id,
        name: id ? (categories.get(id) ?? "Unknown category") : "No category",
        net,
      }))
      .sort((a, b) => b.net - a.net),
    stores: [...byStore.values()].sort((a, b) => b.net - a.net),
  };
}
