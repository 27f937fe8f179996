// The end-to-end scenarios, in order (later ones use what earlier ones created, in `shared`).
import assert from "node:assert/strict";

const DEMO_PASSWORD = "chainsync-demo";

async function signIn(page, base, email, password) {
  await page.goto(base + "/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor({ timeout: 15_000 });
}

async function navLabels(page) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link").allInnerTexts();
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
      assert.deepEqual(await navLabels(page), ["Stores", "Staff", "Audit log", "My account"]);
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
      await heading(page, "My store");
      await page.getByRole("heading", { level: 2, name: /Berlin/ }).waitFor();
      assert.deepEqual(await navLabels(page), ["My store", "My account"]);
      await shot("10-cashier-my-store");
      for (const path of ["/staff", "/stores", "/stores/new", "/audit"]) {
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
      assert.deepEqual(await navLabels(page), ["My stores", "Staff", "My account"]);
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
];
