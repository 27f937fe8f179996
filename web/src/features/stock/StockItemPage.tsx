/**
 * `/stock/:store/:product`: one item in one store — on hand, levels, the ledger of movements,
 * and the three ways a manager changes stock: an adjustment with a reason, a count (which
 * corrects the ledger as of now), and the reorder point with min/max. Nobody types over the
 * on-hand figure: every change is a movement (docs/retail.md).
 *
 * Live: stock-moving events of the store (a sale at any till...) reload the figure and the
 * ledger in the background, debounced; events that name another product are skipped (a sale's
 * event does not list its products, so every sale in the store counts).
 */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import type { Page as ApiPage } from "../../platform/net/api";
import { ApiError, describeError } from "../../platform/net/errors";
import { useDebounced, useLiveEvents } from "../../platform/realtime/live";
import { useAsync } from "../../ui/hooks";
import {
  Empty,
  ErrorAlert,
  LoadError,
  Loading,
  Notice,
  Page,
  SelectField,
  TextField,
} from "../../ui/ui";
import type { Product } from "../pos/types";
import type { Store } from "../stores/types";
import { type Unit, formatStock, parseStock } from "./quantity";
import { changesStock } from "./liveStock";
import { StockStatus } from "./StockPage";
import { ADJUSTMENT_REASONS, MOVEMENT_LABELS, type Movement, type StockLevel } from "./types";

