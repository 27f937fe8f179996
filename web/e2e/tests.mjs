// The end-to-end scenarios, in order (later ones use what earlier ones created, in `shared`).
import assert from "node:assert/strict";

export const DEMO_PASSWORD = "chainsync-demo";

export async function signIn(page, base, email, password) {
  await page.goto(base + "/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor({ timeout: 15_000 });
}

async function navLabels(page) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
}

/** Signs in through the API (for setting up and checking what the browser did). */
export async function apiAs(base, email) {
  const res = await fetch(base + "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, `API sign-in of ${email}`);
  const { access_token: token } = await res.json();
  const call = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, b) => call("POST", p, b),
  };
}

/** Waits until the cart's total is priced (not "…") and returns its text. */
async function pricedTotal(page) {
  const total = page.getByTestId("cart-total");
  for (let i = 0; i < 100; i++) {
    const t = (await total.innerText()).trim();
    if (t !== "…") return t;
    await page.waitForTimeout(50);
  }
  throw new Error("the cart was never priced");
}

/** Presses Tab until the focused element's text matches, or fails. */
/** The sale with this receipt number once the server has it. The till's outbox label can read
 * "All sales sent" for a moment before it counts a sale just queued, so that label alone does
 * not prove the sale arrived (on a slow machine the gap is long enough to matter). */
async function soldOnServer(page, admin, storeId, receiptNumber) {
  for (let i = 0; i < 100; i++) {
    const found = (await admin.get(`/api/stores/${storeId}/sales?receipt_number=${receiptNumber}`))
      .items[0];
    if (found) return found;
    await page.waitForTimeout(100);
  }
  throw new Error(`sale ${receiptNumber} never reached the server`);
}

