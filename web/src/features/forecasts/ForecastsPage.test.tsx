import { act } from "react";
import { type Root, createRoot } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { accessOf } from "../../app/access";
import { AppContext, type AppContextValue } from "../../app/context";
import type { AuthSession } from "../auth/session";
import type { Me } from "../auth/types";
import { type Handler, apiError, fakeApi } from "../../testing/fakeServer";
import { ForecastsPage } from "./ForecastsPage";
import type { Forecast, Job, Model } from "./types";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const STORE = "0190a000-0000-7000-8000-000000000001";
const OAT = "0190b000-0000-7000-8000-000000000001";
const RYE = "0190b000-0000-7000-8000-000000000002";
const MANAGER = "0190c000-0000-7000-8000-000000000001";

const manager: Me = {
  user: {
    id: MANAGER,
    email: "manager.ber@demo.local",
    display_name: "Mara",
    active: true,
    is_org_admin: false,
    must_change_password: false,
    memberships: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  },
  organisation: { id: "o1", name: "Corner Shops", currency: "EUR", locale: "en-GB" },
  memberships: [
    { store_id: STORE, store_code: "BER-01", store_name: "Berlin Mitte", role: "manager" },
  ],
};

const store = {
  id: STORE,
  code: "BER-01",
  name: "Berlin Mitte",
  address: null,
  city: null,
  country: "DE",
  tax_id: null,
  currency: "EUR",
  timezone: "Europe/Berlin",
  tax_rates: {},
  tax_inclusive: true,
  active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const product = (id: string, name: string, sku: string, unit: "each" | "weighed" = "each") => ({
  id,
  sku,
  name,
  category_id: null,
  supplier_id: null,
  brand: null,
  unit,
  price_minor: 199,
  cost_minor: 100,
  tax_class: "standard",
  parent_id: null,
  variant_attributes: {},
  barcodes: [],
  active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});
const products = {
  [OAT]: product(OAT, "Oat milk 1 l", "DAI01"),
  [RYE]: product(RYE, "Rye bread", "BAK07"),
};

function model(over: Partial<Model>): Model {
  return {
    id: "m3",
    store_id: STORE,
    product_id: OAT,
    product_name: "Oat milk 1 l",
    scope: "series",
    version: 3,
    model_type: "ensemble",
    params: {
      members: [
        { model: "ets", weight: 0.52 },
        { model: "tsb", weight: 0.48 },
      ],
      class: "smooth",
    },
    backtest: { mase: 0.81, rmsse: 0.66, wape: 0.34 },
    live: { mase: 0.92, wape: 0.38, days: 14 },
    degraded: false,
    trained_at: "2026-11-26T03:00:05Z",
    training_ms: 41,
    data_from: "2025-11-26",
    data_to: "2026-11-25",
    active: true,
    job_id: "j1",
    ...over,
  };
}

function forecast(): Forecast {
  const m = model({});
  return {
    store_id: STORE,
    product_id: OAT,
    horizon: 28,
    level: 80,
    history: [
      { date: "2026-11-24", quantity: 4 },
      { date: "2026-11-25", quantity: 6 },
    ],
    forecast: [
      { date: "2026-11-26", mean: 3.2, lo: 1, hi: 5.9 },
      { date: "2026-11-27", mean: 4.8, lo: 2, hi: 7.5 },
    ],
    model: {
      id: m.id,
      version: m.version,
      scope: m.scope,
      model_type: m.model_type,
      members: m.params?.members ?? null,
      backtest: m.backtest,
      live: m.live,
      trained_at: m.trained_at,
      data_from: m.data_from,
      data_to: m.data_to,
    },
    cached: true,
  };
}

function job(over: Partial<Job>): Job {
  return {
    id: "j9",
    store_id: STORE,
    trigger: "api",
    full: false,
    status: "queued",
    total_series: null,
    done_series: 0,
    failed_series: 0,
    failures: [],
    created_at: "2026-11-26T10:00:00Z",
    started_at: null,
    finished_at: null,
    requested_by: MANAGER,
    ...over,
  };
}

/** The API of one store with a trained history, each route replaceable by a test. */
function routes(over: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    "GET /api/stores": () => ({ status: 200, body: { items: [store], next_cursor: null } }),
    "GET /api/users": () => ({ status: 200, body: { items: [], next_cursor: null } }),
    "GET /api/products/:id": ({ params }) =>
      products[params.id as keyof typeof products]
        ? { status: 200, body: products[params.id as keyof typeof products] }
        : apiError(404, "not_found"),
    "GET /api/products": ({ query }) => ({
      status: 200,
      body: {
        items: Object.values(products).filter((p) =>
          p.name.toLowerCase().includes((query.get("q") ?? "").toLowerCase()),
        ),
        next_cursor: null,
      },
    }),
    "GET /api/stores/:store/forecasts": () => ({ status: 200, body: forecast() }),
    "GET /api/stores/:store/models/:id": ({ params }) => ({
      status: 200,
      body: model({ id: params.id! }),
    }),
    "GET /api/stores/:store/models": () => ({
      status: 200,
      body: {
        items: [
          model({}),
          model({ id: "m2", version: 2, active: false, live: null }),
          model({
            id: "d1",
            scope: "store_default",
            product_id: null,
            product_name: null,
            version: 1,
            model_type: "global",
            params: null,
          }),
        ],
        next_cursor: null,
      },
    }),
    "GET /api/stores/:store/forecast-jobs": () => ({
      status: 200,
      body: { items: [], next_cursor: null },
    }),
    ...over,
  };
}

