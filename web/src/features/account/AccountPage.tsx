import { useState } from "react";
import { useApp } from "../../app/context";
import { formatDate } from "../../platform/format";
import { Confirm, Page } from "../../ui/ui";
import { ChangePasswordForm } from "../auth/ChangePasswordForm";
import { NotificationPreferences } from "../notifications/NotificationPreferences";
import { PinForm } from "./PinForm";

export function AccountPage() {
  const { me, api, session, access } = useApp();
  const [confirmAll, setConfirmAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const role = access.isAdmin ? "Admin of the organisation" : null;

  return (
    <Page title="My account">
      <div className="cards">
        <article className="card" aria-labelledby="who">
          <h2 id="who">{me.user.display_name}</h2>
          <dl className="details">
            <dt>Email</dt>
            <dd>{me.user.email}</dd>
            <dt>Organisation</dt>
            <dd>{me.organisation.name}</dd>
            <dt>Roles</dt>
            <dd>
              <ul className="plain">
                {role ? <li>{role}</li> : null}
                {me.memberships.map((m) => (
                  <li key={m.store_id}>
                    {m.role === "manager" ? "Manager" : "Cashier"} at {m.store_name} (
                    <span className="code">{m.store_code}</span>)
                  </li>
                ))}
                {!role && me.memberships.length === 0 ? <li>No store roles yet</li> : null}
              </ul>
            </dd>
            <dt>Account since</dt>
            <dd>{formatDate(me.user.created_at, me.organisation.locale)}</dd>
          </dl>
        </article>
        <article className="card" aria-labelledby="pw">
          <h2 id="pw">Change password</h2>
          <ChangePasswordForm api={api} session={session} email={me.user.email} />
        </article>
        {access.isAdmin || access.isManager ? (
          <article className="card" aria-labelledby="pin">
            <h2 id="pin">Approval PIN</h2>
            <PinForm api={api} />
          </article>
        ) : null}
        <NotificationPreferences />
        <article className="card" aria-labelledby="sessions">
          <h2 id="sessions">Sessions</h2>
          <p>
            Signed in somewhere you should not be, or lost a device? Sign out everywhere ends every
            session of your account at once, including this one.
          </p>
          <div className="button-row">
            <button type="button" className="btn" onClick={() => void session.logout(false)}>
              Sign out
            </button>
            <button
              type="button"
              className="btn btn-danger-outline"
              onClick={() => setConfirmAll(true)}
            >
              Sign out everywhere
            </button>
          </div>
        </article>
      </div>
      <Confirm
        open={confirmAll}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        danger
        busy={busy}
        onCancel={() => setConfirmAll(false)}
        onConfirm={() => {
          setBusy(true);
          void session.logout(true);
        }}
      >
        <p>Every device and browser tab signed in as {me.user.email} will have to sign in again.</p>
      </Confirm>
    </Page>
  );
}
