import { describe, expect, it } from "vitest";
import type { LiveEvent } from "../../platform/realtime/types";
import { type TickerRow, applyVoid, mergeRows, rowFromEvent } from "./ticker";

const row = (id: string, time: string, items: number | null = null): TickerRow => ({
  saleId: id,
  storeId: "s1",
  receipt: `R-${id}`,
  totalMinor: 100,
  currency: "EUR",
  time,
  items,
  voided: false,
});

const event = (kind: string, data: Record<string, unknown>): LiveEvent => ({
  id: "e",
  type: "sales_update",
  kind,
  priority: "low",
  title: "",
  message: "",
  data,
  store_id: "s1",
  time: "2026-11-26T10:00:00Z",
});

describe("ticker", () => {
  it("keeps one row per sale, newest first, and the most complete version of it", () => {
    const rows = mergeRows(
      [row("a", "2026-11-26T10:00:00Z", 3)],
      [row("b", "2026-11-26T10:01:00Z"), row("a", "2026-11-26T10:00:01Z")],
    );
    expect(rows.map((r) => [r.saleId, r.items])).toEqual([
      ["b", null],
      ["a", 3],
    ]);
    const completed = mergeRows(rows, [row("b", "2026-11-26T10:01:00Z", 2)]);
    expect(completed.map((r) => r.items)).toEqual([2, 3]);
  });

  it("keeps only the newest rows", () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      row(String(i), `2026-11-26T10:${String(i).padStart(2, "0")}:00Z`),
    );
    expect(mergeRows([], many, 8).map((r) => r.saleId)).toEqual([
      "11",
      "10",
      "9",
      "8",
      "7",
      "6",
      "5",
      "4",
    ]);
  });

  it("reads a row from a completed sale only, and a void keeps its mark through a reload", () => {
    expect(rowFromEvent(event("sale.flagged", { sale_id: "a" }))).toBeNull();
    expect(rowFromEvent(event("sale.completed", {}))).toBeNull();
    const r = rowFromEvent(
      event("sale.completed", {
        sale_id: "a",
        receipt_number: "X-1",
        total_minor: 990,
        currency: "EUR",
      }),
    );
    expect(r).toMatchObject({ saleId: "a", receipt: "X-1", totalMinor: 990, items: null });
    const voided = applyVoid([r!], event("sale.voided", { sale_id: "a" }));
    expect(voided[0]!.voided).toBe(true);
    expect(mergeRows(voided, [{ ...r!, items: 2 }])[0]).toMatchObject({ items: 2, voided: true });
  });
});
