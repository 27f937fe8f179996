/** The loyalty programme's rates (admins change them; they apply to sales from then on). */
import { type FormEvent, useState } from "react";
import { useApp } from "../../app/context";
import { formatMoney } from "../../platform/money";
import { splitError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { ErrorAlert, LoadError, Notice, TextField } from "../../ui/ui";

interface Settings {
  enabled: boolean;
  earn_points_per_unit: number;
  redeem_minor_per_point: number;
}

export function LoyaltySettings() {
  const { api, me, access } = useApp();
  const settings = useAsync(() => api.get<Settings>("/api/loyalty/settings"), [api]);
  const [v, setV] = useState<{ enabled: boolean; earn: string; redeem: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (settings.status === "error")
    return <LoadError error={settings.error} retry={settings.reload} />;
  if (!settings.data) return null;
  const s = settings.data;
  const form = v ?? {
    enabled: s.enabled,
    earn: String(s.earn_points_per_unit),
    redeem: String(s.redeem_minor_per_point),
  };
  const money = (m: number) => formatMoney(m, me.organisation.currency, me.organisation.locale);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    setSaved(false);
    const earn = Number(form.earn);
    const redeem = Number(form.redeem);
    const bad: Record<string, string> = {};
    if (!Number.isInteger(earn) || earn < 0)
      bad.earn_points_per_unit = "A whole number of points, 0 or more.";
    if (!Number.isInteger(redeem) || redeem < 0)
      bad.redeem_minor_per_point = "A whole number of cents, 0 or more.";
    if (Object.keys(bad).length) return setErrors(bad);
    try {
      settings.setData(
        await api.put<Settings>("/api/loyalty/settings", {
          enabled: form.enabled,
          earn_points_per_unit: earn,
          redeem_minor_per_point: redeem,
        }),
      );
      setV(null);
      setSaved(true);
    } catch (err) {
      const r = splitError(err, ["earn_points_per_unit", "redeem_minor_per_point"]);
      setErrors(r.fields);
      setFormError(r.form);
    }
  };
  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="loyalty-title">
      <h2 id="loyalty-title">Loyalty programme</h2>
      <p>
        {s.enabled
          ? `Customers earn ${s.earn_points_per_unit} point(s) per ${money(100)} paid; a point is worth ${money(s.redeem_minor_per_point)} at the till.`
          : "The programme is switched off: no points are earned or redeemed."}
      </p>
      {access.isAdmin ? (
        <>
          {saved ? <Notice tone="success">Saved: applies to sales from now on.</Notice> : null}
          <ErrorAlert error={formError} />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.enabled}
              onChange={(e) => setV({ ...form, enabled: e.target.checked })}
            />
            Programme on
          </label>
          <div className="row">
            <TextField
              label="Points per whole unit paid"
              name="earn"
              value={form.earn}
              onChange={(e) => setV({ ...form, earn: e.target.value })}
              error={errors.earn_points_per_unit}
              inputMode="numeric"
            />
            <TextField
              label="Value of a point (cents)"
              name="redeem"
              value={form.redeem}
              onChange={(e) => setV({ ...form, redeem: e.target.value })}
              error={errors.redeem_minor_per_point}
              inputMode="numeric"
            />
          </div>
          <button type="submit" className="btn btn-primary" disabled={!v}>
            Save
          </button>
        </>
      ) : null}
    </form>
  );
}