async function tabTo(page, pattern, max = 25) {
  for (let i = 0; i < max; i++) {
    const text = await page.evaluate(() => document.activeElement?.textContent ?? "");
    if (pattern.test(text)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`nothing matching ${pattern} is reachable with Tab`);
}

export const tests = [
  [
    "admin signs in and sees the whole back office",
    async ({ base, page, shot }) => {
      await page.goto(base + "/");
      await heading(page, "Sign in");
      await shot("01-sign-in");
      await signIn(page, base, "admin@demo.local", "wrong password");
      await page.getByRole("alert").getByText("The email or password is incorrect.").waitFor();
      await shot("01b-sign-in-error");
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      assert.deepEqual(await navLabels(page), [
        "Dashboard",
        "Sell",
        "Products",
        "Stock",
        "Forecasts",
        "Customers",
        "Stores",
        "Staff",
        "Audit log",
        "My account",
      ]);
      await page.getByRole("link", { name: "Berlin" }).first().waitFor();
      await shot("02-stores");
    },
  ],
  [
    "admin edits a store and sees the API's field error",
    async ({ base, page, shot }) => {
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page
        .getByRole("link", { name: /Berlin/ })
        .first()
        .click();
      await heading(page, /Berlin/);
      const code = page.getByLabel("Code");
      await code.fill("not a code!");
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByText("Use 1 to 16 capital letters, digits or hyphens").waitFor();
      assert.equal(await code.getAttribute("aria-invalid"), "true");
      await shot("03-store-field-error");
    },
  ],
  [
    "admin creates a Berlin cashier and sees the one-time password once",
    async ({ base, page, shot, shared }) => {
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Staff" })
        .click();
      await heading(page, "Staff");
      await page.getByRole("cell", { name: "cashier1.ber@demo.local" }).waitFor();
      await shot("04-staff");
      await page.getByRole("link", { name: "New staff member" }).click();
      await heading(page, "New staff member");
      await page.getByLabel("Full name").fill("Nina Neumann");
      await page.getByLabel("Email").fill("nina.neumann@demo.local");
      const store = page.getByLabel("Store", { exact: true });
      const berlin = await store
        .locator("option", { hasText: "Berlin" })
        .first()
        .getAttribute("value");
      await store.selectOption(berlin);
      await page.getByLabel("Role", { exact: true }).selectOption("cashier");
      await shot("05-new-staff");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "One-time password for Nina Neumann" }).waitFor();
      const otp = (await page.getByTestId("one-time-password").innerText()).trim();
      assert.ok(otp.length >= 10, `one-time password looks too short: ${otp}`);
      shared.cashierOtp = otp;
      await page.getByRole("button", { name: "Copy" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: /Copied|Ctrl\+C/ })
        .waitFor();
      await shot("06-one-time-password");
      // Shown once: opening the person's page does not show it again.
      await page.getByRole("link", { name: /Open Nina Neumann/ }).click();
      await heading(page, "Nina Neumann");
      assert.equal(await page.getByTestId("one-time-password").count(), 0);
      await page.getByText("waiting for the first sign-in").waitFor();
      await shot("07-staff-detail");
    },
  ],
  [
    "admin reads the audit log with a filter",
    async ({ base, page, shot }) => {
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page.goto(base + "/audit");
      await heading(page, "Audit log");
      await page.getByRole("cell", { name: "Created a user user.created" }).first().waitFor();
      await page.getByLabel("Action").fill("user.");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page
        .getByRole("cell", { name: /nina\.neumann@demo\.local/ })
        .first()
        .waitFor();
      // The filtered page replaces the unfiltered one: poll until it has.
      const onlyUserActions = (list) => list.length > 0 && list.every((a) => a.startsWith("user."));
      let actions = [];
      for (let i = 0; i < 50 && !onlyUserActions(actions); i++) {
        if (i > 0) await page.waitForTimeout(100);
        actions = await page.locator("tbody td:nth-child(3) .code").allInnerTexts();
      }
      assert.ok(onlyUserActions(actions), actions.join(","));
      await shot("08-audit");
    },
  ],
  [
    "the new cashier must choose a password and cannot reach the back office",
    async ({ base, page, shot, shared }) => {
      await signIn(page, base, "nina.neumann@demo.local", shared.cashierOtp);
      await heading(page, "Choose your password");
      await shot("09-choose-password");
      // Nothing else is reachable before the password is chosen.
      await page.goto(base + "/my-store");
      await heading(page, "Choose your password");
      await page.getByLabel("One-time password").fill(shared.cashierOtp);
      await page.getByLabel("New password", { exact: true }).fill("tulip-harbour-lantern");
      await page.getByLabel("Repeat the new password").fill("tulip-harbour-lantern");
      await page.getByRole("button", { name: "Save and continue" }).click();
      // She asked for /my-store before choosing the password, and lands there.
      await heading(page, "My store");
      await page.getByRole("heading", { level: 2, name: /Berlin/ }).waitFor();
      assert.deepEqual(await navLabels(page), ["Sell", "My store", "My account"]);
      await shot("10-cashier-my-store");
      // The till is hers; the first time, the browser is set up as one of the store's tills.
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Sell" })
        .click();
      await heading(page, "Set up this till · Berlin Mitte");
      for (const path of [
        "/staff",
        "/stores",
        "/stores/new",
        "/audit",
        "/products",
        "/products/new",
        "/stock",
        "/dashboard",
        "/customers",
      ]) {
        await page.goto(base + path);
        await heading(page, "Not available for your role");
      }
      await shot("11-cashier-not-allowed");
      // The server is the authority: the API refuses the cashier as well.
      const status = await page.evaluate(async () => (await fetch("/api/users")).status);
      assert.equal(status, 401, "no token in the page's plain fetch");
      await page.goto(base + "/account");
      await heading(page, "My account");
      await shot("12-my-account");
    },
  ],
  [
    "a manager sees only their store's staff, and the session survives a reload",
    async ({ base, page, shot }) => {
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      assert.deepEqual(await navLabels(page), [
        "Dashboard",
        "Sell",
        "Products",
        "Stock",
        "Forecasts",
        "Customers",
        "My stores",
        "Staff",
        "My account",
      ]);
      await page.getByRole("cell", { name: "nina.neumann@demo.local" }).waitFor();
      const emails = await page.locator("tbody td:nth-child(2)").allInnerTexts();
      assert.ok(emails.includes("cashier1.ber@demo.local"), emails.join(","));
      for (const e of emails) {
        assert.ok(
          e === "manager.ber@demo.local" ||
            e.endsWith(".ber@demo.local") ||
            e === "nina.neumann@demo.local",
          `a Berlin manager sees ${e}`,
        );
      }
      await shot("13-manager-staff");
      // A manager creates cashiers in their own stores only.
      await page.getByRole("link", { name: "New cashier" }).click();
      await heading(page, "New cashier");
      await page.getByLabel("Store", { exact: true }).waitFor(); // the form shows once stores load
      const storeOptions = await page
        .getByLabel("Store", { exact: true })
        .locator("option")
        .allInnerTexts();
      assert.deepEqual(storeOptions, ["Berlin Mitte (BER)"]);
      const roleOptions = await page
        .getByLabel("Role", { exact: true })
        .locator("option")
        .allInnerTexts();
      assert.deepEqual(roleOptions, ["Cashier"]);
      assert.equal(await page.getByLabel(/Admin of the organisation/).count(), 0);
      await shot("13b-manager-new-cashier");
      await page.goto(base + "/staff");
      await heading(page, "Staff");
      await page.reload();
      await heading(page, "Staff");
      await page.goto(base + "/audit");
      await heading(page, "Not available for your role");
      await page.goto(base + "/account");
      await heading(page, "My account");
      await page.getByRole("button", { name: "Sign out everywhere" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
      await heading(page, "Sign in");
      await page.reload();
      await heading(page, "Sign in");
    },
  ],
  [
    "two tabs resume one session at the same moment without tripping reuse detection",
    async ({ base, context, page }) => {
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      const second = await context.newPage();
      await second.goto(base + "/staff");
      await heading(second, "Staff");
      // Both tabs start over at once: each must refresh, and they share one refresh token.
      for (let round = 0; round < 3; round++) {
        await Promise.all([page.reload(), second.reload()]);
        await Promise.all([heading(page, "Staff"), heading(second, "Staff")]);
      }
      // The session is intact (a reused token would have revoked it): it still refreshes.
      await page.reload();
      await heading(page, "Staff");
      // Signing out in one tab signs the other out at once, without it making a request.
      await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
      await heading(page, "Sign in");
      await heading(second, "Sign in");
      await second.getByText("You signed out in another tab.").waitFor();
      await second.close();
    },
  ],
  [
    "an admin creates a store with the keyboard alone",
    async ({ base, page, shot }) => {
      await page.goto(base + "/");
      await heading(page, "Sign in");
      // The email field has focus on arrival.
      await page.keyboard.type("admin@demo.local");
      await page.keyboard.press("Tab");
      await page.keyboard.type(DEMO_PASSWORD);
      await page.keyboard.press("Enter");
      await heading(page, "Stores");
      // Tab from the page heading to "New store" and open it.
      let reached = false;
      for (let i = 0; i < 15 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.evaluate(() => document.activeElement?.textContent === "New store");
      }
      assert.ok(reached, "New store is reachable with Tab");
      await page.keyboard.press("Enter");
      await heading(page, "New store");
      const typeInto = async (label, text) => {
        for (let i = 0; i < 30; i++) {
          const focused = await page.evaluate(() => {
            const el = document.activeElement;
            return el && el.id
              ? document.querySelector(`label[for="${el.id}"]`)?.textContent
              : null;
          });
          if (focused === label) {
            await page.keyboard.press("ControlOrMeta+a");
            await page.keyboard.type(text);
            return;
          }
          await page.keyboard.press("Tab");
        }
        throw new Error(`no field labelled ${label} reachable with Tab`);
      };
      await typeInto("Code", "HAM");
      await typeInto("Name", "Hamburg Schanze");
      await typeInto("City", "Hamburg");
      await typeInto("Country", "DE");
      await typeInto("Currency", "EUR");
      await typeInto("Time zone", "Europe/Berlin");
      await typeInto("Tax class", "standard");
      await typeInto("Rate (%)", "19");
      await page.keyboard.press("Enter"); // submits the form
      await heading(page, "Hamburg Schanze (HAM)");
      await page.getByRole("status").getByText("The store was created.").waitFor();
      await shot("15-store-created-by-keyboard");
    },
  ],
  [
    "the layout holds on a tablet",
    async ({ base, page, shot }) => {
      await page.setViewportSize({ width: 820, height: 1180 });
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page.getByRole("link", { name: "Berlin Mitte" }).waitFor(); // the table, not just the heading
      await shot("14-tablet-stores");
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth > window.innerWidth,
      );
      assert.equal(overflow, false, "the page scrolls sideways on a tablet");
    },
  ],
  [
    "a cashier scans three items by barcode, takes cash, and sees the change and the receipt",
    async ({ base, page, shot, shared }) => {
      const admin = await apiAs(base, "admin@demo.local");
      const { organisation } = await admin.get("/api/auth/me");
      const berlin = (await admin.get("/api/stores?limit=200")).items.find((s) => s.code === "BER");
      const products = (await admin.get("/api/products?q=alpenhof&limit=50")).items
        .filter((p) => p.unit === "each" && p.barcodes.length)
        .slice(0, 3);
      assert.equal(products.length, 3, "three Alpenhof products with barcodes in the demo");
      const before = {};
      for (const p of products) {
        before[p.id] = (await admin.get(`/api/stores/${berlin.id}/stock/${p.id}`)).on_hand;
      }
      // A promotion the till must apply exactly as the server does (its own engine, offline-ready).
      await admin.post("/api/promotions", {
        name: "Alpenhof week: 2 for 1",
        priority: 5,
        rule: { kind: "buy_x_get_y", buy_quantity: 1, get_quantity: 1, get_percent_bps: 10000 },
        scope: { kind: "product", product_ids: [products[0].id] },
      });
      // The first item is scanned twice: its line goes to 2 (and the second one is free).
      const sold = { [products[0].id]: 2, [products[1].id]: 1, [products[2].id]: 1 };
      const quote = await admin.post(`/api/stores/${berlin.id}/price-cart`, {
        lines: products.map((p) => ({ product_id: p.id, quantity: sold[p.id] })),
      });
      const total = quote.priced.totals.total_minor;
      const money = (m) =>
        new Intl.NumberFormat(organisation.locale, {
          style: "currency",
          currency: berlin.currency,
        }).format(m / 100);
      const tendered = Math.ceil((total + 1) / 1000) * 1000;

      await signIn(page, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Set up this till · Berlin Mitte");
      await shot("20-pos-till-setup");
      await page.getByRole("button", { name: /BER-T1/ }).click();
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), "scan");
      // A keyboard-wedge scanner types the code and Enter, a few milliseconds per key.
      for (const p of [products[0], products[1], products[0], products[2]]) {
        await page.keyboard.type(p.barcodes[0], { delay: 2 });
        await page.keyboard.press("Enter");
      }
      const rows = page.getByRole("table", { name: "Cart" }).locator("tbody tr");
      assert.equal(await rows.count(), 3);
      assert.ok(quote.priced.totals.discount_minor > 0, "the server applies the promotion");
      await rows.nth(0).getByText("Alpenhof week: 2 for 1").waitFor();
      assert.equal(await pricedTotal(page), money(total));
      await shot("21-pos-cart");
      await page.keyboard.press("F10");
      const payment = page.getByRole("dialog", { name: "Payment" });
      await payment.waitFor();
      await page.keyboard.type(String(tendered / 100));
      await payment
        .getByTestId("change-preview")
        .getByText(money(tendered - total))
        .waitFor();
      await shot("22-pos-payment");
      await page.keyboard.press("Enter");
      const receipt = page.getByRole("dialog", { name: "Sale complete" });
      await receipt.waitFor();
      assert.equal(
        (await receipt.getByTestId("change-due").innerText()).trim(),
        money(tendered - total),
      );
      assert.equal((await receipt.getByTestId("receipt-total").innerText()).trim(), money(total));
      const number = (await receipt.getByTestId("receipt-number").innerText()).trim();
      assert.match(number, /^BER-T1-\d{6}$/);
      await receipt.getByText("Recorded on the server.").waitFor();
      await shot("23-pos-receipt");
      // The server booked it under the till's receipt number, at the total the till showed.
      const sale = (await admin.get(`/api/stores/${berlin.id}/sales?limit=10`)).items.find(
        (s) => s.receipt_number === number,
      );
      assert.ok(sale, `sale ${number} on the server`);
      assert.equal(sale.total_minor, total);
      assert.deepEqual(sale.payments, [{ kind: "cash", tendered_minor: tendered }]);
      await page.keyboard.press("Enter");
      await receipt.waitFor({ state: "detached" });
      assert.equal(await page.evaluate(() => document.activeElement?.id), "scan");
      shared.sale = {
        store: berlin,
        products,
        before,
        sold,
        locale: organisation.locale,
        net: sale.priced.totals.total_excl_tax_minor,
        money,
        receipt: number,
        saleId: sale.id,
      };
    },
  ],
  [
    "the manager sees the stock fall by exactly the quantities sold",
    async ({ base, page, shot, shared }) => {
      const { store, products, before, sold, locale } = shared.sale;
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      for (const p of products) {
        await page.goto(`${base}/stock/${store.id}/${p.id}`);
        await heading(page, `${p.name} · ${store.name}`);
        const onHand = (await page.getByTestId("item-on-hand").innerText()).trim();
        assert.equal(onHand, new Intl.NumberFormat(locale).format(before[p.id] - sold[p.id]));
        await page.getByRole("cell", { name: "Sale", exact: true }).first().waitFor();
      }
      await shot("24-stock-item");
      await page.goto(`${base}/stock?store=${store.id}`);
      await heading(page, "Stock");
      await page.getByRole("table").getByRole("link").first().waitFor();
      await shot("25-stock");
      await page.goto(`${base}/products`);
      await heading(page, "Products");
      await page.getByRole("link", { name: products[0].name }).waitFor();
      await shot("26-products");
      // The sale is on the dashboard: the demo has no earlier sales, so it is the only one.
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Dashboard" })
        .click();
      await heading(page, "Dashboard");
      await page.getByTestId("kpi-transactions").getByText("1", { exact: true }).waitFor();
      assert.equal(
        (await page.getByTestId("kpi-net").innerText()).trim(),
        shared.sale.money(shared.sale.net),
      );
      // The same figure through the server's profit and loss, and the store's stock valuation.
      await page
        .getByTestId("pnl")
        .getByRole("row", { name: /^Revenue/ })
        .getByText(shared.sale.money(shared.sale.net), { exact: true })
        .waitFor();
      await page.getByText("Top products by revenue as a table").click();
      await page.getByRole("cell", { name: products[0].name }).waitFor();
      // Each report downloads as the server's CSV.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download top products as CSV" }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^top-products-.*\.csv$/);
      await shot("30-dashboard");
    },
  ],
  [
    "a whole checkout with the keyboard alone: search, quantity, discount, park, resume, split tender",
    async ({ base, page, shot, shared }) => {
      await page.addInitScript(() => {
        window.__pointer = 0;
        for (const t of ["pointerdown", "pointerup", "mousedown", "mouseup"]) {
          window.addEventListener(t, () => window.__pointer++, true);
        }
      });
      const { products } = shared.sale;
      await page.goto(base + "/");
      await heading(page, "Sign in");
      await page.keyboard.type("cashier2.ber@demo.local");
      await page.keyboard.press("Tab");
      await page.keyboard.type(DEMO_PASSWORD);
      await page.keyboard.press("Enter");
      await heading(page, "Set up this till · Berlin Mitte");
      await tabTo(page, /BER-T2/);
      await page.keyboard.press("Enter");
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      const rows = page.getByRole("table", { name: "Cart" }).locator("tbody tr");
      // Scan one item; find another by name and pick the second match with the arrow keys.
      await page.keyboard.type(products[2].barcodes[0]);
      await page.keyboard.press("Enter");
      await page.keyboard.type("alpenhof");
      await page.getByRole("listbox", { name: "Products found" }).waitFor();
      await page.keyboard.press("ArrowDown");
      const picked = (
        await page.getByRole("option", { selected: true }).locator("span").first().innerText()
      ).trim();
      await page.keyboard.press("Enter");
      assert.equal(await rows.count(), 2);
      await rows.nth(1).getByText(picked).waitFor();
      // F2: quantity of the selected (last) line; F3: a 10 % line discount.
      await page.keyboard.press("F2");
      await page.getByRole("dialog", { name: /^Quantity/ }).waitFor();
      await page.keyboard.type("3");
      await page.keyboard.press("Enter");
      await rows.nth(1).getByRole("cell", { name: "3", exact: true }).waitFor();
      await page.keyboard.press("F3");
      await page.getByRole("dialog", { name: /^Discount/ }).waitFor();
      await page.keyboard.type("10%");
      await page.keyboard.press("Enter");
      await rows
        .nth(1)
        .getByText(/Discount 10/)
        .waitFor();
      const total = await pricedTotal(page);
      // Park it (another customer is waiting), then bring it back.
      await page.keyboard.press("F6");
      await page.getByText("Scan an item to start a sale").waitFor();
      await page.keyboard.press("F7");
      const parked = page.getByRole("dialog", { name: "Parked sales" });
      await parked.waitFor();
      await shot("27-pos-parked");
      await page.keyboard.press("Enter");
      await parked.waitFor({ state: "detached" });
      assert.equal(await rows.count(), 2);
      assert.equal(await pricedTotal(page), total);
      // Pay 1.00 by card and the rest in cash (Enter on an empty cash field: the exact amount).
      await page.keyboard.press("F10");
      const payment = page.getByRole("dialog", { name: "Payment" });
      await payment.waitFor();
      await page.keyboard.press("F3");
      await payment.getByLabel("Approval code").waitFor();
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.type("1");
      await page.keyboard.press("Tab");
      await page.keyboard.type("AUTH-4711");
      await shot("28-pos-card");
      await page.keyboard.press("Enter");
      await payment.getByText(/Paid by card/).waitFor();
      await payment.getByLabel("Cash received").waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.name), "cash");
      await page.keyboard.press("Enter");
      const receipt = page.getByRole("dialog", { name: "Sale complete" });
      await receipt.waitFor();
      await receipt.getByText("Card AUTH-4711").waitFor();
      assert.equal((await receipt.getByTestId("receipt-total").innerText()).trim(), total);
      await receipt.getByText("Recorded on the server.").waitFor();
      const number = (await receipt.getByTestId("receipt-number").innerText()).trim();
      assert.match(number, /^BER-T2-\d{6}$/);
      await page.keyboard.press("Enter");
      await receipt.waitFor({ state: "detached" });
      assert.equal(await page.evaluate(() => document.activeElement?.id), "scan");
      assert.equal(await page.evaluate(() => window.__pointer), 0, "no pointer events");
      // The till fits a tablet.
      await page.setViewportSize({ width: 820, height: 1180 });
      await page.keyboard.type(products[0].barcodes[0]);
      await page.keyboard.press("Enter");
      await pricedTotal(page);
      await shot("29-pos-tablet");
      const overflow = await page.evaluate(() =>
        [document.documentElement, ...document.querySelectorAll(".pos-main, .pos-side")].some(
          (el) => el.scrollWidth > el.clientWidth + 1,
        ),
      );
      assert.equal(overflow, false, "the till's panels overflow on a tablet");
    },
  ],
  [
    "a cashier opens a shift, takes a return by receipt, and closes the shift with the Z report",
    async ({ base, page, shot, shared }) => {
      const { store, products, money, receipt, saleId } = shared.sale;
      const admin = await apiAs(base, "admin@demo.local");
      const stockBefore = (await admin.get(`/api/stores/${store.id}/stock/${products[1].id}`))
        .on_hand;
      await signIn(page, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Set up this till · Berlin Mitte");
      await page.getByRole("button", { name: /BER-T1/ }).click();
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      await page.getByTestId("shift-status").getByText("No shift open").waitFor();
      await page.getByTestId("shift-status").click();
      const shiftDialog = page.getByRole("dialog", { name: "Shift" });
      await shiftDialog.getByLabel("Opening float").fill("150");
      await shiftDialog.getByRole("button", { name: "Open shift" }).click();
      await shiftDialog.getByText(/Open since/).waitFor();
      await shot("31-shift-open");
      await page.keyboard.press("Escape");
      await page.getByTestId("shift-status").getByText("Shift open").waitFor();
      // Scanning the printed receipt's number starts the return of that sale.
      await page.getByLabel("Scan or search").focus();
      await page.keyboard.type(receipt);
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Return by receipt" });
      await dialog.waitFor();
      await page.keyboard.press("Enter");
      const qty = dialog.getByLabel(`Quantity of ${products[1].name} to return`);
      await qty.waitFor();
      await qty.fill("1");
      const refund = (await dialog.getByTestId("refund-total").innerText()).trim();
      await shot("32-return");
      await page.keyboard.press("Enter");
      await page
        .getByText(new RegExp(`give the customer ${refund.replace(/[.$]/g, "\\$&")} in cash`))
        .waitFor();
      // The server has the return against the sale, for the refund shown, and the item is back.
      let returns = { items: [] };
      for (let i = 0; i < 50 && !returns.items.length; i++) {
        if (i) await page.waitForTimeout(100);
        returns = await admin.get(`/api/stores/${store.id}/returns?sale_id=${saleId}`);
      }
      assert.equal(returns.items.length, 1);
      assert.equal(money(returns.items[0].total_minor), refund);
      const stockAfter = (await admin.get(`/api/stores/${store.id}/stock/${products[1].id}`))
        .on_hand;
      assert.equal(stockAfter, stockBefore + 1);
      // A refund above the store's threshold (50.00) needs a manager: a wrong PIN is refused in
      // the dialog, and the same return goes through with the right password.
      await page.getByLabel("Scan or search").focus();
      await page.keyboard.type(`12*${products[2].barcodes[0]}`);
      await page.keyboard.press("Enter");
      await page.keyboard.press("F10");
      await page.getByRole("dialog", { name: "Payment" }).waitFor();
      await page.keyboard.press("Enter");
      const big = page.getByRole("dialog", { name: "Sale complete" });
      const bigNumber = (await big.getByTestId("receipt-number").innerText()).trim();
      await page.keyboard.press("Enter");
      await big.waitFor({ state: "detached" });
      // The sale must reach the server before it can be found by its receipt number.
      await page.getByText("All sales sent").waitFor();
      await soldOnServer(page, admin, store.id, bigNumber);
      await page.keyboard.press("Alt+r");
      await dialog.getByLabel("Receipt number").fill(bigNumber);
      await page.keyboard.press("Enter");
      await dialog.getByLabel(`Quantity of ${products[2].name} to return`).fill("12");
      await dialog.getByLabel("Manager's email").fill("manager.ber@demo.local");
      await dialog.getByLabel("PIN or password").fill("0000");
      await dialog.getByRole("button", { name: /Refund/ }).click();
      await dialog.getByText("The manager's email or PIN (or password) is not right").waitFor();
      await shot("32b-return-approval-refused");
      await dialog.getByLabel("PIN or password").fill(DEMO_PASSWORD);
      await dialog.getByRole("button", { name: /Send again/ }).click();
      await page.getByText(new RegExp(`of ${bigNumber}: give the customer`)).waitFor();
      await page.getByText("All sales sent").waitFor();
      // Close the shift: the Z report counts the return and compares the cash.
      await page.getByTestId("shift-status").click();
      await shiftDialog.getByLabel("Cash counted in the drawer").fill("100");
      await shiftDialog.getByRole("button", { name: /Close shift/ }).click();
      const z = page
        .getByRole("dialog", { name: "Shift closed: Z report" })
        .getByTestId("z-report");
      await z.waitFor();
      await z.getByText(/^2 · −/).waitFor();
      await z.getByText(money(10000)).first().waitFor();
      await shot("33-z-report");
    },
  ],
  [
    "a cashier attaches a new customer who earns points, then pays with them",
    async ({ base, page, shot, shared }) => {
      const { products } = shared.sale;
      const admin = await apiAs(base, "admin@demo.local");
      await signIn(page, base, "cashier2.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Set up this till · Berlin Mitte");
      await page.getByRole("button", { name: /BER-T2/ }).click();
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      await page.keyboard.press("Alt+c");
      const dialog = page.getByRole("dialog", { name: "Customer" });
      await dialog.getByRole("button", { name: "New customer" }).click();
      await dialog.getByLabel("Name").fill("Ada Lovelace");
      await dialog.getByLabel("Phone").fill("+49 30 1234567");
      await dialog.getByRole("button", { name: /Add and attach/ }).click();
      await page.getByTestId("customer").getByText("Ada Lovelace").waitFor();
      const scan = async (code) => {
        await page.getByLabel("Scan or search").focus();
        await page.keyboard.type(code);
        await page.keyboard.press("Enter");
      };
      for (let i = 0; i < 4; i++) await scan(products[2].barcodes[0]);
      await page.keyboard.press("F10");
      await page.getByRole("dialog", { name: "Payment" }).waitFor();
      await page.keyboard.press("Enter");
      let receipt = page.getByRole("dialog", { name: "Sale complete" });
      await receipt.getByText("Recorded on the server.").waitFor();
      await receipt.getByText("Customer: Ada Lovelace").waitFor();
      const earned = Number(
        /\+(\d+) earned/.exec(await receipt.getByTestId("points").innerText())[1],
      );
      assert.ok(earned > 0, "points earned");
      await page.keyboard.press("Enter");
      const ada = (await admin.get("/api/customers?q=Ada")).items[0];
      assert.equal(ada.points_balance, earned);
      // The next visit: find her by name and let the points pay part of the sale.
      await page.keyboard.press("Alt+c");
      await dialog.getByLabel("Phone, email or name").fill("Ada");
      await dialog.getByRole("option", { name: /Ada Lovelace/ }).waitFor();
      await page.keyboard.press("Enter");
      await page.getByTestId("customer").getByText(`${earned} points`).waitFor();
      await scan(products[2].barcodes[0]);
      await page.keyboard.press("F10");
      const payment = page.getByRole("dialog", { name: "Payment" });
      await payment.waitFor();
      await page.keyboard.press("F4");
      await payment.getByText(`${earned} points`).waitFor();
      await shot("34-pay-with-points");
      await page.keyboard.press("Enter");
      receipt = page.getByRole("dialog", { name: "Sale complete" });
      await receipt.getByText("Recorded on the server.").waitFor();
      await receipt.getByText(new RegExp(`−${earned} redeemed`)).waitFor();
      await shot("35-receipt-points");
      const after = (await admin.get(`/api/customers/${ada.id}`)).points_balance;
      assert.ok(after < earned + 10, `points were spent (${after})`);
    },
  ],
  [
    "an admin sends a transfer, the other store receives less than sent, and a purchase order is received",
    async ({ base, page, shot, shared }) => {
      const { store: berlin, products } = shared.sale;
      const admin = await apiAs(base, "admin@demo.local");
      const paris = (await admin.get("/api/stores?limit=200")).items.find((s) => s.code === "PAR");
      const level = async (store, p) =>
        (await admin.get(`/api/stores/${store.id}/stock/${p.id}`)).on_hand;
      const before = {
        ber0: await level(berlin, products[0]),
        par0: await level(paris, products[0]),
        par1: await level(paris, products[1]),
      };
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page.goto(`${base}/stock/goods?store=${berlin.id}`);
      await heading(page, "Transfers and deliveries");
      const send = page.locator("form", {
        has: page.getByRole("heading", { name: "Send to another store" }),
      });
      await send.getByLabel("To").selectOption(paris.id);
      await send.getByLabel("Barcode or SKU").fill(products[0].sku);
      await send.getByLabel("Quantity").fill("2");
      await send.getByRole("button", { name: "Add line" }).click();
      await send.getByText(`2 × ${products[0].name}`).waitFor();
      await send.getByRole("button", { name: "Send transfer" }).click();
      await page.getByText("The transfer was sent").waitFor();
      await page.getByLabel("Store", { exact: true }).selectOption(paris.id);
      await page.getByRole("heading", { name: /From Berlin Mitte/ }).waitFor();
      await page.getByLabel(`Arrived of ${products[0].name}`).fill("1");
      await shot("36-receive-transfer");
      await page.getByRole("button", { name: "Receive transfer" }).click();
      await page.getByText("The transfer was received").waitFor();
      const order = page.locator("form", {
        has: page.getByRole("heading", { name: "New purchase order" }),
      });
      const supplier = await order
        .getByLabel("Supplier")
        .locator("option")
        .nth(1)
        .getAttribute("value");
      await order.getByLabel("Supplier").selectOption(supplier);
      await order.getByLabel("Reference (optional)").fill("PO-E2E-1");
      await order.getByLabel("Barcode or SKU").fill(products[1].barcodes[0]);
      await order.getByLabel("Quantity").fill("5");
      await order.getByLabel("Unit cost (optional)").fill("1.00");
      await order.getByRole("button", { name: "Add line" }).click();
      await order.getByRole("button", { name: "Create order" }).click();
      await page.getByRole("heading", { name: /PO-E2E-1/ }).waitFor();
      await page.getByRole("button", { name: "Receive delivery" }).click();
      await page.getByText("The delivery was received into stock.").waitFor();
      await shot("37-goods");
      // The customer from the till, with the points ledger and purchases.
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Customers" })
        .click();
      await heading(page, "Customers");
      await page.getByLabel("Phone, email or name").fill("Ada");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: "Ada Lovelace" }).click();
      await heading(page, "Ada Lovelace");
      await page.getByRole("cell", { name: "Earned" }).first().waitFor();
      await page.getByRole("cell", { name: "Redeemed" }).waitFor();
      await shot("38-customer");
      assert.equal(await level(berlin, products[0]), before.ber0 - 2);
      assert.equal(await level(paris, products[0]), before.par0 + 1);
      assert.equal(await level(paris, products[1]), before.par1 + 5);
    },
  ],
  [
    "an admin's CSV with a bad row shows the row's error and imports nothing; the corrected file imports",
    async ({ base, page, shot }) => {
      const admin = await apiAs(base, "admin@demo.local");
      const skus = async () =>
        (await admin.get("/api/products?q=E2E-IMP&include_inactive=true&limit=50")).items.map(
          (p) => p.sku,
        );
      assert.deepEqual(await skus(), []);
      await signIn(page, base, "admin@demo.local", DEMO_PASSWORD);
      await heading(page, "Stores");
      await page.goto(`${base}/products`);
      await heading(page, "Products");
      await page.getByRole("link", { name: "Import CSV" }).click();
      await heading(page, "Import from CSV");
      const header = "sku,name,price,cost,tax_class,category\n";
      const good = "E2E-IMP-1,Imported tea,3.50,1.20,standard,Imported\n";
      await page.getByLabel("CSV file").setInputFiles({
        name: "products.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          header + good + "E2E-IMP-2,Imported coffee,1.234,1.00,standard,Imported\n",
        ),
      });
      await page.getByRole("button", { name: "Check the file" }).click();
      const errors = page.getByTestId("import-errors");
      await errors.waitFor();
      // Line 3 of the file (the header is line 1), its column and the server's reason.
      const cells = await errors.getByRole("row").nth(1).getByRole("cell").allInnerTexts();
      assert.equal(cells[0], "3");
      assert.equal(cells[1], "price");
      assert.match(cells[2], /1\.234/);
      assert.ok(await page.getByRole("button", { name: "Import", exact: true }).isDisabled());
      await shot("40-import-errors");
      assert.deepEqual(await skus(), [], "a rejected file writes nothing");
      // The corrected file: checked, then imported.
      await page.getByLabel("CSV file").setInputFiles({
        name: "products.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          header + good + "E2E-IMP-2,Imported coffee,1.23,1.00,standard,Imported\n",
        ),
      });
      await page.getByRole("button", { name: "Check the file" }).click();
      await page.getByText("The file is good: 2 rows read, 2 to be created").waitFor();
      assert.deepEqual(await skus(), [], "a dry run writes nothing");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.getByText("Imported: 2 rows read, 2 created").waitFor();
      await shot("41-import-done");
      assert.deepEqual((await skus()).sort(), ["E2E-IMP-1", "E2E-IMP-2"]);
    },
  ],
  [
    "a cashier voids a whole sale with the manager's PIN; the stock comes back",
    async ({ base, page, shot, shared }) => {
      const { store, products, money } = shared.sale;
      const admin = await apiAs(base, "admin@demo.local");
      // The manager sets their approval PIN on My account.
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      await page.goto(`${base}/account`);
      await heading(page, "My account");
      const pinCard = page.getByRole("article", { name: "Approval PIN" });
      await pinCard.getByLabel("New PIN (4 to 8 digits)").fill("12");
      await pinCard.getByLabel("Current password").fill(DEMO_PASSWORD);
      await pinCard.getByRole("button", { name: "Save PIN" }).click();
      await pinCard.getByText("A PIN is 4 to 8 digits.").waitFor();
      await pinCard.getByLabel("New PIN (4 to 8 digits)").fill("4321");
      await pinCard.getByRole("button", { name: "Save PIN" }).click();
      await pinCard.getByText("PIN saved.").waitFor();
      await shot("34a-approval-pin");
      await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
      await heading(page, "Sign in");
      const level = async () =>
        (await admin.get(`/api/stores/${store.id}/stock/${products[0].id}`)).on_hand;
      const before = await level();
      await signIn(page, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Set up this till · Berlin Mitte");
      await page.getByRole("button", { name: /BER-T1/ }).click();
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      await page.getByLabel("Scan or search").focus();
      await page.keyboard.type(`3*${products[0].barcodes[0]}`);
      await page.keyboard.press("Enter");
      const total = await pricedTotal(page);
      await page.keyboard.press("F10");
      await page.getByRole("dialog", { name: "Payment" }).waitFor();
      await page.keyboard.press("Enter");
      const done = page.getByRole("dialog", { name: "Sale complete" });
      const number = (await done.getByTestId("receipt-number").innerText()).trim();
      await page.keyboard.press("Enter");
      await done.waitFor({ state: "detached" });
      await page.getByText("All sales sent").waitFor();
      // The till's outbox label can read "All sales sent" for a moment before it counts the
      // sale just queued: wait for the sale to reach the server (the void looks it up there).
      let afterSale = await level();
      for (let i = 0; i < 100 && afterSale !== before - 3; i++) {
        await page.waitForTimeout(100);
        afterSale = await level();
      }
      assert.equal(afterSale, before - 3);
      // The void, from the keyboard: Alt+R, the receipt, Tab to "Void the whole sale", PIN.
      await page.keyboard.press("Alt+r");
      const dialog = page.getByRole("dialog", { name: "Return by receipt" });
      await dialog.getByLabel("Receipt number").fill(number);
      await page.keyboard.press("Enter");
      await dialog.getByRole("button", { name: "Void the whole sale…" }).focus();
      await page.keyboard.press("Enter");
      const voidDialog = page.getByRole("dialog", { name: "Void a sale" });
      await voidDialog.getByLabel("Reason (optional)").fill("customer changed their mind");
      await voidDialog.getByLabel("Manager's email").fill("manager.ber@demo.local");
      await voidDialog.getByLabel("PIN or password").fill("4321");
      await voidDialog.getByRole("button", { name: `Void and refund ${total}` }).waitFor();
      await shot("34-void");
      await voidDialog.getByLabel("PIN or password").press("Enter");
      await page
        .getByText(new RegExp(`^Void .* of ${number}: ${total.replace(/[.$]/g, "\\$&")} goes back`))
        .waitFor();
      await shot("35-voided");
      const sale = (await admin.get(`/api/stores/${store.id}/sales?receipt_number=${number}`))
        .items[0];
      const returns = await admin.get(`/api/stores/${store.id}/returns?sale_id=${sale.id}`);
      assert.equal(returns.items.length, 1);
      assert.equal(returns.items[0].kind, "void");
      assert.equal(money(returns.items[0].total_minor), total);
      assert.equal(await level(), before);
    },
  ],
  [
    "an exchange: a return as exchange credit pays part of the next sale",
    async ({ base, page, shot, shared }) => {
      const { store, products, money } = shared.sale;
      const admin = await apiAs(base, "admin@demo.local");
      await signIn(page, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Set up this till · Berlin Mitte");
      await page.getByRole("button", { name: /BER-T1/ }).click();
      await heading(page, "Sell · Berlin Mitte");
      await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
      await page.getByLabel("Scan or search").focus();
      await page.keyboard.type(`2*${products[0].barcodes[0]}`);
      await page.keyboard.press("Enter");
      await pricedTotal(page);
      await page.keyboard.press("F10");
      await page.getByRole("dialog", { name: "Payment" }).waitFor();
      await page.keyboard.press("Enter");
      const done = page.getByRole("dialog", { name: "Sale complete" });
      const number = (await done.getByTestId("receipt-number").innerText()).trim();
      await page.keyboard.press("Enter");
      await done.waitFor({ state: "detached" });
      await page.getByText("All sales sent").waitFor();
      const old = await soldOnServer(page, admin, store.id, number);
      await page.keyboard.press("Alt+r");
      const dialog = page.getByRole("dialog", { name: "Return by receipt" });
      await dialog.getByLabel("Receipt number").fill(number);
      await page.keyboard.press("Enter");
      await dialog.getByLabel(`Quantity of ${products[0].name} to return`).fill("1");
      await dialog.getByLabel("As exchange credit (for new items now)").check();
      const credit = (await dialog.getByTestId("refund-total").innerText()).trim();
      await shot("36-exchange-return");
      await dialog.getByRole("button", { name: `Refund ${credit}` }).click();
      await page.getByText(new RegExp(`exchange credit\\. Ring up the new items`)).waitFor();
      // The new item, paid first with the credit (F6), the rest in cash.
      await page.getByLabel("Scan or search").focus();
      await page.keyboard.type(`2*${products[1].barcodes[0]}`);
      await page.keyboard.press("Enter");
      await pricedTotal(page);
      await page.keyboard.press("F10");
      const pay = page.getByRole("dialog", { name: "Payment" });
      await pay.getByRole("button", { name: `Exchange credit ${credit}` }).waitFor();
      await page.keyboard.press("F6");
      await pay
        .getByRole("list", { name: "Payments so far" })
        .getByText(/Exchange credit/)
        .waitFor();
      await shot("37-exchange-payment");
      await page.keyboard.press("Enter");
      const next = page.getByRole("dialog", { name: "Sale complete" });
      const newNumber = (await next.getByTestId("receipt-number").innerText()).trim();
      await page.keyboard.press("Enter");
      await page.getByText("All sales sent").waitFor();
      const sale = await soldOnServer(page, admin, store.id, newNumber);
      const ret = (await admin.get(`/api/stores/${store.id}/returns?sale_id=${old.id}`)).items[0];
      const exchange = sale.payments.find((p) => p.kind === "other" && p.method === "exchange");
      assert.ok(exchange, "the new sale is paid with exchange credit");
      assert.equal(money(exchange.amount_minor), credit);
      assert.equal(exchange.reference, ret.id);
    },
  ],
  [
    "a sale at one till shows up live on a manager's dashboard and stock screen in another browser",
    async ({ base, page, browser, shot }) => {
      // Self-contained (E2E_ONLY can run it alone): it reads figures before and after.
      const admin = await apiAs(base, "admin@demo.local");
      const berlin = (await admin.get("/api/stores?limit=200")).items.find((s) => s.code === "BER");
      const product = (await admin.get("/api/products?q=alpenhof&limit=50")).items.find(
        (p) => p.unit === "each" && p.barcodes.length,
      );
      assert.ok(product, "an Alpenhof product with a barcode in the demo");

      // The manager's dashboard, in this browser context.
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Dashboard" })
        .click();
      await heading(page, "Dashboard");
      const live = page.getByTestId("live-status");
      await live.getByText("Live", { exact: true }).waitFor({ timeout: 15_000 });
      const sales = page.getByTestId("live-transactions");
      await page.waitForFunction(
        () => document.querySelector('[data-testid="live-transactions"]')?.textContent !== "…",
        null,
        { timeout: 15_000 },
      );
      const before = Number((await sales.innerText()).replace(/\D/g, ""));
      // Marks this document: a reload would lose the mark.
      await page.evaluate(() => (window.__notReloaded = true));

      // A cashier rings up a sale at the till, in another browser context (its own storage,
      // its own socket).
      const tillContext = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: "en-GB",
      });
      try {
        const till = await tillContext.newPage();
        const ring = async (barcode) => {
          await till.getByLabel("Scan or search").focus();
          await till.keyboard.type(barcode, { delay: 2 });
          await till.keyboard.press("Enter");
          await pricedTotal(till);
          await till.keyboard.press("F10");
          await till.getByRole("dialog", { name: "Payment" }).waitFor();
          await till.keyboard.press("Enter");
          const done = till.getByRole("dialog", { name: "Sale complete" });
          await done.getByText("Recorded on the server.").waitFor({ timeout: 15_000 });
          const number = (await done.getByTestId("receipt-number").innerText()).trim();
          await till.keyboard.press("Enter");
          await done.waitFor({ state: "detached" });
          return number;
        };
        await signIn(till, base, "cashier1.ber@demo.local", DEMO_PASSWORD);
        await heading(till, "Set up this till · Berlin Mitte");
        await till.getByRole("button", { name: /BER-T1/ }).click();
        await heading(till, "Sell · Berlin Mitte");
        await till.getByText(/Catalog: [1-9]\d* products/).waitFor();
        const receipt = await ring(product.barcodes[0]);

        // The manager's ticker shows the sale, with its item count read from the server, and
        // today's sales count goes up by one: no reload, no polling by the page.
        const row = page.getByTestId("ticker").getByRole("row", { name: new RegExp(receipt) });
        await row.waitFor({ timeout: 10_000 });
        await row.getByRole("cell", { name: "1", exact: true }).waitFor({ timeout: 10_000 });
        await page.waitForFunction(
          (n) =>
            document.querySelector('[data-testid="live-transactions"]')?.textContent === String(n),
          before + 1,
          { timeout: 10_000 },
        );
        await page
          .getByRole("status")
          .getByText(/recorded since the figures below were loaded/)
          .waitFor();
        assert.equal(await page.evaluate(() => window.__notReloaded), true, "no reload");
        await shot("31-dashboard-live");

        // The stock screen follows the next sale of the same item.
        await page.goto(`${base}/stock?store=${berlin.id}`);
        await heading(page, "Stock");
        const level = await admin.get(`/api/stores/${berlin.id}/stock/${product.id}`);
        const { organisation } = await admin.get("/api/auth/me");
        const quantity = (n) => new Intl.NumberFormat(organisation.locale).format(n);
        const onHand = page.getByTestId(`on-hand-${product.sku}`);
        await onHand.waitFor();
        assert.equal((await onHand.innerText()).trim(), quantity(level.on_hand));
        await page.evaluate(() => (window.__notReloaded = true));
        await ring(product.barcodes[0]);
        await page.waitForFunction(
          ([sku, n]) =>
            document.querySelector(`[data-testid="on-hand-${sku}"]`)?.textContent?.trim() ===
            String(n),
          [product.sku, quantity(level.on_hand - 1)],
          { timeout: 10_000 },
        );
        assert.equal(await page.evaluate(() => window.__notReloaded), true, "no reload");
      } finally {
        await tillContext.close();
      }
    },
  ],
  [
    "a manager switches on system notifications and is alerted to a critical announcement",
    async ({ base, page, context, shot }) => {
      const admin = await apiAs(base, "admin@demo.local");
      const manager = await apiAs(base, "manager.ber@demo.local");
      const berlin = (await admin.get("/api/stores?limit=200")).items.find((s) => s.code === "BER");
      // The browser's answer to the permission request, and a record of what the page shows
      // (a headless browser has no screen for system notifications).
      await context.grantPermissions(["notifications"], { origin: base });
      await page.addInitScript(() => {
        const Real = window.Notification;
        window.__shown = [];
        function Recording(title, options) {
          window.__shown.push({ title, body: options?.body });
          return new Real(title, options);
        }
        Object.defineProperty(Recording, "permission", { get: () => Real.permission });
        Recording.requestPermission = (...args) => Real.requestPermission(...args);
        window.Notification = Recording;
      });
      await signIn(page, base, "manager.ber@demo.local", DEMO_PASSWORD);
      await heading(page, "Staff");
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "My account" })
        .click();
      await heading(page, "My account");
      const box = page.getByLabel(/Show critical alerts as system notifications/);
      await box.check();
      await page.getByRole("button", { name: "Save notification settings" }).click();
      await page.getByText("Notification settings saved.").waitFor();
      await shot("32-notification-settings");
      assert.equal(
        (await manager.get("/api/notifications/preferences")).browser_notifications,
        true,
      );

      const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
      const unread = async () =>
        Number(/(\d+) unread/.exec(await bell.getAttribute("aria-label"))[1]);
      const before = await unread();
      await admin.post("/api/realtime/announcements", {
        title: "Freezer failure in aisle 4",
        message: "Move the frozen goods to the back room now.",
        priority: "critical",
        store_id: berlin.id,
      });
      // A critical toast (an alert that stays) and a system notification.
      const toast = page.getByRole("alert").filter({ hasText: "Freezer failure in aisle 4" });
      await toast.waitFor({ timeout: 10_000 });
      await page.waitForFunction(
        () => window.__shown.some((n) => n.title === "Freezer failure in aisle 4"),
        null,
        { timeout: 10_000 },
      );
      assert.equal(await unread(), before + 1);
      await shot("33-critical-toast");
      await page.getByRole("button", { name: "Dismiss: Freezer failure in aisle 4" }).click();
      await toast.waitFor({ state: "detached" });
      // A high one: a toast, but no system notification (those are for critical alerts).
      await admin.post("/api/realtime/announcements", {
        title: "Delivery arrives early",
        message: "The dairy delivery comes at 7:00.",
        priority: "high",
        store_id: berlin.id,
      });
      await page
        .getByTestId("toasts")
        .getByRole("status")
        .filter({ hasText: "Delivery arrives early" })
        .waitFor({ timeout: 10_000 });
      assert.deepEqual(await page.evaluate(() => window.__shown.map((n) => n.title)), [
        "Freezer failure in aisle 4",
      ]);
      // The bell lists both.
      await bell.click();
      const panel = page.getByRole("region", { name: "Notifications" });
      await panel.getByText("Delivery arrives early").waitFor();
      await panel.getByText("Freezer failure in aisle 4").waitFor();
    },
  ],
  [
    "the app shell opens without network once it has been opened online (service worker)",
    async ({ base, page, context }) => {
      await page.goto(base + "/");
      await heading(page, "Sign in");
      // The service worker installs (caching index.html and its assets) and takes control.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller)
          await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r));
      });
      const sw = await fetch(base + "/sw.js");
      assert.equal(
        sw.headers.get("cache-control"),
        "no-cache",
        "the worker itself is never cached",
      );
      await context.setOffline(true);
      try {
        await page.reload();
        await heading(page, "Sign in");
        await page.goto(base + "/pos");
        await heading(page, "Sign in");
      } finally {
        await context.setOffline(false);
      }
    },
  ],
];
