import { type FormEvent, useRef, useState } from "react";
import type { Api } from "../../platform/net/api";
import { splitError } from "../../platform/net/errors";
import { ErrorAlert, Notice, TextField, focusFirstError } from "../../ui/ui";
import type { AuthSession, TokenResponse } from "./session";

/**
 * Change your own password. The server ends every other session and returns a new token pair
 * for this one, which the session stores.
 */
export function ChangePasswordForm({
  api,
  session,
  email,
  currentLabel = "Current password",
  submitLabel = "Change password",
  onDone,
  autoFocus = false,
}: {
  api: Api;
  session: AuthSession;
  email: string;
  currentLabel?: string;
  submitLabel?: string;
  onDone?: () => void;
  /** Put the cursor in the first field (when this form is the whole screen). */
  autoFocus?: boolean;
}) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    setDone(false);
    if (next !== repeat) {
      setErrors({ repeat: "The two new passwords differ. Type the same password twice." });
      requestAnimationFrame(() => focusFirstError(form.current));
      return;
    }
    setBusy(true);
    try {
      const tokens = await api.post<TokenResponse>("/api/auth/password", {
        current_password: current,
        new_password: next,
      });
      await session.acceptNewSession(tokens);
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
      onDone?.();
    } catch (err) {
      const split = splitError(err, ["current_password", "new_password"]);
      setErrors(split.fields);
      setFormError(split.form);
      requestAnimationFrame(() => focusFirstError(form.current));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="stack">
      {/* Lets password managers attach the new password to the right account. */}
      <input type="hidden" name="username" autoComplete="username" value={email} />
      <ErrorAlert>{formError}</ErrorAlert>
      {done ? (
        <Notice tone="success">
          Your password was changed. Your other sessions were signed out.
        </Notice>
      ) : null}
      <TextField
        label={currentLabel}
        name="current_password"
        id="current_password"
        type="password"
        autoComplete="current-password"
        required
        autoFocus={autoFocus}
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={errors.current_password}
      />
      <TextField
        label="New password"
        name="new_password"
        id="new_password"
        type="password"
        autoComplete="new-password"
        required
        hint="10 to 256 characters, not your email. A few unrelated words make a strong passphrase."
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={errors.new_password}
      />
      <TextField
        label="Repeat the new password"
        name="repeat"
        id="repeat_password"
        type="password"
        autoComplete="new-password"
        required
        value={repeat}
        onChange={(e) => setRepeat(e.target.value)}
        error={errors.repeat}
      />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
