import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { openPosDb } from "../../platform/db/posDb";
import { fakeApi } from "../../testing/fakeServer";
import { CatalogCache, words } from "./catalog";
import type { Product } from "./types";

function product(n: number, patch: Partial<Product> = {}): Product {
  return {
    id: `p${n}`,
    sku: `SKU-${n}`,
    name: `Product ${n}`,
    category_id: null,
    supplier_id: null,
    brand: null,
    unit: "each",
    price_minor: 100 * n,
    cost_minor: 50 * n,
    tax_class: "standard",
    parent_id: null,
    variant_attributes: {},
    barcodes: [`400000000000${n}`],
    active: true,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...patch,
  };
}

/** A catalog server that pages its products two at a time, like the real one with limit. */
function catalogServer(state: {
  products: Product[];
  overrides: { product_id: string; price_minor: number }[];
}) {
  return fakeApi({
    "GET /api/products": ({ query }) => {
      expect(query.get("include_inactive")).toBe("true");
      const start = Number(query.get("cursor") ?? 0);
      const items = state.products.slice(start, start + 2);
      const next = start + 2 < state.products.length ? String(start + 2) : null;
      return { status: 200, body: { items, next_cursor: next } };
    },
    "GET /api/promotions": () => ({
      status: 200,
      body: {
        items: [
          {
            id: "e1",
            name: "10 % off",
            active: true,
            priority: 1,
            rule: { kind: "percentage", percent_bps: 1000 },
            scope: { kind: "all" },
            schedule: {},
            created_at: "",
            updated_at: "",
          },
        ],
        next_cursor: null,
      },
    }),
    "GET /api/stores/:store/price-overrides": () => ({
      status: 200,
      body: {
        items: state.overrides.map((o) => ({ ...o, updated_at: "2026-01-01T00:00:00Z" })),
        next_cursor: null,
      },
    }),
  });
}

describe("CatalogCache", () => {
  it("syncs every page, finds products by barcode and SKU, and survives a reload", async () => {
    const factory = new IDBFactory();
    const pos = await openPosDb(factory);
    const state = {
      products: [
        product(1),
        product(2, { name: "Coca-Cola Zero 0.5 l", brand: "Coca-Cola" }),
        product(3),
      ],
      overrides: [{ product_id: "p3", price_minor: 250 }],
    };
    const { api, calls } = catalogServer(state);
    const cache = await CatalogCache.load(pos, "s1");
    expect(cache.size).toBe(0);

    const r = await cache.sync(api);

    expect(calls.filter((c) => c.startsWith("GET /api/products")).length).toBe(2);
    expect(r).toMatchObject({ products: 3, changed: 3, removed: 0 });
    expect(cache.lookup("4000000000001")?.id).toBe("p1");
    expect(cache.lookup("sku-2")?.id).toBe("p2");
    expect(cache.lookup("999")).toBeUndefined();
    expect(cache.priceOf(cache.get("p3")!)).toBe(250);
    expect(cache.priceOf(cache.get("p1")!)).toBe(100);
    expect(cache.search("coca 0.5").map((p) => p.id)).toEqual(["p2"]);
    expect(cache.search("zero").map((p) => p.id)).toEqual(["p2"]);

    const reloaded = await CatalogCache.load(await openPosDb(factory), "s1");
    expect(reloaded.size).toBe(3);
    expect(reloaded.priceOf(reloaded.get("p3")!)).toBe(250);
    expect(reloaded.syncedAt).toBe(r.syncedAt);
    expect(reloaded.promotions).toEqual([
      {
        id: "e1",
        name: "10 % off",
        priority: 1,
        rule: { kind: "percentage", percent_bps: 1000 },
        scope: { kind: "all" },
        schedule: {},
      },
    ]);
  });

  it("writes only what changed and forgets deactivated and deleted products", async () => {
    const pos = await openPosDb(new IDBFactory());
    const state = {
      products: [product(1), product(2), product(3)],
      overrides: [{ product_id: "p1", price_minor: 90 }],
    };
    const { api } = catalogServer(state);
    const cache = await CatalogCache.load(pos, "s1");
    await cache.sync(api);

    state.products = [
      product(1, { price_minor: 120, updated_at: "2026-02-01T00:00:00Z" }),
      product(2, { active: false, updated_at: "2026-02-01T00:00:00Z" }),
    ];
    state.overrides = [];
    const r = await cache.sync(api);

    expect(r).toMatchObject({ products: 1, changed: 1, removed: 2 });
    expect(cache.get("p2")).toBeUndefined();
    expect(cache.lookup("4000000000002")).toBeUndefined();
    expect(cache.priceOf(cache.get("p1")!)).toBe(120);
  });

  it("keeps overrides per store", async () => {
    const factory = new IDBFactory();
    const pos = await openPosDb(factory);
    const { api } = catalogServer({
      products: [product(1)],
      overrides: [{ product_id: "p1", price_minor: 77 }],
    });
    await (await CatalogCache.load(pos, "s1")).sync(api);
    const other = await CatalogCache.load(pos, "s2");
    expect(other.priceOf(other.get("p1")!)).toBe(100);
  });

  it("splits names into accent-free lower-case words", () => {
    expect(words("Crème-Brûlée 0,5 l")).toEqual(["creme", "brulee", "0,5", "l"]);
  });
});
