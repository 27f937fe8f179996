/**
 * How the forecast screens put models, accuracy and jobs into words and numbers (pure: no DOM,
 * no requests, so every rule is unit-tested).
 *
 * Terms: *accuracy* is 1 − WAPE (weighted absolute percentage error: the day-by-day misses
 * added up, as a share of what was sold), shown as a percentage, which is how the product reads
 * the design's "forecast accuracy" (docs/ai-models.md). *MASE* is the mean absolute error
 * divided by that of "same weekday last week": below 1 the model beats that rule of thumb.
 */
import { ApiError, describeError } from "../../platform/net/errors";
import type { Accuracy, Forecast, Job, JobStatus, LiveAccuracy, Member } from "./types";

/** " %" with a no-break space, so a number never wraps away from its sign. */
export const PCT = "\u00a0%";

/** 1 − WAPE as a whole percentage (never below 0), or null when there is no WAPE. */
export function accuracyPercent(wape: number | null | undefined): number | null {
  if (wape === null || wape === undefined || !Number.isFinite(wape)) return null;
  return Math.max(0, Math.round((1 - wape) * 100));
}

/** "accuracy 66 %", or "accuracy not measured" without a WAPE. */
export function accuracyText(acc: Accuracy | LiveAccuracy | null | undefined, locale: string) {
  const pct = accuracyPercent(acc?.wape);
  if (pct === null) return "accuracy not measured";
  return `accuracy ${new Intl.NumberFormat(locale).format(pct)}${PCT}`;
}

/** MASE with two decimals ("0.81"), or "—". */
export function maseText(mase: number | null | undefined, locale: string): string {
  if (mase === null || mase === undefined || !Number.isFinite(mase)) return "—";
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(mase);
}

/** What a MASE means to someone who does not know the term. */
export function maseMeaning(mase: number | null | undefined): string {
  if (mase === null || mase === undefined || !Number.isFinite(mase)) return "";
  if (mase < 0.995) return "better than “same weekday last week”";
  if (mase <= 1.005) return "as good as “same weekday last week”";
  return "worse than “same weekday last week”";
}

const MODEL_NAMES: Record<string, string> = {
  ensemble: "Ensemble",
  "seasonal-naive": "Same weekday last week",
  seasonal_naive: "Same weekday last week",
  linear: "Linear trend",
  ets: "ETS",
  arima: "ARIMA",
  prophet: "Prophet-style",
  croston: "Croston",
  sba: "SBA",
  tsb: "TSB",
  global: "Global",
  naive: "Last value",
  drift: "Drift",
  zero: "Zero (never sold)",
};

/** A model type as people read it: "ets" → "ETS"; unknown types are shown as they are. */
export function modelName(type: string): string {
  return MODEL_NAMES[type] ?? type;
}

/** "ETS 52 %, TSB 48 %", heaviest first. */
export function membersText(members: Member[] | null | undefined, locale: string): string {
  if (!members?.length) return "";
  const pct = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  return [...members]
    .sort((a, b) => b.weight - a.weight)
    .map((m) => `${modelName(m.model)} ${pct.format(m.weight).replace(/\s?%/, PCT)}`)
    .join(", ");
}

/** A model's type with its members: "Ensemble (ETS 52 %, TSB 48 %)". */
export function modelDescription(
  type: string,
  members: Member[] | null | undefined,
  locale: string,
): string {
  const m = membersText(members, locale);
  return m ? `${modelName(type)} (${m})` : modelName(type);
}

export function jobActive(status: JobStatus): boolean {
  return status === "queued" || status === "running";
}

export const JOB_STATUS: Record<JobStatus, string> = {
  queued: "Waiting to start",
  running: "Training",
  succeeded: "Finished",
  failed: "Failed",
};

