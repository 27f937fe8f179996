/**
 * Where the dashboard's sales come from until the server's reports API exists: the stores'
 * sales lists (`GET /api/stores/{id}/sales`, newest first), read back to the start of the
 * previous period and aggregated in the browser (aggregate.ts). This is bounded on purpose:
 * at most {@link MAX_SALES_PER_STORE} sales per store are read, and the page says so when the
 * bound cut the data, rather than showing short figures as if they were complete. The reports
 * API (server-side aggregation, any history length) replaces this module, not the screens.
 */
import type { Api, Page } from "../../platform/net/api";
import type { ProductInfo, SaleRow } from "./aggregate";

export const MAX_SALES_PER_STORE = 2000;

export interface Loaded {
  sales: SaleRow[];
  /** Stores whose history was cut by the bound. */
  truncated: string[];
}

export async function loadSales(api: Api, storeIds: string[], since: number): Promise<Loaded> {
  const truncated: string[] = [];
  const perStore = await Promise.all(
    storeIds.map(async (id) => {
      const out: SaleRow[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page: Page<SaleRow> = await api.get(`/api/stores/${id}/sales`, {
          limit: 200,
          cursor,
        });
        out.push(...page.items);
        // Stop when a whole page is older than the window (offline sales may arrive late, so
        // one old sale does not end the read).
        const allOlder = page.items.every((s) => Date.parse(s.occurred_at) < since);
        cursor = page.next_cursor;
        if (!cursor || allOlder) break;
        if (out.length >= MAX_SALES_PER_STORE) {
          truncated.push(id);
          break;
        }
      }
      return out;
    }),
  );
  return { sales: perStore.flat(), truncated };
}

export async function loadCatalogNames(
  api: Api,
): Promise<{ products: Map<string, ProductInfo>; categories: Map<string, string> }> {
  const products = new Map<string, ProductInfo>();
  let cursor: string | null = null;
  do {
    const page: Page<{ id: string; name: string; category_id: string | null }> = await api.get(
      "/api/products",
      { include_inactive: true, limit: 200, cursor },
    );
    for (const p of page.items) products.set(p.id, { name: p.name, category_id: p.category_id });
    cursor = page.next_cursor;
  } while (cursor);
  const cats = await api.get<Page<{ id: string; name: string }>>("/api/categories", {
    limit: 200,
  });
  return { products, categories: new Map(cats.items.map((c) => [c.id, c.name])) };
}
