/**
 * `/pos`: the till. Picks the store (when the person works in several) and which registered
 * terminal this browser is, loads the catalog cache and starts the outbox, then hands over to
 * the checkout. Nothing here sells; it only sets the till up.
 */
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { useApp } from "../../app/context";
import type { PosDb } from "../../platform/db/posDb";
import type { Page as ApiPage } from "../../platform/net/api";
import { describeError, splitError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { Empty, ErrorAlert, LoadError, Loading, Page, TextField } from "../../ui/ui";
import type { Store } from "../stores/types";
import { CatalogCache } from "./catalog";
import { Checkout } from "./Checkout";
import { outboxFor, posDb } from "./services";
import {
  type TillBinding,
  bindTill,
  getBinding,
  receiptNumber,
  reconcileTill,
  unbindTill,
} from "./till";
import type { Terminal } from "./types";

const STORE_KEY = "chainsync.pos.store";

export function PosPage() {
  const { api } = useApp();
  const stores = useAsync(() => api.get<ApiPage<Store>>("/api/stores", { limit: 200 }), [api]);
  const [storeId, setStoreId] = useState<string | null>(() => localStorage.getItem(STORE_KEY));
  const items = (stores.data?.items ?? []).filter((s) => s.active);
  const store = items.find((s) => s.id === storeId) ?? (items.length === 1 ? items[0] : undefined);

  if (stores.status === "error") {
    return (
      <Page title="Sell">
        <LoadError error={stores.error} retry={stores.reload} />
      </Page>
    );
  }
  if (!stores.data) return <Loading label="Opening the till…" />;
  if (!items.length) {
    return (
      <Page title="Sell">
        <Empty title="You are not assigned to a store yet">
          <p>Ask your manager to give you a role in a store before you sell.</p>
        </Empty>
      </Page>
    );
  }
  if (!store) {
    return (
      <Page title="Sell: choose the store" lead="Which store is this till in?">
        <ul className="choice-list">
          {items.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                className="btn choice"
                autoFocus={i === 0}
                onClick={() => {
                  localStorage.setItem(STORE_KEY, s.id);
                  setStoreId(s.id);
                }}
              >
                <strong>{s.name}</strong> <span className="muted">{s.code}</span>
              </button>
            </li>
          ))}
        </ul>
      </Page>
    );
  }
  return (
    <TillForStore
      key={store.id}
      store={store}
      canSwitchStore={items.length > 1}
      switchStore={() => {
        localStorage.removeItem(STORE_KEY);
        setStoreId(null);
      }}
    />
  );
}

interface Ready {
  pos: PosDb;
  binding: TillBinding | null;
  catalog: CatalogCache;
  notice: string | null;
}

function TillForStore({
  store,
  canSwitchStore,
  switchStore,
}: {
  store: Store;
  canSwitchStore: boolean;
  switchStore: () => void;
}) {
  const { api } = useApp();
  const [ready, setReady] = useState<Ready | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [syncError, setSyncError] = useState<unknown>(null);

  const open = useCallback(async () => {
    setError(null);
    try {
      const pos = await posDb();
      let binding = (await getBinding(pos, store.id)) ?? null;
      let notice: string | null = null;
      if (binding) {
        try {
          const r = await reconcileTill(pos, api, binding);
          binding = r.binding;
          if (r.revoked)
            notice = `Till ${binding.code} has been revoked: its sales are held for review. Ask a manager.`;
          else if (r.usedElsewhere)
            notice = `Till ${binding.code} was used in another browser; this one continues after its last sale. Use each till in one browser only.`;
        } catch {
          // Offline or the server is down: the till works from what it has.
        }
      }
      const catalog = await CatalogCache.load(pos, store.id);
      setReady({ pos, binding, catalog, notice });
      catalog.sync(api).then(
        () => setSyncError(null),
        (e: unknown) => setSyncError(e),
      );
    } catch (e) {
      setError(e);
    }
  }, [api, store.id]);

  useEffect(() => {
    void open();
  }, [open]);

  // Prices, products and promotions change during the day: update the cache every five
  // minutes and when the connection returns (a failed update keeps the cache as it was).
  const catalog = ready?.catalog;
  useEffect(() => {
    if (!catalog) return;
    const update = () =>
      catalog.sync(api).then(
        () => setSyncError(null),
        (e: unknown) => setSyncError(e),
      );
    const timer = window.setInterval(update, 5 * 60_000);
    window.addEventListener("online", update);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("online", update);
    };
  }, [catalog, api]);

  if (error) {
    return (
      <Page title="Sell">
        <LoadError error={error} retry={() => void open()} />
      </Page>
    );
  }
  if (!ready) return <Loading label="Opening the till…" />;
  if (!ready.binding) {
    return (
      <TillSetup
        store={store}
        pos={ready.pos}
        onBound={(binding) => setReady({ ...ready, binding })}
        canSwitchStore={canSwitchStore}
        switchStore={switchStore}
      />
    );
  }
  return (
    <Checkout
      store={store}
      binding={ready.binding}
      pos={ready.pos}
      catalog={ready.catalog}
      outbox={outboxFor(ready.pos, api)}
      notice={ready.notice}
      catalogError={syncError}
      retryCatalog={() =>
        ready.catalog.sync(api).then(
          () => setSyncError(null),
          (e: unknown) => setSyncError(e),
        )
      }
      changeTill={async () => {
        await unbindTill(ready.pos, store.id);
        setReady({ ...ready, binding: null });
      }}
    />
  );
}