/** "120 of 300 products (40 %)", or "Counting the products…" before the total is known. */
export function jobProgressText(job: Job, locale: string): string {
  const n = new Intl.NumberFormat(locale);
  if (job.total_series === null || job.total_series === undefined) {
    return job.status === "queued" ? "Waiting for its turn…" : "Counting the products…";
  }
  if (job.total_series === 0) return "Nothing to train: no product has new sales.";
  const pct = Math.floor((job.done_series / job.total_series) * 100);
  return `${n.format(job.done_series)} of ${n.format(job.total_series)} products (${pct}${PCT})`;
}

/** The sentence shown when a job has ended. */
export function jobOutcome(job: Job, locale: string): string {
  const n = new Intl.NumberFormat(locale);
  if (job.status === "failed") return "Training failed: the models in use are unchanged.";
  if (job.total_series === 0) return "Training finished: the models were already up to date.";
  const trained = Math.max(0, job.done_series - job.failed_series);
  const failed = job.failed_series
    ? `; ${n.format(job.failed_series)} could not be trained (listed below)`
    : "";
  return `Training finished: ${n.format(trained)} product${trained === 1 ? "" : "s"} trained${failed}.`;
}

/** Query parameters of the forecast API and what people call them. */
const QUERY_FIELDS: Record<string, string> = {
  product: "The product",
  horizon: "The forecast length (1 to 90 days)",
  level: "The interval (50 % to 99 %)",
  history_days: "The history shown (7 to 730 days)",
  limit: "The page size",
  cursor: "The page",
  active: "The “active only” filter",
  scope: "The scope filter",
};

/**
 * An error of the forecast API as a sentence that says what to do. The codes this API adds
 * (`no_active_model`, `job_running`, `nothing_to_roll_back`) have their own advice in
 * platform/net/errors; here the screen's context sharpens a few.
 */
export function forecastError(err: unknown, what: "forecast" | "model" | "job" = "forecast") {
  if (err instanceof ApiError) {
    if (err.code === "invalid_query" && err.field) {
      const name = QUERY_FIELDS[err.field] ?? `The value of “${err.field}”`;
      return `${name} is not valid. Choose another value and try again.`;
    }
    if (err.code === "not_found") {
      if (what === "forecast")
        return "This product or store is not in your organisation's catalog any more. Choose another product.";
      if (what === "model")
        return "This model version no longer exists in this store. Reload the list.";
      return "This training job no longer exists. Reload the list.";
    }
    if (err.code === "invalid_cursor")
      return "This page of the list is no longer valid: go back to the first page (← Newer) and page again.";
    if (err.code === "forbidden")
      return "Forecasts of this store are for its managers and the organisation's admins. Ask an admin if you need them.";
  }
  return describeError(err);
}

export interface ChartData {
  labels: string[];
  /** Sold per day; null on forecast days. */
  history: (number | null)[];
  /** Forecast mean, interval bounds; null on history days (the mean also on the last history
   * day, so the two lines join). */
  mean: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
}

/**
 * One x axis for history and forecast: every history date, then every forecast date (dates the
 * server sends, in its order; a forecast date already in the history is not repeated).
 * Quantities are in the product's unit as the server sends them (weighed goods in kg).
 */
export function chartData(f: Forecast): ChartData {
  const out: ChartData = { labels: [], history: [], mean: [], lo: [], hi: [] };
  const at = new Map<string, number>();
  for (const h of f.history) {
    at.set(h.date, out.labels.length);
    out.labels.push(h.date);
    out.history.push(h.quantity);
    out.mean.push(null);
    out.lo.push(null);
    out.hi.push(null);
  }
  for (const p of f.forecast) {
    let i = at.get(p.date);
    if (i === undefined) {
      i = out.labels.length;
      out.labels.push(p.date);
      out.history.push(null);
      out.mean.push(null);
      out.lo.push(null);
      out.hi.push(null);
    }
    out.mean[i] = p.mean;
    out.lo[i] = p.lo;
    out.hi[i] = p.hi;
  }
  return out;
}

/** Total forecast over the horizon (in the product's unit). */
export function forecastTotal(f: Forecast): number {
  return f.forecast.reduce((s, p) => s + p.mean, 0);
}
