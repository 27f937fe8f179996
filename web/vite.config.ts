import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The API server the dev server proxies to (`npm run dev`); the built app is served by the
// `chainsync` binary itself, on the same origin as the API.
const api = process.env.CHAINSYNC_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    // Vite's default: hashed files under /assets/, which the server caches as immutable.
    assetsDir: "assets",
  },
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/healthz": api,
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
