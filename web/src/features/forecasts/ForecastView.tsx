/** The Forecast tab: one product's history, forecast and interval, and the model behind it. */
import { useCallback, useMemo, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate, useLocation } from "../../app/router";
import { formatDate, formatDateTime } from "../../platform/format";
import { ApiError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, Loading, SelectField } from "../../ui/ui";
import type { Product } from "../pos/types";
import type { Store } from "../stores/types";
import { forecastsApi } from "./api";
import {
  accuracyText,
  chartData,
  forecastError,
  forecastTotal,
  maseMeaning,
  maseText,
  modelDescription,
} from "./describe";
import { ForecastChart } from "./ForecastChart";
import { forecastsHref } from "./ForecastsPage";
import { ProductPicker } from "./ProductPicker";
import type { Forecast, Model } from "./types";

const HORIZONS = [7, 14, 28, 56, 90];
const LEVELS = [50, 80, 90, 95];
const HISTORY = [28, 90, 180, 365];

/** A whole number from the address if it is one of `allowed`, else the default. */
function pick(raw: string | null, allowed: number[], fallback: number): number {
  const n = Number(raw);
  return allowed.includes(n) ? n : fallback;
}

export function ForecastView({ store }: { store: Store }) {
  const { api, me } = useApp();
  const { search } = useLocation();
  const locale = me.organisation.locale;
  const productId = search.get("product");
  const horizon = pick(search.get("horizon"), HORIZONS, 28);
  const level = pick(search.get("level"), LEVELS, 80);
  const historyDays = pick(search.get("history_days"), HISTORY, 90);
  const [refreshed, setRefreshed] = useState(0);
  const calls = useMemo(() => forecastsApi(api, store.id), [api, store.id]);

  const go = (q: Record<string, string | number | null>) => {
    const next: Record<string, string | null> = {
      store: store.id,
      product: productId,
      horizon: String(horizon),
      level: String(level),
      history_days: String(historyDays),
    };
    for (const [k, v] of Object.entries(q)) next[k] = v === null ? null : String(v);
    navigate(forecastsHref("forecast", next), { replace: true });
  };

  const product = useAsync(async () => {
    if (!productId) return null;
    return api.get<Product>(`/api/products/${encodeURIComponent(productId)}`);
  }, [api, productId]);

  const result = useAsync(async () => {
    if (!productId) return null;
    const f = await calls.forecast({
      product: productId,
      horizon,
      level,
      history_days: historyDays,
    });
    // The registry's record says whether live accuracy has fallen behind the backtest; the
    // forecast is worth showing without it.
    let record: Model | null = null;
    if (f.model.degraded === undefined) {
      record = await calls.model(f.model.id).catch(() => null);
    }
    return { forecast: f, degraded: f.model.degraded ?? record?.degraded ?? false };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [calls, productId, horizon, level, historyDays, refreshed]);

  const weighed = product.data?.unit === "weighed";
  const unit = weighed ? "kg" : "units";
  const qty = useCallback(
    (v: number) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: weighed ? 2 : 1 }).format(v),
    [locale, weighed],
  );
  const day = useCallback(
    (iso: string) =>
      new Intl.DateTimeFormat(locale, {
        day: "numeric",
        month: "short",
        timeZone: "UTC",
      }).format(new Date(`${iso}T00:00:00Z`)),
    [locale],
  );
  const data = useMemo(() => (result.data ? chartData(result.data.forecast) : null), [result.data]);

  const noModel = result.error instanceof ApiError && result.error.code === "no_active_model";
  return (
    <section aria-labelledby="forecast-heading">
      <h2 id="forecast-heading" className="sr-only">
        Forecast
      </h2>
      <form className="filters" aria-label="Forecast options" onSubmit={(e) => e.preventDefault()}>
        <ProductPicker
          label="Product"
          selected={product.data ?? null}
          onPick={(p) => go({ product: p?.id ?? null })}
        />
        <SelectField
          label="Forecast"
          name="horizon"
          value={horizon}
          onChange={(e) => go({ horizon: e.target.value })}
        >
          {HORIZONS.map((h) => (
            <option key={h} value={h}>
              next {h} days
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Interval"
          name="level"
          value={level}
          onChange={(e) => go({ level: e.target.value })}
        >
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l} % likely
            </option>
          ))}
        </SelectField>
        <SelectField
          label="History"
          name="history_days"
          value={historyDays}
          onChange={(e) => go({ history_days: e.target.value })}
        >
          {HISTORY.map((h) => (
            <option key={h} value={h}>
              last {h} days
            </option>
          ))}
        </SelectField>
        {productId ? (
          <div className="filter-actions">
            <button
              type="button"
              className="btn"
              onClick={() => setRefreshed((n) => n + 1)}
              disabled={result.status === "loading"}
            >
              Refresh
            </button>
          </div>
        ) : null}
      </form>
      {!productId ? (
        <Empty title="Choose a product">
          <p>
            Search for a product above to see what it sold in {store.name} and what it is expected
            to sell.
          </p>
        </Empty>
      ) : product.status === "error" ? (
        <ErrorAlert>{forecastError(product.error)}</ErrorAlert>
      ) : noModel ? (
        <Empty title="No forecast yet: train the store's models">
          <p>Nothing has been trained for {store.name} yet. Training takes a few minutes.</p>
          <p>
            <Link className="btn btn-primary" to={forecastsHref("training", { store: store.id })}>
              Go to training
            </Link>
          </p>
        </Empty>
      ) : result.status === "error" ? (
        <div className="state">
          <ErrorAlert error={result.error}>{forecastError(result.error)}</ErrorAlert>
          <button type="button" className="btn" onClick={result.reload}>
            Try again
          </button>
        </div>
      ) : !result.data || !data || result.status === "loading" ? (
        <Loading label="Loading the forecast…" />
      ) : (
        <div className="forecast-grid">
          <section className="card forecast-main" aria-labelledby="chart-title">
            <h2 id="chart-title">
              {product.data?.name ?? "Product"} <span className="muted">· {store.name}</span>
            </h2>
            <ChartSummary forecast={result.data.forecast} qty={qty} unit={unit} />
            <ForecastChart
              data={data}
              level={result.data.forecast.level}
              title={`Sales and forecast of ${product.data?.name ?? "the product"}`}
              summary={summaryText(result.data.forecast, qty, unit, locale)}
              unit={unit}
              format={qty}
              dateLabel={day}
            />
          </section>
          <ModelCard
            model={result.data.forecast.model}
            degraded={result.data.degraded}
            cached={result.data.forecast.cached}
            store={store}
            productId={productId}
          />
        </div>
      )}
    </section>
  );
}

