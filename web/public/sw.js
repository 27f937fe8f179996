/*
 * The app shell's service worker (docs/web-app.md, "Offline"). It is not bundled or hashed:
 * the server answers /sw.js with `Cache-Control: no-cache`, so browsers check it on every
 * navigation and a deployment replaces it.
 *
 * - Pages (navigations outside /api): network first, so a deployment is seen at once; when the
 *   network fails, the last index.html fetched (the single-page app serves every route).
 * - /assets/* (content-hashed, immutable): cache first; fetched once, then read from the cache.
 * - Everything else, the API above all, is not touched: the till's own IndexedDB data layer
 *   and outbox handle being offline.
 *
 * On install it caches index.html and the assets that page names, so the first visit online
 * is enough to open the app offline afterwards. On activate it drops assets that the current
 * index.html no longer names (old deployments), except lazily loaded chunks still in use.
 */
const SHELL = "chainsync-shell-v1";
const ASSETS = "chainsync-assets-v1";

/** The /assets/ files a page references (scripts, styles, module preloads). */
function assetsOf(html) {
  const out = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) out.add(m[1]);
  return [...out];
}

async function cacheShell() {
  const res = await fetch("/", { cache: "no-cache", headers: { accept: "text/html" } });
  if (!res.ok) throw new Error(`index.html: ${res.status}`);
  const html = await res.clone().text();
  const shell = await caches.open(SHELL);
  await shell.put("/index.html", res);
  const assets = await caches.open(ASSETS);
  await assets.addAll(assetsOf(html));
  return html;
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL, ASSETS]);
      for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
      const index = await (await caches.open(SHELL)).match("/index.html");
      if (index) {
        const current = new Set(assetsOf(await index.text()));
        const assets = await caches.open(ASSETS);
        for (const req of await assets.keys()) {
          const path = new URL(req.url).pathname;
          // Entry files of an old deployment go; lazy chunks (not named in index.html) stay
          // until the next deployment's chunks replace them on use.
          if (!current.has(path) && /\/assets\/index-/.test(path)) await assets.delete(req);
        }
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (req.mode === "navigate") {
    event.respondWith(
      (async () => {
        try {
          const res = await fetch(req);
          if (res.ok && (res.headers.get("content-type") ?? "").startsWith("text/html")) {
            const shell = await caches.open(SHELL);
            await shell.put("/index.html", res.clone());
          }
          return res;
        } catch (err) {
          const cached = await caches.match("/index.html", { cacheName: SHELL });
          if (cached) return cached;
          throw err;
        }
      })(),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(
      (async () => {
        const assets = await caches.open(ASSETS);
        const hit = await assets.match(req);
        if (hit) return hit;
        const res = await fetch(req);
        if (res.ok) await assets.put(req, res.clone());
        return res;
      })(),
    );
  }
});
