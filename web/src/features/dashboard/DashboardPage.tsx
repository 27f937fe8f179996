/**
 * `/dashboard`: the reports API (docs/reports.md) for one store and a period of its calendar —
 * KPIs against the previous period, revenue by day, ISO week or month, top products,
 * categories, profit and loss, stock valuation and staff — and the store comparison across
 * every store this person may report on. Every figure is computed by the server (returns
 * already subtracted); each report downloads as CSV. Loaded on demand (its own chunk, with the
 * charting library).
 */
import { type ReactNode, useCallback, useEffect, useMemo, useState } from "react";
import { useApp } from "../../app/context";
import { formatDateTime, formatRate } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import type { Query } from "../../platform/net/api";
import { describeError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, LoadError, Loading, Page, SelectField, TextField } from "../../ui/ui";
import { useStockStores } from "../stock/useStockStores";
import { BarChart } from "./Chart";
import { LiveToday } from "./LiveToday";
import {
  type Granularity,
  PRESETS,
  type PresetKey,
  bucketLabel,
  periodLabel,
  presetRange,
  suggestedGranularity,
  todayIn,
} from "./period";
import type {
  Categories,
  KpiReport,
  ProfitAndLoss,
  StaffReport,
  StockValuation,
  StoreComparison,
  TopProducts,
} from "./types";
import "./dashboard.css";

