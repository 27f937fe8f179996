/** Audit entries in words, for the audit log viewer. */

export const ACTIONS: Record<string, string> = {
  "auth.login": "Signed in",
  "auth.login_failed": "Sign-in failed",
  "auth.logout": "Signed out",
  "auth.password_changed": "Changed own password",
  "auth.refresh_reuse_detected": "Stolen session detected and ended",
  "user.created": "Created a user",
  "user.updated": "Changed a user",
  "user.deactivated": "Deactivated a user",
  "user.reactivated": "Reactivated a user",
  "user.admin_granted": "Made a user admin",
  "user.admin_revoked": "Removed admin rights",
  "user.role_granted": "Gave a store role",
  "user.role_changed": "Changed a store role",
  "user.role_revoked": "Removed a store role",
  "user.password_reset": "Reset a password",
  "store.created": "Created a store",
  "store.updated": "Changed a store",
  "store.deactivated": "Deactivated a store",
  "forecast_job.requested": "Started a forecast training",
  "forecast.served": "Looked at a forecast",
  "model.activated": "Activated a forecast model",
  "model.rolled_back": "Rolled a forecast model back",
};

export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

/** Names for ids found in details (stores, people); the id itself when unknown. */
export type Namer = (kind: "store" | "user", id: string) => string | undefined;

function show(v: unknown, name: Namer, key = ""): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") {
    if (key === "store_id") return name("store", v) ?? v;
    if (key.endsWith("user_id")) return name("user", v) ?? v;
    return v;
  }
  if (Array.isArray(v)) return v.length ? v.map((x) => show(x, name)).join(", ") : "none";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    // A store role: {"store_id", "role"} reads "cashier at Berlin Mitte (BER)".
    if (
      typeof o.store_id === "string" &&
      typeof o.role === "string" &&
      Object.keys(o).length === 2
    ) {
      return `${o.role} at ${show(o.store_id, name, "store_id")}`;
    }
    return Object.entries(o)
      .map(([k, x]) => `${k.replace(/_/g, " ")}: ${show(x, name, k)}`)
      .join(", ");
  }
  return String(v);
}

/** A short, readable summary of an entry's details object. */
export function summarizeDetails(details: unknown, name: Namer = () => undefined): string {
  if (typeof details !== "object" || details === null) return "";
  const d = details as Record<string, unknown>;
  const changes = d.changes;
  if (typeof changes === "object" && changes !== null) {
    return Object.entries(changes as Record<string, { from?: unknown; to?: unknown }>)
      .map(
        ([field, c]) =>
          `${field.replace(/_/g, " ")}: ${show(c?.from, name, field)} → ${show(c?.to, name, field)}`,
      )
      .join("; ");
  }
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${show(v, name, k)}`)
    .join("; ");
}

/** `datetime-local` input value (local time) → RFC 3339 UTC, or undefined when empty/invalid. */
export function localInputToRfc3339(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
