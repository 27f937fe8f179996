/**
 * The dashboard's live part: today's key figures of the chosen store and a ticker of the latest
 * sales in the stores this person sees, both updated as sales are rung up at any till, without
 * reloading the page; and whether the live connection is up.
 *
 * It listens to the `store:<id>` channels (docs/websocket-protocol.md). A `sale.completed`
 * event puts its sale on the ticker at once (receipt, total, time come with the event). Then,
 * debounced ({@link useDebounced}: a burst of sales costs one reload, a never-quiet store still
 * refreshes every few seconds), today's figures are reloaded from the reports API and the
 * ticker's rows are completed from the sales API (the item count is not in the event).
 * Figures are never computed here by adding an event's amounts: the server's figure is net of
 * tax and returns, follows the store's calendar day, and cannot drift from a missed or repeated
 * event. A `reset` on a channel (history window passed) reloads that store's part from REST,
 * and so does the confirmation of a first subscription (the load at mount may predate it);
 * reconnecting resumes each channel from its offset, so sales made while offline arrive then.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { formatMoney } from "../../platform/money";
import type { Page as ApiPage } from "../../platform/net/api";
import { describeError } from "../../platform/net/errors";
import { useDebounced, useLiveChannels, useLiveStatus } from "../../platform/realtime/live";
import type { EventFrame } from "../../platform/realtime/types";
import type { SaleView } from "../pos/types";
import type { Store } from "../stores/types";
import { todayIn } from "./period";
import {
  TICKER_SIZE,
  type TickerRow,
  applyVoid,
  changesSales,
  mergeRows,
  rowFromEvent,
  rowFromSale,
} from "./ticker";
import type { KpiReport } from "./types";

/** At most this many store channels: the chosen store first, then the others in list order. */
export const MAX_WATCHED_STORES = 20;

export function watchedStores(stores: readonly Store[], chosen: string): Store[] {
  const first = stores.filter((s) => s.id === chosen);
  return [...first, ...stores.filter((s) => s.id !== chosen)].slice(0, MAX_WATCHED_STORES);
}

interface Today {
  storeId: string;
  date: string;
  kpis: KpiReport;
  loadedAt: Date;
}

