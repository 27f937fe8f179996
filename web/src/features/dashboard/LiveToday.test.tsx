import { act } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { liveReload } from "../../platform/realtime/live";
import { apiError, fakeApi } from "../../testing/fakeServer";
import { eventually, fakeRealtime, settle } from "../../testing/fakeRealtime";
import { type Rendered, renderWithApp, testMe } from "../../testing/renderWithApp";
import type { SaleView } from "../pos/types";
import type { Store } from "../stores/types";
import { LiveToday } from "./LiveToday";

function store(id: string, name: string): Store {
  return {
    id,
    code: id.toUpperCase(),
    name,
    address: null,
    city: null,
    country: "DE",
    tax_id: null,
    currency: "EUR",
    timezone: "Europe/Berlin",
    tax_rates: { standard: 1900 },
    tax_inclusive: true,
    active: true,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
}

const BERLIN = store("s1", "Berlin Mitte");
const PARIS = store("s2", "Paris Marais");

function sale(id: string, storeId: string, receipt: string, total: number, qty: number): SaleView {
  return {
    id,
    status: "completed",
    store_id: storeId,
    terminal_id: "t1",
    mutation_id: `m-${id}`,
    seq: 1,
    receipt_number: receipt,
    occurred_at: "2026-11-26T10:00:00Z",
    currency: "EUR",
    total_minor: total,
    tax_minor: 0,
    discount_minor: 0,
    cogs_minor: 0,
    flags: [],
    priced: {
      lines: [
        { product_id: "p1", unit: "each", quantity: qty },
        { product_id: "p2", unit: "weighed", quantity: 1250 },
      ],
    } as never,
    payments: [],
  };
}

/** The server's truth: sales per store; the KPI report is computed from it. */
function chain() {
  const sales: Record<string, SaleView[]> = { s1: [], s2: [] };
  let kpisFail = false;
  const { api, calls } = fakeApi({
    "GET /api/stores/:id/sales": ({ params }) => ({
      status: 200,
      body: { items: [...(sales[params.id!] ?? [])].reverse(), next_cursor: null },
    }),
    "GET /api/stores/:id/reports/kpis": ({ params, query }) => {
      if (kpisFail) return apiError(500, "internal_error", "The server failed.");
      const list = sales[params.id!] ?? [];
      const revenue = list.reduce((n, s) => n + s.total_minor, 0);
      expect(query.get("from")).toBe(query.get("to"));
      return {
        status: 200,
        body: {
          totals: {
            revenue_minor: revenue,
            transactions: list.length,
            average_basket_minor: list.length ? Math.round(revenue / list.length) : null,
          },
        },
      };
    },
  });
  return {
    api,
    calls,
    sales,
    failKpis: (v: boolean) => (kpisFail = v),
    count: (prefix: string) => calls.filter((c) => c.startsWith(prefix)).length,
  };
}

const onSale = (s: SaleView) => ({
  kind: "sale.completed",
  store_id: s.store_id,
  time: "2026-11-26T10:00:05Z",
  data: {
    sale_id: s.id,
    receipt_number: s.receipt_number,
    total_minor: s.total_minor,
    currency: "EUR",
    flags: [],
  },
});

let view: Rendered | null = null;
beforeEach(() => {
  // Short enough for a quick test, long enough that two frames sent together are one burst.
  liveReload.waitMs = 40;
  liveReload.maxWaitMs = 400;
});
afterEach(() => {
  view?.unmount();
  view = null;
});

async function open(server: ReturnType<typeof chain>, loads = true) {
  const live = fakeRealtime(server.api);
  view = await renderWithApp(
    <LiveToday stores={[BERLIN, PARIS]} store={BERLIN} onSalesChanged={() => changed++} />,
    server.api,
    testMe({ admin: true }),
  );
  await live.connect(10);
  await settle();
  if (loads) await eventually(() => expect(testId("live-transactions")).not.toBe("…"));
  return live;
}
let changed = 0;

const testId = (id: string) =>
  (view!.container.querySelector(`[data-testid="${id}"]`)?.textContent ?? "").trim();
const tickerRows = () =>
  [...view!.container.querySelectorAll('[data-testid="ticker"] tbody tr')].map((tr) =>
    [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim()).join(" | "),
  );
const pastDebounce = () => act(() => new Promise<void>((r) => setTimeout(r, 60)));

describe("LiveToday", () => {
  it("subscribes to every store it shows, the chosen store first", async () => {
    const server = chain();
    const live = await open(server);
    expect(live.sockets[0]!.sent).toEqual([
      { type: "subscribe", channel: "store:s1" },
      { type: "subscribe", channel: "store:s2" },
    ]);
    expect(testId("live-status")).toBe("Live");
    expect(testId("live-transactions")).toBe("0");
  });

  it("puts a sale at another till on the ticker at once, then reloads today's figures once", async () => {
    changed = 0;
    const server = chain();
    const live = await open(server);
    const kpisBefore = server.count("GET /api/stores/s1/reports/kpis");

    const first = sale("a", "s1", "BER-T1-000001", 1250, 2);
    const second = sale("b", "s1", "BER-T1-000002", 750, 1);
    server.sales.s1!.push(first, second);
    await live.event("store:s1", 11, onSale(first));
    await live.event("store:s1", 12, onSale(second));

    // The event alone: receipt and total now, the item count once the sale record is read.
    expect(tickerRows()[0]).toContain("BER-T1-000002");
    expect(tickerRows()[0]).toContain("€7.50");
    expect(tickerRows()[0]).toContain("…");
    expect(testId("live-transactions")).toBe("0");
    expect(changed).toBe(2);

    await pastDebounce();
    await eventually(() => expect(testId("live-transactions")).toBe("2"));
    expect(testId("live-revenue")).toBe("€20.00");
    expect(testId("live-basket")).toBe("€10.00");
    // Two sales, one reload: bursts are coalesced.
    expect(server.count("GET /api/stores/s1/reports/kpis")).toBe(kpisBefore + 1);
    // 1 piece + 1 weighed line; 2 pieces + 1 weighed line.
    await eventually(() =>
      expect(tickerRows()).toEqual([
        expect.stringMatching(/Berlin Mitte \| BER-T1-000002 \| 2 \| €7\.50$/),
        expect.stringMatching(/Berlin Mitte \| BER-T1-000001 \| 3 \| €12\.50$/),
      ]),
    );
  });

  it("shows sales of the other stores on the ticker without reloading the chosen store's figures", async () => {
    changed = 0;
    const server = chain();
    const live = await open(server);
    const kpisBefore = server.count("GET /api/stores/s1/reports/kpis");
    const paris = sale("p", "s2", "PAR-T1-000001", 990, 1);
    server.sales.s2!.push(paris);
    await live.event("store:s2", 11, onSale(paris));
    await pastDebounce();
    await eventually(() =>
      expect(tickerRows()[0]).toMatch(/Paris Marais \| PAR-T1-000001 \| 2 \| €9\.90$/),
    );
    expect(server.count("GET /api/stores/s1/reports/kpis")).toBe(kpisBefore);
    expect(changed).toBe(0);
  });

  it("marks a voided sale and ignores events that change no sales", async () => {
    const server = chain();
    const live = await open(server);
    const s = sale("a", "s1", "BER-T1-000001", 1250, 2);
    server.sales.s1!.push(s);
    await live.event("store:s1", 11, onSale(s));
    await pastDebounce();
    await eventually(() => expect(testId("live-transactions")).toBe("1"));
    const kpis = server.count("GET /api/stores/s1/reports/kpis");
    await live.event("store:s1", 12, {
      type: "system_alert",
      kind: "price.changed",
      store_id: "s1",
      data: {},
    });
    await pastDebounce();
    expect(server.count("GET /api/stores/s1/reports/kpis")).toBe(kpis);

    await live.event("store:s1", 13, {
      kind: "sale.voided",
      priority: "medium",
      store_id: "s1",
      data: { sale_id: "a", return_id: "r", total_minor: 1250, currency: "EUR" },
    });
    expect(view!.container.querySelector(".ticker-voided")?.textContent).toContain("Voided");
    await pastDebounce();
    expect(server.count("GET /api/stores/s1/reports/kpis")).toBe(kpis + 1);
  });

  it("reloads a store's part from REST on a reset (history window passed)", async () => {
    const server = chain();
    const live = await open(server);
    // Sales made while this screen could not hear them: the server only says "reset".
    server.sales.s1!.push(sale("a", "s1", "BER-T1-000001", 1250, 2));
    const kpis = server.count("GET /api/stores/s1/reports/kpis");
    await live.reset("store:s1", 40);
    await settle();
    expect(server.count("GET /api/stores/s1/reports/kpis")).toBe(kpis + 1);
    await eventually(() => expect(testId("live-transactions")).toBe("1"));
    expect(tickerRows()[0]).toContain("BER-T1-000001");
    // Events after the reset's offset follow, and count.
    const next = sale("b", "s1", "BER-T1-000002", 100, 1);
    server.sales.s1!.push(next);
    await live.event("store:s1", 41, onSale(next));
    await pastDebounce();
    await eventually(() => expect(testId("live-transactions")).toBe("2"));
  });

  it("says so when the connection drops, and resumes from its offsets when it is back", async () => {
    const server = chain();
    const live = await open(server);
    const s = sale("a", "s1", "BER-T1-000001", 1250, 2);
    server.sales.s1!.push(s);
    await live.event("store:s1", 11, onSale(s));
    await pastDebounce();

    await live.drop();
    expect(testId("live-status")).toMatch(/^Offline: figures as of \d\d:\d\d, reconnecting$/);
    // A sale made while this screen was offline.
    const missed = sale("b", "s1", "BER-T1-000002", 500, 1);
    server.sales.s1!.push(missed);

    await live.reconnect();
    await live.connect(12);
    expect(live.socket().sent).toEqual([
      { type: "subscribe", channel: "store:s1", resume: { epoch: "E1", offset: 11 } },
      { type: "subscribe", channel: "store:s2", resume: { epoch: "E1", offset: 10 } },
    ]);
    expect(testId("live-status")).toBe("Live");
    // The server replays offset 12; a duplicate of 11 is dropped by the client.
    await live.event("store:s1", 11, onSale(s));
    await live.event("store:s1", 12, onSale(missed));
    await pastDebounce();
    await eventually(() => expect(testId("live-transactions")).toBe("2"));
    expect(tickerRows().map((r) => r.split(" | ")[2])).toEqual(["BER-T1-000002", "BER-T1-000001"]);
  });

  it("keeps the last figures and says why when a reload fails", async () => {
    const server = chain();
    const live = await open(server);
    server.failKpis(true);
    await live.reset("store:s1", 50);
    await settle();
    // The first load succeeded: its figures stay.
    expect(testId("live-transactions")).toBe("0");
    view!.unmount();
    view = null;

    const fresh = chain();
    fresh.failKpis(true);
    await open(fresh, false);
    await eventually(() =>
      expect(view!.text()).toContain(
        "Today's figures could not be loaded: Something went wrong on the server.",
      ),
    );
  });
});
