import type { Api } from "../../platform/net/api";
import { usePageFocus } from "../../ui/hooks";
import { ChangePasswordForm } from "./ChangePasswordForm";
import type { AuthSession } from "./session";
import type { Me } from "./types";

/** After signing in with a one-time password, nothing else is possible until this is done. */
export function ForcedPasswordChange({
  api,
  session,
  me,
}: {
  api: Api;
  session: AuthSession;
  me: Me;
}) {
  const h1 = usePageFocus("Choose your password", false);
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <p className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" /> ChainSync
        </p>
        <h1 ref={h1} tabIndex={-1}>
          Choose your password
        </h1>
        <p>
          Welcome, {me.user.display_name}. You signed in with a one-time password; choose your own
          to continue. Only you will know it.
        </p>
        <ChangePasswordForm
          api={api}
          session={session}
          email={me.user.email}
          currentLabel="One-time password"
          submitLabel="Save and continue"
          autoFocus
        />
        <button type="button" className="btn btn-link" onClick={() => void session.logout(false)}>
          Sign out
        </button>
      </div>
    </main>
  );
}
