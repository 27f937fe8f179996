/**
 * `/forecasts`: demand forecasts in the back office (docs/forecasts.md), for org admins and
 * store managers. One store at a time (the store picker of the other back-office screens),
 * three tabs kept in the address so they can be bookmarked and reloaded:
 *
 * - `/forecasts?store=&product=`: one product's history, forecast and interval, with the model
 *   that made it and how accurate it is;
 * - `/forecasts/models?store=`: the store's model registry: activate a version, roll back;
 * - `/forecasts/training?store=`: train now (new sales only, or everything), follow the job
 *   live, and the jobs before it.
 *
 * Loaded on demand, in its own chunk with the charting library.
 */
import { useEffect, useMemo } from "react";
import { useApp } from "../../app/context";
import { Link, navigate, useLocation } from "../../app/router";
import { Empty, LoadError, Loading, Page, SelectField } from "../../ui/ui";
import { useStockStores } from "../stock/useStockStores";
import { ForecastView } from "./ForecastView";
import { ModelsView } from "./ModelsView";
import { TrainingView } from "./TrainingView";
import "./forecasts.css";

export type Tab = "forecast" | "models" | "training";

const TABS: { tab: Tab; path: string; label: string }[] = [
  { tab: "forecast", path: "/forecasts", label: "Forecast" },
  { tab: "models", path: "/forecasts/models", label: "Models" },
  { tab: "training", path: "/forecasts/training", label: "Training" },
];

/** The address of a tab with its query (empty values left out). */
export function forecastsHref(tab: Tab, query: Record<string, string | null | undefined>) {
  const path = TABS.find((t) => t.tab === tab)!.path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function ForecastsPage() {
  const { access } = useApp();
  const { path, search } = useLocation();
  const tab = TABS.find((t) => t.path === path)?.tab ?? "forecast";
  const stores = useStockStores();
  const mine = useMemo(() => stores.data ?? [], [stores.data]);
  const wanted = search.get("store");
  const store = mine.find((s) => s.id === wanted) ?? mine[0] ?? null;

  // An address without a store (or with one this person does not look after) opens the first.
  useEffect(() => {
    if (store && wanted !== store.id) {
      const q = Object.fromEntries(search.entries());
      navigate(forecastsHref(tab, { ...q, store: store.id }), { replace: true });
    }
  }, [store, wanted, search, tab]);

  const product = search.get("product");
  return (
    <Page
      title="Forecasts"
      lead="Expected sales per product, learnt from each store's own sales, with the models behind them and how accurate they have been."
    >
      <div className="filters">
        <SelectField
          label="Store"
          name="store"
          value={store?.id ?? ""}
          onChange={(e) =>
            navigate(
              forecastsHref(tab, {
                store: e.target.value,
                // A product is the same in every store of the organisation.
                product: tab === "training" ? null : product,
              }),
              { replace: true },
            )
          }
        >
          {mine.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.code})
            </option>
          ))}
        </SelectField>
      </div>
      <nav className="tabs" aria-label="Forecasts">
        <ul>
          {TABS.map((t) => (
            <li key={t.tab}>
              <Link
                to={forecastsHref(t.tab, {
                  store: store?.id,
                  product: t.tab === "training" ? null : product,
                })}
                aria-current={t.tab === tab ? "page" : undefined}
              >
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {stores.status === "error" ? (
        <LoadError error={stores.error} retry={stores.reload} />
      ) : !stores.data ? (
        <Loading label="Loading your stores…" />
      ) : !store ? (
        <Empty title="No store to show">
          <p>
            Forecasts are shown for the stores you manage
            {access.isAdmin ? "; this organisation has no active store yet." : "."}
          </p>
        </Empty>
      ) : wanted !== store.id ? (
        <Loading />
      ) : tab === "models" ? (
        <ModelsView key={store.id} store={store} />
      ) : tab === "training" ? (
        <TrainingView key={store.id} store={store} />
      ) : (
        <ForecastView key={store.id} store={store} />
      )}
    </Page>
  );
}

export default ForecastsPage;
