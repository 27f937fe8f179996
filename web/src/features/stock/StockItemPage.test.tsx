import { act } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { liveReload } from "../../platform/realtime/live";
import { fakeApi } from "../../testing/fakeServer";
import { eventually, fakeRealtime, settle } from "../../testing/fakeRealtime";
import { type Rendered, renderWithApp, testMe } from "../../testing/renderWithApp";
import { StockItemPage } from "./StockItemPage";

function chain() {
  const state = { onHand: 12 };
  const server = fakeApi({
    "GET /api/stores/:id": () => ({
      status: 200,
      body: { id: "s1", name: "Berlin", code: "BER", currency: "EUR", timezone: "Europe/Berlin" },
    }),
    "GET /api/products/:id": () => ({
      status: 200,
      body: { id: "p1", sku: "A-1", name: "Alpenhof milk", unit: "each" },
    }),
    "GET /api/stores/:id/stock/:product": () => ({
      status: 200,
      body: {
        product_id: "p1",
        sku: "A-1",
        name: "Alpenhof milk",
        on_hand: state.onHand,
        avg_cost_minor: 80,
        reorder_point: null,
        min_level: null,
        max_level: null,
        low: false,
        updated_at: "2026-11-26T10:00:00Z",
      },
    }),
    "GET /api/stores/:id/stock-movements": () => ({
      status: 200,
      body: { items: [], next_cursor: null },
    }),
  });
  return { ...server, state };
}

let view: Rendered | null = null;
beforeEach(() => {
  liveReload.waitMs = 40;
  liveReload.maxWaitMs = 400;
});
afterEach(() => {
  view?.unmount();
  view = null;
});

const onHand = () =>
  view!.container.querySelector('[data-testid="item-on-hand"]')?.textContent ?? null;
const levelCalls = (calls: string[]) =>
  calls.filter((c) => c.startsWith("GET /api/stores/s1/stock/p1")).length;
const quietly = () => act(() => new Promise<void>((r) => setTimeout(r, 60)));

describe("StockItemPage live", () => {
  it("follows sales of the store and skips alerts about other products", async () => {
    const server = chain();
    const live = fakeRealtime(server.api);
    view = await renderWithApp(
      <StockItemPage storeId="s1" productId="p1" />,
      server.api,
      testMe({ admin: true }),
    );
    await eventually(() => expect(onHand()).toBe("12"));
    await live.connect(3);
    await quietly();
    await settle();
    const before = levelCalls(server.calls);

    await live.event("store:s1", 4, {
      type: "inventory_alert",
      kind: "stock.below_reorder_point",
      store_id: "s1",
      data: { product_id: "p2", on_hand: 1 },
    });
    await quietly();
    await settle();
    expect(levelCalls(server.calls)).toBe(before);

    server.state.onHand = 11;
    await live.event("store:s1", 5, { kind: "sale.completed", store_id: "s1", data: {} });
    await quietly();
    await eventually(() => expect(onHand()).toBe("11"));
    expect(levelCalls(server.calls)).toBe(before + 1);
  });
});