export function StockItemPage({ storeId, productId }: { storeId: string; productId: string }) {
  const { api, me } = useApp();
  const base = `/api/stores/${encodeURIComponent(storeId)}`;
  const data = useAsync(async () => {
    const [store, product, level, movements] = await Promise.all([
      api.get<Store>(base),
      api.get<Product>(`/api/products/${encodeURIComponent(productId)}`),
      api.get<StockLevel>(`${base}/stock/${encodeURIComponent(productId)}`),
      api.get<ApiPage<Movement>>(`${base}/stock-movements`, { product_id: productId, limit: 50 }),
    ]);
    return { store, product, level, movements };
  }, [api, base, productId]);
  const [done, setDone] = useState<string | null>(null);
  const refresh = useDebounced(() => data.reload());
  useLiveEvents(
    api,
    `store:${storeId}`,
    ({ event }) => {
      const named = event.data.product_id;
      if (changesStock(event) && (typeof named !== "string" || named === productId)) refresh();
    },
    refresh,
  );

  if (data.status === "error" && !data.data) {
    return (
      <Page title="Stock">
        <LoadError error={data.error} retry={data.reload} />
      </Page>
    );
  }
  if (!data.data) return <Loading label="Loading the item's stock…" />;
  const { store, product, level, movements } = data.data;
  const locale = me.organisation.locale;
  const unit = product.unit;
  const q = (n: number) => formatStock(n, unit, locale);
  const changed = (text: string) => {
    setDone(text);
    data.reload();
  };

  return (
    <Page
      title={`${product.name} · ${store.name}`}
      lead={<>SKU {product.sku}</>}
      actions={
        <Link to={`/stock?store=${store.id}`} className="btn">
          All stock in {store.name}
        </Link>
      }
    >
      {done ? <Notice tone="success">{done}</Notice> : null}
      <div className="cards">
        <article className="card" aria-labelledby="on-hand-title">
          <h2 id="on-hand-title">On hand</h2>
          <p className="big-number" data-testid="item-on-hand">
            {q(level.on_hand)}
          </p>
          <StockStatus level={level} />
          <dl className="details">
            <dt>Reorder point</dt>
            <dd>{level.reorder_point === null ? "none" : q(level.reorder_point)}</dd>
            <dt>Min / max</dt>
            <dd>
              {level.min_level === null ? "–" : q(level.min_level)} /{" "}
              {level.max_level === null ? "–" : q(level.max_level)}
            </dd>
            <dt>Average cost</dt>
            <dd>{formatMoney(level.avg_cost_minor, store.currency, locale)}</dd>
          </dl>
        </article>
        <AdjustForm base={base} product={product} unit={unit} onDone={changed} />
        <CountForm base={base} product={product} unit={unit} onDone={changed} />
        <LevelsForm base={base} level={level} unit={unit} onDone={changed} />
      </div>
      <h2>Movements</h2>
      {!movements.items.length ? (
        <Empty title="No movement yet" />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Stock movements, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {movements.items.map((m) => (
                <tr key={m.id}>
                  <td className="nowrap">{formatDateTime(m.occurred_at, locale)}</td>
                  <td>{MOVEMENT_LABELS[m.kind] ?? m.kind}</td>
                  <td className="num">
                    {m.quantity > 0 ? "+" : ""}
                    {q(m.quantity)}
                  </td>
                  <td>{m.reason ? reasonLabel(m.reason) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {movements.next_cursor ? <p className="hint">The 50 latest movements are shown.</p> : null}
    </Page>
  );
}

function reasonLabel(r: string): string {
  return ADJUSTMENT_REASONS.find(([k]) => k === r)?.[1] ?? r;
}

function useSubmit(onDone: (text: string) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [field, setField] = useState<string | null>(null);
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setField(null);
    try {
      onDone(await work());
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setField(e.field);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, field, run, setError };
}

function AdjustForm({
  base,
  product,
  unit,
  onDone,
}: {
  base: string;
  product: Product;
  unit: Unit;
  onDone: (t: string) => void;
}) {
  const { api } = useApp();
  const [qty, setQty] = useState("");
  const [reason, setReason] = useState("damaged");
  const [note, setNote] = useState("");
  const [qtyError, setQtyError] = useState<string | undefined>();
  const s = useSubmit(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = parseStock(qty, unit, true);
    if (n === null || n === 0) {
      setQtyError(
        unit === "each"
          ? "Type a whole number: negative removes stock (-2), positive adds (3)."
          : "Type kilograms: negative removes (-0.5), positive adds (1.25).",
      );
      return;
    }
    void s.run(async () => {
      await api.post(`${base}/stock-adjustments`, {
        product_id: product.id,
        quantity: n,
        reason,
        note: note.trim() || null,
      });
      setQty("");
      setNote("");
      return "The adjustment was recorded.";
    });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="adjust-title">
      <h2 id="adjust-title">Adjust</h2>
      <TextField
        label="Change"
        name="quantity"
        value={qty}
        onChange={(e) => {
          setQty(e.target.value);
          setQtyError(undefined);
        }}
        error={qtyError ?? (s.field === "quantity" ? describeError(s.error) : undefined)}
        hint={unit === "each" ? "Pieces: -2 removes two, 3 adds three." : "Kilograms, e.g. -0.5."}
        inputMode="numeric"
      />
      <SelectField
        label="Reason"
        name="reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={s.field === "reason" ? describeError(s.error) : undefined}
      >
        {ADJUSTMENT_REASONS.map(([k, label, dir]) => (
          <option key={k} value={k}>
            {label} {dir < 0 ? "(removes)" : dir > 0 ? "(adds)" : "(either)"}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Note (optional)"
        name="note"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={500}
      />
      {s.error && s.field !== "quantity" && s.field !== "reason" ? (
        <ErrorAlert error={s.error} />
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={s.busy}>
        Record adjustment
      </button>
    </form>
  );
}

function CountForm({
  base,
  product,
  unit,
  onDone,
}: {
  base: string;
  product: Product;
  unit: Unit;
  onDone: (t: string) => void;
}) {
  const { api } = useApp();
  const [counted, setCounted] = useState("");
  const [err, setErr] = useState<string | undefined>();
  const s = useSubmit(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = parseStock(counted, unit, false);
    if (n === null) {
      setErr(
        unit === "each" ? "Type the number of pieces on the shelf." : "Type the weight in kg.",
      );
      return;
    }
    void s.run(async () => {
      await api.post(`${base}/stock-counts`, {
        counted_at: new Date().toISOString(),
        lines: [{ product_id: product.id, counted: n }],
      });
      setCounted("");
      return "The count was recorded; the ledger now matches it.";
    });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="count-title">
      <h2 id="count-title">Count</h2>
      <TextField
        label="Counted on the shelf"
        name="counted"
        value={counted}
        onChange={(e) => {
          setCounted(e.target.value);
          setErr(undefined);
        }}
        error={err ?? (s.error ? describeError(s.error) : undefined)}
        hint="Recorded as of now; sales rung up after this moment still count."
        inputMode="numeric"
      />
      <button type="submit" className="btn btn-primary" disabled={s.busy}>
        Record count
      </button>
    </form>
  );
}

function LevelsForm({
  base,
  level,
  unit,
  onDone,
}: {
  base: string;
  level: StockLevel;
  unit: Unit;
  onDone: (t: string) => void;
}) {
  const { api } = useApp();
  const show = (n: number | null) =>
    n === null ? "" : unit === "each" ? String(n) : (n / 1000).toFixed(3);
  const [v, setV] = useState({
    reorder_point: show(level.reorder_point),
    min_level: show(level.min_level),
    max_level: show(level.max_level),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const s = useSubmit(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, number | null> = {};
    const errs: Record<string, string> = {};
    for (const k of ["reorder_point", "min_level", "max_level"] as const) {
      const t = v[k].trim();
      if (!t) body[k] = null;
      else {
        const n = parseStock(t, unit, false);
        if (n === null) errs[k] = "A quantity, or empty for none.";
        else body[k] = n;
      }
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    void s.run(async () => {
      await api.put(`${base}/stock/${level.product_id}/levels`, body);
      return "The levels were saved.";
    });
  };
  const apiErr = s.error ? describeError(s.error) : undefined;
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="levels-title">
      <h2 id="levels-title">Levels</h2>
      <TextField
        label="Reorder point"
        name="reorder_point"
        value={v.reorder_point}
        onChange={(e) => setV({ ...v, reorder_point: e.target.value })}
        error={errors.reorder_point}
        hint="An alert is raised when stock falls to this."
      />
      <div className="row">
        <TextField
          label="Minimum"
          name="min_level"
          value={v.min_level}
          onChange={(e) => setV({ ...v, min_level: e.target.value })}
          error={errors.min_level ?? (s.field === "min_level" ? apiErr : undefined)}
        />
        <TextField
          label="Maximum"
          name="max_level"
          value={v.max_level}
          onChange={(e) => setV({ ...v, max_level: e.target.value })}
          error={errors.max_level ?? (s.field === "max_level" ? apiErr : undefined)}
        />
      </div>
      {s.error && s.field !== "min_level" && s.field !== "max_level" ? (
        <ErrorAlert error={s.error} />
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={s.busy}>
        Save levels
      </button>
    </form>
  );
}
