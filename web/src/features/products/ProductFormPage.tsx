/**
 * `/products/new` and `/products/:id`: create and edit a product (admins). Managers see the
 * same form read-only. API errors land under the field they name (`barcodes[1]` → Barcodes).
 */
import { type FormEvent, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import { ApiError, describeError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import {
  Confirm,
  ErrorAlert,
  LoadError,
  Loading,
  Notice,
  Page,
  SelectField,
  TextField,
  focusFirstError,
} from "../../ui/ui";
import type { Product } from "../pos/types";
import {
  type ProductFormValues,
  createBody,
  emptyProduct,
  fieldFor,
  patchBody,
  valuesOf,
} from "./productForm";
import { useCatalogLists } from "./useCatalogLists";

export function ProductNewPage() {
  const { api, me } = useApp();
  return (
    <Page title="New product" lead="Every store must have a rate for its tax class.">
      <ProductForm
        initial={emptyProduct()}
        submitLabel="Create product"
        editable
        onSubmit={async (v) => {
          const r = createBody(v, me.organisation.currency);
          if (!r.ok) return r.errors;
          const p = await api.post<Product>("/api/products", r.body);
          navigate(`/products/${p.id}?created=1`);
          return null;
        }}
      />
    </Page>
  );
}

export function ProductEditPage({ id }: { id: string }) {
  const { api, me, access } = useApp();
  const product = useAsync(
    () => api.get<Product>(`/api/products/${encodeURIComponent(id)}`),
    [api, id],
  );
  const [saved, setSaved] = useState<string | null>(
    new URLSearchParams(window.location.search).has("created") ? "The product was created." : null,
  );
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const currency = me.organisation.currency;

  if (product.status === "error" && !product.data) {
    return (
      <Page title="Product">
        <LoadError error={product.error} retry={product.reload} />
      </Page>
    );
  }
  if (!product.data) return <Loading label="Loading the product…" />;
  const p = product.data;

  const setActive = async (active: boolean) => {
    setBusy(true);
    setActionError(null);
    try {
      if (active) product.setData(await api.patch<Product>(`/api/products/${p.id}`, { active }));
      else {
        await api.delete(`/api/products/${p.id}`);
        product.setData({ ...p, active: false });
      }
      setSaved(active ? "The product is on sale again." : "The product was deactivated.");
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };

  return (
    <Page
      title={p.name}
      lead={
        <>
          {p.sku} · {p.active ? "on sale" : "deactivated"} · changed{" "}
          {formatDateTime(p.updated_at, me.organisation.locale)}
        </>
      }
      actions={
        <>
          <Link to="/products" className="btn">
            All products
          </Link>
          {access.editProducts ? (
            p.active ? (
              <button
                type="button"
                className="btn btn-danger-outline"
                onClick={() => setConfirm(true)}
              >
                Deactivate
              </button>
            ) : (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() => void setActive(true)}
              >
                Reactivate
              </button>
            )
          ) : null}
        </>
      }
    >
      {saved ? <Notice tone="success">{saved}</Notice> : null}
      <ErrorAlert error={actionError} />
      <ProductForm
        key={p.updated_at}
        initial={valuesOf(p, currency)}
        submitLabel="Save changes"
        editable={access.editProducts}
        onSubmit={async (v) => {
          const r = patchBody(valuesOf(p, currency), v, currency);
          if (!r.ok) return r.errors;
          if (!Object.keys(r.body).length) {
            setSaved("Nothing to save: no field changed.");
            return null;
          }
          product.setData(await api.patch<Product>(`/api/products/${p.id}`, r.body));
          setSaved("Saved.");
          return null;
        }}
      />
      <Confirm
        open={confirm}
        title={`Deactivate ${p.name}?`}
        confirmLabel="Deactivate"
        danger
        busy={busy}
        onConfirm={() => void setActive(false)}
        onCancel={() => setConfirm(false)}
      >
        <p>It leaves searches and the tills at their next catalog update. Its history stays.</p>
      </Confirm>
    </Page>
  );
}

function ProductForm({
  initial,
  submitLabel,
  editable,
  onSubmit,
}: {
  initial: ProductFormValues;
  submitLabel: string;
  editable: boolean;
  /** Resolves with field errors found before sending, or null when done. */
  onSubmit: (v: ProductFormValues) => Promise<Record<string, string> | null>;
}) {
  const lists = useCatalogLists();
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<keyof ProductFormValues, string>>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (k: keyof ProductFormValues) => (e: { target: { value: string } }) => {
    setV({ ...v, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      const local = await onSubmit(v);
      if (local) {
        const mapped: Partial<Record<keyof ProductFormValues, string>> = {};
        for (const [k, msg] of Object.entries(local)) mapped[fieldFor(k) ?? "name"] = msg;
        setErrors(mapped);
        window.setTimeout(() => focusFirstError(form.current), 0);
      }
    } catch (err) {
      const field = err instanceof ApiError ? fieldFor(err.field) : null;
      if (field) {
        setErrors({ [field]: describeError(err) });
        window.setTimeout(() => focusFirstError(form.current), 0);
      } else setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} onSubmit={submit} noValidate className="form-grid">
      <ErrorAlert error={formError} />
      <fieldset disabled={!editable}>
        <legend>Product</legend>
        <div className="row">
          <TextField
            label="Name"
            name="name"
            value={v.name}
            onChange={set("name")}
            error={errors.name}
            required
          />
          <TextField
            label="SKU"
            name="sku"
            value={v.sku}
            onChange={set("sku")}
            error={errors.sku}
            required
            className="code"
          />
          <TextField
            label="Brand"
            name="brand"
            value={v.brand}
            onChange={set("brand")}
            error={errors.brand}
          />
        </div>
        <div className="row">
          <SelectField
            label="Category"
            name="category_id"
            value={v.category_id}
            onChange={set("category_id")}
            error={errors.category_id}
          >
            <option value="">No category</option>
            {lists.data?.categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Supplier"
            name="supplier_id"
            value={v.supplier_id}
            onChange={set("supplier_id")}
            error={errors.supplier_id}
          >
            <option value="">No supplier</option>
            {lists.data?.suppliers.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Sold"
            name="unit"
            value={v.unit}
            onChange={set("unit")}
            error={errors.unit}
          >
            <option value="each">By the piece</option>
            <option value="weighed">By weight (price per kg)</option>
          </SelectField>
        </div>
      </fieldset>
      <fieldset disabled={!editable}>
        <legend>Price and tax</legend>
        <div className="row">
          <TextField
            label="Price"
            name="price"
            value={v.price}
            onChange={set("price")}
            error={errors.price}
            inputMode="decimal"
            required
            hint="As the stores' prices are kept (usually tax included)."
          />
          <TextField
            label="Cost"
            name="cost"
            value={v.cost}
            onChange={set("cost")}
            error={errors.cost}
            inputMode="decimal"
            hint="What one unit costs you; empty for 0."
          />
          <TextField
            label="Tax class"
            name="tax_class"
            value={v.tax_class}
            onChange={set("tax_class")}
            error={errors.tax_class}
            hint="e.g. standard or reduced; every store needs a rate for it."
          />
        </div>
      </fieldset>
      <fieldset disabled={!editable}>
        <legend>Barcodes</legend>
        <div className="field">
          <label htmlFor="barcodes">Barcodes</label>
          <textarea
            id="barcodes"
            name="barcodes"
            rows={3}
            value={v.barcodes}
            onChange={set("barcodes")}
            aria-invalid={errors.barcodes ? true : undefined}
            aria-describedby="barcodes-hint barcodes-error"
          />
          <p className="hint" id="barcodes-hint">
            One per line (or separated by spaces); EAN/UPC check digits are verified.
          </p>
          {errors.barcodes ? (
            <p className="field-error" id="barcodes-error">
              {errors.barcodes}
            </p>
          ) : null}
        </div>
      </fieldset>
      {editable ? (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Saving…" : submitLabel}
          </button>
        </div>
      ) : (
        <p className="hint">Only admins change the catalog.</p>
      )}
    </form>
  );
}
