import { act } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { navigate } from "../../app/router";
import { liveReload } from "../../platform/realtime/live";
import { fakeApi } from "../../testing/fakeServer";
import { eventually, fakeRealtime, settle } from "../../testing/fakeRealtime";
import { type Rendered, renderWithApp, testMe } from "../../testing/renderWithApp";
import { StockPage } from "./StockPage";
import type { StockLevel } from "./types";

const store = (id: string, name: string) => ({
  id,
  code: id.toUpperCase(),
  name,
  currency: "EUR",
  timezone: "Europe/Berlin",
  active: true,
});

function level(sku: string, onHand: number): StockLevel {
  return {
    product_id: `p-${sku}`,
    sku,
    name: `Item ${sku}`,
    on_hand: onHand,
    avg_cost_minor: 100,
    reorder_point: 2,
    min_level: null,
    max_level: null,
    low: onHand <= 2,
    updated_at: "2026-11-26T10:00:00Z",
  };
}

/** Stock per store, paged like the API (cursor = index of the next row). */
function chain() {
  const stock: Record<string, StockLevel[]> = {
    s1: [level("A", 10), level("B", 5)],
    s2: [level("A", 7)],
  };
  const server = fakeApi({
    "GET /api/stores": () => ({
      status: 200,
      body: { items: [store("s1", "Berlin"), store("s2", "Paris")], next_cursor: null },
    }),
    "GET /api/products": () => ({ status: 200, body: { items: [], next_cursor: null } }),
    "GET /api/stores/:id/stock": ({ params, query }) => {
      const all = (stock[params.id!] ?? []).filter(
        (l) => query.get("low_only") !== "true" || l.low,
      );
      const from = Number(query.get("cursor") ?? 0);
      const limit = Number(query.get("limit") ?? 50);
      const to = from + limit;
      return {
        status: 200,
        body: { items: all.slice(from, to), next_cursor: to < all.length ? String(to) : null },
      };
    },
  });
  return { ...server, stock };
}

let view: Rendered | null = null;
beforeEach(() => {
  liveReload.waitMs = 40;
  liveReload.maxWaitMs = 400;
  window.history.replaceState(null, "", "/stock?store=s1");
});
afterEach(() => {
  view?.unmount();
  view = null;
  window.history.replaceState(null, "", "/");
});

const onHand = (sku: string) =>
  view!.container.querySelector(`[data-testid="on-hand-${sku}"]`)?.textContent ?? null;
const stockCalls = (calls: string[], id = "s1") =>
  calls.filter((c) => c.startsWith(`GET /api/stores/${id}/stock`)).length;
const quietly = () => act(() => new Promise<void>((r) => setTimeout(r, 60)));

async function open() {
  const server = chain();
  const live = fakeRealtime(server.api);
  view = await renderWithApp(<StockPage />, server.api, testMe({ admin: true }));
  await eventually(() => expect(onHand("A")).toBe("10"));
  await live.connect(5);
  // The confirmed subscription reloads once (what loaded before it may miss a sale).
  const loads = stockCalls(server.calls);
  await quietly();
  await eventually(() => expect(stockCalls(server.calls)).toBe(loads + 1));
  await settle();
  return { server, live };
}

describe("StockPage live", () => {
  it("updates the on-hand figures after a sale at another till, without a loading state", async () => {
    const { server, live } = await open();
    expect(live.socket().sent).toEqual([{ type: "subscribe", channel: "store:s1" }]);
    const before = stockCalls(server.calls);
    server.stock.s1![0] = level("A", 8);
    await live.event("store:s1", 6, { kind: "sale.completed", store_id: "s1", data: {} });
    await live.event("store:s1", 7, {
      type: "inventory_alert",
      kind: "stock.below_reorder_point",
      store_id: "s1",
      data: { product_id: "p-A", on_hand: 8 },
    });
    // Still the old figure, and no "Loading stock…" while the reload waits.
    expect(onHand("A")).toBe("10");
    await quietly();
    await eventually(() => expect(onHand("A")).toBe("8"));
    expect(view!.text()).not.toContain("Loading stock");
    expect(stockCalls(server.calls)).toBe(before + 1);
  });

  it("does not reload for events that move no stock", async () => {
    const { server, live } = await open();
    const before = stockCalls(server.calls);
    await live.event("store:s1", 6, {
      type: "system_alert",
      kind: "price.changed",
      store_id: "s1",
      data: {},
    });
    await live.event("store:s1", 7, { kind: "sale.flagged", store_id: "s1", data: {} });
    await quietly();
    await settle();
    expect(stockCalls(server.calls)).toBe(before);
  });

  it("reloads every row shown, including those added with Show more", async () => {
    const server = chain();
    server.stock.s1 = Array.from({ length: 130 }, (_, i) => level(`K${i}`, 50));
    const live = fakeRealtime(server.api);
    view = await renderWithApp(<StockPage />, server.api, testMe({ admin: true }));
    await eventually(() => expect(onHand("K99")).toBe("50"));
    await live.connect(1);
    await quietly();
    await settle();
    const more = [...view.container.querySelectorAll("button")].find(
      (b) => b.textContent === "Show more",
    )!;
    await act(async () => more.click());
    await eventually(() => expect(onHand("K129")).toBe("50"));
    server.stock.s1[129] = level("K129", 49);
    await live.event("store:s1", 2, { kind: "sale.completed", store_id: "s1", data: {} });
    await quietly();
    await eventually(() => expect(onHand("K129")).toBe("49"));
    expect(view.container.querySelectorAll("tbody tr")).toHaveLength(130);
  });

  it("reloads on a reset, and follows the store when another is chosen", async () => {
    const { server, live } = await open();
    server.stock.s1![1] = level("B", 1);
    await live.reset("store:s1", 90);
    await quietly();
    await eventually(() => expect(onHand("B")).toBe("1"));

    await act(async () => navigate("/stock?store=s2", { replace: true }));
    await eventually(() => expect(onHand("A")).toBe("7"));
    expect(live.socket().sent.slice(-2)).toEqual([
      { type: "unsubscribe", channel: "store:s1" },
      { type: "subscribe", channel: "store:s2" },
    ]);
    // The newly chosen store's sales now update the table.
    await act(async () =>
      live
        .socket()
        .push({ type: "subscribed", channel: "store:s2", epoch: "E1", offset: 0, head: 0 }),
    );
    server.stock.s2![0] = level("A", 6);
    await live.event("store:s2", 1, { kind: "sale.completed", store_id: "s2", data: {} });
    await quietly();
    await eventually(() => expect(onHand("A")).toBe("6"));
  });
});