export function LiveToday({
  stores,
  store,
  onSalesChanged,
}: {
  /** Every store this person sees on the dashboard. */
  stores: readonly Store[];
  /** The store whose figures are shown. */
  store: Store;
  /** A sale, return or void changed the chosen store's figures (the period reports are stale). */
  onSalesChanged?: () => void;
}) {
  const { api, me } = useApp();
  const locale = me.organisation.locale;
  const status = useLiveStatus(api);
  const watched = useMemo(() => watchedStores(stores, store.id), [stores, store.id]);
  const channels = useMemo(() => watched.map((s) => `store:${s.id}`), [watched]);
  const names = useMemo(() => new Map(stores.map((s) => [s.id, s])), [stores]);
  const [rows, setRows] = useState<TickerRow[]>([]);
  const [today, setToday] = useState<Today | null>(null);
  const [error, setError] = useState<unknown>(null);

  // Answers to loads for a store that is no longer chosen are dropped.
  const chosen = useRef(store.id);
  chosen.current = store.id;

  const loadToday = useCallback(async () => {
    const id = store.id;
    const date = todayIn(store.timezone, new Date());
    try {
      const kpis = await api.get<KpiReport>(`/api/stores/${id}/reports/kpis`, {
        from: date,
        to: date,
        granularity: "day",
      });
      if (chosen.current !== id) return;
      setToday({ storeId: id, date, kpis, loadedAt: new Date() });
      setError(null);
    } catch (e) {
      if (chosen.current === id) setError(e);
    }
  }, [api, store.id, store.timezone]);

  const loadSales = useCallback(
    async (ids: readonly string[]) => {
      const pages = await Promise.all(
        ids.map((id) =>
          api
            .get<ApiPage<SaleView>>(`/api/stores/${id}/sales`, { limit: TICKER_SIZE })
            .then((p) => p.items.map(rowFromSale))
            // A store whose list failed keeps the rows it had; the next event retries.
            .catch(() => [] as TickerRow[]),
        ),
      );
      setRows((r) => mergeRows(r, pages.flat()));
    },
    [api],
  );

  useEffect(() => {
    setToday(null);
    void loadToday();
  }, [loadToday]);
  const watchedKey = channels.join(",");
  useEffect(() => {
    void loadSales(watched.map((s) => s.id));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadSales, watchedKey]);

  // What changed since the last reload: stores whose ticker rows to complete, and whether the
  // chosen store's figures changed.
  const dirty = useRef({ stores: new Set<string>(), today: false });
  const refresh = useDebounced(() => {
    const { stores: ids, today: todayChanged } = dirty.current;
    dirty.current = { stores: new Set(), today: false };
    if (ids.size) void loadSales([...ids]);
    if (todayChanged) void loadToday();
  });

  const onEvent = (frame: EventFrame) => {
    const e = frame.event;
    const row = rowFromEvent(e);
    if (row) setRows((r) => mergeRows(r, [row]));
    if (e.kind === "sale.voided") setRows((r) => applyVoid(r, e));
    if (!changesSales(e) || !e.store_id) return;
    if (row) dirty.current.stores.add(e.store_id);
    if (e.store_id === store.id) {
      dirty.current.today = true;
      onSalesChanged?.();
    }
    refresh();
  };
  // Reload after a reset, and once a first subscription is confirmed (see useLiveEvents). Only
  // a reset means sales may have been missed, so only it makes the period reports stale.
  const onReset = (channel: string, reason: string) => {
    const id = channel.slice("store:".length);
    void loadSales([id]);
    if (id === store.id) {
      void loadToday();
      if (reason !== "subscribed") onSalesChanged?.();
    }
  };
  useLiveChannels(api, channels, onEvent, onReset);

  const t = today?.storeId === store.id ? today : null;
  const money = (v: number, currency = store.currency) => formatMoney(v, currency, locale);
  const time = (iso: string) =>
    new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZone: store.timezone,
    }).format(new Date(iso));

  return (
    <section className="card live-today" aria-labelledby="live-title">
      <div className="report-head">
        <h2 id="live-title">Today in {store.name}</h2>
        <LiveBadge status={status} loadedAt={t?.loadedAt ?? null} locale={locale} />
      </div>
      {error && !t ? (
        <p className="hint" role="alert">
          Today's figures could not be loaded: {describeError(error)}
        </p>
      ) : null}
      <div className="kpis kpis-live" aria-label="Today's figures" role="group">
        <article className="kpi">
          <h3>Revenue today</h3>
          <p className="kpi-value" data-testid="live-revenue">
            {t ? money(t.kpis.totals.revenue_minor) : "…"}
          </p>
          <p className="hint">excl. tax, net of returns</p>
        </article>
        <article className="kpi">
          <h3>Sales today</h3>
          <p className="kpi-value" data-testid="live-transactions">
            {t ? t.kpis.totals.transactions.toLocaleString(locale) : "…"}
          </p>
        </article>
        <article className="kpi">
          <h3>Average basket</h3>
          <p className="kpi-value" data-testid="live-basket">
            {!t
              ? "…"
              : t.kpis.totals.average_basket_minor === null
                ? "—"
                : money(t.kpis.totals.average_basket_minor)}
          </p>
          <p className="hint">incl. tax</p>
        </article>
      </div>
      <h3 id="ticker-title" className="ticker-title">
        Latest sales{watched.length > 1 ? ` in ${watched.length} stores` : ""}
      </h3>
      {rows.length === 0 ? (
        <p className="hint">No sales yet. Sales appear here the moment a till records them.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="ticker-title">
          <table className="table ticker" data-testid="ticker">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {watched.length > 1 ? <th scope="col">Store</th> : null}
                <th scope="col">Receipt</th>
                <th scope="col" className="num">
                  Items
                </th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.saleId} className={r.voided ? "ticker-voided" : undefined}>
                  <td>{time(r.time)}</td>
                  {watched.length > 1 ? <td>{names.get(r.storeId)?.name ?? "—"}</td> : null}
                  <td className="code">
                    {r.receipt}
                    {r.voided ? <span className="pill pill-warn">Voided</span> : null}
                  </td>
                  <td className="num">{r.items === null ? "…" : r.items.toLocaleString(locale)}</td>
                  <td className="num">{money(r.totalMinor, r.currency || store.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LiveBadge({
  status,
  loadedAt,
  locale,
}: {
  status: "open" | "connecting" | "closed";
  loadedAt: Date | null;
  locale: string;
}) {
  const at = loadedAt
    ? new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(loadedAt)
    : null;
  return (
    <span className={`live-badge live-${status}`} role="status" data-testid="live-status">
      <span className="live-dot" aria-hidden="true" />
      {status === "open"
        ? "Live"
        : status === "connecting"
          ? "Connecting…"
          : `Offline${at ? `: figures as of ${at}` : ""}, reconnecting`}
    </span>
  );
}
