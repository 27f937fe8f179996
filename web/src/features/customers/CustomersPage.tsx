/**
 * `/customers` (admins and managers): find customers by phone, email or name; a customer's page
 * shows their points ledger and purchases, lets staff correct contact details, and lets a
 * manager export their data or erase it on request (the sales stay, anonymous).
 */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { Link, navigate } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import { formatMoney } from "../../platform/money";
import type { Page as ApiPage } from "../../platform/net/api";
import { splitError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import {
  Confirm,
  Empty,
  ErrorAlert,
  LoadError,
  Loading,
  Notice,
  Page,
  TextField,
} from "../../ui/ui";
import type { SaleView } from "../pos/types";
import { LoyaltySettings } from "./LoyaltySettings";

interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  note: string | null;
  points_balance: number;
  created_at: string;
  erased_at: string | null;
}
interface PointsEntry {
  delta: number;
  balance_after: number;
  reason: string;
  at: string;
}

export function CustomersPage() {
  const { api } = useApp();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");
  const list = useAsync(
    () => api.get<ApiPage<Customer>>("/api/customers", { q, limit: 50 }),
    [api, q],
  );
  const items = list.data?.items ?? [];
  return (
    <Page
      title="Customers"
      lead="Loyalty members and customers who asked for their receipts by email."
    >
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(typed.trim());
        }}
      >
        <div className="field">
          <label htmlFor="customer-q">Phone, email or name</label>
          <input
            id="customer-q"
            type="search"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Search
          </button>
        </div>
      </form>
      <LoyaltySettings />
      {list.status === "error" ? (
        <LoadError error={list.error} retry={list.reload} />
      ) : !list.data || list.status === "loading" ? (
        <Loading label="Loading customers…" />
      ) : !items.length ? (
        <Empty title={q ? "No customer matches" : "No customers yet"}>
          <p>Cashiers add customers at the till (Customer, Alt+C).</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Customers</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Phone</th>
                <th scope="col" className="hide-narrow">
                  Email
                </th>
                <th scope="col" className="num">
                  Points
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/customers/${c.id}`}>
                      {c.erased_at ? "(erased)" : (c.name ?? "(no name)")}
                    </Link>
                  </td>
                  <td>{c.phone ?? "–"}</td>
                  <td className="hide-narrow">{c.email ?? "–"}</td>
                  <td className="num">{c.points_balance}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

export function CustomerPage({ id }: { id: string }) {
  const { api, me } = useApp();
  const locale = me.organisation.locale;
  const data = useAsync(async () => {
    const [customer, points, sales] = await Promise.all([
      api.get<Customer>(`/api/customers/${encodeURIComponent(id)}`),
      api.get<{ balance: number; items: PointsEntry[] }>(
        `/api/customers/${encodeURIComponent(id)}/points`,
        { limit: 50 },
      ),
      api.get<ApiPage<SaleView>>(`/api/customers/${encodeURIComponent(id)}/sales`, { limit: 50 }),
    ]);
    return { customer, points, sales };
  }, [api, id]);
  const [form, setForm] = useState<{ name: string; email: string; phone: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);

  if (data.status === "error" && !data.data)
    return (
      <Page title="Customer">
        <LoadError error={data.error} retry={data.reload} />
      </Page>
    );
  if (!data.data) return <Loading />;
  const { customer: c, points, sales } = data.data;
  const v = form ?? { name: c.name ?? "", email: c.email ?? "", phone: c.phone ?? "" };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      await api.patch(`/api/customers/${c.id}`, {
        name: v.name.trim() || null,
        email: v.email.trim() || null,
        phone: v.phone.trim() || null,
      });
      setNotice("Saved.");
      setForm(null);
      data.reload();
    } catch (err) {
      const s = splitError(err, ["name", "email", "phone"]);
      setErrors(s.fields);
      setFormError(s.form);
    } finally {
      setBusy(false);
    }
  };
  const exportData = async () => {
    try {
      const body = await api.get<unknown>(`/api/customers/${c.id}/export`);
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(body, null, 2)], { type: "application/json" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = `customer-${c.id}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setFormError(err);
    }
  };
  const erase = async () => {
    setBusy(true);
    try {
      await api.delete(`/api/customers/${c.id}`);
      setConfirm(false);
      navigate("/customers");
    } catch (err) {
      setFormError(err);
      setConfirm(false);
      setBusy(false);
    }
  };

  return (
    <Page
      title={c.erased_at ? "Erased customer" : (c.name ?? c.phone ?? c.email ?? "Customer")}
      lead={`${points.balance} points · customer since ${formatDateTime(c.created_at, locale)}`}
      actions={
        <>
          <Link to="/customers" className="btn">
            All customers
          </Link>
          {!c.erased_at ? (
            <>
              <button type="button" className="btn" onClick={() => void exportData()}>
                Export data
              </button>
              <button
                type="button"
                className="btn btn-danger-outline"
                onClick={() => setConfirm(true)}
              >
                Erase
              </button>
            </>
          ) : null}
        </>
      }
    >
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorAlert error={formError} />
      {!c.erased_at ? (
        <form className="card" onSubmit={save} noValidate aria-labelledby="contact-title">
          <h2 id="contact-title">Contact</h2>
          <div className="row">
            <TextField
              label="Name"
              name="name"
              value={v.name}
              onChange={(e) => setForm({ ...v, name: e.target.value })}
              error={errors.name}
            />
            <TextField
              label="Phone"
              name="phone"
              value={v.phone}
              onChange={(e) => setForm({ ...v, phone: e.target.value })}
              error={errors.phone}
            />
            <TextField
              label="Email"
              name="email"
              value={v.email}
              onChange={(e) => setForm({ ...v, email: e.target.value })}
              error={errors.email}
            />
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || !form}>
            Save
          </button>
        </form>
      ) : null}
      <div className="cards">
        <section className="card" aria-labelledby="points-title">
          <h2 id="points-title">Points</h2>
          {!points.items.length ? (
            <p>No points yet.</p>
          ) : (
            <table className="table">
              <caption className="sr-only">Points ledger, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Why</th>
                  <th scope="col" className="num">
                    Points
                  </th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                </tr>
              </thead>
              <tbody>
                {points.items.map((p, i) => (
                  <tr key={i}>
                    <td>{formatDateTime(p.at, locale)}</td>
                    <td>
                      {p.reason === "earn"
                        ? "Earned"
                        : p.reason === "redeem"
                          ? "Redeemed"
                          : p.reason === "return"
                            ? "Return"
                            : "Adjustment"}
                    </td>
                    <td className="num">{p.delta > 0 ? `+${p.delta}` : p.delta}</td>
                    <td className="num">{p.balance_after}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="purchases-title">
          <h2 id="purchases-title">Purchases</h2>
          {!sales.items.length ? (
            <p>No purchases in your stores.</p>
          ) : (
            <table className="table">
              <caption className="sr-only">Purchases, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Receipt</th>
                  <th scope="col" className="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {sales.items.map((s) => (
                  <tr key={s.id}>
                    <td>{formatDateTime(s.occurred_at, locale)}</td>
                    <td className="code">{s.receipt_number}</td>
                    <td className="num">{formatMoney(s.total_minor, s.currency, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <Confirm
        open={confirm}
        title="Erase this customer's personal data?"
        confirmLabel="Erase"
        danger
        busy={busy}
        onConfirm={() => void erase()}
        onCancel={() => setConfirm(false)}
      >
        <p>
          Name, email, phone and note are removed for good. Their sales stay in the books without
          them.
        </p>
      </Confirm>
    </Page>
  );
}
