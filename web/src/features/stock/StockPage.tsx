/**
 * `/stock`: a store's stock levels, optionally only what is at or below its reorder point.
 *
 * Live: it listens to the store's channel, and when something moves stock there (a sale at any
 * till, a return, a transfer... see {@link changesStock}) it reloads the rows on screen in the
 * background, debounced, without a loading state; a `reset` reloads them the same way.
 */
import { useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate, useLocation } from "../../app/router";
import { formatMoney } from "../../platform/money";
import type { Page as ApiPage } from "../../platform/net/api";
import { useDebounced, useLiveEvents } from "../../platform/realtime/live";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, LoadError, Loading, Page, SelectField } from "../../ui/ui";
import { formatStock } from "./quantity";
import { changesStock } from "./liveStock";
import type { StockLevel } from "./types";
import { useProductUnits, useStockStores } from "./useStockStores";

export function StockPage() {
  const { api, me } = useApp();
  const { search } = useLocation();
  const stores = useStockStores();
  const units = useProductUnits();
  const items = stores.data ?? [];
  const storeId = search.get("store") ?? items[0]?.id ?? "";
  const lowOnly = search.get("low") === "1";
  const store = items.find((s) => s.id === storeId);
  const [more, setMore] = useState<{ items: StockLevel[]; cursor: string | null; error: unknown }>({
    items: [],
    cursor: null,
    error: null,
  });
  const levels = useAsync(async () => {
    if (!storeId) return null;
    const p = await api.get<ApiPage<StockLevel>>(`/api/stores/${storeId}/stock`, {
      low_only: lowOnly || undefined,
      limit: 100,
    });
    setMore({ items: [], cursor: p.next_cursor, error: null });
    return p;
  }, [api, storeId, lowOnly]);
  const rows = [...(levels.data?.items ?? []), ...more.items];

  // Reloads as many rows as are on screen (every page "Show more" added), quietly: the table
  // stays while it loads, and an answer for a store or filter no longer shown is dropped.
  const shown = useRef({ key: "", count: 0 });
  shown.current = { key: `${storeId}|${lowOnly}`, count: rows.length };
  const reloadQuietly = async () => {
    const key = shown.current.key;
    if (!storeId || levels.status !== "ready") return;
    const want = Math.max(100, shown.current.count);
    const items: StockLevel[] = [];
    let cursor: string | null = null;
    try {
      do {
        const p: ApiPage<StockLevel> = await api.get(`/api/stores/${storeId}/stock`, {
          low_only: lowOnly || undefined,
          limit: Math.min(200, want - items.length),
          cursor,
        });
        items.push(...p.items);
        cursor = p.next_cursor;
      } while (cursor && items.length < want);
    } catch {
      return; // the figures on screen stay; the next event or a reload tries again
    }
    if (shown.current.key !== key) return;
    levels.setData({ items, next_cursor: cursor });
    setMore({ items: [], cursor, error: null });
  };
  const refresh = useDebounced(() => void reloadQuietly());
  useLiveEvents(
    api,
    storeId ? `store:${storeId}` : null,
    (frame) => changesStock(frame.event) && refresh(),
    refresh,
  );
  const locale = me.organisation.locale;
  const currency = store?.currency ?? me.organisation.currency;
  const go = (store: string, low: boolean) =>
    navigate(`/stock?store=${encodeURIComponent(store)}${low ? "&low=1" : ""}`, { replace: true });

  const loadMore = async () => {
    try {
      const p = await api.get<ApiPage<StockLevel>>(`/api/stores/${storeId}/stock`, {
        low_only: lowOnly || undefined,
        limit: 100,
        cursor: more.cursor,
      });
      setMore((m) => ({ items: [...m.items, ...p.items], cursor: p.next_cursor, error: null }));
    } catch (error) {
      setMore((m) => ({ ...m, error }));
    }
  };

  if (stores.status === "error") {
    return (
      <Page title="Stock">
        <LoadError error={stores.error} retry={stores.reload} />
      </Page>
    );
  }
  return (
    <Page
      title="Stock"
      lead="On hand per item, from the stock ledger. Open an item to adjust it, count it or see its movements."
      actions={
        <>
          <Link to={`/imports?kind=stock&store=${storeId}`} className="btn">
            Import counts (CSV)
          </Link>
          <Link to={`/stock/goods?store=${storeId}`} className="btn">
            Transfers and deliveries
          </Link>
        </>
      }
    >
      <div className="filters">
        <SelectField
          label="Store"
          name="store"
          value={storeId}
          onChange={(e) => go(e.target.value, lowOnly)}
        >
          {items.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.code})
            </option>
          ))}
        </SelectField>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={lowOnly}
            onChange={(e) => go(storeId, e.target.checked)}
          />
          Only items at or below their reorder point
        </label>
      </div>
      {!stores.data ? (
        <Loading label="Loading your stores…" />
      ) : !items.length ? (
        <Empty title="No store to show">
          <p>Stock is shown for the stores you manage.</p>
        </Empty>
      ) : levels.status === "error" ? (
        <LoadError error={levels.error} retry={levels.reload} />
      ) : levels.status === "loading" ? (
        <Loading label="Loading stock…" />
      ) : !rows.length ? (
        <Empty title={lowOnly ? "Nothing is low on stock" : "No stock recorded in this store"}>
          {lowOnly ? <p>Every item with a reorder point is above it.</p> : null}
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-middle">
              <caption className="sr-only">Stock levels in {store?.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">SKU</th>
                  <th scope="col" className="num">
                    On hand
                  </th>
                  <th scope="col" className="num hide-narrow">
                    Reorder point
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num hide-narrow">
                    Average cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((l) => {
                  const unit = units.data?.get(l.product_id) ?? "each";
                  return (
                    <tr key={l.product_id}>
                      <td>
                        <Link to={`/stock/${storeId}/${l.product_id}`}>{l.name}</Link>
                      </td>
                      <td className="code">{l.sku}</td>
                      <td className="num" data-testid={`on-hand-${l.sku}`}>
                        {formatStock(l.on_hand, unit, locale)}
                      </td>
                      <td className="num hide-narrow">
                        {l.reorder_point === null
                          ? "–"
                          : formatStock(l.reorder_point, unit, locale)}
                      </td>
                      <td>
                        <StockStatus level={l} />
                      </td>
                      <td className="num hide-narrow">
                        {formatMoney(l.avg_cost_minor, currency, locale)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <ErrorAlert error={more.error} />
          {more.cursor ? (
            <div className="pager">
              <button type="button" className="btn" onClick={() => void loadMore()}>
                Show more
              </button>
            </div>
          ) : null}
        </>
      )}
    </Page>
  );
}

export function StockStatus({ level }: { level: StockLevel }) {
  if (level.on_hand < 0) return <span className="pill pill-warn">Oversold</span>;
  if (level.low) return <span className="pill pill-warn">Low</span>;
  return <span className="pill pill-ok">OK</span>;
}
