import { describe, expect, it } from "vitest";
import { type SaleRow, type StoreInfo, bucketKey, buildDashboard, change } from "./aggregate";

const berlin: StoreInfo = {
  id: "ber",
  name: "Berlin",
  code: "BER",
  timezone: "Europe/Berlin",
  currency: "EUR",
};
const paris: StoreInfo = {
  id: "par",
  name: "Paris",
  code: "PAR",
  timezone: "Europe/Paris",
  currency: "EUR",
};
const stores = new Map([
  ["ber", berlin],
  ["par", paris],
]);
const products = new Map([
  ["milk", { name: "Milk", category_id: "dairy" }],
  ["apple", { name: "Apples", category_id: "fruit" }],
]);
const categories = new Map([
  ["dairy", "Dairy"],
  ["fruit", "Fruit"],
]);

function sale(
  id: string,
  store: string,
  at: string,
  lines: [string, "each" | "weighed", number, number][],
  cogs: number,
): SaleRow {
  const net = lines.reduce((s, l) => s + l[3], 0);
  return {
    id,
    status: "completed",
    store_id: store,
    occurred_at: at,
    currency: "EUR",
    total_minor: Math.round(net * 1.07),
    cogs_minor: cogs,
    priced: {
      currency: "EUR",
      prices_include_tax: true,
      lines: lines.map(([product_id, unit, quantity, net]) => ({
        product_id,
        unit,
        quantity,
        unit_price_minor: 0,
        tax_class: "reduced",
        tax_rate_bps: 700,
        gross_minor: 0,
        discounts: [],
        discount_minor: 0,
        total_excl_tax_minor: net,
        tax_minor: 0,
        total_minor: 0,
      })),
      tax_breakdown: [],
      totals: {
        gross_minor: 0,
        discount_minor: 0,
        total_excl_tax_minor: net,
        tax_minor: 0,
        total_minor: Math.round(net * 1.07),
      },
      cash_total_minor: 0,
    },
  };
}

const now = new Date("2026-11-26T12:00:00Z");

describe("the dashboard figures", () => {
  it("computes KPIs for the period and the one before", () => {
    const sales = [
      sale(
        "a",
        "ber",
        "2026-11-26T09:00:00Z",
        [
          ["milk", "each", 2, 200],
          ["apple", "weighed", 1250, 300],
        ],
        250,
      ),
      sale("b", "par", "2026-11-25T10:00:00Z", [["milk", "each", 1, 100]], 60),
      // the previous 7 days
      sale("c", "ber", "2026-11-18T10:00:00Z", [["milk", "each", 4, 400]], 240),
      // outside both windows
      sale("d", "ber", "2026-11-01T10:00:00Z", [["milk", "each", 9, 900]], 1),
      {
        ...sale("e", "ber", "2026-11-26T10:00:00Z", [["milk", "each", 1, 100]], 1),
        status: "quarantined",
      },
    ];
    const d = buildDashboard(sales, stores, products, categories, "7d", now);
    expect(d.current).toMatchObject({
      net: 600,
      transactions: 2,
      basket: 300,
      units: 4,
      margin: 290,
    });
    expect(d.current.marginRate).toBeCloseTo(290 / 600);
    expect(d.previous).toMatchObject({ net: 400, transactions: 1, units: 4 });
    expect(change(d.current.net, d.previous.net)).toBeCloseTo(0.5);
    expect(change(5, 0)).toBeNull();
  });

  it("ranks products and categories, and compares stores", () => {
    const sales = [
      sale(
        "a",
        "ber",
        "2026-11-26T09:00:00Z",
        [
          ["milk", "each", 2, 200],
          ["apple", "weighed", 1250, 300],
        ],
        0,
      ),
      sale("b", "par", "2026-11-26T10:00:00Z", [["milk", "each", 1, 150]], 0),
    ];
    const d = buildDashboard(sales, stores, products, categories, "24h", now);
    expect(d.topProducts.map((p) => [p.name, p.units, p.net])).toEqual([
      ["Milk", 3, 350],
      ["Apples", 1, 300],
    ]);
    expect(d.categories.map((c) => [c.name, c.net])).toEqual([
      ["Dairy", 350],
      ["Fruit", 300],
    ]);
    expect(d.stores.map((s) => [s.name, s.net, s.transactions])).toEqual([
      ["Berlin", 500, 1],
      ["Paris", 150, 1],
    ]);
  });

  it("buckets by the store's own clock and keeps empty buckets", () => {
    // 23:30 UTC on the 25th is 00:30 on the 26th in Berlin.
    expect(bucketKey(new Date("2026-11-25T23:30:00Z"), "Europe/Berlin", "day")).toBe("2026-11-26");
    expect(bucketKey(new Date("2026-11-25T23:30:00Z"), "Europe/Berlin", "hour")).toBe(
      "2026-11-26 00",
    );
    const d = buildDashboard(
      [sale("a", "ber", "2026-11-25T23:30:00Z", [["milk", "each", 1, 100]], 0)],
      stores,
      products,
      categories,
      "7d",
      now,
    );
    // 19 Nov 13:00 to 26 Nov 13:00 Berlin time: eight calendar days, the first and last partial.
    expect(d.series).toHaveLength(8);
    expect(d.series.at(-1)!.key).toBe("2026-11-26");
    expect(d.series.find((b) => b.key === "2026-11-26")!.net).toBe(100);
    expect(d.series.filter((b) => b.net === 0)).toHaveLength(7);
    expect(buildDashboard([], stores, products, categories, "24h", now).series).toHaveLength(24);
  });
});
