// End-to-end scenarios of the forecast screens (docs/forecasts.md, "Using the forecast
// screens"). They run on a server of their own whose demo chain has some sales history to train
// on (the main e2e server seeds none), at the small catalog scale so training takes seconds.
import assert from "node:assert/strict";
import { DEMO_PASSWORD, apiAs, heading, signIn } from "./tests.mjs";

/**
 * The smallest demo history whose models have a backtest, so an accuracy to show (days): one
 * rolling-origin window needs the trained horizon (90 days) after the engine's shortest training
 * span (28 days); with less, training succeeds but every accuracy is "not measured".
 */
const HISTORY_DAYS = "120";
// No scheduled training: the jobs of the scenario are the ones it starts.
const env = {
  CHAINSYNC_DEMO_SCALE: "small",
  CHAINSYNC_DEMO_HISTORY_DAYS: HISTORY_DAYS,
  CHAINSYNC_FORECAST_SCHEDULE: "off",
};

/**
 * Clicks "Train now" with the given choice, waits until the store has its `nth` job and that job
 * has ended (through the API, so an earlier job's outcome on screen cannot pass for it), then
 * until the screen says so.
 */
async function train(page, { full, api, storeId, nth }) {
  await page
    .getByLabel(full ? "Every product (full retraining)" : /Products with new sales/)
    .check();
  await page.getByRole("button", { name: "Train now" }).click();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const jobs = (await api.get(`/api/stores/${storeId}/forecast-jobs`)).items;
    if (jobs.length === nth && !["queued", "running"].includes(jobs[0].status)) {
      assert.equal(jobs[0].status, "succeeded", JSON.stringify(jobs[0]));
      assert.equal(jobs[0].full, full);
      break;
    }
    assert.ok(Date.now() < deadline, "the training job did not end in 3 minutes");
    await page.waitForTimeout(250);
  }
  await page.getByText(/^Training finished: [1-9]\d* products? trained/).waitFor();
  await page.getByRole("button", { name: "Train now" }).waitFor();
}

/** An access token of `email` and the first store they work in. */
async function session(base, email) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  assert.equal(login.status, 200, `sign-in of ${email}`);
  const { access_token: token } = await login.json();
  const me = await (
    await fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })
  ).json();
  return { token, storeId: me.memberships[0].store_id };
}

