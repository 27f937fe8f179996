import { type FormEvent, useRef, useState } from "react";
import { useApp } from "../../app/context";
import { Link } from "../../app/router";
import { formatDateTime } from "../../platform/format";
import { splitError } from "../../platform/net/errors";
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
import type { Role, UserView } from "../auth/types";
import { OneTimePassword } from "./OneTimePassword";
import { roleLabel, useStores } from "./useStores";

type Pending = null | "deactivate" | "reset" | "admin_on" | "admin_off" | { remove: string };

export function StaffDetailPage({ id }: { id: string }) {
  const { api, access, me } = useApp();
  const user = useAsync(() => api.get<UserView>(`/api/users/${encodeURIComponent(id)}`), [api, id]);
  const stores = useStores();
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [otp, setOtp] = useState<string | null>(null);

  if (!user.data) {
    return (
      <Page title="Staff member">
        {user.status === "error" ? (
          <LoadError error={user.error} retry={user.reload} />
        ) : (
          <Loading />
        )}
      </Page>
    );
  }
  const u = user.data;
  const isSelf = u.id === me.user.id;

  async function act(label: string, fn: () => Promise<UserView | void>) {
    setBusy(true);
    setActionError(null);
    setNotice(null);
    try {
      const next = await fn();
      if (next) user.setData(next);
      else user.reload();
      setNotice(label);
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  const confirmAction = () => {
    if (pending === "deactivate")
      return act(`${u.display_name} was deactivated and signed out everywhere.`, async () => {
        await api.delete(`/api/users/${u.id}`);
      });
    if (pending === "reset")
      return act(`${u.display_name}'s password was reset and their sessions ended.`, async () => {
        const r = await api.post<{ user: UserView; one_time_password: string }>(
          `/api/users/${u.id}/reset-password`,
        );
        setOtp(r.one_time_password);
        return r.user;
      });
    if (pending === "admin_on" || pending === "admin_off")
      return act(pending === "admin_on" ? "Admin rights granted." : "Admin rights removed.", () =>
        api.patch<UserView>(`/api/users/${u.id}`, { is_org_admin: pending === "admin_on" }),
      );
    if (pending && typeof pending === "object")
      return act("The store role was removed.", async () => {
        await api.delete(`/api/users/${u.id}/memberships/${pending.remove}`);
      });
    return Promise.resolve();
  };

  const storeName = (sid: string) => {
    const s = stores.byId.get(sid);
    return s ? `${s.name} (${s.code})` : "a store you do not manage";
  };

  return (
    <Page
      title={u.display_name}
      lead={<Link to="/staff">← All staff</Link>}
      actions={
        isSelf ? null : (
          <>
            <button
              type="button"
              className="btn"
              onClick={() => setPending("reset")}
              disabled={!u.active}
            >
              Reset password
            </button>
            {u.active ? (
              <button
                type="button"
                className="btn btn-danger-outline"
                onClick={() => setPending("deactivate")}
              >
                Deactivate
              </button>
            ) : (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() =>
                  void act(`${u.display_name} was reactivated.`, () =>
                    api.patch<UserView>(`/api/users/${u.id}`, { active: true }),
                  )
                }
              >
                Reactivate
              </button>
            )}
          </>
        )
      }
    >
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorAlert error={actionError ?? undefined} />
      {otp ? <OneTimePassword password={otp} person={u.display_name} /> : null}
      {isSelf ? (
        <Notice>
          This is you. Change your password on <Link to="/account">My account</Link>.
        </Notice>
      ) : null}
      <div className="cards">
        <article className="card" aria-labelledby="status-h">
          <h2 id="status-h">Status</h2>
          <dl className="details">
            <dt>Account</dt>
            <dd>
              {!u.active
                ? "Deactivated: cannot sign in"
                : u.must_change_password
                  ? "Active, waiting for the first sign-in with a one-time password"
                  : "Active"}
            </dd>
            <dt>Admin</dt>
            <dd>{u.is_org_admin ? "Yes, organisation admin" : "No"}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(u.created_at, me.organisation.locale)}</dd>
            <dt>Last changed</dt>
            <dd>{formatDateTime(u.updated_at, me.organisation.locale)}</dd>
          </dl>
          {access.isAdmin && !isSelf ? (
            <button
              type="button"
              className="btn"
              onClick={() => setPending(u.is_org_admin ? "admin_off" : "admin_on")}
            >
              {u.is_org_admin ? "Remove admin rights" : "Make admin"}
            </button>
          ) : null}
        </article>
        <article className="card" aria-labelledby="profile-h">
          <h2 id="profile-h">Profile</h2>
          <ProfileForm
            key={u.updated_at}
            user={u}
            canEditEmail={access.isAdmin || !isSelf}
            onSaved={(next) => {
              user.setData(next);
              setNotice("Profile saved.");
            }}
          />
        </article>
      </div>
      <article className="card" aria-labelledby="roles-h">
        <h2 id="roles-h">Store roles</h2>
        {u.memberships.length === 0 ? (
          <p className="muted">No store roles.</p>
        ) : (
          <table className="table table-middle">
            <caption className="sr-only">Store roles of {u.display_name}</caption>
            <thead>
              <tr>
                <th scope="col">Store</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {u.memberships.map((m) => (
                <tr key={m.store_id}>
                  <td>{storeName(m.store_id)}</td>
                  <td>{roleLabel(m.role)}</td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="btn btn-quiet"
                      aria-label={`Remove the ${roleLabel(m.role)} role at ${storeName(m.store_id)}`}
                      onClick={() => setPending({ remove: m.store_id })}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <GrantForm
          user={u}
          onGranted={(next) => {
            user.setData(next);
            setNotice("The store role was saved.");
          }}
        />
      </article>
      <Confirm
        open={pending !== null}
        title={
          pending === "deactivate"
            ? `Deactivate ${u.display_name}?`
            : pending === "reset"
              ? `Reset ${u.display_name}'s password?`
              : pending === "admin_on"
                ? `Make ${u.display_name} an admin?`
                : pending === "admin_off"
                  ? `Remove ${u.display_name}'s admin rights?`
                  : "Remove this store role?"
        }
        confirmLabel={
          pending === "deactivate"
            ? "Deactivate"
            : pending === "reset"
              ? "Reset password"
              : pending === "admin_on"
                ? "Make admin"
                : "Remove"
        }
        danger={pending !== "admin_on"}
        busy={busy}
        onCancel={() => setPending(null)}
        onConfirm={() => void confirmAction()}
      >
        <p>
          {pending === "deactivate"
            ? "They are signed out everywhere at once and cannot sign in until reactivated. Their history stays."
            : pending === "reset"
              ? "They are signed out everywhere. You will see a one-time password to give them; they choose their own at their next sign-in."
              : pending === "admin_on"
                ? "Admins manage every store, all staff and read the audit log."
                : pending === "admin_off"
                  ? "They keep their store roles."
                  : "They lose access to that store at their next request."}
        </p>
      </Confirm>
    </Page>
  );
}

function ProfileForm({
  user,
  canEditEmail,
  onSaved,
}: {
  user: UserView;
  canEditEmail: boolean;
  onSaved: (u: UserView) => void;
}) {
  const { api } = useApp();
  const [name, setName] = useState(user.display_name);
  const [email, setEmail] = useState(user.email);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const patch: Record<string, string> = {};
    if (name.trim() !== user.display_name) patch.display_name = name.trim();
    if (canEditEmail && email.trim() !== user.email) patch.email = email.trim();
    setErrors({});
    setFormError(null);
    if (Object.keys(patch).length === 0) {
      setFormError("Nothing to save: no field was changed.");
      return;
    }
    setBusy(true);
    try {
      onSaved(await api.patch<UserView>(`/api/users/${user.id}`, patch));
    } catch (err) {
      const split = splitError(err, ["display_name", "email"]);
      setErrors(split.fields);
      setFormError(split.form);
      requestAnimationFrame(() => focusFirstError(form.current));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="stack">
      <ErrorAlert>{formError}</ErrorAlert>
      <TextField
        label="Full name"
        name="display_name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.display_name}
      />
      <TextField
        label="Email"
        name="email"
        type="email"
        value={email}
        readOnly={!canEditEmail}
        onChange={(e) => setEmail(e.target.value)}
        error={errors.email}
      />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : "Save profile"}
        </button>
      </div>
    </form>
  );
}

function GrantForm({ user, onGranted }: { user: UserView; onGranted: (u: UserView) => void }) {
  const { api, access } = useApp();
  const stores = useStores();
  const grantable = stores.list.filter(
    (s) => s.active && (access.isAdmin || access.managedStores.includes(s.id)),
  );
  const roles: Role[] = access.isAdmin ? ["cashier", "manager"] : ["cashier"];
  const [storeId, setStoreId] = useState("");
  const [role, setRole] = useState<Role>("cashier");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chosen =
    storeId ||
    (grantable.find((s) => !user.memberships.some((m) => m.store_id === s.id)) ?? grantable[0])
      ?.id ||
    "";

  if (grantable.length === 0) return null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onGranted(await api.put<UserView>(`/api/users/${user.id}/memberships/${chosen}`, { role }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const existing = user.memberships.find((m) => m.store_id === chosen);
  return (
    <form onSubmit={submit} className="inline-form" aria-label="Give a store role">
      <h3>Give a store role</h3>
      <ErrorAlert error={error ?? undefined} />
      <div className="row tax-row">
        <SelectField
          label="Store"
          name="grant_store"
          value={chosen}
          onChange={(e) => setStoreId(e.target.value)}
        >
          {grantable.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.code})
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Role"
          name="grant_role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="btn" disabled={busy}>
          {existing ? "Change role" : "Give role"}
        </button>
      </div>
    </form>
  );
}
