/** The forecasts API (docs/forecasts.md) for one store: thin, typed calls. */
import type { Api, Page } from "../../platform/net/api";
import type { Forecast, Job, Model, Scope } from "./types";

export interface ForecastQuery {
  product: string;
  horizon: number;
  level: number;
  history_days: number;
}

export interface ModelFilter {
  product?: string | undefined;
  scope?: Scope | undefined;
  active?: boolean | undefined;
}

const base = (storeId: string) => `/api/stores/${encodeURIComponent(storeId)}`;

export function forecastsApi(api: Api, storeId: string) {
  const b = base(storeId);
  return {
    forecast: (q: ForecastQuery) => api.get<Forecast>(`${b}/forecasts`, { ...q }),
    models: (f: ModelFilter, cursor: string | null, limit = 50) =>
      api.get<Page<Model>>(`${b}/models`, {
        product: f.product,
        scope: f.scope,
        active: f.active ? true : undefined,
        cursor,
        limit,
      }),
    model: (id: string) => api.get<Model>(`${b}/models/${encodeURIComponent(id)}`),
    activate: (id: string) => api.post<Model>(`${b}/models/${encodeURIComponent(id)}/activate`),
    rollback: (productId: string | null) =>
      api.post<Model>(`${b}/models/rollback`, { product_id: productId }),
    train: (full: boolean) => api.post<Job>(`${b}/forecast-jobs`, { full }),
    jobs: (cursor: string | null, limit = 20) =>
      api.get<Page<Job>>(`${b}/forecast-jobs`, { cursor, limit }),
    job: (id: string) => api.get<Job>(`${b}/forecast-jobs/${encodeURIComponent(id)}`),
  };
}

export type ForecastsApi = ReturnType<typeof forecastsApi>;
