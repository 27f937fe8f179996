/**
 * Registers the app shell's service worker (public/sw.js) in production builds, so the till
 * opens without network once it has been opened online. Not in `vite dev` (its modules are
 * not hashed assets) nor where the browser has no service workers.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === "undefined") return;
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err: unknown) => {
      // The app works without it (online); say why offline opening will not.
      console.warn("The offline app shell could not be installed:", err);
    });
  });
}
