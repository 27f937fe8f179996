// End-to-end tests: a real `chainsync` server (fresh temporary data directory, demo chain,
// a free port) driven through Debian's Chromium by playwright-core.
//
//   CHAINSYNC_BIN=/path/to/chainsync node e2e/run.mjs
//   E2E_ONLY="live on a manager" ... node e2e/run.mjs   (only scenarios whose name matches; most
//                                                       build on earlier ones, a few stand alone)
//
// A scenario may bring its own server (`[name, fn, { env }]`): a second `chainsync serve` with
// those environment variables (e.g. a demo chain with sales history) and its own data directory,
// started when the first such scenario runs.
//
// Exit codes: 0 passed, 1 a test failed, 3 Chromium is missing (the caller decides whether
// that is a loud skip or, in CI, a failure). Screenshots of the main screens are written to
// ../test-artifacts/e2e/ (git-ignored).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { forecastTests } from "./forecasts.mjs";
import { tests as mainTests } from "./tests.mjs";

const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, "i") : null;
const tests = [...mainTests, ...forecastTests].filter(([name]) => !only || only.test(name));

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const bin = process.env.CHAINSYNC_BIN;
const artifacts = resolve(here, "../../test-artifacts/e2e");
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/**
 * Runs axe-core (WCAG 2.1 A and AA rules: labels, roles, names, contrast...) on the page as it
 * is and fails on any violation. Evaluated through the DevTools protocol, so the page's
 * Content-Security-Policy stays on.
 */
async function checkAccessibility(page, where) {
  await page.evaluate(`${axeSource};0`);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  if (violations.length) {
    throw new Error(
      `accessibility violations on ${where}:\n${JSON.stringify(violations, null, 2)}`,
    );
  }
}

if (!existsSync(chromiumPath)) {
  console.error(`Chromium not found at ${chromiumPath}: the browser tests cannot run.`);
  process.exit(3);
}
if (!bin || !existsSync(bin)) {
  console.error("Set CHAINSYNC_BIN to a built chainsync binary (scripts/test does).");
  process.exit(1);
}

/** Starts `chainsync serve` on 127.0.0.1:0 and resolves with its base URL. */
function startServer(dataDir, env = {}) {
  const child = spawn(bin, ["serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", ...env },
  });
  let output = "";
  const base = new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /running at (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c) => (output += c));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
  return { child, base };
}

const dataDir = mkdtempSync(join(tmpdir(), "chainsync-e2e-"));
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
// The main server, unless every scenario run brings its own.
const server = tests.some(([, , opts]) => !opts?.env) ? startServer(dataDir) : null;
/** Servers of scenarios that bring their own, by their environment. */
const own = new Map();
function ownServer(env) {
  const key = JSON.stringify(env);
  if (!own.has(key)) {
    const dir = mkdtempSync(join(tmpdir(), "chainsync-e2e-"));
    own.set(key, { dir, ...startServer(dir, env) });
  }
  return own.get(key).base;
}
let browser;
let failed = 0;
try {
  const mainBase = await server?.base;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const shared = {};
  for (const [name, fn, opts] of tests) {
    const base = opts?.env ? await ownServer(opts.env) : mainBase;
    const started = Date.now();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: "en-GB",
    });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    // Every screenshot of a main screen is also an accessibility check of that screen.
    const shot = async (file, p = page) => {
      await p.screenshot({ path: join(artifacts, `${file}.png`), fullPage: true });
      if (!file.startsWith("FAILED")) await checkAccessibility(p, file);
    };
    try {
      await fn({ base, page, context, browser, shot, shared });
      // Chromium logs every 4xx answer as a console error, and every request made while a test
      // has switched the network off; the tests provoke both on purpose.
      const unexpected = consoleErrors.filter(
        (e) => !/status of 4\d\d|net::ERR_INTERNET_DISCONNECTED/.test(e),
      );
      if (unexpected.length) throw new Error(`console errors:\n${unexpected.join("\n")}`);
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.error(`  ✗ ${name}\n${err?.stack ?? err}`);
      await shot(`FAILED-${name.replace(/\W+/g, "-")}`).catch(() => {});
      break; // later tests build on earlier ones
    } finally {
      await context.close();
    }
  }
} catch (err) {
  failed++;
  console.error(err?.stack ?? err);
} finally {
  await browser?.close();
  server?.child.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
  for (const s of own.values()) {
    s.child.kill("SIGTERM");
    rmSync(s.dir, { recursive: true, force: true });
  }
}
console.log(
  failed
    ? `\nEnd-to-end tests FAILED (screenshots in ${artifacts})`
    : `\nEnd-to-end tests passed; screenshots in ${artifacts}`,
);
process.exit(failed ? 1 : 0);
