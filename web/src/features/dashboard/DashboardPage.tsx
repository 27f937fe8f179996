/**
 * `/dashboard`: how the stores are doing — KPIs against the previous period, net sales over
 * time, top products, categories and (with several stores) a store comparison, filtered by
 * store and period. Loaded on demand (its own chunk, with the charting library).
 */
import { useCallback, useMemo, useState } from "react";
import { useApp } from "../../app/context";
import { formatRate } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import { useAsync } from "../../ui/hooks";
import { Empty, LoadError, Loading, Notice, Page, SelectField } from "../../ui/ui";
import { useStockStores } from "../stock/useStockStores";
import { PERIODS, type PeriodKey, type StoreInfo, buildDashboard, change } from "./aggregate";
import { BarChart } from "./Chart";
import { MAX_SALES_PER_STORE, loadCatalogNames, loadSales } from "./load";
import "./dashboard.css";

export function DashboardPage() {
  const { api, me } = useApp();
  const stores = useStockStores();
  const [storeFilter, setStoreFilter] = useState("");
  const [period, setPeriod] = useState<PeriodKey>("7d");
  const [now, setNow] = useState(() => new Date());
  const locale = me.organisation.locale;
  const mine = stores.data ?? [];
  const selected = storeFilter ? mine.filter((s) => s.id === storeFilter) : mine;
  const currencies = [...new Set(selected.map((s) => s.currency))];
  const currency = currencies[0] ?? me.organisation.currency;

  const catalog = useAsync(() => loadCatalogNames(api), [api]);
  const ids = selected.map((s) => s.id).join(",");
  const sales = useAsync(async () => {
    if (!ids) return null;
    return loadSales(api, ids.split(","), now.getTime() - 2 * PERIODS[period].ms);
  }, [api, ids, period, now]);

  const dash = useMemo(() => {
    if (!sales.data || !catalog.data) return null;
    const info = new Map<string, StoreInfo>(selected.map((s) => [s.id, s]));
    return buildDashboard(
      sales.data.sales,
      info,
      catalog.data.products,
      catalog.data.categories,
      period,
      now,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sales.data, catalog.data, period, now, ids]);

  const money = useCallback((v: number) => formatMoney(v, currency, locale), [currency, locale]);
  const moneyShort = useCallback(
    (v: number) =>
      new Intl.NumberFormat(locale, {
        style: "currency",
        currency,
        notation: "compact",
        maximumFractionDigits: 1,
      }).format(v / 100),
    [currency, locale],
  );
  const bucketLabel = (key: string) => {
    if (PERIODS[period].bucket === "hour") return `${key.slice(11)}:00`;
    const d = new Date(`${key}T12:00:00Z`);
    return new Intl.DateTimeFormat(locale, {
      day: "numeric",
      month: "short",
      timeZone: "UTC",
    }).format(d);
  };

  return (
    <Page
      title="Dashboard"
      lead={`${PERIODS[period].label}, compared with the ${PERIODS[period].label.toLowerCase().replace("last ", "")} before. Amounts exclude tax.`}
      actions={
        <button type="button" className="btn" onClick={() => setNow(new Date())}>
          Refresh
        </button>
      }
    >
      <div className="filters">
        <SelectField
          label="Store"
          name="store"
          value={storeFilter}
          onChange={(e) => setStoreFilter(e.target.value)}
        >
          <option value="">{mine.length > 1 ? "All my stores" : "My store"}</option>
          {mine.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Period"
          name="period"
          value={period}
          onChange={(e) => setPeriod(e.target.value as PeriodKey)}
        >
          {(Object.keys(PERIODS) as PeriodKey[]).map((k) => (
            <option key={k} value={k}>
              {PERIODS[k].label}
            </option>
          ))}
        </SelectField>
      </div>
      {stores.status === "error" ? (
        <LoadError error={stores.error} retry={stores.reload} />
      ) : catalog.status === "error" ? (
        <LoadError error={catalog.error} retry={catalog.reload} />
      ) : sales.status === "error" ? (
        <LoadError error={sales.error} retry={sales.reload} />
      ) : !stores.data ? (
        <Loading label="Loading your stores…" />
      ) : !mine.length ? (
        <Empty title="No store to show">
          <p>The dashboard shows the stores you manage.</p>
        </Empty>
      ) : currencies.length > 1 ? (
        <Notice>
          These stores sell in different currencies ({currencies.join(", ")}): choose one store.
        </Notice>
      ) : !dash || sales.status === "loading" ? (
        <Loading label="Adding up the sales…" />
      ) : (
        <>
          {sales.data?.truncated.length ? (
            <Notice>
              Only the latest {MAX_SALES_PER_STORE.toLocaleString(locale)} sales per store were
              read, so the figures of the earliest days are incomplete. Choose a shorter period for
              exact figures.
            </Notice>
          ) : null}
          <section aria-label="Key figures" className="kpis">
            <Kpi
              label="Net sales"
              now={dash.current.net}
              before={dash.previous.net}
              format={money}
              testId="kpi-net"
            />
            <Kpi
              label="Transactions"
              now={dash.current.transactions}
              before={dash.previous.transactions}
              format={(v) => v.toLocaleString(locale)}
              testId="kpi-transactions"
            />
            <Kpi
              label="Average basket"
              now={dash.current.basket}
              before={dash.previous.basket}
              format={money}
            />
            <Kpi
              label="Units sold"
              now={dash.current.units}
              before={dash.previous.units}
              format={(v) => v.toLocaleString(locale)}
            />
            <Kpi
              label="Gross margin"
              now={dash.current.margin}
              before={dash.previous.margin}
              format={money}
              extra={
                dash.current.net
                  ? `${formatRate(Math.round(dash.current.marginRate * 10_000), locale)} of net sales`
                  : undefined
              }
            />
          </section>
          {dash.current.transactions === 0 ? (
            <Empty title="No sales in this period">
              <p>Sales rung up at the tills appear here at once.</p>
            </Empty>
          ) : (
            <div className="dash-grid">
              <section className="card dash-wide" aria-labelledby="over-time">
                <h2 id="over-time">Net sales over time</h2>
                <BarChart
                  title="Net sales over time"
                  summary={`${money(dash.current.net)} in ${dash.series.length} ${PERIODS[period].bucket === "hour" ? "hours" : "days"}`}
                  data={{
                    labels: dash.series.map((b) => bucketLabel(b.key)),
                    values: dash.series.map((b) => b.net),
                  }}
                  format={moneyShort}
                  exact={money}
                  axisLabel={`Net sales (${currency})`}
                  line={PERIODS[period].bucket === "day" && dash.series.length > 10}
                />
              </section>
              <section className="card" aria-labelledby="top-products">
                <h2 id="top-products">Top products</h2>
                <BarChart
                  title="Top products by net sales"
                  summary={dash.topProducts
                    .slice(0, 3)
                    .map((p) => `${p.name} ${money(p.net)}`)
                    .join(", ")}
                  data={{
                    labels: dash.topProducts.map((p) => p.name),
                    values: dash.topProducts.map((p) => p.net),
                  }}
                  format={moneyShort}
                  exact={money}
                  axisLabel={`Net sales (${currency})`}
                  horizontal
                />
              </section>
              <section className="card" aria-labelledby="categories">
                <h2 id="categories">Categories</h2>
                <BarChart
                  title="Net sales by category"
                  summary={dash.categories
                    .slice(0, 3)
                    .map((c) => `${c.name} ${money(c.net)}`)
                    .join(", ")}
                  data={{
                    labels: dash.categories.map((c) => c.name),
                    values: dash.categories.map((c) => c.net),
                  }}
                  format={moneyShort}
                  exact={money}
                  axisLabel={`Net sales (${currency})`}
                  horizontal
                />
              </section>
              {selected.length > 1 ? (
                <section className="card dash-wide" aria-labelledby="stores">
                  <h2 id="stores">Store comparison</h2>
                  <BarChart
                    title="Net sales by store"
                    summary={dash.stores.map((s) => `${s.name} ${money(s.net)}`).join(", ")}
                    data={{
                      labels: dash.stores.map((s) => s.name),
                      values: dash.stores.map((s) => s.net),
                    }}
                    format={moneyShort}
                    exact={money}
                    axisLabel={`Net sales (${currency})`}
                  />
                </section>
              ) : null}
            </div>
          )}
        </>
      )}
    </Page>
  );
}

function Kpi({
  label,
  now,
  before,
  format,
  extra,
  testId,
}: {
  label: string;
  now: number;
  before: number;
  format: (v: number) => string;
  extra?: string | undefined;
  testId?: string;
}) {
  const { me } = useApp();
  const c = change(now, before);
  const dir = c === null || c === 0 ? "flat" : c > 0 ? "up" : "down";
  return (
    <article className="kpi">
      <h2>{label}</h2>
      <p className="kpi-value" data-testid={testId}>
        {format(now)}
      </p>
      <p className={`kpi-change kpi-${dir}`}>
        {c === null
          ? "nothing in the period before"
          : `${dir === "up" ? "▲ +" : dir === "down" ? "▼ " : ""}${new Intl.NumberFormat(me.organisation.locale, { style: "percent", maximumFractionDigits: 1 }).format(c)} vs ${format(before)}`}
      </p>
      {extra ? <p className="hint">{extra}</p> : null}
    </article>
  );
}

export default DashboardPage;
