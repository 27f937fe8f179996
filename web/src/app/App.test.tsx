import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthSession } from "../features/auth/session";
import type { Me } from "../features/auth/types";
import { memoryTokenStore } from "../platform/db/tokenStore";
import { Api } from "../platform/net/api";
import { App } from "./App";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function me(mustChange: boolean, isAdmin: boolean): Me {
  return {
    user: {
      id: "u1",
      email: "nina@example.com",
      display_name: "Nina",
      active: true,
      is_org_admin: isAdmin,
      must_change_password: mustChange,
      memberships: [],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    },
    organisation: { id: "o1", name: "Corner Shops", currency: "EUR", locale: "en-GB" },
    memberships: [],
  };
}

/** Answers like the API for a user with a stored session. */
function server(who: Me): typeof fetch {
  return async (input) => {
    const url = String(input);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json" },
      });
    if (url === "/api/auth/refresh") {
      return json(200, {
        access_token: "a",
        token_type: "Bearer",
        expires_in: 900,
        refresh_token: "r2",
        refresh_expires_in: 1,
        must_change_password: who.user.must_change_password,
      });
    }
    if (url === "/api/auth/me") return json(200, who);
    if (url.startsWith("/api/stores")) return json(200, { items: [], next_cursor: null });
    return json(404, { error: { code: "route_not_found", message: "no such route", field: null } });
  };
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  window.history.replaceState(null, "", "/");
});

async function render(who: Me | null) {
  const fetchFn = server(who ?? me(false, false));
  const session = new AuthSession(memoryTokenStore(who ? "r1" : null), {
    fetch: fetchFn,
    locks: null,
    channel: null,
  });
  const api = new Api(session, fetchFn);
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => {
    root.render(<App session={session} api={api} />);
    await session.start();
  });
  cleanup = () => {
    act(() => root.unmount());
    container.remove();
  };
  return container;
}

/** A cashier of one store. */
function cashier(): Me {
  const m = me(false, false);
  return {
    ...m,
    memberships: [{ store_id: "s1", store_code: "BER-01", store_name: "Berlin", role: "cashier" }],
  };
}

describe("App", () => {
  it("keeps a cashier out of the forecasts: no menu entry, and the address is refused", async () => {
    window.history.replaceState(null, "", "/forecasts/models?store=s1");
    const view = await render(cashier());
    await vi.waitFor(() =>
      expect(view.querySelector("h1")?.textContent).toBe("Not available for your role"),
    );
    const links = [...view.querySelectorAll('nav[aria-label="Main"] a')].map((a) => a.textContent);
    expect(links).not.toContain("Forecasts");
    expect(links).toContain("Sell");
  });

  it("shows the sign-in form when there is no stored session", async () => {
    const view = await render(null);
    expect(view.querySelector("h1")?.textContent).toBe("Sign in");
    expect(view.querySelector<HTMLInputElement>('input[type="email"]')).not.toBeNull();
  });

  it("asks for a new password before showing anything else", async () => {
    window.history.replaceState(null, "", "/stores");
    const view = await render(me(true, true));
    await vi.waitFor(() =>
      expect(view.querySelector("h1")?.textContent).toBe("Choose your password"),
    );
    expect(view.querySelector("nav")).toBeNull();
  });

  it("resumes a stored session into the role's start page", async () => {
    const view = await render(me(false, true));
    await vi.waitFor(() => expect(window.location.pathname).toBe("/stores"));
    await vi.waitFor(() => expect(view.querySelector("h1")?.textContent).toBe("Stores"));
    const links = [...view.querySelectorAll('nav[aria-label="Main"] a')].map((a) => a.textContent);
    expect(links).toEqual([
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
  });
});
