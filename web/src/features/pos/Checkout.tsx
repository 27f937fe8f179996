/**
 * The checkout: a scan field that always has focus, the cart, the totals and the actions, all
 * on the keyboard (see shortcuts.ts; every button shows its key).
 *
 * The scan path is synchronous on purpose: a wedge scanner types the code and Enter; Enter
 * looks the code up in the in-memory catalog cache and adds the line in the same event, so the
 * line is on screen at the next paint (docs/performance.md, "POS scan-to-screen"). Pricing
 * (promotions, tax) runs in the browser with the server's engine rules (domain/pricing), in
 * the same render.
 *
 * A sale is never posted from here: completing payment puts it in the outbox (IndexedDB) under
 * the till's next seq, and the outbox sends it.
 */
import {
  type FormEvent,
  useCallback,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { useApp } from "../../app/context";
import { type PosDb, deleteOne, getAll, getOne, putOne } from "../../platform/db/posDb";
import { formatDateTime } from "../../platform/format";
import { formatMoney, toDecimalString } from "../../platform/money";
import { describeError } from "../../platform/net/errors";
import { usePageFocus } from "../../ui/hooks";
import { Confirm } from "../../ui/ui";
import type { Store } from "../stores/types";
import {
  type Cart,
  addProduct,
  emptyCart,
  parseDiscount,
  parseQuantity,
  removeLine,
  setCartDiscount,
  setCustomer,
  setLineDiscount,
  setQuantity,
  toSaleLines,
} from "./cart";
import type { CatalogCache } from "./catalog";
import { CameraDialog, cameraScanSupported } from "./CameraDialog";
import { CartTable, Totals, describeCartError } from "./CartView";
import { type Outbox, type SaleEntry, enqueueSale } from "./outbox";
import { type ParkedCart, ParkedDialog } from "./ParkedDialog";
import { type ExchangeCredit, PaymentDialog, type PaymentResult } from "./PaymentDialog";
import { PromptDialog } from "./PromptDialog";
import { ReceiptDialog } from "./Receipt";
import { RefusedSales } from "./RefusedSales";
import { ReturnDialog } from "./ReturnDialog";
import { CustomerDialog } from "./CustomerDialog";
import { type Shift, ShiftDialog } from "./ShiftDialog";
import { useOutbox } from "./services";
import { type Action, KEYS, actionFor } from "./shortcuts";
import type { TillBinding } from "./till";
import type { ManualDiscount, Product } from "./types";
import { priceLocally } from "./localPricing";
import { usePricedCart } from "./usePricedCart";
import "./pos.css";

type Dialog =
  | { kind: "pay" }
  | { kind: "quantity"; index: number }
  | { kind: "line-discount"; index: number }
  | { kind: "cart-discount" }
  | { kind: "parked"; list: ParkedCart[] }
  | { kind: "camera" }
  | { kind: "clear" }
  | { kind: "refused" }
  | { kind: "shift" }
  | { kind: "return"; receipt: string }
  | { kind: "customer" };

type Message = { tone: "error" | "info"; text: string } | null;

export function Checkout({
  store,
  binding,
  pos,
  catalog,
  outbox,
  notice,
  catalogError,
  retryCatalog,
  changeTill,
}: {
  store: Store;
  binding: TillBinding;
  pos: PosDb;
  catalog: CatalogCache;
  outbox: Outbox;
  notice: string | null;
  catalogError: unknown;
  retryCatalog: () => void;
  changeTill: () => Promise<void>;
}) {
  const { api, me } = useApp();
  const locale = me.organisation.locale;
  const currency = store.currency;
  const money = useCallback((v: number) => formatMoney(v, currency, locale), [currency, locale]);
  const catalogVersion = useSyncExternalStore(catalog.subscribe, catalog.getVersion);
  const [cart, setCart] = useState<Cart>(() => emptyCart());
  const [selected, setSelected] = useState(-1);
  const [query, setQuery] = useState("");
  const [activeOption, setActiveOption] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [message, setMessage] = useState<Message>(null);
  // Exchange credit of a return just taken: offered in the next payment until spent.
  const [exchange, setExchange] = useState<ExchangeCredit | null>(null);
  const [receipt, setReceipt] = useState<SaleEntry | null>(null);
  const [parkedCount, setParkedCount] = useState(0);
  // The loyalty programme's rates (null until known, e.g. offline: no paying with points).
  const [loyalty, setLoyalty] = useState<{
    enabled: boolean;
    redeem_minor_per_point: number;
  } | null>(null);
  useEffect(() => {
    api
      .get<{ enabled: boolean; redeem_minor_per_point: number }>("/api/loyalty/settings")
      .then(setLoyalty, () => setLoyalty(null));
  }, [api]);
  // Whether a shift is open on this till (null: not known, e.g. offline).
  const [shiftOpen, setShiftOpen] = useState<boolean | null>(null);
  useEffect(() => {
    api
      .get<{ items: Shift[] }>(`/api/stores/${store.id}/shifts`, { status: "open", limit: 200 })
      .then(
        (p) => setShiftOpen(p.items.some((s) => s.terminal_id === binding.terminal_id)),
        () => setShiftOpen(null),
      );
  }, [api, store.id, binding.terminal_id]);
  const pricing = usePricedCart(store, catalog, catalogVersion, cart);
  const outboxState = useOutbox(outbox);
  const scanRef = useRef<HTMLInputElement>(null);
  const cartKey = `current_cart:${store.id}`;
  usePageFocus(`Sell · ${store.name}`, false);

  // The cart on screen survives a reload of the page.
  const restored = useRef(false);
  useEffect(() => {
    void getOne<Cart>(pos, "meta", cartKey).then((c) => {
      if (c?.lines.length) setCart(c);
      restored.current = true;
    });
    void countParked();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pos, cartKey]);
  useEffect(() => {
    if (restored.current) void putOne(pos, "meta", cart, cartKey);
  }, [pos, cart, cartKey]);

  const countParked = async () =>
    setParkedCount(
      (await getAll<ParkedCart>(pos, "parked")).filter((p) => p.store_id === store.id).length,
    );

  // Focus goes back to the scan field whenever nothing else is open.
  useEffect(() => {
    if (!dialog && !receipt) scanRef.current?.focus();
  }, [dialog, receipt]);

  const deferredQuery = useDeferredValue(query);
  const results = useMemo(
    () => (deferredQuery.trim() ? catalog.search(deferredQuery, 8) : []),
    // catalogVersion: search again when the cache changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [deferredQuery, catalog, catalogVersion],
  );
  const showResults = query.trim() !== "" && results.length > 0 && deferredQuery === query;

  const add = (product: Product, quantity?: number) => {
    const r = addProduct(cart, product, catalog.priceOf(product), quantity);
    setCart(r.cart);
    setSelected(r.index);
    setQuery("");
    setActiveOption(0);
    setMessage(null);
    if (product.unit === "weighed" && quantity === undefined)
      setDialog({ kind: "quantity", index: r.index });
  };

  const onScan = (e: FormEvent) => {
    e.preventDefault();
    const value = query.trim();
    if (!value) return run("pay");
    const m = /^(\d{1,4})\*(.+)$/.exec(value);
    const code = m ? m[2]!.trim() : value;
    const qty = m ? Number(m[1]) : undefined;
    const found = catalog.lookup(code);
    if (found) return add(found, qty && found.unit === "each" ? qty : undefined);
    // A printed receipt's number (BER-T1-000042) starts a return of that sale.
    if (/^[A-Z0-9][A-Z0-9-]*-\d{6}$/.test(code)) {
      setQuery("");
      setDialog({ kind: "return", receipt: code });
      return;
    }
    const matches = catalog.search(code, 8);
    const pick = matches[Math.min(activeOption, matches.length - 1)];
    if (pick) return add(pick, qty && pick.unit === "each" ? qty : undefined);
    setMessage({
      tone: "error",
      text: catalog.size
        ? `Nothing found for “${code}”. Check the code, or search by name.`
        : "The catalog is not loaded on this till yet; wait a moment or check the connection.",
    });
    scanRef.current?.select();
  };

  const selectedLine = cart.lines[selected];

  const run = (action: Action) => {
    setMessage(null);
    switch (action) {
      case "pay":
        if (!cart.lines.length) return setMessage({ tone: "info", text: "Scan an item first." });
        if (pricing.error || !pricing.priced)
          return setMessage({ tone: "error", text: describeCartError(pricing.error) });
        return setDialog({ kind: "pay" });
      case "quantity":
      case "lineDiscount":
      case "remove":
        if (!selectedLine)
          return setMessage({ tone: "info", text: "Select a line first (↑ and ↓)." });
        if (action === "remove") {
          setCart(removeLine(cart, selected));
          setSelected(Math.min(selected, cart.lines.length - 2));
          return;
        }
        return setDialog({
          kind: action === "quantity" ? "quantity" : "line-discount",
          index: selected,
        });
      case "cartDiscount":
        if (!cart.lines.length) return setMessage({ tone: "info", text: "Scan an item first." });
        return setDialog({ kind: "cart-discount" });
      case "park":
        if (!cart.lines.length)
          return setMessage({ tone: "info", text: "There is nothing to park." });
        void park(cart).then(() => {
          setMessage({ tone: "info", text: `Sale parked. ${KEYS.parked.label} brings it back.` });
        });
        return;
      case "parked":
        void getAll<ParkedCart>(pos, "parked").then((list) =>
          setDialog({
            kind: "parked",
            list: list
              .filter((p) => p.store_id === store.id)
              .sort((a, b) => a.parked_at.localeCompare(b.parked_at)),
          }),
        );
        return;
      case "camera":
        if (cameraScanSupported()) setDialog({ kind: "camera" });
        else
          setMessage({ tone: "info", text: "This browser cannot read barcodes with the camera." });
        return;
      case "clear":
        if (cart.lines.length) setDialog({ kind: "clear" });
        return;
      case "customer":
        return setDialog({ kind: "customer" });
      case "return":
        if (cart.lines.length)
          return setMessage({ tone: "info", text: "Finish or park the sale before a return." });
        return setDialog({ kind: "return", receipt: "" });
    }
  };

  const park = async (c: Cart) => {
    await putOne(pos, "parked", {
      id: c.id,
      store_id: store.id,
      cart: c,
      parked_at: new Date().toISOString(),
    } satisfies ParkedCart);
    setCart(emptyCart());
    setSelected(-1);
    await countParked();
  };

  // The till's keys, while no dialog is open.
  const keyHandler = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keyHandler.current = (e: KeyboardEvent) => {
    if (dialog || receipt) return;
    const action = actionFor(e);
    const inScan = e.target === scanRef.current;
    const empty = query === "";
    if (action && (action !== "remove" || (inScan && empty))) {
      e.preventDefault();
      run(action);
      return;
    }
    if (inScan && empty && cart.lines.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = cart.lines.length;
        const from = selected < 0 ? (e.key === "ArrowUp" ? n : -1) : selected;
        setSelected((from + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
        return;
      }
      if ((e.key === "+" || e.key === "-") && selectedLine && selectedLine.unit === "each") {
        e.preventDefault();
        setCart(setQuantity(cart, selected, selectedLine.quantity + (e.key === "+" ? 1 : -1)));
        if (selectedLine.quantity === 1 && e.key === "-")
          setSelected(Math.min(selected, cart.lines.length - 2));
        return;
      }
    }
    if (inScan && showResults && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const n = results.length;
      setActiveOption((a) => (a + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
      return;
    }
    if (inScan && e.key === "Escape") {
      setQuery("");
      setMessage(null);
      return;
    }
    // Typing anywhere on the checkout goes to the scan field (a scanner never loses a digit).
    const t = e.target as HTMLElement;
    if (
      e.key.length === 1 &&
      !e.ctrlKey &&
      !e.metaKey &&
      !e.altKey &&
      !(
        t instanceof HTMLInputElement ||
        t instanceof HTMLTextAreaElement ||
        t instanceof HTMLSelectElement
      )
    ) {
      scanRef.current?.focus();
    }
  };
  useEffect(() => {
    const h = (e: KeyboardEvent) => keyHandler.current(e);
    window.addEventListener("keydown", h);
    return () => window.removeEventListener("keydown", h);
  }, []);

  const completeSale = async (r: PaymentResult) => {
    // Priced again at the moment of the sale: promotions are judged at the sale's time.
    const occurredAt = new Date();
    const { priced, error } = priceLocally(cart, store, catalog, occurredAt);
    if (!priced) throw new Error(describeCartError(error));
    const names = Object.fromEntries(cart.lines.map((l) => [l.product_id, l.name]));
    const entry = await enqueueSale(
      pos,
      store.id,
      (seq, receiptNumber, b) => ({
        id: crypto.randomUUID(),
        terminal_id: b.terminal_id,
        seq,
        occurred_at: occurredAt.toISOString(),
        receipt_number: receiptNumber,
        lines: toSaleLines(cart),
        ...(cart.cart_discount ? { cart_discount: cart.cart_discount } : {}),
        payments: r.payments,
        ...(cart.customer ? { customer_id: cart.customer.id } : {}),
        ...(r.redeemPoints ? { redeem_points: r.redeemPoints } : {}),
      }),
      {
        store: { name: store.name, address: store.address, city: store.city, tax_id: store.tax_id },
        currency,
        locale,
        cashier: me.user.display_name,
        ...(cart.customer ? { customer: cart.customer.name } : {}),
        names,
        priced,
        change_minor: r.change,
        cash_due_minor: r.cashDue,
      },
    );
    void outbox.flush();
    setDialog(null);
    setReceipt(entry);
    setCart(emptyCart());
    // Exchange credit is spent once (the server refuses it twice).
    if (r.payments.some((p) => p.kind === "other" && p.method === "exchange")) setExchange(null);
    setSelected(-1);
  };

  const closeDialog = () => setDialog(null);
  const selectLine = useCallback((i: number) => {
    setSelected(i);
    scanRef.current?.focus();
  }, []);
  const total = pricing.priced?.totals.total_minor ?? 0;
  const comboId = "scan-results";

  return (
    <section className="pos" aria-labelledby="pos-title">
      <header className="pos-header">
        <h1 id="pos-title">
          Sell <span className="muted">· {store.name}</span>
        </h1>
        <p className="pos-till">
          Till <strong>{binding.code}</strong> · {me.user.display_name}
        </p>
      </header>
      {notice ? (
        <div className="alert alert-info" role="status">
          {notice}
        </div>
      ) : null}
      <div className="pos-grid">
        <div className="pos-main">
          <form className="scan-form" onSubmit={onScan} role="search">
            <label htmlFor="scan">Scan or search</label>
            <div className="scan-wrap">
              <input
                id="scan"
                ref={scanRef}
                className="scan-input"
                value={query}
                onChange={(e) => {
                  setQuery(e.target.value);
                  setActiveOption(0);
                  setMessage(null);
                }}
                autoComplete="off"
                spellCheck={false}
                role="combobox"
                aria-expanded={showResults}
                aria-controls={showResults ? comboId : undefined}
                aria-autocomplete="list"
                aria-activedescendant={showResults ? `${comboId}-${activeOption}` : undefined}
                aria-describedby="scan-help"
                placeholder="Barcode, SKU or name"
              />
              {showResults ? (
                <ul
                  id={comboId}
                  role="listbox"
                  className="scan-results"
                  aria-label="Products found"
                >
                  {results.map((p, i) => (
                    <li
                      key={p.id}
                      id={`${comboId}-${i}`}
                      role="option"
                      aria-selected={i === activeOption}
                      onMouseDown={(e) => {
                        e.preventDefault();
                        add(p);
                      }}
                    >
                      <span>{p.name}</span>
                      <span className="muted">{p.sku}</span>
                      <span className="num">{money(catalog.priceOf(p))}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
            <p id="scan-help" className="hint">
              Enter adds the item; <kbd>3*</kbd> before a code adds 3; Enter on an empty field pays.
            </p>
          </form>
          <div className="scan-message" aria-live="assertive">
            {message ? (
              <p className={message.tone === "error" ? "alert alert-error" : "alert alert-info"}>
                {message.text}
              </p>
            ) : null}
          </div>
          <CartTable
            cart={cart}
            pricing={pricing}
            selected={selected}
            money={money}
            locale={locale}
            onSelect={selectLine}
          />
        </div>
        <aside className="pos-side" aria-label="Sale">
          {cart.customer ? (
            <p className="customer-chip" data-testid="customer">
              <span>
                <strong>{cart.customer.name}</strong> · {cart.customer.points_balance} points
              </span>
              <button
                type="button"
                className="btn btn-quiet"
                onClick={() => setCart(setCustomer(cart, undefined))}
              >
                Remove
              </button>
            </p>
          ) : null}
          <Totals cart={cart} pricing={pricing} money={money} locale={locale} />
          <button
            type="button"
            className="btn btn-primary btn-pay"
            onClick={() => run("pay")}
            disabled={!cart.lines.length}
          >
            Pay <kbd>{KEYS.pay.label}</kbd>
          </button>
          <div className="pos-actions" role="group" aria-label="Sale actions">
            <ActionButton
              label="Quantity"
              k={KEYS.quantity.label}
              onClick={() => run("quantity")}
              disabled={!selectedLine}
            />
            <ActionButton
              label="Line discount"
              k={KEYS.lineDiscount.label}
              onClick={() => run("lineDiscount")}
              disabled={!selectedLine}
            />
            <ActionButton
              label="Cart discount"
              k={KEYS.cartDiscount.label}
              onClick={() => run("cartDiscount")}
              disabled={!cart.lines.length}
            />
            <ActionButton
              label="Remove line"
              k={KEYS.remove.label}
              onClick={() => run("remove")}
              disabled={!selectedLine}
            />
            <ActionButton
              label="Park sale"
              k={KEYS.park.label}
              onClick={() => run("park")}
              disabled={!cart.lines.length}
            />
            <ActionButton
              label={parkedCount ? `Parked (${parkedCount})` : "Parked"}
              k={KEYS.parked.label}
              onClick={() => run("parked")}
            />
            {cameraScanSupported() ? (
              <ActionButton label="Camera" k={KEYS.camera.label} onClick={() => run("camera")} />
            ) : null}
            <ActionButton
              label="Customer"
              k={KEYS.customer.label}
              onClick={() => run("customer")}
            />
            <ActionButton label="Return" k={KEYS.return.label} onClick={() => run("return")} />
            <ActionButton
              label="Clear sale"
              k={KEYS.clear.label}
              onClick={() => run("clear")}
              disabled={!cart.lines.length}
            />
          </div>
          <p className="hint">
            <kbd>↑</kbd> <kbd>↓</kbd> select a line, <kbd>+</kbd> <kbd>−</kbd> change its quantity.
          </p>
        </aside>
      </div>
      <footer className="pos-status" aria-label="Till status">
        <span>
          Catalog: {catalog.size} products
          {catalog.syncedAt ? `, updated ${formatDateTime(catalog.syncedAt, locale)}` : ""}
          {catalogError ? (
            <>
              {" "}
              <span className="status-bad">
                — could not update: {describeError(catalogError)}
              </span>{" "}
              <button type="button" className="btn-link" onClick={retryCatalog}>
                Update now
              </button>
            </>
          ) : null}
        </span>
        <span data-testid="outbox-status">
          {!outboxState
            ? ""
            : outboxState.failed.length
              ? `${outboxState.failed.length} sale(s) refused by the server, kept on this till`
              : outboxState.pending
                ? `${outboxState.pending} sale(s) waiting to be sent${outboxState.lastProblem ? `: ${outboxState.lastProblem}` : ""}`
                : "All sales sent"}
        </span>
        <button
          type="button"
          className="btn-link"
          onClick={() => setDialog({ kind: "shift" })}
          data-testid="shift-status"
        >
          {shiftOpen === null ? "Shift" : shiftOpen ? "Shift open" : "No shift open: open one"}
        </button>
        {outboxState?.failed.length ? (
          <button type="button" className="btn-link" onClick={() => setDialog({ kind: "refused" })}>
            Review refused sales
          </button>
        ) : null}
        <button
          type="button"
          className="btn-link"
          onClick={() => void changeTill()}
          disabled={!!cart.lines.length}
        >
          Change till
        </button>
      </footer>

      {dialog?.kind === "pay" && pricing.priced ? (
        <PaymentDialog
          total={total}
          currency={currency}
          money={money}
          points={
            cart.customer && loyalty?.enabled
              ? {
                  balance: cart.customer.points_balance,
                  valuePerPoint: loyalty.redeem_minor_per_point,
                }
              : undefined
          }
          exchange={exchange}
          onComplete={completeSale}
          onClose={closeDialog}
        />
      ) : null}
      {dialog?.kind === "quantity" && cart.lines[dialog.index] ? (
        <PromptDialog<number>
          title={`Quantity · ${cart.lines[dialog.index]!.name}`}
          label={cart.lines[dialog.index]!.unit === "weighed" ? "Weight in kg" : "Quantity"}
          hint={
            cart.lines[dialog.index]!.unit === "weighed"
              ? "For example 1.25 for 1.250 kg."
              : "Whole pieces; 0 removes the line."
          }
          initial={
            cart.lines[dialog.index]!.unit === "weighed"
              ? (cart.lines[dialog.index]!.quantity / 1000).toFixed(3)
              : String(cart.lines[dialog.index]!.quantity)
          }
          parse={(t) => (t.trim() === "0" ? 0 : parseQuantity(t, cart.lines[dialog.index]!.unit))}
          invalid={
            cart.lines[dialog.index]!.unit === "weighed"
              ? "Type a weight like 0.5 or 1.25 (kg, up to 3 decimals)."
              : "Type a whole number of pieces."
          }
          onApply={(q) => {
            const c = setQuantity(cart, dialog.index, q ?? 0);
            setCart(c);
            if (c.lines.length < cart.lines.length)
              setSelected(Math.min(dialog.index, c.lines.length - 1));
            closeDialog();
          }}
          onClose={closeDialog}
        />
      ) : null}
      {dialog?.kind === "line-discount" && cart.lines[dialog.index] ? (
        <PromptDialog<ManualDiscount>
          title={`Discount · ${cart.lines[dialog.index]!.name}`}
          label="Discount"
          hint="10% for a percentage, 1.50 for an amount off the line; empty removes it."
          initial={discountText(cart.lines[dialog.index]!.discount, currency)}
          parse={(t) => parseDiscount(t, currency)}
          invalid="Type a percentage like 10% or an amount like 1.50."
          allowEmpty
          onApply={(d) => {
            setCart(setLineDiscount(cart, dialog.index, d ?? undefined));
            closeDialog();
          }}
          onClose={closeDialog}
        />
      ) : null}
      {dialog?.kind === "cart-discount" ? (
        <PromptDialog<ManualDiscount>
          title="Discount on the whole sale"
          label="Cart discount"
          hint="10% or an amount like 5.00, shared over the lines; empty removes it."
          initial={discountText(cart.cart_discount, currency)}
          parse={(t) => parseDiscount(t, currency)}
          invalid="Type a percentage like 10% or an amount like 5.00."
          allowEmpty
          onApply={(d) => {
            setCart(setCartDiscount(cart, d ?? undefined));
            closeDialog();
          }}
          onClose={closeDialog}
        />
      ) : null}
      {dialog?.kind === "parked" ? (
        <ParkedDialog
          parked={dialog.list}
          locale={locale}
          onClose={closeDialog}
          onDelete={async (p) => {
            await deleteOne(pos, "parked", p.id);
            await countParked();
            setDialog({ kind: "parked", list: dialog.list.filter((x) => x.id !== p.id) });
          }}
          onResume={async (p) => {
            if (cart.lines.length) await park(cart);
            await deleteOne(pos, "parked", p.id);
            await countParked();
            setCart(p.cart);
            setSelected(p.cart.lines.length - 1);
            closeDialog();
          }}
        />
      ) : null}
      {dialog?.kind === "camera" ? (
        <CameraDialog
          onClose={closeDialog}
          onCode={(code) => {
            closeDialog();
            const p = catalog.lookup(code);
            if (p) add(p);
            else setMessage({ tone: "error", text: `Nothing found for “${code}”.` });
          }}
        />
      ) : null}
      <Confirm
        open={dialog?.kind === "clear"}
        title="Clear this sale?"
        confirmLabel="Clear sale"
        danger
        onCancel={closeDialog}
        onConfirm={() => {
          setCart(emptyCart());
          setSelected(-1);
          closeDialog();
        }}
      >
        <p>
          All {cart.lines.length} line(s) are removed; nothing is sold. To serve someone else first,
          park the sale instead ({KEYS.park.label}).
        </p>
      </Confirm>
      {dialog?.kind === "refused" && outboxState ? (
        <RefusedSales
          entries={outboxState.failed}
          locale={locale}
          onRetry={(id, approval) => {
            if (approval) outbox.approve(id, approval);
            void outbox.retry(id);
          }}
          onClose={closeDialog}
        />
      ) : null}
      {dialog?.kind === "customer" ? (
        <CustomerDialog
          onClose={closeDialog}
          onPick={(c) => {
            setCart(setCustomer(cart, c));
            closeDialog();
          }}
        />
      ) : null}
      {dialog?.kind === "return" ? (
        <ReturnDialog
          storeId={store.id}
          currency={currency}
          pos={pos}
          outbox={outbox}
          catalog={catalog}
          money={money}
          initialReceipt={dialog.receipt}
          onClose={closeDialog}
          onDone={(entry) => {
            closeDialog();
            const { sale_receipt: of, refund_minor: amount, refund_kind: how } = entry.summary;
            const head = `${entry.void_of ? "Void" : "Return"} ${entry.mutation.receipt_number} of ${of}`;
            // The credit is referenced by the server's return id, known once the return is sent.
            const returnId = (entry.result as { id?: string } | undefined)?.id;
            if (how === "exchange" && returnId)
              setExchange({ returnId, receipt: entry.mutation.receipt_number, amount });
            setMessage({
              tone: "info",
              text:
                how === "void"
                  ? `${head}: ${money(amount)} goes back to the tenders the sale was paid with (cash from the drawer, cards on the card terminal).`
                  : how === "card"
                    ? `${head}: ${money(amount)} refunded to the card.`
                    : how === "exchange" && returnId
                      ? `${head}: ${money(amount)} exchange credit. Ring up the new items and pay with Exchange credit (F6 in the payment).`
                      : how === "exchange"
                        ? `${head}: ${money(amount)} exchange credit, kept on this till until the server can be reached; the credit can pay a sale once the return is recorded.`
                        : `${head}: give the customer ${money(amount)} in cash.`,
            });
          }}
        />
      ) : null}
      {dialog?.kind === "shift" ? (
        <ShiftDialog
          storeId={store.id}
          terminalId={binding.terminal_id}
          currency={currency}
          money={money}
          onClose={closeDialog}
          onChanged={setShiftOpen}
        />
      ) : null}
      {receipt ? (
        <ReceiptDialog entry={receipt} outbox={outbox} onNext={() => setReceipt(null)} />
      ) : null}
    </section>
  );
}

function ActionButton({
  label,
  k,
  onClick,
  disabled,
}: {
  label: string;
  k: string;
  onClick: () => void;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      className="btn"
      onClick={onClick}
      disabled={disabled}
      aria-keyshortcuts={k === "Del" ? "Delete" : k}
    >
      {label} <kbd>{k}</kbd>
    </button>
  );
}

function discountText(d: ManualDiscount | undefined, currency: string): string {
  if (!d) return "";
  return d.kind === "percent"
    ? `${d.percent_bps / 100}%`
    : toDecimalString(d.amount_minor, currency);
}
