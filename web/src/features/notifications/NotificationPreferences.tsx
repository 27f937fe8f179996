/**
 * "My account" → Notifications: which events become notifications for me
 * (`GET`/`PUT /api/notifications/preferences`, docs/websocket-protocol.md §5), quiet hours, and
 * system (browser) notifications for critical alerts.
 *
 * The browser's permission is asked here and only here, when the person ticks the box (a click
 * is the gesture browsers require; asking on page load is refused or annoying). If the browser
 * says no, or has been told to block this site, the box stays off and the form says how to undo
 * that; the server only marks events `browser` for people whose saved preference is on.
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useApp } from "../../app/context";
import type { Page as ApiPage } from "../../platform/net/api";
import { ApiError, describeError, splitError } from "../../platform/net/errors";
import { useAsync } from "../../ui/hooks";
import { ErrorAlert, LoadError, Loading, Notice, SelectField, TextField } from "../../ui/ui";
import type { Store } from "../stores/types";
import { type Preferences, notificationsApi } from "./api";

const TYPES: [string, string][] = [
  ["inventory_alert", "Stock alerts (low stock, oversold, transfer discrepancies)"],
  ["sales_update", "Sales (flagged and voided sales)"],
  ["system_alert", "System alerts (quarantined sales, cash differences, announcements)"],
  ["ai_insight", "Insights (anomalies, forecasts)"],
];

const PRIORITIES: [string, string][] = [
  ["low", "Everything (low and up)"],
  ["medium", "Medium and up"],
  ["high", "High and critical"],
  ["critical", "Critical only"],
];

/** What this browser allows: "unsupported" when it has no notifications at all. */
export type Permission = "granted" | "denied" | "default" | "unsupported";

export function browserPermission(): Permission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

const PERMISSION_TEXT: Record<Permission, string> = {
  granted: "This browser may show notifications from ChainSync.",
  default: "This browser will ask you when you switch them on.",
  denied:
    "This browser blocks notifications from this site. Allow them in the site settings (the icon left of the address), then switch them on here.",
  unsupported: "This browser cannot show system notifications.",
};

