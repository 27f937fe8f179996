/**
 * `/stock/goods`: goods moving in and out of a store — transfers between stores (send; receive
 * what arrived, differences recorded by the server) and purchase orders from suppliers
 * (create; receive in full or in part). Every change is a stock movement on the server.
 */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate, useLocation } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import { formatMoney, parseMoney } from "../../platform/money";
import type { Api } from "../../platform/net/api";
import { ApiError, describeError } from "../../platform/net/errors";
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
import { useCatalogLists } from "../products/useCatalogLists";
import { useStockStores } from "./useStockStores";

interface TransferView {
  id: string;
  from_store_id: string;
  to_store_id: string;
  status: "in_transit" | "received";
  dispatched_at: string;
  lines: {
    line_no: number;
    product_id: string;
    quantity_sent: number;
    quantity_received: number | null;
    discrepancy: number | null;
  }[];
}
interface OrderView {
  id: string;
  supplier_id: string;
  status: string;
  reference: string | null;
  created_at: string;
  total_cost_minor: number;
  lines: {
    line_no: number;
    product_id: string;
    quantity_ordered: number;
    quantity_received: number;
    quantity_outstanding: number;
    unit_cost_minor: number;
  }[];
}
interface Line {
  product: Product;
  quantity: number;
  unit_cost_minor?: number;
}