let root: Root | null = null;
let container: HTMLDivElement | null = null;

async function open(path: string, r: Record<string, Handler>, who: Me = manager) {
  window.history.replaceState(null, "", path);
  const { api, calls } = fakeApi(r);
  const ctx: AppContextValue = {
    session: {} as AuthSession,
    api,
    me: who,
    access: accessOf(who),
    reloadMe: async () => undefined,
  };
  container = document.createElement("div");
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () => {
    root!.render(
      <AppContext.Provider value={ctx}>
        <ForecastsPage />
      </AppContext.Provider>,
    );
  });
  return { view: container, calls };
}

afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
  root = null;
  container = null;
  vi.useRealTimers();
  window.history.replaceState(null, "", "/");
});

const text = () => container?.textContent ?? "";
const until = (fn: () => void) => vi.waitFor(fn, { timeout: 3000 });
function button(name: string | RegExp): HTMLButtonElement {
  const all = [...(container?.querySelectorAll("button") ?? [])];
  const hit = all.find((b) => {
    const label = b.getAttribute("aria-label") ?? b.textContent ?? "";
    return typeof name === "string" ? label === name : name.test(label);
  });
  if (!hit) throw new Error(`no button ${name}; have ${all.map((b) => b.textContent).join(" | ")}`);
  return hit;
}
async function click(el: HTMLElement) {
  await act(async () => {
    el.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  });
}
async function key(el: HTMLElement, k: string) {
  await act(async () => {
    el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
  });
}
async function type(el: HTMLInputElement, value: string) {
  await act(async () => {
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
    set.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

describe("the Forecast tab", () => {
  it("shows history, forecast and interval with the model, its type and its accuracy", async () => {
    const { calls } = await open(`/forecasts?store=${STORE}&product=${OAT}`, routes());
    await until(() => expect(text()).toContain("accuracy 66\u00a0%"));
    const asked = calls.find((c) => c.startsWith(`GET /api/stores/${STORE}/forecasts`))!;
    expect(new URL(asked.slice(4), "http://x").searchParams.toString()).toBe(
      `product=${OAT}&horizon=28&level=80&history_days=90`,
    );
    expect(container!.querySelector('[data-testid="model-type"]')?.textContent).toBe(
      "Ensemble (ETS 52\u00a0%, TSB 48\u00a0%)",
    );
    expect(container!.querySelector('[data-testid="backtest-accuracy"]')?.textContent).toContain(
      "MASE 0.81",
    );
    expect(container!.querySelector('[data-testid="live-accuracy"]')?.textContent).toBe(
      "accuracy 62\u00a0% over 14 days · MASE 0.92",
    );
    expect(container!.querySelector('[data-testid="forecast-total"]')?.textContent).toBe("8 units");
    expect(text()).toContain("this product's own model");
    // The chart's numbers, as a table: history days have sales, forecast days mean and bounds.
    const rows = [...container!.querySelectorAll(".forecast-chart tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ["24 Nov", "4", "", "", ""],
      ["25 Nov", "6", "", "", ""],
      ["26 Nov", "", "3.2", "1", "5.9"],
      ["27 Nov", "", "4.8", "2", "7.5"],
    ]);
    expect(text()).not.toContain("Accuracy has dropped");
  });

  it("warns when the model's live accuracy has dropped below its backtest", async () => {
    await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/stores/:store/models/:id": () => ({
          status: 200,
          body: model({ degraded: true }),
        }),
      }),
    );
    await until(() => expect(text()).toContain("Accuracy has dropped"));
  });

  it("says live accuracy is not measured yet for a model without actuals", async () => {
    await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/stores/:store/forecasts": () => ({
          status: 200,
          body: {
            ...forecast(),
            model: { ...forecast().model, live: null, scope: "store_default" },
          },
        }),
      }),
    );
    await until(() => expect(text()).toContain("Not measured yet"));
    expect(text()).toContain("Berlin Mitte's default model");
  });

  it("asks to train first when the store has no model (409 no_active_model)", async () => {
    await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/stores/:store/forecasts": () =>
          apiError(409, "no_active_model", "nothing trained"),
      }),
    );
    await until(() => expect(text()).toContain("No forecast yet: train the store's models"));
    const link = [...container!.querySelectorAll("a")].find(
      (a) => a.textContent === "Go to training",
    );
    expect(link?.getAttribute("href")).toBe(`/forecasts/training?store=${STORE}`);
  });

  it.each([
    [
      apiError(400, "invalid_query", "horizon out of range", "horizon"),
      "The forecast length (1 to 90 days) is not valid",
    ],
    [apiError(404, "not_found", "no such product"), "not in your organisation's catalog"],
    [apiError(403, "forbidden", "no"), "for its managers and the organisation's admins"],
    [{ status: 0 }, "Cannot reach the ChainSync server"],
    [apiError(500, "internal_error", "boom"), "Something went wrong on the server"],
  ])("shows a refused forecast as a sentence (%j)", async (answer, message) => {
    await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({ "GET /api/stores/:store/forecasts": () => answer }),
    );
    await until(() =>
      expect(container!.querySelector('[role="alert"]')?.textContent).toContain(message),
    );
    expect(button("Try again")).toBeTruthy();
    expect(container!.querySelector(".forecast-chart")).toBeNull();
  });

  it("finds a product with the keyboard and opens its forecast", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { calls } = await open(`/forecasts?store=${STORE}`, routes());
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(text()).toContain("Choose a product");
    expect(calls.some((c) => c.includes("/forecasts?"))).toBe(false);
    const input = container!.querySelector<HTMLInputElement>('input[role="combobox"]')!;
    expect(container!.querySelector(`label[for="${input.id}"]`)?.textContent).toBe("Product");
    await type(input, "a");
    await act(() => vi.advanceTimersByTimeAsync(200));
    expect(calls.some((c) => c.startsWith("GET /api/products?"))).toBe(false);
    await act(() => vi.advanceTimersByTimeAsync(50));
    expect(container!.querySelectorAll('[role="listbox"] [role="option"]').length).toBe(2);
    expect(input.getAttribute("aria-expanded")).toBe("true");
    await key(input, "ArrowDown");
    expect(input.getAttribute("aria-activedescendant")).toMatch(/-1$/);
    await key(input, "Enter");
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(window.location.search).toContain(`product=${RYE}`);
    expect(text()).toContain("accuracy 66\u00a0%");
    expect(container!.querySelector('[role="listbox"]')).toBeNull();
    expect(input.value).toBe("Rye bread");
  });

  it("asks again on Refresh (live accuracy moves as sales come in)", async () => {
    let live = 14;
    const { calls } = await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/stores/:store/forecasts": () => ({
          status: 200,
          body: {
            ...forecast(),
            model: { ...forecast().model, live: { mase: 0.5, wape: 0.1, days: live } },
          },
        }),
      }),
    );
    await until(() => expect(text()).toContain("accuracy 90\u00a0% over 14 days"));
    live = 15;
    await click(button("Refresh"));
    await until(() => expect(text()).toContain("accuracy 90\u00a0% over 15 days"));
    expect(calls.filter((c) => c.includes("/forecasts?")).length).toBe(2);
  });

  it("closes the product list on Escape and keeps the product shown", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await open(`/forecasts?store=${STORE}&product=${OAT}`, routes());
    await act(() => vi.advanceTimersByTimeAsync(0));
    const input = container!.querySelector<HTMLInputElement>('input[role="combobox"]')!;
    expect(input.value).toBe("Oat milk 1 l");
    await type(input, "rye");
    await act(() => vi.advanceTimersByTimeAsync(300));
    expect(container!.querySelectorAll('[role="option"]').length).toBe(1);
    await key(input, "Escape");
    expect(container!.querySelector('[role="listbox"]')).toBeNull();
    expect(input.value).toBe("Oat milk 1 l");
    expect(window.location.search).toContain(`product=${OAT}`);
  });

  it("says so when no product matches the search", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await open(`/forecasts?store=${STORE}`, routes());
    await act(() => vi.advanceTimersByTimeAsync(0));
    const input = container!.querySelector<HTMLInputElement>('input[role="combobox"]')!;
    await type(input, "zzz");
    await act(() => vi.advanceTimersByTimeAsync(300));
    expect(container!.querySelector('[role="listbox"]')).toBeNull();
    expect(container!.querySelector('.product-picker [role="status"]')?.textContent).toBe(
      "No product matches “zzz”.",
    );
    await key(input, "Enter");
    expect(window.location.search).not.toContain("product=");
  });

  it("asks for the chosen horizon, interval and history", async () => {
    const { calls } = await open(
      `/forecasts?store=${STORE}&product=${OAT}&horizon=7&level=95&history_days=365`,
      routes(),
    );
    await until(() => expect(text()).toContain("accuracy 66\u00a0%"));
    expect(calls.some((c) => c.endsWith(`horizon=7&level=95&history_days=365`))).toBe(true);
  });

  it("shows weighed goods in kilograms (the server sends them in kg, not thousandths)", async () => {
    await open(
      `/forecasts?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/products/:id": () => ({
          status: 200,
          body: product(OAT, "Gouda", "CHE01", "weighed"),
        }),
        "GET /api/stores/:store/forecasts": () => ({
          status: 200,
          body: {
            ...forecast(),
            history: [{ date: "2026-11-25", quantity: 1.5 }],
            forecast: [{ date: "2026-11-26", mean: 2.25, lo: 1, hi: 3 }],
          },
        }),
      }),
    );
    await until(() =>
      expect(container!.querySelector('[data-testid="forecast-total"]')?.textContent).toBe(
        "2.25 kg",
      ),
    );
  });
});

describe("the Models tab", () => {
  it("lists the store's models with type, accuracy, status and actions", async () => {
    await open(`/forecasts/models?store=${STORE}`, routes());
    await until(() => expect(container!.querySelectorAll(".models-table tbody tr").length).toBe(3));
    const cells = (i: number) =>
      [...container!.querySelectorAll(".models-table tbody tr")[i]!.querySelectorAll("td")].map(
        (td) => td.textContent,
      );
    expect(cells(0).slice(0, 5)).toEqual([
      "Oat milk 1 l",
      "3",
      "Ensemble (ETS 52\u00a0%, TSB 48\u00a0%)",
      "accuracy 66\u00a0%MASE 0.81",
      "accuracy 62\u00a0%MASE 0.92 · 14 d",
    ]);
    expect(cells(0)[6]).toBe("Active");
    expect(cells(1)[4]).toBe("not yet");
    expect(cells(2)[0]).toBe("Store default");
    expect(button("Roll back Oat milk 1 l")).toBeTruthy();
    expect(button("Activate version 2 of Oat milk 1 l")).toBeTruthy();
    expect(button("Roll back the store's default model")).toBeTruthy();
  });

  it("filters by active and pages with the cursor", async () => {
    const seen: string[] = [];
    const { calls } = await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "GET /api/stores/:store/models": ({ query }) => {
          seen.push(query.toString());
          return {
            status: 200,
            body: {
              items: [model({ id: query.get("cursor") ? "older" : "newer" })],
              next_cursor: query.get("cursor") ? null : "c2",
            },
          };
        },
      }),
    );
    await until(() => expect(seen).toEqual(["limit=50"]));
    await until(() => expect(button("Older →").disabled).toBe(false));
    await click(button("Older →"));
    await until(() => expect(seen.at(-1)).toBe("cursor=c2&limit=50"));
    await until(() => expect(text()).toContain("Page 2"));
    expect(button("Older →").disabled).toBe(true);
    await click(button("← Newer"));
    await until(() => expect(text()).toContain("Page 1"));
    const box = [...container!.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')][0]!;
    await click(box);
    await until(() => expect(seen.at(-1)).toBe("active=true&limit=50"));
    expect(window.location.search).toContain("active=1");
    expect(calls.length).toBeGreaterThan(0);
  });

  it("reads the list again on Refresh (live accuracy moves as sales come in)", async () => {
    let days = 14;
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "GET /api/stores/:store/models": () => ({
          status: 200,
          body: { items: [model({ live: { mase: 0.9, wape: 0.3, days } })], next_cursor: null },
        }),
      }),
    );
    await until(() => expect(text()).toContain("MASE 0.90 · 14 d"));
    days = 15;
    await click(button("Refresh"));
    await until(() => expect(text()).toContain("MASE 0.90 · 15 d"));
  });

  it("filters by product and clears the filter with All products", async () => {
    const seen: string[] = [];
    await open(
      `/forecasts/models?store=${STORE}&product=${OAT}`,
      routes({
        "GET /api/stores/:store/models": ({ query }) => {
          seen.push(query.toString());
          return { status: 200, body: { items: [model({})], next_cursor: null } };
        },
      }),
    );
    await until(() => expect(seen).toEqual([`product=${OAT}&limit=50`]));
    await until(() => button("All products"));
    await click(button("All products"));
    await until(() => expect(seen.at(-1)).toBe("limit=50"));
    expect(window.location.search).toBe(`?store=${STORE}`);
  });

  it("rolls a product back after confirmation", async () => {
    const posted: unknown[] = [];
    let rolledBack = false;
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "POST /api/stores/:store/models/rollback": ({ body }) => {
          posted.push(body);
          rolledBack = true;
          return { status: 200, body: model({ id: "m2", version: 2 }) };
        },
        "GET /api/stores/:store/models": () => ({
          status: 200,
          body: {
            items: [
              model({ active: !rolledBack }),
              model({ id: "m2", version: 2, active: rolledBack }),
            ],
            next_cursor: null,
          },
        }),
      }),
    );
    await until(() => button("Roll back Oat milk 1 l"));
    await click(button("Roll back Oat milk 1 l"));
    const dialog = container!.querySelector("dialog")!;
    expect(dialog.textContent).toContain("Roll back Oat milk 1 l?");
    expect(posted).toEqual([]);
    await click(button("Roll back"));
    await until(() =>
      expect(text()).toContain(
        "Oat milk 1 l is back on version 2 (version 3 is kept in the list).",
      ),
    );
    expect(posted).toEqual([{ product_id: OAT }]);
    await until(() => expect(button("Roll back Oat milk 1 l")).toBeTruthy());
    expect(button("Activate version 3 of Oat milk 1 l")).toBeTruthy();
  });

  it("rolls the store default back with a null product", async () => {
    const posted: unknown[] = [];
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "POST /api/stores/:store/models/rollback": ({ body }) => {
          posted.push(body);
          return {
            status: 200,
            body: model({ scope: "store_default", product_id: null, product_name: null }),
          };
        },
      }),
    );
    await until(() => button("Roll back the store's default model"));
    await click(button("Roll back the store's default model"));
    await click(button("Roll back"));
    await until(() => expect(posted).toEqual([{ product_id: null }]));
  });

  it("keeps the dialog open with the reason when there is nothing to roll back", async () => {
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "POST /api/stores/:store/models/rollback": () =>
          apiError(409, "nothing_to_roll_back", "no earlier version"),
      }),
    );
    await until(() => button("Roll back Oat milk 1 l"));
    await click(button("Roll back Oat milk 1 l"));
    await click(button("Roll back"));
    const dialog = container!.querySelector("dialog")!;
    await until(() =>
      expect(dialog.querySelector('[role="alert"]')?.textContent).toContain(
        "There is no earlier version to go back to.",
      ),
    );
    expect(text()).not.toContain("is back on version");
    await click(button("Cancel"));
    expect(dialog.querySelector('[role="alert"]')).toBeNull();
  });

  it("activates a version, and says so when it has gone (404)", async () => {
    let gone = false;
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "POST /api/stores/:store/models/:id/activate": ({ params }) =>
          gone
            ? apiError(404, "not_found", "no such model")
            : { status: 200, body: model({ id: params.id!, version: 2 }) },
      }),
    );
    await until(() => button("Activate version 2 of Oat milk 1 l"));
    await click(button("Activate version 2 of Oat milk 1 l"));
    await click(button("Activate"));
    await until(() => expect(text()).toContain("Version 2 of Oat milk 1 l is now active"));
    gone = true;
    await click(button("Activate version 2 of Oat milk 1 l"));
    await click(button("Activate"));
    await until(() =>
      expect(container!.querySelector("dialog [role='alert']")?.textContent).toContain(
        "This model version no longer exists",
      ),
    );
  });

  it("shows a refused list as a sentence with a retry", async () => {
    let fail = true;
    await open(
      `/forecasts/models?store=${STORE}`,
      routes({
        "GET /api/stores/:store/models": () =>
          fail
            ? apiError(403, "forbidden", "no")
            : { status: 200, body: { items: [model({})], next_cursor: null } },
      }),
    );
    await until(() =>
      expect(container!.querySelector('[role="alert"]')?.textContent).toContain(
        "for its managers and the organisation's admins",
      ),
    );
    fail = false;
    await click(button("Try again"));
    await until(() => expect(container!.querySelectorAll(".models-table tbody tr").length).toBe(1));
  });
});

describe("the Training tab", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });
  const tick = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

  it("trains every product and follows the job every 2 seconds until it ends", async () => {
    const states: Job[] = [
      job({ status: "running", full: true, total_series: 300, done_series: 120 }),
      job({
        status: "succeeded",
        full: true,
        total_series: 300,
        done_series: 300,
        failed_series: 1,
        failures: [{ product_id: RYE, error: "the series has no sales" }],
        finished_at: "2026-11-26T10:05:00Z",
      }),
    ];
    const posted: unknown[] = [];
    let latest: Job | null = null;
    const { calls } = await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "POST /api/stores/:store/forecast-jobs": ({ body }) => {
          posted.push(body);
          latest = job({ full: true });
          return { status: 202, body: latest };
        },
        "GET /api/stores/:store/forecast-jobs/:id": () => {
          latest = states.shift()!;
          return { status: 200, body: latest };
        },
        "GET /api/stores/:store/forecast-jobs": () => ({
          status: 200,
          body: { items: latest ? [latest] : [], next_cursor: null },
        }),
      }),
    );
    await tick(0);
    expect(text()).toContain("No training yet");
    const full = [...container!.querySelectorAll<HTMLInputElement>('input[type="radio"]')][1]!;
    await click(full);
    await click(button("Train now"));
    await tick(0);
    expect(posted).toEqual([{ full: true }]);
    expect(text()).toContain("Training in progress");
    expect(text()).toContain("Waiting for its turn…");
    expect(button("Training…").disabled).toBe(true);
    const polls = () => calls.filter((c) => c.endsWith("/forecast-jobs/j9")).length;
    await tick(1900);
    expect(polls()).toBe(0);
    await tick(100);
    expect(polls()).toBe(1);
    expect(container!.querySelector('[data-testid="job-progress"]')?.textContent).toBe(
      "120 of 300 products (40\u00a0%)",
    );
    const bar = container!.querySelector("progress")!;
    expect([bar.getAttribute("value"), bar.getAttribute("max")]).toEqual(["120", "300"]);
    await tick(2000);
    expect(polls()).toBe(2);
    expect(text()).toContain(
      "Training finished: 299 products trained; 1 could not be trained (listed below).",
    );
    await tick(0);
    expect(container!.querySelector(".failures")?.textContent).toBe(
      "Rye bread: the series has no sales",
    );
    // Nothing more is asked once the job has ended.
    await tick(6000);
    expect(polls()).toBe(2);
    expect(button("Train now").disabled).toBe(false);
  });

  it("shows why a job failed, and a failed store default by name", async () => {
    await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "GET /api/stores/:store/forecast-jobs": () => ({
          status: 200,
          body: {
            items: [job({ status: "running", total_series: 2, done_series: 1 })],
            next_cursor: null,
          },
        }),
        "GET /api/stores/:store/forecast-jobs/:id": () => ({
          status: 200,
          body: job({
            status: "failed",
            total_series: 2,
            done_series: 2,
            failed_series: 1,
            failures: [{ product_id: null, error: "no sales at all" }],
            error: "the database went away",
          }),
        }),
      }),
    );
    await tick(0);
    await tick(2000);
    expect(text()).toContain(
      "Training failed: the models in use are unchanged. Reason: the database went away",
    );
    expect(container!.querySelector(".failures")?.textContent).toBe(
      "The store's default model: no sales at all",
    );
  });

  it("follows a job already running when the tab opens", async () => {
    const { calls } = await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "GET /api/stores/:store/forecast-jobs": () => ({
          status: 200,
          body: {
            items: [
              job({ status: "running", total_series: 10, done_series: 4, requested_by: "x" }),
            ],
            next_cursor: null,
          },
        }),
        "GET /api/stores/:store/forecast-jobs/:id": () => ({
          status: 200,
          body: job({ status: "running", total_series: 10, done_series: 7 }),
        }),
      }),
    );
    await tick(0);
    expect(text()).toContain("4 of 10 products (40\u00a0%)");
    expect(text()).toContain("Someone else");
    await tick(2000);
    expect(calls.filter((c) => c.endsWith("/forecast-jobs/j9")).length).toBe(1);
    expect(container!.querySelector('[data-testid="job-progress"]')?.textContent).toBe(
      "7 of 10 products (70\u00a0%)",
    );
  });

  it("explains 409 job_running and follows the job that is running", async () => {
    let listed: Job[] = [];
    await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "POST /api/stores/:store/forecast-jobs": () => {
          listed = [job({ status: "running", total_series: 5, done_series: 1 })];
          return apiError(409, "job_running", "a job is running");
        },
        "GET /api/stores/:store/forecast-jobs": () => ({
          status: 200,
          body: { items: listed, next_cursor: null },
        }),
      }),
    );
    await tick(0);
    await click(button("Train now"));
    await tick(0);
    expect(container!.querySelector('[role="alert"]')?.textContent).toContain(
      "Training is already running for this store",
    );
    expect(container!.querySelector('[data-testid="job-progress"]')?.textContent).toBe(
      "1 of 5 products (20\u00a0%)",
    );
  });

  it("keeps polling through a network error and says the progress may be behind", async () => {
    let down = true;
    await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "GET /api/stores/:store/forecast-jobs": () => ({
          status: 200,
          body: {
            items: [job({ status: "running", total_series: 10, done_series: 2 })],
            next_cursor: null,
          },
        }),
        "GET /api/stores/:store/forecast-jobs/:id": () =>
          down
            ? { status: 0 }
            : { status: 200, body: job({ status: "running", total_series: 10, done_series: 9 }) },
      }),
    );
    await tick(0);
    await tick(2000);
    expect(container!.querySelector(".job-panel [role='alert']")?.textContent).toContain(
      "Cannot reach the ChainSync server. Check the connection and try again. The progress shown may be behind; still trying.",
    );
    down = false;
    await tick(2000);
    expect(container!.querySelector(".job-panel [role='alert']")).toBeNull();
    expect(text()).toContain("9 of 10 products (90\u00a0%)");
  });

  it("pages back through older jobs, and says when a page cannot load", async () => {
    let fail = false;
    await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "GET /api/stores/:store/forecast-jobs": ({ query }) => {
          if (!query.get("cursor"))
            return {
              status: 200,
              body: {
                items: [job({ id: "new", status: "succeeded", total_series: 3, done_series: 3 })],
                next_cursor: "older",
              },
            };
          if (fail) return { status: 0 };
          return {
            status: 200,
            body: {
              items: [
                job({
                  id: "old",
                  trigger: "schedule",
                  status: "failed",
                  total_series: 3,
                  done_series: 1,
                }),
              ],
              next_cursor: null,
            },
          };
        },
      }),
    );
    await tick(0);
    const rows = () => container!.querySelectorAll("tbody tr").length;
    expect(rows()).toBe(1);
    fail = true;
    await click(button("Show older jobs"));
    await tick(0);
    expect(text()).toContain("Cannot reach the ChainSync server");
    expect(rows()).toBe(1);
    fail = false;
    await click(button("Show older jobs"));
    await tick(0);
    expect(rows()).toBe(2);
    expect(container!.querySelectorAll("tbody tr")[1]!.textContent).toContain("Schedule");
    expect(container!.querySelectorAll("tbody tr")[1]!.textContent).toContain("Failed");
    expect(() => button("Show older jobs")).toThrow();
  });

  it("shows a refused start (403) and a job list that cannot load", async () => {
    await open(
      `/forecasts/training?store=${STORE}`,
      routes({
        "POST /api/stores/:store/forecast-jobs": () => apiError(403, "forbidden", "no"),
        "GET /api/stores/:store/forecast-jobs": () => ({ status: 0 }),
      }),
    );
    await tick(0);
    expect(text()).toContain("Cannot reach the ChainSync server");
    await click(button("Train now"));
    await tick(0);
    expect(
      [...container!.querySelectorAll('[role="alert"]')].map((a) => a.textContent).join(" "),
    ).toContain("for its managers and the organisation's admins");
  });
});

describe("the page", () => {
  it("opens the first store the person looks after and keeps it in the address", async () => {
    await open(`/forecasts`, routes());
    await until(() => expect(window.location.search).toBe(`?store=${STORE}`));
    const tabs = [...container!.querySelectorAll('nav[aria-label="Forecasts"] a')];
    expect(tabs.map((a) => a.textContent)).toEqual(["Forecast", "Models", "Training"]);
    expect(tabs[0]!.getAttribute("aria-current")).toBe("page");
    expect(tabs[2]!.getAttribute("href")).toBe(`/forecasts/training?store=${STORE}`);
  });

  it("shows only the stores a manager manages", async () => {
    const other = { ...store, id: "elsewhere", name: "Hamburg", code: "HAM-01" };
    await open(
      `/forecasts?store=elsewhere`,
      routes({
        "GET /api/stores": () => ({
          status: 200,
          body: { items: [store, other], next_cursor: null },
        }),
      }),
    );
    await until(() => expect(window.location.search).toBe(`?store=${STORE}`));
    const options = [...container!.querySelectorAll("select[name=store] option")];
    expect(options.map((o) => o.textContent)).toEqual(["Berlin Mitte (BER-01)"]);
  });
});
