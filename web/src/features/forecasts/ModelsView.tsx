/**
 * The Models tab: the store's model registry, newest first — every trained version with its
 * type, accuracy and training time; activate any version, or roll a product (or the store's
 * default) back to the version active before the current one.
 */
import { useMemo, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate, useLocation } from "../../app/router";
import { formatDate, formatDateTime } from "../../platform/format";
import { useAsync } from "../../ui/hooks";
import { Confirm, Empty, ErrorAlert, Loading, Notice, SelectField } from "../../ui/ui";
import type { Product } from "../pos/types";
import type { Store } from "../stores/types";
import { forecastsApi } from "./api";
import { accuracyText, forecastError, maseText, modelDescription } from "./describe";
import { forecastsHref } from "./ForecastsPage";
import { ProductPicker } from "./ProductPicker";
import type { Model, Scope } from "./types";

const PAGE_SIZE = 50;

type Action = { kind: "activate" | "rollback"; model: Model };

/** "Oat milk 1 l" or "the store's default model". */
function subject(m: Model): string {
  return m.scope === "store_default" ? "the store's default model" : (m.product_name ?? "product");
}

export function ModelsView({ store }: { store: Store }) {
  const { api, me } = useApp();
  const { search } = useLocation();
  const locale = me.organisation.locale;
  const calls = useMemo(() => forecastsApi(api, store.id), [api, store.id]);
  const productId = search.get("product");
  const scopeRaw = search.get("scope");
  const scope: Scope | "" = scopeRaw === "series" || scopeRaw === "store_default" ? scopeRaw : "";
  const activeOnly = search.get("active") === "1";
  // Cursors of the pages so far (the first page has none); the last one is shown.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const go = (q: { product?: string | null; scope?: string | null; active?: boolean }) => {
    setCursors([null]);
    navigate(
      forecastsHref("models", {
        store: store.id,
        product: q.product !== undefined ? q.product : productId,
        scope: q.scope !== undefined ? q.scope : scope,
        active: (q.active ?? activeOnly) ? "1" : null,
      }),
      { replace: true },
    );
  };

  const product = useAsync(async () => {
    if (!productId) return null;
    return api.get<Product>(`/api/products/${encodeURIComponent(productId)}`);
  }, [api, productId]);
  const models = useAsync(
    () =>
      calls.models(
        { product: productId ?? undefined, scope: scope || undefined, active: activeOnly },
        cursor,
        PAGE_SIZE,
      ),
    [calls, productId, scope, activeOnly, cursor],
  );

  const run = async () => {
    if (!action) return;
    setBusy(true);
    setActionError(null);
    try {
      const m =
        action.kind === "activate"
          ? await calls.activate(action.model.id)
          : await calls.rollback(
              action.model.scope === "store_default" ? null : action.model.product_id,
            );
      const who = subject(m);
      setDone(
        action.kind === "activate"
          ? `Version ${m.version} of ${who} is now active: it serves the forecasts.`
          : `${capitalise(who)} is back on version ${m.version} (version ${action.model.version} is kept in the list).`,
      );
      setAction(null);
      models.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const items = models.data?.items ?? [];
  const pageNo = cursors.length;
  return (
    <section aria-labelledby="models-heading">
      <h2 id="models-heading" className="sr-only">
        Models of {store.name}
      </h2>
      <form className="filters" aria-label="Filter the models" onSubmit={(e) => e.preventDefault()}>
        <ProductPicker
          label="Product"
          selected={productId ? (product.data ?? null) : null}
          onPick={(p) => go({ product: p?.id ?? null })}
          clearLabel="All products"
        />
        <SelectField
          label="Kind"
          name="scope"
          value={scope}
          onChange={(e) => go({ scope: e.target.value || null })}
        >
          <option value="">All models</option>
          <option value="series">Product models</option>
          <option value="store_default">Store default</option>
        </SelectField>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={activeOnly}
            onChange={(e) => go({ active: e.target.checked })}
          />
          Active only
        </label>
        <div className="filter-actions">
          <button
            type="button"
            className="btn"
            onClick={models.reload}
            disabled={models.status === "loading"}
          >
            Refresh
          </button>
        </div>
      </form>
      {product.status === "error" ? <ErrorAlert>{forecastError(product.error)}</ErrorAlert> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
      {models.status === "error" ? (
        <div className="state">
          <ErrorAlert error={models.error}>{forecastError(models.error, "model")}</ErrorAlert>
          <button type="button" className="btn" onClick={models.reload}>
            Try again
          </button>
        </div>
      ) : models.status === "loading" && !models.data ? (
        <Loading label="Loading the models…" />
      ) : items.length === 0 ? (
        <Empty title={productId || scope || activeOnly ? "No model matches" : "No model yet"}>
          <p>
            {productId || scope || activeOnly ? (
              "Change the filters to see more."
            ) : (
              <>
                Nothing has been trained for {store.name} yet.{" "}
                <Link to={forecastsHref("training", { store: store.id })}>Train the models</Link>.
              </>
            )}
          </p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-middle models-table">
            <caption className="sr-only">
              Models of {store.name}, newest first, page {pageNo}
            </caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Version
                </th>
                <th scope="col">Type</th>
                <th scope="col">Tested on past sales</th>
                <th scope="col">Since live</th>
                <th scope="col">Trained</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} data-testid={`model-${m.id}`}>
                  <td>
                    {m.scope === "store_default" ? (
                      <em>Store default</em>
                    ) : m.product_id ? (
                      <Link
                        to={forecastsHref("forecast", { store: store.id, product: m.product_id })}
                        aria-label={`${m.product_name ?? m.product_id}: forecast`}
                      >
                        {m.product_name ?? m.product_id}
                      </Link>
                    ) : (
                      (m.product_name ?? "—")
                    )}
                  </td>
                  <td className="num">{m.version}</td>
                  <td>{modelDescription(m.model_type, m.params?.members, locale)}</td>
                  <td>
                    {accuracyText(m.backtest, locale)}
                    <br />
                    <span className="muted">MASE {maseText(m.backtest?.mase, locale)}</span>
                  </td>
                  <td>
                    {m.live ? (
                      <>
                        {accuracyText(m.live, locale)}
                        <br />
                        <span className="muted">
                          MASE {maseText(m.live.mase, locale)} · {m.live.days} d
                        </span>
                      </>
                    ) : (
                      <span className="muted">not yet</span>
                    )}
                  </td>
                  <td>
                    {formatDateTime(m.trained_at, locale)}
                    {m.data_to ? (
                      <>
                        <br />
                        <span className="muted">sales to {formatDate(m.data_to, locale)}</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {m.active ? (
                      <span className="pill pill-ok">Active</span>
                    ) : (
                      <span className="pill pill-off">Inactive</span>
                    )}
                    {m.degraded ? (
                      <>
                        {" "}
                        <span
                          className="pill pill-warn"
                          title="Less accurate live than in its backtest"
                        >
                          Accuracy dropped
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td className="cell-actions">
                    {m.active ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Roll back ${subject(m)}`}
                        onClick={() => {
                          setActionError(null);
                          setDone(null);
                          setAction({ kind: "rollback", model: m });
                        }}
                      >
                        Roll back
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Activate version ${m.version} of ${subject(m)}`}
                        onClick={() => {
                          setActionError(null);
                          setDone(null);
                          setAction({ kind: "activate", model: m });
                        }}
                      >
                        Activate
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Model pages">
        <button
          type="button"
          className="btn"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          ← Newer
        </button>
        <span>Page {pageNo}</span>
        <button
          type="button"
          className="btn"
          disabled={!models.data?.next_cursor || models.status !== "ready"}
          onClick={() => setCursors((c) => [...c, models.data?.next_cursor ?? null])}
        >
          Older →
        </button>
      </nav>
      <Confirm
        open={action !== null}
        title={
          action?.kind === "rollback"
            ? `Roll back ${subject(action.model)}?`
            : `Activate version ${action?.model.version ?? ""}?`
        }
        confirmLabel={action?.kind === "rollback" ? "Roll back" : "Activate"}
        busy={busy}
        onCancel={() => {
          setAction(null);
          setActionError(null);
        }}
        onConfirm={() => void run()}
      >
        {action?.kind === "rollback" ? (
          <p>
            The version that was active before version {action.model.version} serves{" "}
            {action.model.scope === "store_default"
              ? "the forecasts of products without a model of their own"
              : `the forecasts of ${subject(action.model)}`}{" "}
            again. Version {action.model.version} stays in the list and can be activated later.
          </p>
        ) : action ? (
          <p>
            Version {action.model.version} of {subject(action.model)} will serve its forecasts; the
            version active now stops, and stays in the list.
          </p>
        ) : null}
        {actionError ? (
          <ErrorAlert error={actionError}>{forecastError(actionError, "model")}</ErrorAlert>
        ) : null}
      </Confirm>
    </section>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