function ChartSummary({
  forecast,
  qty,
  unit,
}: {
  forecast: Forecast;
  qty: (v: number) => string;
  unit: string;
}) {
  const sold = forecast.history.reduce((s, h) => s + h.quantity, 0);
  return (
    <p className="forecast-figures">
      <span>
        Expected over the next {forecast.forecast.length} days:{" "}
        <strong data-testid="forecast-total">
          {qty(forecastTotal(forecast))} {unit}
        </strong>
      </span>
      <span>
        Sold in the last {forecast.history.length} days:{" "}
        <strong>
          {qty(sold)} {unit}
        </strong>
      </span>
    </p>
  );
}

function summaryText(
  f: Forecast,
  qty: (v: number) => string,
  unit: string,
  locale: string,
): string {
  const first = f.forecast[0]?.date;
  const from = first ? formatDate(first, locale) : "";
  return `${qty(forecastTotal(f))} ${unit} expected over ${f.forecast.length} days from ${from}, shaded band: ${f.level} % interval; bars: ${f.history.length} days of sales`;
}

function ModelCard({
  model,
  degraded,
  cached,
  store,
  productId,
}: {
  model: Forecast["model"];
  degraded: boolean;
  cached: boolean;
  store: Store;
  productId: string;
}) {
  const { me } = useApp();
  const locale = me.organisation.locale;
  return (
    <section className="card model-card" aria-labelledby="model-title">
      <h2 id="model-title">The model</h2>
      {degraded ? (
        <div className="alert alert-warn" role="status">
          <p>
            <strong>Accuracy has dropped.</strong> Since it went live this model has been less
            accurate than in its backtest. Retrain the store's models, or roll back to the previous
            version on the Models tab.
          </p>
        </div>
      ) : null}
      <dl className="details">
        <dt>Type</dt>
        <dd data-testid="model-type">
          {modelDescription(model.model_type, model.members, locale)}
        </dd>
        <dt>Version</dt>
        <dd>
          {model.version} ·{" "}
          {model.scope === "series"
            ? "this product's own model"
            : `${store.name}'s default model (this product has none of its own)`}
        </dd>
        <dt>Tested on past sales</dt>
        <dd data-testid="backtest-accuracy">
          <strong>{accuracyText(model.backtest, locale)}</strong>
          {model.backtest?.mase !== null && model.backtest?.mase !== undefined ? (
            <>
              {" "}
              · MASE {maseText(model.backtest.mase, locale)} ({maseMeaning(model.backtest.mase)})
            </>
          ) : null}
        </dd>
        <dt>Since it went live</dt>
        <dd data-testid="live-accuracy">
          {model.live ? (
            <>
              <strong>{accuracyText(model.live, locale)}</strong> over {model.live.days} day
              {model.live.days === 1 ? "" : "s"} · MASE {maseText(model.live.mase, locale)}
            </>
          ) : (
            "Not measured yet: it is measured as the forecast days' sales come in."
          )}
        </dd>
        <dt>Trained</dt>
        <dd>
          {formatDateTime(model.trained_at, locale)}
          {model.data_from && model.data_to ? (
            <>
              {" "}
              on sales from {formatDate(model.data_from, locale)} to{" "}
              {formatDate(model.data_to, locale)}
            </>
          ) : null}
        </dd>
      </dl>
      <p className="hint">
        Accuracy is 100 % minus the day-by-day misses as a share of what was sold. MASE compares the
        model with “same weekday last week”: below 1 is better.
        {cached ? " This forecast was served from the cache of the model's predictions." : ""}
      </p>
      <p>
        <Link
          to={forecastsHref("models", {
            store: store.id,
            product: model.scope === "series" ? productId : null,
            scope: model.scope === "series" ? null : "store_default",
          })}
          className="btn btn-small"
        >
          All model versions
        </Link>
      </p>
    </section>
  );
}
