import { type FormEvent, useRef, useState } from "react";
import { splitError } from "../../platform/net/errors";
import { ErrorAlert, Notice, TextField, focusFirstError } from "../../ui/ui";
import { usePageFocus } from "../../ui/hooks";
import type { AuthSession } from "./session";

export function SignIn({ session, notice }: { session: AuthSession; notice: string | null }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const h1 = usePageFocus("Sign in", false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      await session.login(email.trim(), password);
    } catch (err) {
      const split = splitError(err, ["email"]);
      setErrors(split.fields);
      setFormError(split.form);
      setPassword("");
      setBusy(false);
      requestAnimationFrame(() => {
        focusFirstError(form.current);
        if (!Object.keys(split.fields).length)
          form.current?.querySelector<HTMLInputElement>("#password")?.focus();
      });
    }
  }

  return (
    <main className="auth-screen">
      <div className="auth-card">
        <p className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" /> ChainSync
        </p>
        <h1 ref={h1} tabIndex={-1}>
          Sign in
        </h1>
        {notice ? <Notice>{notice}</Notice> : null}
        <ErrorAlert>{formError}</ErrorAlert>
        <form ref={form} onSubmit={submit} noValidate>
          <TextField
            label="Email"
            name="email"
            id="email"
            type="email"
            autoComplete="username"
            inputMode="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={errors.email}
            autoFocus
          />
          <TextField
            label="Password"
            name="password"
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        <p className="hint">
          New here or forgot your password? Ask your manager or an admin for a one-time password.
        </p>
      </div>
    </main>
  );
}
