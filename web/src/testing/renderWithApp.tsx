/**
 * Renders a screen inside the signed-in app's context (the real {@link Api} over a fake
 * server, a `Me` built from a few facts), for component tests. Used by tests only.
 */
import { act, type ReactElement } from "react";
import { createRoot } from "react-dom/client";
import { accessOf } from "../app/access";
import { AppContext } from "../app/context";
import type { AuthSession } from "../features/auth/session";
import type { Me, Role } from "../features/auth/types";
import type { Api } from "../platform/net/api";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export function testMe(opts: {
  admin?: boolean;
  stores?: { id: string; role: Role; name?: string }[];
}): Me {
  const memberships = (opts.stores ?? []).map((s) => ({
    store_id: s.id,
    store_code: s.id.toUpperCase(),
    store_name: s.name ?? s.id,
    role: s.role,
  }));
  return {
    user: {
      id: "u1",
      email: "mia@example.com",
      display_name: "Mia",
      active: true,
      is_org_admin: !!opts.admin,
      must_change_password: false,
      memberships: memberships.map((m) => ({ store_id: m.store_id, role: m.role })),
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    },
    organisation: { id: "o1", name: "Corner Shops", currency: "EUR", locale: "en-GB" },
    memberships,
  };
}

export interface Rendered {
  container: HTMLElement;
  /** The visible text, whitespace collapsed. */
  text: () => string;
  unmount: () => void;
}

export async function renderWithApp(ui: ReactElement, api: Api, me: Me): Promise<Rendered> {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => {
    root.render(
      <AppContext.Provider
        value={{
          api,
          me,
          access: accessOf(me),
          session: null as unknown as AuthSession,
          reloadMe: async () => undefined,
        }}
      >
        {ui}
      </AppContext.Provider>,
    );
  });
  return {
    container,
    text: () => (container.textContent ?? "").replace(/\s+/g, " "),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}