export function DashboardPage() {
  const { api, me } = useApp();
  const locale = me.organisation.locale;
  const stores = useStockStores();
  const mine = useMemo(() => stores.data ?? [], [stores.data]);
  const [storeId, setStoreId] = useState("");
  const store = mine.find((s) => s.id === storeId) ?? mine[0] ?? null;
  const [preset, setPreset] = useState<PresetKey>("30d");
  const [custom, setCustom] = useState<{ from: string; to: string } | null>(null);
  const [granularity, setGranularity] = useState<Granularity | "auto">("auto");
  const [refreshed, setRefreshed] = useState(0);
  // Sales, returns or voids in the chosen store since the period reports were loaded (the live
  // part below updates itself; the period reports wait for Refresh, they are six heavy queries).
  const [changedSince, setChangedSince] = useState(0);

  // Dates are the store's calendar dates: "today" is today where the store is.
  const today = store ? todayIn(store.timezone, new Date()) : null;
  const range = useMemo(
    () =>
      !today
        ? null
        : preset === "custom" && custom
          ? custom
          : presetRange(preset === "custom" ? "30d" : preset, today),
    [preset, custom, today],
  );
  useEffect(() => {
    if (preset === "custom" && !custom && range) setCustom(range);
  }, [preset, custom, range]);
  const grain: Granularity =
    granularity === "auto" && range
      ? suggestedGranularity(range.from, range.to)
      : granularity === "auto"
        ? "day"
        : granularity;

  const currency = store?.currency ?? me.organisation.currency;
  const money = useCallback((v: number) => formatMoney(v, currency, locale), [currency, locale]);
  const moneyShort = useCallback(
    (v: number) =>
      new Intl.NumberFormat(locale, {
        style: "currency",
        currency,
        notation: "compact",
        maximumFractionDigits: 1,
      }).format(
        v /
          10 **
            (new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
              .maximumFractionDigits ?? 2),
      ),
    [currency, locale],
  );
  const count = useCallback((v: number) => v.toLocaleString(locale), [locale]);
  const rate = useCallback(
    (bps: number | null) => (bps === null ? "—" : formatRate(bps, locale)),
    [locale],
  );

  const base = store ? `/api/stores/${store.id}/reports` : null;
  const period: Query | null = range ? { from: range.from, to: range.to } : null;
  const key = `${base}|${range?.from}|${range?.to}|${grain}|${refreshed}`;
  useEffect(() => setChangedSince(0), [key]);
  const periodHasToday = !!range && !!today && range.to >= today;

  const reports = useAsync(async () => {
    if (!base || !period) return null;
    const [kpis, top, categories, pnl, valuation, staff] = await Promise.all([
      api.get<KpiReport>(`${base}/kpis`, { ...period, granularity: grain }),
      api.get<TopProducts>(`${base}/top-products`, { ...period, by: "revenue", limit: 10 }),
      api.get<Categories>(`${base}/categories`, period),
      api.get<ProfitAndLoss>(`${base}/profit-and-loss`, period),
      api.get<StockValuation>(`${base}/stock-valuation`, { limit: 10 }),
      api.get<StaffReport>(`${base}/staff`, period),
    ]);
    return { kpis, top, categories, pnl, valuation, staff };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);
  const comparison = useAsync(async () => {
    if (!period || mine.length < 2) return null;
    return api.get<StoreComparison>("/api/reports/store-comparison", period);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, mine.length]);

  const csv = useCallback(
    (report: string, extra: Query = {}) =>
      (base || report === "store-comparison") && period ? (
        <CsvButton
          path={
            report === "store-comparison" ? "/api/reports/store-comparison" : `${base}/${report}`
          }
          query={{ ...(report === "stock-valuation" ? {} : period), ...extra, format: "csv" }}
          label={report}
        />
      ) : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [base, key],
  );

  const r = reports.data;
  const axis = `Revenue (${currency}, excl. tax)`;

  return (
    <Page
      title="Dashboard"
      lead={
        range && store ? (
          <>
            {store.name}, {periodLabel(range, locale)} (the store's calendar, {store.timezone}),
            compared with the {range ? "same number of days" : ""} before. Revenue is net of tax and
            returns.
          </>
        ) : null
      }
      actions={
        <button type="button" className="btn" onClick={() => setRefreshed((n) => n + 1)}>
          Refresh
        </button>
      }
    >
      <form className="filters" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Store"
          name="store"
          value={store?.id ?? ""}
          onChange={(e) => setStoreId(e.target.value)}
        >
          {mine.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Period"
          name="period"
          value={preset}
          onChange={(e) => setPreset(e.target.value as PresetKey)}
        >
          {(Object.keys(PRESETS) as (keyof typeof PRESETS)[]).map((k) => (
            <option key={k} value={k}>
              {PRESETS[k]}
            </option>
          ))}
          <option value="custom">Custom dates</option>
        </SelectField>
        {preset === "custom" && custom ? (
          <>
            <TextField
              label="From"
              name="from"
              type="date"
              value={custom.from}
              max={today ?? undefined}
              onChange={(e) => e.target.value && setCustom({ ...custom, from: e.target.value })}
            />
            <TextField
              label="To"
              name="to"
              type="date"
              value={custom.to}
              onChange={(e) => e.target.value && setCustom({ ...custom, to: e.target.value })}
            />
          </>
        ) : null}
        <SelectField
          label="Chart by"
          name="granularity"
          value={granularity}
          onChange={(e) => setGranularity(e.target.value as Granularity | "auto")}
        >
          <option value="auto">Automatic ({grain === "week" ? "ISO week" : grain})</option>
          <option value="day">Day</option>
          <option value="week">ISO week (Mon–Sun)</option>
          <option value="month">Month</option>
        </SelectField>
      </form>
      {stores.status === "error" ? (
        <LoadError error={stores.error} retry={stores.reload} />
      ) : !stores.data ? (
        <Loading label="Loading your stores…" />
      ) : !mine.length ? (
        <Empty title="No store to show">
          <p>The dashboard shows the stores you manage.</p>
        </Empty>
      ) : null}
      {store && stores.data ? (
        <LiveToday
          stores={mine}
          store={store}
          onSalesChanged={() => setChangedSince((n) => n + 1)}
        />
      ) : null}
      {!stores.data || !mine.length ? null : reports.status === "error" ? (
        <LoadError error={reports.error} retry={reports.reload} />
      ) : !r || reports.status === "loading" ? (
        <Loading label="Loading the reports…" />
      ) : (
        <>
          {changedSince > 0 && periodHasToday ? (
            <p className="stale-note" role="status">
              {changedSince === 1
                ? "A sale, return or void was recorded"
                : `${changedSince} sales, returns or voids were recorded`}{" "}
              since the figures below were loaded.{" "}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setRefreshed((n) => n + 1)}
              >
                Refresh the reports
              </button>
            </p>
          ) : null}
          <section aria-label="Key figures" className="kpis">
            <Kpi
              label="Revenue"
              now={money(r.kpis.totals.revenue_minor)}
              before={money(r.kpis.previous.revenue_minor)}
              change={r.kpis.change.revenue_bps}
              testId="kpi-net"
            />
            <Kpi
              label="Transactions"
              now={count(r.kpis.totals.transactions)}
              before={count(r.kpis.previous.transactions)}
              change={r.kpis.change.transactions_bps}
              testId="kpi-transactions"
            />
            <Kpi
              label="Average basket"
              now={
                r.kpis.totals.average_basket_minor === null
                  ? "—"
                  : money(r.kpis.totals.average_basket_minor)
              }
              before={
                r.kpis.previous.average_basket_minor === null
                  ? "—"
                  : money(r.kpis.previous.average_basket_minor)
              }
              change={r.kpis.change.average_basket_bps}
              extra="incl. tax, before returns"
            />
            <Kpi
              label="Units sold"
              now={count(r.kpis.totals.units)}
              before={count(r.kpis.previous.units)}
              change={r.kpis.change.units_bps}
            />
            <Kpi
              label="Gross margin"
              now={money(r.kpis.totals.gross_margin_minor)}
              before={money(r.kpis.previous.gross_margin_minor)}
              change={r.kpis.change.gross_margin_bps}
              extra={
                r.kpis.totals.gross_margin_bps === null
                  ? undefined
                  : `${rate(r.kpis.totals.gross_margin_bps)} of revenue`
              }
            />
            <Kpi
              label="Returns"
              now={money(r.kpis.totals.returns_minor)}
              before={money(r.kpis.previous.returns_minor)}
            />
          </section>
          <p className="hint">Previous period: {periodLabel(r.kpis.previous_period, locale)}. </p>
          <div className="dash-grid">
            <Report
              id="over-time"
              title={`Revenue by ${grain === "week" ? "ISO week" : grain}`}
              wide
              download={csv("kpis", { granularity: grain })}
            >
              {r.kpis.totals.transactions === 0 && r.kpis.totals.returns_minor === 0 ? (
                <Empty title="No sales in this period">
                  <p>Sales rung up at the tills appear here once they reach the server.</p>
                </Empty>
              ) : (
                <BarChart
                  title={`Revenue by ${grain === "week" ? "ISO week" : grain}`}
                  summary={`${money(r.kpis.totals.revenue_minor)} in ${r.kpis.buckets.length} ${grain === "week" ? "weeks" : `${grain}s`}`}
                  data={{
                    labels: r.kpis.buckets.map((b) => bucketLabel(b, grain, locale)),
                    values: r.kpis.buckets.map((b) => b.revenue_minor),
                  }}
                  format={moneyShort}
                  exact={money}
                  axisLabel={axis}
                  labelHeading={grain === "day" ? "Day" : grain === "week" ? "ISO week" : "Month"}
                  line={r.kpis.buckets.length > 14}
                />
              )}
            </Report>
            <Report
              id="top-products"
              title="Top products"
              download={csv("top-products", { by: "revenue", limit: 1000 })}
            >
              {r.top.items.length === 0 ? (
                <Empty title="Nothing sold in this period" />
              ) : (
                <BarChart
                  title="Top products by revenue"
                  summary={r.top.items
                    .slice(0, 3)
                    .map((p) => `${p.name} ${money(p.revenue_minor)}`)
                    .join(", ")}
                  data={{
                    labels: r.top.items.map((p) => p.name),
                    values: r.top.items.map((p) => p.revenue_minor),
                  }}
                  format={moneyShort}
                  exact={money}
                  axisLabel={axis}
                  horizontal
                />
              )}
            </Report>
            <Report id="categories" title="Categories" download={csv("categories")}>
              {r.categories.items.length === 0 ? (
                <Empty title="Nothing sold in this period" />
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Category</th>
                      <th scope="col" className="num">
                        Revenue
                      </th>
                      <th scope="col" className="num">
                        Share
                      </th>
                      <th scope="col" className="num">
                        Margin
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.categories.items.map((c) => (
                      <tr key={c.category_id ?? "none"}>
                        <td>{c.name}</td>
                        <td className="num">{money(c.revenue_minor)}</td>
                        <td className="num">{rate(c.revenue_share_bps)}</td>
                        <td className="num">{rate(c.gross_margin_bps)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Report>
            <Report id="pnl" title="Profit and loss" download={csv("profit-and-loss")}>
              <table className="table pnl" data-testid="pnl">
                <tbody>
                  <Line label="Gross sales (incl. tax)" value={money(r.pnl.gross_sales_minor)} />
                  <Line label="− Returns (incl. tax)" value={money(negate(r.pnl.returns_minor))} />
                  <Line label="− Tax" value={money(negate(r.pnl.tax_minor))} />
                  <Line label="Revenue" value={money(r.pnl.revenue_minor)} strong />
                  <Line label="− Cost of goods sold" value={money(negate(r.pnl.cogs_minor))} />
                  <Line
                    label={`Gross profit (${rate(r.pnl.gross_margin_bps)})`}
                    value={money(r.pnl.gross_profit_minor)}
                    strong
                  />
                  <Line label="Shrinkage: damaged" value={money(r.pnl.shrinkage.damaged_minor)} />
                  <Line label="Shrinkage: expired" value={money(r.pnl.shrinkage.expired_minor)} />
                  <Line label="Shrinkage: theft" value={money(r.pnl.shrinkage.theft_minor)} />
                  <Line
                    label="Shrinkage: internal use"
                    value={money(r.pnl.shrinkage.internal_use_minor)}
                  />
                  <Line
                    label="Shrinkage: count corrections"
                    value={money(r.pnl.shrinkage.count_corrections_minor)}
                  />
                  <Line
                    label="Profit after shrinkage"
                    value={money(r.pnl.profit_after_shrinkage_minor)}
                    strong
                  />
                  <Line
                    label="Other adjustments (found, corrections; not shrinkage)"
                    value={money(r.pnl.shrinkage.other_adjustments_minor)}
                  />
                </tbody>
              </table>
            </Report>
            <Report id="valuation" title="Stock valuation" download={csv("stock-valuation")}>
              <p>
                <strong data-testid="stock-value">{money(r.valuation.total_value_minor)}</strong> at
                weighted-average cost, {count(r.valuation.items_in_stock)} items in stock
                {r.valuation.items_oversold
                  ? `, ${count(r.valuation.items_oversold)} oversold (valued at zero)`
                  : ""}
                . As of {formatDateTime(r.valuation.as_of, locale)}; not limited to the period.
              </p>
              {r.valuation.categories.length ? (
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Category</th>
                      <th scope="col" className="num">
                        Items
                      </th>
                      <th scope="col" className="num">
                        Value
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.valuation.categories.map((c) => (
                      <tr key={c.category_id ?? "none"}>
                        <td>{c.name}</td>
                        <td className="num">{count(c.items)}</td>
                        <td className="num">{money(c.value_minor)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </Report>
            <Report id="staff" title="Staff" wide download={csv("staff")}>
              {r.staff.items.length === 0 ? (
                <Empty title="No sales in this period" />
              ) : (
                <div className="table-wrap" tabIndex={0} role="region" aria-label="Staff figures">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Cashier</th>
                        <th scope="col" className="num">
                          Sales
                        </th>
                        <th scope="col" className="num">
                          Net sales
                        </th>
                        <th scope="col" className="num">
                          Avg basket
                        </th>
                        <th scope="col" className="num">
                          Returns
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.staff.items.map((c) => (
                        <tr key={c.user_id ?? "unknown"}>
                          <td>{c.display_name}</td>
                          <td className="num">{count(c.transactions)}</td>
                          <td className="num">{money(c.net_sales_minor)}</td>
                          <td className="num">
                            {c.average_basket_minor === null ? "—" : money(c.average_basket_minor)}
                          </td>
                          <td className="num">
                            {count(c.returns)} · {money(c.returns_minor)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Report>
            {mine.length > 1 ? (
              <Report id="stores" title="Store comparison" wide download={csv("store-comparison")}>
                {comparison.status === "error" ? (
                  <LoadError error={comparison.error} retry={comparison.reload} />
                ) : !comparison.data ? (
                  <Loading label="Comparing the stores…" />
                ) : (
                  <StoreTable data={comparison.data} locale={locale} rate={rate} />
                )}
              </Report>
            ) : null}
          </div>
        </>
      )}
    </Page>
  );
}

function Report({
  id,
  title,
  wide,
  download,
  children,
}: {
  id: string;
  title: string;
  wide?: boolean;
  download: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className={`card${wide ? " dash-wide" : ""}`} aria-labelledby={id}>
      <div className="report-head">
        <h2 id={id}>{title}</h2>
        {download}
      </div>
      {children}
    </section>
  );
}

/** A subtracted amount shown with its minus sign (never "−0.00"). */
function negate(v: number): number {
  return v === 0 ? 0 : -v;
}

function Line({ label, value, strong }: { label: string; value: string; strong?: boolean }) {
  return (
    <tr className={strong ? "pnl-total" : undefined}>
      <th scope="row">{label}</th>
      <td className="num">{value}</td>
    </tr>
  );
}

/** Stores may sell in different currencies: each row is in its own. */
function StoreTable({
  data,
  locale,
  rate,
}: {
  data: StoreComparison;
  locale: string;
  rate: (bps: number | null) => string;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Stores compared">
      <table className="table">
        <caption className="hint">
          {periodLabel(data.period, locale)} against {periodLabel(data.previous_period, locale)},
          each store in its own time zone and currency.
        </caption>
        <thead>
          <tr>
            <th scope="col">Store</th>
            <th scope="col" className="num">
              Revenue
            </th>
            <th scope="col" className="num">
              Before
            </th>
            <th scope="col" className="num">
              Change
            </th>
            <th scope="col" className="num">
              Transactions
            </th>
            <th scope="col" className="num">
              Margin
            </th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((s) => {
            const m = (v: number) => formatMoney(v, s.store.currency, locale);
            return (
              <tr key={s.store.store_id}>
                <td>{s.store.name}</td>
                <td className="num">{m(s.totals.revenue_minor)}</td>
                <td className="num">{m(s.previous.revenue_minor)}</td>
                <td className="num">{changeText(s.revenue_change_bps, locale)}</td>
                <td className="num">{s.totals.transactions.toLocaleString(locale)}</td>
                <td className="num">{rate(s.totals.gross_margin_bps)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function changeText(bps: number | null, locale: string): string {
  if (bps === null) return "nothing before";
  const pct = new Intl.NumberFormat(locale, {
    style: "percent",
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  }).format(bps / 10_000);
  return bps > 0 ? `▲ ${pct}` : bps < 0 ? `▼ ${pct}` : pct;
}

function Kpi({
  label,
  now,
  before,
  change,
  extra,
  testId,
}: {
  label: string;
  now: string;
  before: string;
  change?: number | null;
  extra?: string | undefined;
  testId?: string;
}) {
  const { me } = useApp();
  const dir =
    change === undefined || change === null || change === 0 ? "flat" : change > 0 ? "up" : "down";
  return (
    <article className="kpi">
      <h2>{label}</h2>
      <p className="kpi-value" data-testid={testId}>
        {now}
      </p>
      <p className={`kpi-change kpi-${dir}`}>
        {change === undefined
          ? `before: ${before}`
          : change === null
            ? "nothing in the period before"
            : `${changeText(change, me.organisation.locale)} vs ${before}`}
      </p>
      {extra ? <p className="hint">{extra}</p> : null}
    </article>
  );
}

/** Downloads a report as CSV (the server renders it and names the file). */
function CsvButton({ path, query, label }: { path: string; query: Query; label: string }) {
  const { api } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="csv">
      <button
        type="button"
        className="btn btn-small"
        disabled={busy}
        aria-label={`Download ${label.replace(/-/g, " ")} as CSV`}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const { blob, filename } = await api.download(path, query, "text/csv");
            const url = URL.createObjectURL(blob);
            const a = document.createElement("a");
            a.href = url;
            a.download = filename ?? `${label}.csv`;
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10_000);
          } catch (e) {
            setError(describeError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Preparing…" : "CSV"}
      </button>
      {error ? <ErrorAlert error={error} /> : null}
    </span>
  );
}

export default DashboardPage;