/** The product with this barcode, or this exact SKU. */
async function findProduct(api: Api, code: string): Promise<Product> {
  const c = code.trim();
  try {
    return await api.get<Product>(`/api/products/by-barcode/${encodeURIComponent(c)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  const page = await api.get<{ items: Product[] }>("/api/products", { q: c, limit: 20 });
  const hit = page.items.find((p) => p.sku.toLowerCase() === c.toLowerCase());
  if (!hit) throw new Error(`No product has the barcode or SKU “${c}”.`);
  return hit;
}

export function GoodsPage() {
  const { api, me } = useApp();
  const { search } = useLocation();
  const stores = useStockStores();
  const all = useAsync(
    () =>
      api.get<{ items: { id: string; name: string; code: string; active: boolean }[] }>(
        "/api/stores",
        { limit: 200 },
      ),
    [api],
  );
  const mine = stores.data ?? [];
  const storeId = search.get("store") ?? mine[0]?.id ?? "";
  const store = mine.find((s) => s.id === storeId);
  const names = new Map((all.data?.items ?? []).map((s) => [s.id, s.name]));
  const data = useAsync(async () => {
    if (!storeId) return null;
    const [transfers, orders] = await Promise.all([
      api.get<{ items: TransferView[] }>(`/api/stores/${storeId}/transfers`, { limit: 100 }),
      api.get<{ items: OrderView[] }>(`/api/stores/${storeId}/purchase-orders`, { limit: 100 }),
    ]);
    return { transfers: transfers.items, orders: orders.items };
  }, [api, storeId]);
  const [done, setDone] = useState<string | null>(null);
  const changed = (text: string) => {
    setDone(text);
    data.reload();
  };
  const locale = me.organisation.locale;
  const money = (v: number) => formatMoney(v, store?.currency ?? me.organisation.currency, locale);

  if (stores.status === "error") return <LoadError error={stores.error} retry={stores.reload} />;
  return (
    <Page
      title="Transfers and deliveries"
      lead="Goods sent between stores and received from suppliers. Each one moves stock in the ledger."
      actions={
        <Link to={`/stock?store=${storeId}`} className="btn">
          Stock
        </Link>
      }
    >
      <div className="filters">
        <SelectField
          label="Store"
          name="store"
          value={storeId}
          onChange={(e) => navigate(`/stock/goods?store=${e.target.value}`, { replace: true })}
        >
          {mine.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.code})
            </option>
          ))}
        </SelectField>
      </div>
      {done ? <Notice tone="success">{done}</Notice> : null}
      {!stores.data || (data.status === "loading" && !data.data) ? (
        <Loading />
      ) : data.status === "error" ? (
        <LoadError error={data.error} retry={data.reload} />
      ) : !data.data || !store ? (
        <Empty title="No store to show" />
      ) : (
        <>
          <h2>Arriving from other stores</h2>
          {data.data.transfers.filter((t) => t.to_store_id === storeId && t.status === "in_transit")
            .length === 0 ? (
            <Empty title="Nothing in transit to this store" />
          ) : (
            data.data.transfers
              .filter((t) => t.to_store_id === storeId && t.status === "in_transit")
              .map((t) => (
                <ReceiveForm
                  key={t.id}
                  title={`From ${names.get(t.from_store_id) ?? "another store"}, sent ${formatDateTime(t.dispatched_at, locale)}`}
                  lines={t.lines.map((l) => ({
                    product_id: l.product_id,
                    expected: l.quantity_sent,
                  }))}
                  submitLabel="Receive transfer"
                  onSubmit={async (lines) => {
                    await api.post(`/api/stores/${storeId}/transfers/${t.id}/receive`, { lines });
                    changed("The transfer was received; any difference is recorded.");
                  }}
                />
              ))
          )}
          <h2>Purchase orders to receive</h2>
          {data.data.orders.filter((o) => o.status === "open" || o.status === "partially_received")
            .length === 0 ? (
            <Empty title="No open purchase order" />
          ) : (
            data.data.orders
              .filter((o) => o.status === "open" || o.status === "partially_received")
              .map((o) => (
                <ReceiveForm
                  key={o.id}
                  title={`${o.reference ?? "Order"} · ${money(o.total_cost_minor)} · ${o.status === "open" ? "open" : "partly received"}`}
                  lines={o.lines
                    .filter((l) => l.quantity_outstanding > 0)
                    .map((l) => ({ product_id: l.product_id, expected: l.quantity_outstanding }))}
                  submitLabel="Receive delivery"
                  onSubmit={async (lines) => {
                    await api.post(`/api/stores/${storeId}/purchase-orders/${o.id}/receipts`, {
                      lines: lines.filter((l) => l.quantity > 0),
                    });
                    changed("The delivery was received into stock.");
                  }}
                />
              ))
          )}
          <div className="cards">
            <SendTransfer
              fromId={storeId}
              stores={(all.data?.items ?? []).filter((s) => s.active && s.id !== storeId)}
              onDone={changed}
            />
            <NewOrder storeId={storeId} currency={store.currency} onDone={changed} />
          </div>
          <h2>Sent from this store</h2>
          {data.data.transfers.filter((t) => t.from_store_id === storeId).length === 0 ? (
            <Empty title="Nothing sent yet" />
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">Transfers sent</caption>
                <thead>
                  <tr>
                    <th scope="col">Sent</th>
                    <th scope="col">To</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Difference
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.data.transfers
                    .filter((t) => t.from_store_id === storeId)
                    .map((t) => (
                      <tr key={t.id}>
                        <td>{formatDateTime(t.dispatched_at, locale)}</td>
                        <td>{names.get(t.to_store_id) ?? "–"}</td>
                        <td>{t.status === "in_transit" ? "In transit" : "Received"}</td>
                        <td className="num">
                          {t.lines.reduce((s, l) => s + (l.discrepancy ?? 0), 0) || "–"}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Page>
  );
}

function ReceiveForm({
  title,
  lines,
  submitLabel,
  onSubmit,
}: {
  title: string;
  lines: { product_id: string; expected: number }[];
  submitLabel: string;
  onSubmit: (lines: { product_id: string; quantity: number }[]) => Promise<void>;
}) {
  const { api } = useApp();
  const products = useAsync(
    () => Promise.all(lines.map((l) => api.get<Product>(`/api/products/${l.product_id}`))),
    [api, lines.map((l) => l.product_id).join()],
  );
  const [got, setGot] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const out = lines.map((l) => ({
      product_id: l.product_id,
      quantity: Number(got[l.product_id] ?? l.expected),
    }));
    if (out.some((l) => !Number.isInteger(l.quantity) || l.quantity < 0)) {
      setError("Quantities are whole numbers, 0 or more.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(out);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h3>{title}</h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num">
              Expected
            </th>
            <th scope="col">Arrived</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => {
            const name = products.data?.[i]?.name ?? "…";
            return (
              <tr key={l.product_id}>
                <td>{name}</td>
                <td className="num">{l.expected}</td>
                <td>
                  <input
                    className="qty-input"
                    inputMode="numeric"
                    aria-label={`Arrived of ${name}`}
                    value={got[l.product_id] ?? String(l.expected)}
                    onChange={(e) => setGot({ ...got, [l.product_id]: e.target.value })}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ErrorAlert error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** Lines typed by barcode or SKU, with a quantity (and, for orders, a unit cost). */
function LinesEditor({
  lines,
  setLines,
  withCost,
  currency,
}: {
  lines: Line[];
  setLines: (l: Line[]) => void;
  withCost?: boolean;
  currency: string;
}) {
  const { api, me } = useApp();
  const [code, setCode] = useState("");
  const [qty, setQty] = useState("1");
  const [cost, setCost] = useState("");
  const [error, setError] = useState<string | undefined>();
  const add = async () => {
    setError(undefined);
    const q = Number(qty);
    if (!Number.isInteger(q) || q < 1) return setError("Type a whole quantity of 1 or more.");
    const c = cost.trim() ? parseMoney(cost, currency) : undefined;
    if (c === null) return setError("Type a unit cost like 1.20, or leave it empty.");
    try {
      const product = await findProduct(api, code);
      setLines([
        ...lines,
        { product, quantity: q, ...(c !== undefined ? { unit_cost_minor: c } : {}) },
      ]);
      setCode("");
      setQty("1");
      setCost("");
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <div>
      <div className="row">
        <TextField
          label="Barcode or SKU"
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={error}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void add();
            }
          }}
          autoComplete="off"
        />
        <TextField
          label="Quantity"
          name="qty"
          value={qty}
          onChange={(e) => setQty(e.target.value)}
          inputMode="numeric"
        />
        {withCost ? (
          <TextField
            label="Unit cost (optional)"
            name="cost"
            value={cost}
            onChange={(e) => setCost(e.target.value)}
            inputMode="decimal"
          />
        ) : null}
      </div>
      <button type="button" className="btn" onClick={() => void add()} disabled={!code.trim()}>
        Add line
      </button>
      {lines.length ? (
        <ul className="plain goods-lines">
          {lines.map((l, i) => (
            <li key={i}>
              {l.quantity} × {l.product.name} <span className="muted">{l.product.sku}</span>
              {l.unit_cost_minor !== undefined
                ? ` at ${formatMoney(l.unit_cost_minor, currency, me.organisation.locale)}`
                : ""}{" "}
              <button
                type="button"
                className="btn btn-quiet"
                onClick={() => setLines(lines.filter((_, k) => k !== i))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function SendTransfer({
  fromId,
  stores,
  onDone,
}: {
  fromId: string;
  stores: { id: string; name: string }[];
  onDone: (t: string) => void;
}) {
  const { api, me } = useApp();
  const [to, setTo] = useState("");
  const [lines, setLines] = useState<Line[]>([]);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post(`/api/stores/${fromId}/transfers`, {
        to_store_id: to,
        lines: lines.map((l) => ({ product_id: l.product.id, quantity: l.quantity })),
      });
      setLines([]);
      onDone("The transfer was sent: the goods left this store's stock.");
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="send-title">
      <h2 id="send-title">Send to another store</h2>
      <SelectField label="To" name="to" value={to} onChange={(e) => setTo(e.target.value)}>
        <option value="">Choose a store</option>
        {stores.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </SelectField>
      <LinesEditor lines={lines} setLines={setLines} currency={me.organisation.currency} />
      <ErrorAlert error={error} />
      <button type="submit" className="btn btn-primary" disabled={!to || !lines.length}>
        Send transfer
      </button>
    </form>
  );
}

function NewOrder({
  storeId,
  currency,
  onDone,
}: {
  storeId: string;
  currency: string;
  onDone: (t: string) => void;
}) {
  const { api } = useApp();
  const lists = useCatalogLists();
  const [supplier, setSupplier] = useState("");
  const [reference, setReference] = useState("");
  const [lines, setLines] = useState<Line[]>([]);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post(`/api/stores/${storeId}/purchase-orders`, {
        supplier_id: supplier,
        reference: reference.trim() || null,
        lines: lines.map((l) => ({
          product_id: l.product.id,
          quantity: l.quantity,
          ...(l.unit_cost_minor !== undefined ? { unit_cost_minor: l.unit_cost_minor } : {}),
        })),
      });
      setLines([]);
      setReference("");
      onDone("The purchase order was created; receive it here when the delivery comes.");
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="order-title">
      <h2 id="order-title">New purchase order</h2>
      <SelectField
        label="Supplier"
        name="supplier"
        value={supplier}
        onChange={(e) => setSupplier(e.target.value)}
      >
        <option value="">Choose a supplier</option>
        {lists.data?.suppliers.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Reference (optional)"
        name="reference"
        value={reference}
        onChange={(e) => setReference(e.target.value)}
      />
      <LinesEditor lines={lines} setLines={setLines} withCost currency={currency} />
      <ErrorAlert error={error} />
      <button type="submit" className="btn btn-primary" disabled={!supplier || !lines.length}>
        Create order
      </button>
    </form>
  );
}
