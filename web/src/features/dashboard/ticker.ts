/**
 * The dashboard's live sales ticker, as pure data: the latest sales of the stores on screen,
 * newest first, one row per sale.
 *
 * A row comes first from the `sale.completed` event (receipt, total, time: shown the moment the
 * sale is committed), and is then completed from `GET /api/stores/{id}/sales` (the item count,
 * which the event does not carry). Both sources are keyed by the sale id, so a sale seen in
 * the event and again in the REST list is one row; a REST row wins, it is the full record.
 * `sale.voided` marks its row voided.
 */
import type { LiveEvent } from "../../platform/realtime/types";
import type { SaleView } from "../pos/types";

export interface TickerRow {
  saleId: string;
  storeId: string;
  receipt: string;
  totalMinor: number;
  currency: string;
  /** When the sale happened (REST) or was committed (event). */
  time: string;
  /** Units sold (a weighed line counts as one); null until the REST record arrived. */
  items: number | null;
  voided: boolean;
}

/** How many rows the ticker keeps. */
export const TICKER_SIZE = 8;

/** A row from a live event, or null when the event is not a completed sale. */
export function rowFromEvent(e: LiveEvent): TickerRow | null {
  if (e.kind !== "sale.completed" || !e.store_id) return null;
  const d = e.data;
  if (typeof d.sale_id !== "string") return null;
  return {
    saleId: d.sale_id,
    storeId: e.store_id,
    receipt: typeof d.receipt_number === "string" ? d.receipt_number : "",
    totalMinor: typeof d.total_minor === "number" ? d.total_minor : 0,
    currency: typeof d.currency === "string" ? d.currency : "",
    time: e.time,
    items: null,
    voided: false,
  };
}

/** Units on a sale: pieces of `each` lines, plus one per weighed line. */
export function itemCount(sale: SaleView): number | null {
  const lines = sale.priced?.lines;
  if (!lines) return null;
  return lines.reduce((n, l) => n + (l.unit === "weighed" ? 1 : l.quantity), 0);
}

export function rowFromSale(sale: SaleView): TickerRow {
  return {
    saleId: sale.id,
    storeId: sale.store_id,
    receipt: sale.receipt_number,
    totalMinor: sale.total_minor,
    currency: sale.currency,
    time: sale.occurred_at,
    items: itemCount(sale),
    voided: false,
  };
}

/**
 * Merges `incoming` rows into `rows`: same sale → one row (a row with its item count wins over
 * one without; a voided mark is kept), newest first, at most `size`.
 */
export function mergeRows(
  rows: readonly TickerRow[],
  incoming: readonly TickerRow[],
  size = TICKER_SIZE,
): TickerRow[] {
  const bySale = new Map<string, TickerRow>();
  for (const r of rows) bySale.set(r.saleId, r);
  for (const r of incoming) {
    const old = bySale.get(r.saleId);
    if (!old) {
      bySale.set(r.saleId, r);
      continue;
    }
    const best = r.items !== null || old.items === null ? r : old;
    bySale.set(r.saleId, { ...best, voided: old.voided || r.voided });
  }
  return [...bySale.values()]
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || (a.saleId < b.saleId ? 1 : -1))
    .slice(0, size);
}

/** Marks the sale a `sale.voided` event names, if it is on the ticker. */
export function applyVoid(rows: readonly TickerRow[], e: LiveEvent): TickerRow[] {
  const id = e.data.sale_id;
  if (e.kind !== "sale.voided" || typeof id !== "string") return [...rows];
  return rows.map((r) => (r.saleId === id ? { ...r, voided: true } : r));
}

/** Events after which a store's figures (today's KPIs, the ticker's rows) may have changed. */
export function changesSales(e: LiveEvent): boolean {
  return ["sale.completed", "sale.voided", "return.completed"].includes(e.kind);
}
