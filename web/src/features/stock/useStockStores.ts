/** The stores whose stock this person may look after: every store for admins, managed ones else. */
import { useApp } from "../../app/context";
import type { Page } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";
import type { Store } from "../stores/types";

export function useStockStores() {
  const { api, access } = useApp();
  return useAsync(async () => {
    const page = await api.get<Page<Store>>("/api/stores", { limit: 200 });
    return page.items.filter(
      (s) => s.active && (access.isAdmin || access.managedStores.includes(s.id)),
    );
  }, [api, access]);
}

/** Units of every product (stock quantities of weighed goods are in thousandths). */
export function useProductUnits() {
  const { api } = useApp();
  return useAsync(async () => {
    const units = new Map<string, "each" | "weighed">();
    let cursor: string | null = null;
    do {
      const p: Page<{ id: string; unit: "each" | "weighed" }> = await api.get("/api/products", {
        include_inactive: true,
        limit: 200,
        cursor,
      });
      for (const item of p.items) units.set(item.id, item.unit);
      cursor = p.next_cursor;
    } while (cursor);
    return units;
  }, [api]);
}
