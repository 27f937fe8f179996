import { createContext, useContext } from "react";
import type { AuthSession } from "../features/auth/session";
import type { Me } from "../features/auth/types";
import type { Api } from "../platform/net/api";
import type { Access } from "./access";

export interface AppContextValue {
  session: AuthSession;
  api: Api;
  me: Me;
  access: Access;
  reloadMe: () => Promise<void>;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error("useApp outside a signed-in app");
  return v;
}
