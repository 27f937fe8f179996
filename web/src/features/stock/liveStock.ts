/**
 * Which live events move stock in their store (docs/websocket-protocol.md §5), so the stock
 * screens reload their on-hand figures when one arrives. A sale, return or void books movements;
 * so do transfers (out at dispatch, in at receipt) and received purchase orders; `stock.*`
 * alerts name a product whose figure just changed. Stock adjustments and counts are not domain
 * events yet (they are audited only): they show on the next reload.
 */
import type { LiveEvent } from "../../platform/realtime/types";

const MOVING = new Set([
  "sale.completed",
  "sale.voided",
  "return.completed",
  "transfer.dispatched",
  "transfer.received",
  "purchase_order.received",
]);

export function changesStock(e: LiveEvent): boolean {
  return MOVING.has(e.kind) || e.kind.startsWith("stock.");
}