/** "This browser is till …": one of the store's registered, active terminals. */
function TillSetup({
  store,
  pos,
  onBound,
  canSwitchStore,
  switchStore,
}: {
  store: Store;
  pos: PosDb;
  onBound: (b: TillBinding) => void;
  canSwitchStore: boolean;
  switchStore: () => void;
}) {
  const { api, access } = useApp();
  const mayRegister = access.isAdmin || access.managedStores.includes(store.id);
  const terminals = useAsync(
    () => api.get<{ items: Terminal[] }>(`/api/stores/${store.id}/terminals`),
    [api, store.id],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const active = (terminals.data?.items ?? []).filter((t) => t.active);

  return (
    <Page
      title={`Set up this till · ${store.name}`}
      lead="Choose which of the store's registered tills this browser is. Use each till in one browser only: its receipt numbers continue from its last sale."
      actions={
        canSwitchStore ? (
          <button type="button" className="btn" onClick={switchStore}>
            Another store
          </button>
        ) : null
      }
    >
      <ErrorAlert error={error} />
      {terminals.status === "error" ? (
        <LoadError error={terminals.error} retry={terminals.reload} />
      ) : !terminals.data ? (
        <Loading label="Loading the store's tills…" />
      ) : !active.length ? (
        <Empty title="This store has no till registered">
          <p>A manager registers tills for the store (for example BER-T1) before anyone sells.</p>
        </Empty>
      ) : (
        <ul className="choice-list" aria-label="Tills">
          {active.map((t, i) => (
            <li key={t.id}>
              <button
                type="button"
                className="btn choice"
                autoFocus={i === 0}
                disabled={busy}
                onClick={async () => {
                  setBusy(true);
                  setError(null);
                  try {
                    onBound(await bindTill(pos, api, t));
                  } catch (e) {
                    setError(describeError(e));
                    setBusy(false);
                  }
                }}
              >
                <strong>{t.code}</strong> <span>{t.name}</span>
                <span className="muted">
                  {t.last_seq
                    ? `last receipt ${receiptNumber(t.code, t.last_seq)}`
                    : "no sales yet"}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {mayRegister ? (
        <RegisterTill
          store={store}
          onRegistered={async (t) => {
            setBusy(true);
            try {
              onBound(await bindTill(pos, api, t));
            } catch (e) {
              setError(describeError(e));
              setBusy(false);
            }
          }}
        />
      ) : null}
    </Page>
  );
}

/** Managers and admins: register a new till for the store and make this browser that till. */
function RegisterTill({
  store,
  onRegistered,
}: {
  store: Store;
  onRegistered: (t: Terminal) => Promise<void>;
}) {
  const { api } = useApp();
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<{ code?: string; name?: string }>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const t = await api.post<Terminal>(`/api/stores/${store.id}/terminals`, {
        code: code.trim().toUpperCase(),
        name: name.trim(),
      });
      await onRegistered(t);
    } catch (err) {
      const { fields, form } = splitError(err, ["code", "name"]);
      setErrors(fields);
      setFormError(form);
      setBusy(false);
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-labelledby="register-till">
      <h2 id="register-till">Register a new till</h2>
      <ErrorAlert error={formError} />
      <div className="row">
        <TextField
          label="Till code"
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={errors.code}
          hint={`Starts its receipt numbers, e.g. ${store.code}-T3.`}
          autoComplete="off"
        />
        <TextField
          label="Till name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          hint="e.g. Till 3, by the entrance."
          autoComplete="off"
        />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        Register and use this browser as the till
      </button>
    </form>
  );
}
