/** Wire shapes of the forecasts API (docs/forecasts.md, "The API"). */

export interface Accuracy {
  mase: number | null;
  rmsse?: number | null;
  wape: number | null;
}

export interface LiveAccuracy {
  mase: number | null;
  wape: number | null;
  /** Forecast days of the model that have an actual. */
  days: number;
}

export interface Member {
  model: string;
  weight: number;
}

export type Scope = "series" | "store_default";

/** The model that served a forecast (`model` of a forecast answer). */
export interface ServedModel {
  id: string;
  version: number;
  scope: Scope;
  model_type: string;
  members?: Member[] | null;
  backtest: Accuracy | null;
  live: LiveAccuracy | null;
  /** Not in the contract's example of a forecast; read when the server sends it. */
  degraded?: boolean;
  trained_at: string;
  data_from: string | null;
  data_to: string | null;
}

export interface Forecast {
  store_id: string;
  product_id: string;
  horizon: number;
  level: number;
  history: { date: string; quantity: number }[];
  forecast: { date: string; mean: number; lo: number; hi: number }[];
  model: ServedModel;
  cached: boolean;
}

/** A version in the model registry. */
export interface Model {
  id: string;
  store_id: string;
  product_id: string | null;
  product_name: string | null;
  scope: Scope;
  version: number;
  model_type: string;
  params: { members?: Member[] | null; class?: string | null } | null;
  backtest: Accuracy | null;
  live: LiveAccuracy | null;
  degraded: boolean;
  trained_at: string;
  training_ms: number | null;
  data_from: string | null;
  data_to: string | null;
  active: boolean;
  job_id: string | null;
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed";

export interface Job {
  id: string;
  store_id: string;
  trigger: "api" | "schedule";
  full: boolean;
  status: JobStatus;
  total_series: number | null;
  done_series: number;
  failed_series: number;
  /** `product_id` is null for the store default. */
  failures: { product_id: string | null; error: string }[];
  /** Why the job as a whole failed (null unless `status` is `failed`; not in the contract's
   * example, sent by the server). */
  error?: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  requested_by: string | null;
}
