import { describe, expect, it } from "vitest";
import { pathOf, type ReturnEntry, type SaleEntry } from "./outbox";
import { cardPaid, refundOf } from "./ReturnDialog";
import type { SaleView } from "./types";

describe("refunds, exchanges and voids at the till", () => {
  it("gives back to a card at most what the cards paid", () => {
    const sale = {
      payments: [
        { kind: "card", amount_minor: 700, reference: "A1" },
        { kind: "cash", tendered_minor: 500 },
        { kind: "card", amount_minor: 300, reference: "A2" },
      ],
    } as unknown as SaleView;
    expect(cardPaid(sale)).toBe(1000);
  });

  it("sends each way of giving money back as the return API takes it", () => {
    expect(refundOf("cash", 250, "")).toEqual({ kind: "cash", amount_minor: 250 });
    expect(refundOf("card", 250, "R-9")).toEqual({
      kind: "card",
      amount_minor: 250,
      reference: "R-9",
    });
    expect(refundOf("exchange", 250, "")).toEqual({
      kind: "other",
      method: "exchange",
      amount_minor: 250,
    });
  });

  it("sends sales, returns and voids to their own routes", () => {
    const base = { store_id: "s1" };
    expect(pathOf({ ...base, kind: "sale" } as SaleEntry)).toBe("/api/stores/s1/sales");
    expect(pathOf({ ...base, kind: "return" } as ReturnEntry)).toBe("/api/stores/s1/returns");
    expect(pathOf({ ...base, kind: "return", void_of: "x" } as ReturnEntry)).toBe(
      "/api/stores/s1/sales/x/void",
    );
  });
});

describe("the payment's summary", () => {
  it("names only the tenders used", async () => {
    const { nonCashLabel } = await import("./PaymentDialog");
    expect(
      nonCashLabel([
        { kind: "other", method: "exchange", amount_minor: 255, reference: "r" },
        { kind: "cash", tendered_minor: 500 },
      ]),
    ).toBe("exchange credit");
    expect(
      nonCashLabel([
        { kind: "card", amount_minor: 100, reference: "A" },
        { kind: "other", method: "loyalty", amount_minor: 100 },
      ]),
    ).toBe("card and points");
  });
});
