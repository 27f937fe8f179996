import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import "./app/styles.css";
import { AuthSession } from "./features/auth/session";
import { indexedDbTokenStore, memoryTokenStore } from "./platform/db/tokenStore";
import { Api } from "./platform/net/api";
import { registerServiceWorker } from "./platform/serviceWorker";

const store = typeof indexedDB === "undefined" ? memoryTokenStore() : indexedDbTokenStore();
const session = new AuthSession(store);
const api = new Api(session);
void session.start();
registerServiceWorker();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App session={session} api={api} />
  </StrictMode>,
);
