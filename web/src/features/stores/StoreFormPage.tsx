import { type FormEvent, useEffect, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate } from "../../app/router";
import { splitError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import {
  Confirm,
  ErrorAlert,
  LoadError,
  Loading,
  Notice,
  Page,
  TextField,
  focusFirstError,
} from "../../ui/ui";
import { StoreDetails } from "./StoreDetails";
import {
  STORE_FIELDS,
  type StoreFormValues,
  createBody,
  emptyStore,
  patchBody,
  ratesOf,
  valuesOf,
} from "./storeForm";
import type { Store } from "./types";

export function StoreNewPage() {
  const { api, me } = useApp();
  return (
    <Page title="New store" lead="Staff can be given roles in the store once it exists.">
      <StoreForm
        initial={emptyStore(me.organisation.currency)}
        submitLabel="Create store"
        onSubmit={async (v, rates) => {
          const store = await api.post<Store>("/api/stores", createBody(v, rates));
          navigate(`/stores/${store.id}?created=1`);
        }}
      />
    </Page>
  );
}

export function StoreEditPage({ id }: { id: string }) {
  const { api, access, me } = useApp();
  const store = useAsync(() => api.get<Store>(`/api/stores/${encodeURIComponent(id)}`), [api, id]);
  const [saved, setSaved] = useState<string | null>(
    new URLSearchParams(window.location.search).has("created") ? "The store was created." : null,
  );
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  // "Created" is said once: a reload or a shared link does not repeat it.
  useEffect(() => {
    if (window.location.search.includes("created=")) navigate(`/stores/${id}`, { replace: true });
  }, [id]);

  if (store.status === "error" && !store.data) {
    return (
      <Page title="Store">
        <LoadError error={store.error} retry={store.reload} />
      </Page>
    );
  }
  if (!store.data) {
    return (
      <Page title="Store">
        <Loading />
      </Page>
    );
  }
  const s = store.data;

  async function setActive(active: boolean) {
    setBusy(true);
    setActionError(null);
    try {
      if (active) store.setData(await api.patch<Store>(`/api/stores/${s.id}`, { active: true }));
      else {
        await api.delete(`/api/stores/${s.id}`);
        store.setData({ ...s, active: false });
      }
      setSaved(active ? "The store was reactivated." : "The store was deactivated.");
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  }

  return (
    <Page
      title={`${s.name} (${s.code})`}
      lead={<Link to="/stores">← All stores</Link>}
      actions={
        access.manageStores ? (
          s.active ? (
            <button
              type="button"
              className="btn btn-danger-outline"
              onClick={() => setConfirm(true)}
            >
              Deactivate store
            </button>
          ) : (
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() => void setActive(true)}
            >
              Reactivate store
            </button>
          )
        ) : null
      }
    >
      {saved ? <Notice tone="success">{saved}</Notice> : null}
      <ErrorAlert error={actionError ?? undefined} />
      {!s.active ? (
        <Notice>
          This store is deactivated: it keeps its history but is hidden from everyday lists.
        </Notice>
      ) : null}
      {access.manageStores ? (
        <StoreForm
          key={s.updated_at}
          initial={valuesOf(s)}
          submitLabel="Save changes"
          onSubmit={async (v, rates) => {
            const patch = patchBody(s, v, rates);
            if (Object.keys(patch).length === 0) {
              setSaved("Nothing to save: no field was changed.");
              return;
            }
            store.setData(await api.patch<Store>(`/api/stores/${s.id}`, patch));
            setSaved("Changes saved.");
          }}
          onEdit={() => setSaved(null)}
        />
      ) : (
        <StoreDetails store={s} locale={me.organisation.locale} />
      )}
      <Confirm
        open={confirm}
        title={`Deactivate ${s.name}?`}
        confirmLabel="Deactivate"
        danger
        busy={busy}
        onConfirm={() => void setActive(false)}
        onCancel={() => setConfirm(false)}
      >
        <p>
          The store disappears from everyday lists. Its history stays, and you can reactivate it at
          any time.
        </p>
      </Confirm>
    </Page>
  );
}

function StoreForm({
  initial,
  submitLabel,
  onSubmit,
  onEdit,
}: {
  initial: StoreFormValues;
  submitLabel: string;
  onSubmit: (v: StoreFormValues, rates: Record<string, number>) => Promise<void>;
  onEdit?: () => void;
}) {
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const set = <K extends keyof StoreFormValues>(key: K, value: StoreFormValues[K]) => {
    setV((old) => ({ ...old, [key]: value }));
    onEdit?.();
  };
  const text = (key: keyof StoreFormValues & string) => ({
    name: key,
    value: v[key] as string,
    error: errors[key],
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    const rates = ratesOf(v.tax_rates);
    if (!rates.ok) {
      setErrors({ tax_rates: rates.message });
      requestAnimationFrame(() => focusFirstError(form.current));
      return;
    }
    setBusy(true);
    try {
      await onSubmit(v, rates.rates);
    } catch (err) {
      const split = splitError(err, STORE_FIELDS);
      setErrors(split.fields);
      setFormError(split.form);
      requestAnimationFrame(() => focusFirstError(form.current));
    } finally {
      setBusy(false);
    }
  }

  const rateRow = (i: number, patch: Partial<{ cls: string; percent: string }>) =>
    set(
      "tax_rates",
      v.tax_rates.map((r, j) => (j === i ? { ...r, ...patch } : r)),
    );

  return (
    <form ref={form} onSubmit={submit} noValidate className="form-grid">
      <ErrorAlert>{formError}</ErrorAlert>
      <fieldset>
        <legend>Identity</legend>
        <div className="row">
          <TextField
            label="Code"
            hint="1 to 16 of A–Z, 0–9 and -; shown on receipts."
            autoCapitalize="characters"
            required
            {...text("code")}
          />
          <TextField label="Name" required {...text("name")} />
        </div>
        <TextField label="Street address" autoComplete="street-address" {...text("address")} />
        <div className="row">
          <TextField label="City" {...text("city")} />
          <TextField
            label="Country"
            hint="Two letters, e.g. DE"
            maxLength={2}
            required
            {...text("country")}
          />
        </div>
        <TextField
          label="Tax id"
          hint="VAT or tax registration number (optional)."
          {...text("tax_id")}
        />
      </fieldset>
      <fieldset>
        <legend>Money and time</legend>
        <div className="row">
          <TextField
            label="Currency"
            hint="ISO code, e.g. EUR"
            maxLength={3}
            required
            {...text("currency")}
          />
          <TextField
            label="Time zone"
            hint="e.g. Europe/Berlin; business days follow it."
            required
            {...text("timezone")}
          />
        </div>
      </fieldset>
      <fieldset aria-describedby={errors.tax_rates ? "tax-rates-error" : undefined}>
        <legend>Tax rates</legend>
        {v.tax_rates.map((row, i) => (
          <div className="row tax-row" key={i}>
            <TextField
              label="Tax class"
              name={`tax_class_${i}`}
              value={row.cls}
              onChange={(e) => rateRow(i, { cls: e.target.value })}
              aria-invalid={errors.tax_rates ? true : undefined}
            />
            <TextField
              label="Rate (%)"
              name={`tax_rate_${i}`}
              inputMode="decimal"
              value={row.percent}
              onChange={(e) => rateRow(i, { percent: e.target.value })}
            />
            <button
              type="button"
              className="btn btn-quiet"
              aria-label={`Remove tax class ${row.cls || i + 1}`}
              onClick={() =>
                set(
                  "tax_rates",
                  v.tax_rates.filter((_, j) => j !== i),
                )
              }
            >
              Remove
            </button>
          </div>
        ))}
        {errors.tax_rates ? (
          <p className="field-error" id="tax-rates-error">
            {errors.tax_rates}
          </p>
        ) : null}
        <button
          type="button"
          className="btn btn-quiet"
          onClick={() => set("tax_rates", [...v.tax_rates, { cls: "", percent: "" }])}
        >
          Add a tax class
        </button>
        <label className="checkbox">
          <input
            type="checkbox"
            name="tax_inclusive"
            checked={v.tax_inclusive}
            onChange={(e) => set("tax_inclusive", e.target.checked)}
          />
          Shelf prices include tax
        </label>
      </fieldset>
      <fieldset>
        <legend>Returns</legend>
        <TextField
          label="Refunds above this need a manager's approval"
          {...text("refund_approval_minor")}
          inputMode="decimal"
          hint="In the store's currency; 0 makes every refund need one."
        />
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
