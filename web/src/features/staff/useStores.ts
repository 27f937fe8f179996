import { useApp } from "../../app/context";
import type { Page } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import type { Store } from "../stores/types";

/** The stores the signed-in user may see (admins: all, including deactivated), by id. */
export function useStores() {
  const { api, access } = useApp();
  const stores = useAsync(
    () =>
      api.get<Page<Store>>("/api/stores", {
        limit: 200,
        include_inactive: access.isAdmin ? true : undefined,
      }),
    [api, access.isAdmin],
  );
  const byId = new Map((stores.data?.items ?? []).map((s) => [s.id, s]));
  return { ...stores, byId, list: stores.data?.items ?? [] };
}

export const roleLabel = (role: string) => (role === "manager" ? "Manager" : "Cashier");
