/**
 * A manager's (or admin's) approval PIN for the till (`PUT /api/auth/me/pin`): 4 to 8 digits,
 * typed with their email to approve voids and large refunds. The current password proves it is
 * them; without a PIN they approve with their password.
 */
import { type FormEvent, useState } from "react";
import type { Api } from "../../platform/net/api";
import { splitError } from "../../platform/net/errors";
import { ErrorAlert, Notice, TextField } from "../../ui/ui";

export function PinForm({ api }: { api: Api }) {
  const [pin, setPin] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (value: string | null) => {
    setErrors({});
    setFormError(null);
    setDone(null);
    if (value !== null && !/^\d{4,8}$/.test(value)) {
      setErrors({ pin: "A PIN is 4 to 8 digits." });
      return;
    }
    if (!password) {
      setErrors({ current_password: "Type your current password to confirm it is you." });
      return;
    }
    setBusy(true);
    try {
      await api.put("/api/auth/me/pin", { pin: value, current_password: password });
      setDone(value === null ? "PIN removed: approve with your password." : "PIN saved.");
      setPin("");
      setPassword("");
    } catch (err) {
      const split = splitError(err, ["pin", "current_password"]);
      setErrors(split.fields);
      setFormError(split.form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void send(pin.trim());
      }}
    >
      <p>Approve voids and large refunds at a till with your email and this PIN.</p>
      <TextField
        label="New PIN (4 to 8 digits)"
        name="pin"
        type="password"
        inputMode="numeric"
        autoComplete="off"
        value={pin}
        error={errors.pin}
        onChange={(e) => setPin(e.target.value)}
      />
      <TextField
        label="Current password"
        name="current_password"
        type="password"
        autoComplete="current-password"
        value={password}
        error={errors.current_password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <ErrorAlert error={formError} />
      {done ? <Notice tone="success">{done}</Notice> : null}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Save PIN
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => void send(null)}>
          Remove PIN
        </button>
      </div>
    </form>
  );
}
