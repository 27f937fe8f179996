// POS scan-to-screen benchmark: how long from a keyboard-wedge scan's Enter to the new cart
// line on screen, in real Chromium against a real `chainsync` server with the demo catalog.
//
//   CHAINSYNC_BIN=/path/to/chainsync node bench/scan.mjs [scans=200] [cart=20]
//
// Each scan types a random barcode of the catalog (products sold by the piece) into the scan
// field and presses Enter, as a wedge scanner does. Two figures per scan, both from the Enter
// keydown's event timestamp:
//   - "DOM": the cart's item count shows the new total (React has committed the new line);
//   - "painted": the first task after the next animation frame, i.e. after that frame's paint.
// Carts are cleared every `cart` scans (F9, confirm), as a till does between customers.
// Prints p50/p95/max for both and the scanner's own typing time (not part of the figure).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const scans = Number(process.argv[2] ?? 200);
const cartSize = Number(process.argv[3] ?? 20);
const bin = process.env.CHAINSYNC_BIN;
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!bin) {
  console.error("Set CHAINSYNC_BIN to a built chainsync binary.");
  process.exit(1);
}

const dataDir = mkdtempSync(join(tmpdir(), "chainsync-bench-scan-"));
const server = spawn(bin, ["serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, RUST_LOG: "warn" },
});
const base = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
  const onData = (c) => {
    out += c;
    const m = /running at (http:\/\/[^\s]+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  };
  server.stdout.on("data", onData);
  server.stderr.on("data", (c) => (out += c));
});

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[s.length - 1] };
};
const ms = (v) => `${v.toFixed(1)} ms`;

let browser;
try {
  // The catalog, from the API: every active product sold by the piece, with a barcode.
  const login = await fetch(base + "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "cashier1.ber@demo.local", password: "chainsync-demo" }),
  }).then((r) => r.json());
  const codes = [];
  let cursor = null;
  do {
    const url = `${base}/api/products?limit=200${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await fetch(url, {
      headers: { authorization: `Bearer ${login.access_token}` },
    }).then((r) => r.json());
    for (const p of page.items)
      if (p.unit === "each" && p.barcodes.length) codes.push(p.barcodes[0]);
    cursor = page.next_cursor;
  } while (cursor);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  });
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 } })
  ).newPage();
  await page.goto(base + "/");
  await page.getByLabel("Email").fill("cashier1.ber@demo.local");
  await page.getByLabel("Password", { exact: true }).fill("chainsync-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: /BER-T1/ }).click();
  await page.getByText(/Catalog: [1-9]\d* products/).waitFor();
  const catalogSize = Number(
    /Catalog: (\d+)/.exec(await page.locator(".pos-status").innerText())[1],
  );

  const dom = [];
  const painted = [];
  const typing = [];
  let count = 0;
  for (let i = 0; i < scans; i++) {
    if (i > 0 && i % cartSize === 0) {
      await page.keyboard.press("F9");
      await page.getByRole("dialog", { name: "Clear this sale?" }).waitFor();
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.getByText("Scan an item to start a sale").waitFor();
      count = 0;
    }
    const code = codes[Math.floor(Math.random() * codes.length)];
    count++;
    await page.evaluate((expected) => {
      window.__scan = new Promise((resolve) => {
        let t0 = null;
        const onKey = (e) => {
          if (e.key === "Enter") {
            t0 = e.timeStamp;
            window.removeEventListener("keydown", onKey, true);
          }
        };
        window.addEventListener("keydown", onKey, true);
        const obs = new MutationObserver(() => {
          const n = document.querySelector('[data-testid="item-count"]')?.textContent;
          if (t0 === null || n !== String(expected)) return;
          obs.disconnect();
          const committed = performance.now();
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () =>
              resolve({ dom: committed - t0, painted: performance.now() - t0 });
            ch.port2.postMessage(0);
          });
        });
        obs.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
    }, count);
    const started = performance.now();
    await page.keyboard.type(code);
    typing.push(performance.now() - started);
    await page.keyboard.press("Enter");
    const r = await page.evaluate(() => window.__scan);
    dom.push(r.dom);
    painted.push(r.painted);
  }
  const d = summary(dom);
  const p = summary(painted);
  const t = summary(typing);
  console.log(
    `POS scan-to-screen, ${scans} scans, carts of ${cartSize}, catalog of ${catalogSize} products`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${await browser.version()}`,
  );
  console.log(`line in the DOM  p50 ${ms(d.p50)}  p95 ${ms(d.p95)}  max ${ms(d.max)}`);
  console.log(`line painted     p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  max ${ms(p.max)}`);
  console.log(
    `(the scanner's own typing of 13 digits through the DevTools protocol: p50 ${ms(t.p50)})`,
  );
} finally {
  await browser?.close();
  server.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
}
