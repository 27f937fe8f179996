/**
 * Attach a customer to the sale: search by phone, email or name (↓ ↑ and Enter pick one), or
 * add a new customer with a name and a phone or email. Points are shown with the customer.
 */
import { type FormEvent, useEffect, useState } from "react";
import { useApp } from "../../app/context";
import { splitError } from "../../platform/net/errors";
import { Modal } from "../../ui/Modal";
import { ErrorAlert, TextField } from "../../ui/ui";
import type { CartCustomer } from "./cart";

interface CustomerView {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  points_balance: number;
}

const label = (c: CustomerView) => c.name ?? c.email ?? c.phone ?? "Customer";

export function CustomerDialog({
  onPick,
  onClose,
}: {
  onPick: (c: CartCustomer) => void;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [q, setQ] = useState("");
  const [found, setFound] = useState<CustomerView[] | null>(null);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);
  const [form, setForm] = useState({ name: "", phone: "", email: "" });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (q.trim().length < 2) {
      setFound(null);
      return;
    }
    let live = true;
    const t = window.setTimeout(() => {
      api.get<{ items: CustomerView[] }>("/api/customers", { q: q.trim(), limit: 8 }).then(
        (p) => live && (setFound(p.items), setActive(0), setError(null)),
        (e: unknown) => live && setError(e),
      );
    }, 150);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [api, q]);

  const pick = (c: CustomerView) =>
    onPick({ id: c.id, name: label(c), points_balance: c.points_balance });

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldErrors({});
    try {
      const c = await api.post<CustomerView>("/api/customers", {
        name: form.name.trim() || null,
        phone: form.phone.trim() || null,
        email: form.email.trim() || null,
      });
      pick(c);
    } catch (err) {
      const { fields, form: whole } = splitError(err, ["name", "phone", "email"]);
      setFieldErrors(fields);
      setError(whole);
    }
  };

  return (
    <Modal title="Customer" onClose={onClose}>
      {!adding ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const c = found?.[active];
            if (c) pick(c);
          }}
          noValidate
        >
          <TextField
            label="Phone, email or name"
            name="q"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (!found?.length || (e.key !== "ArrowDown" && e.key !== "ArrowUp")) return;
              e.preventDefault();
              const n = found.length;
              setActive((a) => (a + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
            }}
            autoComplete="off"
            data-autofocus
            role="combobox"
            aria-expanded={!!found?.length}
            aria-controls={found?.length ? "customer-results" : undefined}
            aria-activedescendant={found?.length ? `customer-${active}` : undefined}
          />
          {found?.length ? (
            <ul
              id="customer-results"
              role="listbox"
              className="scan-results static"
              aria-label="Customers found"
            >
              {found.map((c, i) => (
                <li
                  key={c.id}
                  id={`customer-${i}`}
                  role="option"
                  aria-selected={i === active}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    pick(c);
                  }}
                >
                  <span>{label(c)}</span>
                  <span className="muted">{c.phone ?? c.email ?? ""}</span>
                  <span className="num">{c.points_balance} pts</span>
                </li>
              ))}
            </ul>
          ) : found ? (
            <p>No customer matches.</p>
          ) : null}
          <ErrorAlert error={error} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setAdding(true)}>
              New customer
            </button>
            <button type="button" className="btn" onClick={onClose}>
              Cancel <kbd>Esc</kbd>
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={create} noValidate>
          <TextField
            label="Name"
            name="name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={fieldErrors.name}
            autoFocus
          />
          <TextField
            label="Phone"
            name="phone"
            value={form.phone}
            onChange={(e) => setForm({ ...form, phone: e.target.value })}
            error={fieldErrors.phone}
            inputMode="tel"
          />
          <TextField
            label="Email"
            name="email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
            error={fieldErrors.email}
            inputMode="email"
          />
          <ErrorAlert error={error} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setAdding(false)}>
              Back
            </button>
            <button type="submit" className="btn btn-primary">
              Add and attach <kbd>Enter</kbd>
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
