/**
 * The catalog cache: every active product of the organisation and this store's price
 * overrides, kept in IndexedDB and mirrored in memory, so a scan is a `Map` lookup (no network,
 * no await) and the till keeps its catalog across reloads and, later, offline.
 *
 * Sync: the API has no "changed since" query for products yet, so a sync pages through the
 * whole catalog (200 per request; the 330-product demo chain is two requests) including
 * deactivated products, and writes to IndexedDB only what changed (`updated_at` differs),
 * deleting what was deactivated or is gone. Overrides are replaced the same way.
 *
 * The organisation's active promotions are kept with the catalog (meta `promotions`): the till
 * prices carts with them locally (domain/pricing), so totals need no round trip.
 *
 * Invariants: the memory maps always equal the stored records after `load` or `sync`; a sync
 * that fails half-way leaves the previous cache untouched (the writes are one transaction).
 */
import type { Api, Page } from "../../platform/net/api";
import { type PosDb, getAll, getOne, promised, transact } from "../../platform/db/posDb";
import type { Promotion } from "../../domain/pricing/types";
import type { PriceOverride, Product } from "./types";

/** A promotion as `GET /api/promotions` lists it (the engine's definition plus bookkeeping). */
interface PromotionView extends Promotion {
  active: boolean;
}

interface StoredOverride extends PriceOverride {
  store_id: string;
}

export interface SyncResult {
  products: number;
  changed: number;
  removed: number;
  syncedAt: string;
}

/** Lower-case words without accents: "Crème-Brûlée 0,5 l" → ["creme", "brulee", "0,5", "l"]. */
export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[\s\-/()+&"'’]+/)
    .filter(Boolean);
}

export class CatalogCache {
  private products = new Map<string, Product>();
  private byCode = new Map<string, string>();
  private bySku = new Map<string, string>();
  private terms = new Map<string, string[]>();
  private overrides = new Map<string, number>();
  promotions: Promotion[] = [];
  private listeners = new Set<() => void>();
  syncedAt: string | null = null;
  version = 0;

  private constructor(
    private readonly pos: PosDb,
    readonly storeId: string,
  ) {}

  /** The cache as stored in this browser (empty the first time). */
  static async load(pos: PosDb, storeId: string): Promise<CatalogCache> {
    const cache = new CatalogCache(pos, storeId);
    const [products, overrides, syncedAt, promotions] = await Promise.all([
      getAll<Product>(pos, "products"),
      getAll<StoredOverride>(pos, "overrides"),
      getOne<string>(pos, "meta", `catalog_synced_at:${storeId}`),
      getOne<Promotion[]>(pos, "meta", "promotions"),
    ]);
    cache.replaceMemory(
      products,
      overrides.filter((o) => o.store_id === storeId),
      promotions ?? [],
    );
    cache.syncedAt = syncedAt ?? null;
    return cache;
  }

  get size(): number {
    return this.products.size;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  get(id: string): Product | undefined {
    return this.products.get(id);
  }

  /** The product with this barcode, or this exact SKU (case-insensitive). */
  lookup(code: string): Product | undefined {
    const c = code.trim();
    const id = this.byCode.get(c) ?? this.bySku.get(c.toLowerCase());
    return id ? this.products.get(id) : undefined;
  }

  /** This store's price: its override, else the catalog price. */
  priceOf(product: Product): number {
    return this.overrides.get(product.id) ?? product.price_minor;
  }

  /**
   * Products whose name or brand words begin with every query word, or whose SKU or a barcode
   * begins with the query; name order; at most `limit`.
   */
  search(query: string, limit = 20): Product[] {
    const q = words(query);
    if (!q.length) return [];
    const raw = query.trim().toLowerCase();
    const out: Product[] = [];
    for (const p of this.products.values()) {
      const t = this.terms.get(p.id)!;
      const byWords = q.every((w) => t.some((term) => term.startsWith(w)));
      const byCode =
        p.sku.toLowerCase().startsWith(raw) || p.barcodes.some((b) => b.startsWith(raw));
      if (byWords || byCode) out.push(p);
    }
    out.sort((a, b) => a.name.localeCompare(b.name));
    return out.slice(0, limit);
  }

  /** Pulls the catalog and this store's overrides from the server and stores what changed. */
  async sync(api: Api): Promise<SyncResult> {
    const fresh = await pages<Product>(api, "/api/products", { include_inactive: true });
    const overrides = await pages<PriceOverride>(
      api,
      `/api/stores/${this.storeId}/price-overrides`,
      {},
    );
    const promotions = (await pages<PromotionView>(api, "/api/promotions", {}))
      .filter((p) => p.active)
      .map(({ id, name, priority, rule, scope, schedule }) => ({
        id,
        name,
        priority,
        rule,
        scope,
        schedule,
      }));
    const active = fresh.filter((p) => p.active);
    const keep = new Set(active.map((p) => p.id));
    const changed = active.filter((p) => this.products.get(p.id)?.updated_at !== p.updated_at);
    const removed = [...this.products.keys()].filter((id) => !keep.has(id));
    const syncedAt = new Date().toISOString();
    const storeId = this.storeId;
    await transact(this.pos, ["products", "overrides", "meta"], "readwrite", async (tx) => {
      const ps = tx.objectStore("products");
      for (const p of changed) ps.put(p);
      for (const id of removed) ps.delete(id);
      const os = tx.objectStore("overrides");
      const range = IDBKeyRange.bound([storeId], [storeId, []]);
      await promised(os.delete(range));
      for (const o of overrides) os.put({ ...o, store_id: storeId } satisfies StoredOverride);
      tx.objectStore("meta").put(syncedAt, `catalog_synced_at:${storeId}`);
      tx.objectStore("meta").put(promotions, "promotions");
    });
    this.replaceMemory(active, overrides, promotions);
    this.syncedAt = syncedAt;
    return { products: active.length, changed: changed.length, removed: removed.length, syncedAt };
  }

  private replaceMemory(products: Product[], overrides: PriceOverride[], promotions: Promotion[]) {
    this.promotions = promotions;
    this.products = new Map(products.map((p) => [p.id, p]));
    this.byCode = new Map();
    this.bySku = new Map();
    this.terms = new Map();
    for (const p of products) {
      for (const b of p.barcodes) this.byCode.set(b, p.id);
      this.bySku.set(p.sku.toLowerCase(), p.id);
      this.terms.set(p.id, words(`${p.name} ${p.brand ?? ""}`));
    }
    this.overrides = new Map(overrides.map((o) => [o.product_id, o.price_minor]));
    this.version++;
    for (const fn of this.listeners) fn();
  }
}

/** Every page of a list endpoint. */
async function pages<T>(
  api: Api,
  path: string,
  query: Record<string, string | number | boolean>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.get<Page<T>>(path, { ...query, limit: 200, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}
