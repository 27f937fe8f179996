/** Categories and suppliers, for filters and the product form (names by id). */
import { useApp } from "../../app/context";
import type { Page } from "../../platform/net/api";
import { useAsync } from "../../ui/hooks";

export interface Named {
  id: string;
  name: string;
  active: boolean;
}

export function useCatalogLists() {
  const { api } = useApp();
  return useAsync(async () => {
    const [categories, suppliers] = await Promise.all([
      api.get<Page<Named>>("/api/categories", { limit: 200 }),
      api.get<Page<Named>>("/api/suppliers", { limit: 200 }),
    ]);
    const byName = (a: Named, b: Named) => a.name.localeCompare(b.name);
    return {
      categories: categories.items.sort(byName),
      suppliers: suppliers.items.sort(byName),
      categoryName: new Map(categories.items.map((c) => [c.id, c.name])),
    };
  }, [api]);
}