export function NotificationPreferences() {
  const { api, me, access } = useApp();
  const rest = useMemo(() => notificationsApi(api), [api]);
  const loaded = useAsync(() => rest.preferences(), [rest]);
  const stores = useAsync(async () => {
    if (!access.isAdmin) {
      return me.memberships.map((m) => ({ id: m.store_id, name: m.store_name }));
    }
    const page = await api.get<ApiPage<Store>>("/api/stores", { limit: 200 });
    return page.items.filter((s) => s.active).map((s) => ({ id: s.id, name: s.name }));
  }, [api, access.isAdmin, me]);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [permission, setPermission] = useState<Permission>(browserPermission);
  const [asking, setAsking] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (loaded.data) setPrefs(loaded.data);
  }, [loaded.data]);
  // Opened from the bell's "Notification settings" link.
  useEffect(() => {
    if (prefs && window.location.hash === "#notifications") {
      heading.current?.scrollIntoView?.({ block: "start" });
      heading.current?.focus();
    }
  }, [prefs !== null]); // eslint-disable-line react-hooks/exhaustive-deps

  const change = (p: Partial<Preferences>) => {
    setSaved(false);
    setPrefs((old) => (old ? { ...old, ...p } : old));
  };

  /** Asks this browser (from a click only); resolves with what it answered. */
  const ask = async (): Promise<Permission> => {
    let now = browserPermission();
    if (now === "default") {
      setAsking(true);
      try {
        now = await Notification.requestPermission();
      } catch {
        now = browserPermission();
      } finally {
        setAsking(false);
      }
    }
    setPermission(now);
    return now;
  };
  // Switching on needs this browser's permission; switching off never asks.
  const toggleBrowser = async (on: boolean) => {
    if (!on) return change({ browser_notifications: false });
    if ((await ask()) === "granted") change({ browser_notifications: true });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!prefs) return;
    setErrors({});
    setFormError(null);
    setSaved(false);
    if (!prefs.event_types.length) {
      setErrors({
        event_types: "Choose at least one kind of event, or set the level to critical only.",
      });
      return;
    }
    if (prefs.stores && !prefs.stores.length) {
      setErrors({ stores: "Choose at least one store, or all of them." });
      return;
    }
    setBusy(true);
    try {
      setPrefs(await rest.savePreferences(prefs));
      setSaved(true);
    } catch (err) {
      // Quiet-hours errors name the part at fault (`quiet_hours.timezone`): show it there.
      if (err instanceof ApiError && err.field?.startsWith("quiet_hours.")) {
        setErrors({ [err.field]: describeError(err) });
        return;
      }
      const split = splitError(err, ["event_types", "min_priority", "stores"]);
      setErrors(split.fields);
      setFormError(split.form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card prefs" aria-labelledby="notifications">
      <h2 id="notifications" ref={heading} tabIndex={-1}>
        Notifications
      </h2>
      {loaded.status === "error" ? (
        <LoadError error={loaded.error} retry={loaded.reload} />
      ) : !prefs ? (
        <Loading label="Loading your notification settings…" />
      ) : (
        <form noValidate onSubmit={(e) => void save(e)}>
          <p>
            What the bell counts and lists. Live events on the dashboard and stock screens are not
            affected.
          </p>
          <fieldset aria-describedby={errors.event_types ? "pref-types-error" : undefined}>
            <legend>Events</legend>
            {TYPES.map(([type, label]) => (
              <label key={type} className="checkbox">
                <input
                  type="checkbox"
                  checked={prefs.event_types.includes(type)}
                  onChange={(e) =>
                    change({
                      event_types: e.target.checked
                        ? [...prefs.event_types, type]
                        : prefs.event_types.filter((t) => t !== type),
                    })
                  }
                />
                {label}
              </label>
            ))}
            {errors.event_types ? (
              <p className="field-error" id="pref-types-error">
                {errors.event_types}
              </p>
            ) : null}
          </fieldset>
          <SelectField
            label="Level"
            name="min_priority"
            value={prefs.min_priority}
            error={errors.min_priority}
            onChange={(e) => change({ min_priority: e.target.value })}
          >
            {PRIORITIES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </SelectField>
          {stores.data && stores.data.length > 1 ? (
            <fieldset aria-describedby={errors.stores ? "pref-stores-error" : undefined}>
              <legend>Stores</legend>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={prefs.stores === null}
                  onChange={(e) =>
                    change({ stores: e.target.checked ? null : stores.data!.map((s) => s.id) })
                  }
                />
                Every store I can see
              </label>
              {prefs.stores !== null
                ? stores.data.map((s) => (
                    <label key={s.id} className="checkbox">
                      <input
                        type="checkbox"
                        checked={prefs.stores!.includes(s.id)}
                        onChange={(e) =>
                          change({
                            stores: e.target.checked
                              ? [...prefs.stores!, s.id]
                              : prefs.stores!.filter((id) => id !== s.id),
                          })
                        }
                      />
                      {s.name}
                    </label>
                  ))
                : null}
              {errors.stores ? (
                <p className="field-error" id="pref-stores-error">
                  {errors.stores}
                </p>
              ) : null}
            </fieldset>
          ) : null}
          <fieldset>
            <legend>Quiet hours</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={prefs.quiet_hours !== null}
                onChange={(e) =>
                  change({
                    quiet_hours: e.target.checked
                      ? {
                          start: "22:00",
                          end: "07:00",
                          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
                        }
                      : null,
                  })
                }
              />
              No pop-ups at night (notifications are still listed; critical ones still pop up)
            </label>
            {prefs.quiet_hours ? (
              <div className="row">
                <TextField
                  label="From"
                  name="quiet_start"
                  type="time"
                  value={prefs.quiet_hours.start}
                  error={errors["quiet_hours.start"]}
                  onChange={(e) =>
                    change({ quiet_hours: { ...prefs.quiet_hours!, start: e.target.value } })
                  }
                />
                <TextField
                  label="To"
                  name="quiet_end"
                  type="time"
                  value={prefs.quiet_hours.end}
                  error={errors["quiet_hours.end"]}
                  onChange={(e) =>
                    change({ quiet_hours: { ...prefs.quiet_hours!, end: e.target.value } })
                  }
                />
                <TextField
                  label="Time zone"
                  name="quiet_timezone"
                  value={prefs.quiet_hours.timezone}
                  error={errors["quiet_hours.timezone"]}
                  onChange={(e) =>
                    change({ quiet_hours: { ...prefs.quiet_hours!, timezone: e.target.value } })
                  }
                />
              </div>
            ) : null}
          </fieldset>
          <fieldset aria-describedby="pref-browser-state">
            <legend>System notifications</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                name="browser_notifications"
                checked={prefs.browser_notifications}
                disabled={asking || (permission === "unsupported" && !prefs.browser_notifications)}
                onChange={(e) => void toggleBrowser(e.target.checked)}
              />
              Show critical alerts as system notifications, even when ChainSync is in the background
            </label>
            <p className="hint" id="pref-browser-state" data-testid="browser-permission">
              {PERMISSION_TEXT[permission]}
            </p>
            {prefs.browser_notifications && permission === "default" ? (
              // Switched on elsewhere (the setting is per person): this browser was never asked.
              <button type="button" className="btn btn-small" onClick={() => void ask()}>
                Allow them in this browser too
              </button>
            ) : null}
          </fieldset>
          <ErrorAlert error={formError} />
          {saved ? <Notice tone="success">Notification settings saved.</Notice> : null}
          <div className="button-row">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Save notification settings
            </button>
          </div>
        </form>
      )}
    </article>
  );
}
