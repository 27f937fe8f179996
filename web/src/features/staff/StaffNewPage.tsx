import { type FormEvent, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { splitError } from "../../platform/net/errors";
import { ErrorAlert, Loading, Page, SelectField, TextField, focusFirstError } from "../../ui/ui";
import type { Role, UserView } from "../auth/types";
import { OneTimePassword } from "./OneTimePassword";
import { roleLabel, useStores } from "./useStores";

interface Grant {
  store_id: string;
  role: Role;
}

export function StaffNewPage() {
  const { api, access } = useApp();
  const stores = useStores();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState(false);
  const [grants, setGrants] = useState<Grant[] | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ user: UserView; one_time_password: string } | null>(
    null,
  );
  const form = useRef<HTMLFormElement>(null);

  // Managers grant cashier roles in the stores they manage; admins any role anywhere.
  const grantable = stores.list.filter(
    (s) => s.active && (access.isAdmin || access.managedStores.includes(s.id)),
  );
  const roles: Role[] = access.isAdmin ? ["cashier", "manager"] : ["cashier"];
  const rows: Grant[] =
    grants ?? (grantable[0] ? [{ store_id: grantable[0].id, role: "cashier" }] : []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const reply = await api.post<{ user: UserView; one_time_password: string }>("/api/users", {
        email: email.trim(),
        display_name: name.trim(),
        ...(access.isAdmin ? { is_org_admin: admin } : {}),
        memberships: rows.filter((r) => r.store_id),
      });
      setCreated(reply);
    } catch (err) {
      const split = splitError(err, ["email", "display_name", "memberships"]);
      setErrors(split.fields);
      setFormError(split.form);
      requestAnimationFrame(() => focusFirstError(form.current));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <Page title="Account created">
        <OneTimePassword password={created.one_time_password} person={created.user.display_name} />
        <p>
          {created.user.display_name} signs in with <strong>{created.user.email}</strong> and this
          password.
        </p>
        <div className="button-row">
          <Link to={`/staff/${created.user.id}`} className="btn">
            Open {created.user.display_name}&rsquo;s page
          </Link>
          <Link to="/staff" className="btn">
            Back to staff
          </Link>
        </div>
      </Page>
    );
  }

  const setRow = (i: number, patch: Partial<Grant>) =>
    setGrants(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <Page
      title={access.isAdmin ? "New staff member" : "New cashier"}
      lead="The new person gets a one-time password, shown once on the next screen."
    >
      {!stores.data ? (
        <Loading />
      ) : (
        <form ref={form} onSubmit={submit} noValidate className="form-grid">
          <ErrorAlert>{formError}</ErrorAlert>
          <fieldset>
            <legend>Person</legend>
            <div className="row">
              <TextField
                label="Full name"
                name="display_name"
                id="display_name"
                required
                autoComplete="off"
                value={name}
                onChange={(e) => setName(e.target.value)}
                error={errors.display_name}
              />
              <TextField
                label="Email"
                name="email"
                id="new_email"
                type="email"
                required
                autoComplete="off"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                error={errors.email}
                hint="They sign in with it."
              />
            </div>
            {access.isAdmin ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={admin}
                  onChange={(e) => setAdmin(e.target.checked)}
                />
                Admin of the organisation (every store, staff, audit log)
              </label>
            ) : null}
          </fieldset>
          <fieldset aria-describedby={errors.memberships ? "memberships-error" : undefined}>
            <legend>Store roles</legend>
            {rows.length === 0 ? <p className="hint">No store roles: add one below.</p> : null}
            {rows.map((row, i) => (
              <div className="row tax-row" key={i}>
                <SelectField
                  label="Store"
                  name={`store_${i}`}
                  value={row.store_id}
                  onChange={(e) => setRow(i, { store_id: e.target.value })}
                  aria-invalid={errors.memberships ? true : undefined}
                >
                  {grantable.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name} ({s.code})
                    </option>
                  ))}
                </SelectField>
                <SelectField
                  label="Role"
                  name={`role_${i}`}
                  value={row.role}
                  onChange={(e) => setRow(i, { role: e.target.value as Role })}
                >
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {roleLabel(r)}
                    </option>
                  ))}
                </SelectField>
                <button
                  type="button"
                  className="btn btn-quiet"
                  onClick={() => setGrants(rows.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              </div>
            ))}
            {errors.memberships ? (
              <p className="field-error" id="memberships-error">
                {errors.memberships}
              </p>
            ) : null}
            {grantable.length > rows.length ? (
              <button
                type="button"
                className="btn btn-quiet"
                onClick={() => {
                  const free = grantable.find((s) => !rows.some((r) => r.store_id === s.id));
                  if (free) setGrants([...rows, { store_id: free.id, role: "cashier" }]);
                }}
              >
                Add a store role
              </button>
            ) : null}
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? "Creating…" : "Create account"}
            </button>
          </div>
        </form>
      )}
    </Page>
  );
}