export const forecastTests = [
  [
    "a manager trains the store's models, reads a forecast, rolls a model back and sees a sale move its live accuracy",
    async ({ base, page, browser, shot }) => {
      const manager = await apiAs(base, "manager.ber@demo.local");
      const me = await manager.get("/api/auth/me");
      const store = me.memberships.find((m) => m.role === "manager");
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Forecasts" })
        .click();
      await heading(page, "Forecasts");
      await page.getByText("Choose a product", { exact: true }).waitFor();

      // Nothing trained yet: the forecast asks for training.
      const anyProduct = (await manager.get("/api/products?limit=1")).items[0];
      await page.goto(`${base}/forecasts?store=${store.store_id}&product=${anyProduct.id}`);
      await page.getByText("No forecast yet: train the store's models").waitFor();
      await page.getByRole("link", { name: "Go to training" }).click();
      await page.getByRole("heading", { name: "Train now" }).waitFor();

      // Train everything twice, so each series has a version to roll back to.
      const opts = { full: true, api: manager, storeId: store.store_id };
      await train(page, { ...opts, nth: 1 });
      await shot("60-forecast-training");
      await train(page, { ...opts, nth: 2 });
      const jobs = await manager.get(`/api/stores/${store.store_id}/forecast-jobs`);
      assert.equal(jobs.items.length, 2);
      assert.ok(jobs.items.every((j) => j.status === "succeeded"));

      // The forecast of a product with its own model, found through the product search.
      // (the most accurate one: it sold in its backtest window, so its accuracy is measured)
      const active = await manager.get(
        `/api/stores/${store.store_id}/models?scope=series&active=true&limit=200`,
      );
      const model = active.items
        .filter((m) => m.backtest.wape !== null)
        .sort((a, b) => a.backtest.wape - b.backtest.wape)[0];
      assert.ok(model, "training made product models");
      assert.equal(model.version, 2);
      await page
        .getByRole("navigation", { name: "Forecasts" })
        .getByRole("link", { name: "Forecast" })
        .click();
      const search = page.getByRole("combobox", { name: "Product" });
      await search.fill(model.product_name);
      await page
        .getByRole("option", { name: new RegExp(`^${escape(model.product_name)}`) })
        .first()
        .click();
      await page
        .getByRole("img", {
          name: new RegExp(`^Sales and forecast of ${escape(model.product_name)}`),
        })
        .waitFor();
      await page
        .getByTestId("backtest-accuracy")
        .getByText(/^accuracy \d+\s%$/)
        .waitFor();
      const version = page.getByText(/^2 · this product's own model$/);
      await version.waitFor();
      await shot("61-forecast-chart");

      // Roll the product back to version 1 on the Models tab.
      await page.getByRole("link", { name: "All model versions" }).click();
      const rows = page.locator(".models-table tbody tr");
      await rows.first().waitFor();
      assert.equal(await rows.count(), 2, "both versions of the product are listed");
      await page.getByRole("button", { name: `Roll back ${model.product_name}` }).click();
      const dialog = page.getByRole("dialog", { name: `Roll back ${model.product_name}?` });
      await dialog.getByRole("button", { name: "Roll back" }).click();
      await page.getByText(`${model.product_name} is back on version 1`).waitFor();
      await page
        .getByRole("button", { name: `Activate version 2 of ${model.product_name}` })
        .waitFor();
      await shot("62-forecast-models");
      const now = await manager.get(
        `/api/stores/${store.store_id}/models?product=${model.product_id}&active=true`,
      );
      assert.deepEqual(
        now.items.map((m) => m.version),
        [1],
        "version 1 is the active one",
      );

      // The forecast is now made by version 1.
      await page
        .getByRole("link", { name: `${model.product_name}: forecast` })
        .first()
        .click();
      await page.getByText(/^1 · this product's own model$/).waitFor();

      // Today is the models' first forecast day and nothing has sold yet: no live accuracy.
      const live = page.getByTestId("live-accuracy");
      await live.filter({ hasText: /^Not measured yet/ }).waitFor();
      // A cashier sells the product at a till; the manager refreshes and sees it measured.
      const till = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const pos = await till.newPage();
        const product = await manager.get(`/api/products/${model.product_id}`);
        await signIn(pos, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
        await heading(pos, "Set up this till · Berlin Mitte");
        await pos.getByRole("button", { name: /BER-T1/ }).click();
        await heading(pos, "Sell · Berlin Mitte");
        await pos.getByText(/Catalog: [1-9]\d* products/).waitFor();
        await pos.getByLabel("Scan or search").focus();
        await pos.keyboard.type(`3*${product.barcodes[0] ?? product.sku}`);
        await pos.keyboard.press("Enter");
        await pos.getByRole("table", { name: "Cart" }).locator("tbody tr").first().waitFor();
        await pos.waitForFunction(
          () => document.querySelector('[data-testid="cart-total"]')?.textContent?.trim() !== "…",
        );
        await pos.keyboard.press("F10");
        await pos.getByRole("dialog", { name: "Payment" }).waitFor();
        await pos.keyboard.press("Enter");
        await pos
          .getByRole("dialog", { name: "Sale complete" })
          .getByText("Recorded on the server.")
          .waitFor();
      } finally {
        await till.close();
      }
      await page.getByRole("button", { name: "Refresh" }).click();
      await live.filter({ hasText: /^accuracy \d+\s% over 1 day · MASE \d/ }).waitFor();
      await shot("63-forecast-live-accuracy");
    },
    { env },
  ],
  [
    "a cashier cannot reach the forecasts",
    async ({ base, page }) => {
      await signIn(page, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
      await heading(page, /Set up this till|Sell/);
      const nav = await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link")
        .allInnerTexts();
      assert.ok(!nav.includes("Forecasts"), `no Forecasts in ${nav}`);
      await page.goto(`${base}/forecasts/models`);
      await heading(page, "Not available for your role");
      // And the server refuses the API itself.
      const { token, storeId } = await session(base, "cashier1.ber@demo.local");
      for (const path of ["models", "forecast-jobs"]) {
        const res = await fetch(`${base}/api/stores/${storeId}/${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 403, `a cashier is refused ${path}`);
      }
    },
    { env },
  ],
];

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
