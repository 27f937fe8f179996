/**
 * Report periods as the reports API reads them: `from` and `to` are local dates of the store
 * (both included), so "today" is today on the store's clock, not the browser's. Pure functions,
 * tested without a browser.
 */

export type PresetKey = "7d" | "30d" | "90d" | "this-month" | "last-month" | "this-year" | "custom";
export type Granularity = "day" | "week" | "month";

export const PRESETS: Record<Exclude<PresetKey, "custom">, string> = {
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  "this-month": "This month",
  "last-month": "Last month",
  "this-year": "This year",
};

/** Today's date (`YYYY-MM-DD`) in the time zone `tz`. */
export function todayIn(tz: string, now: Date): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** `date` plus `days` (negative to go back), in the calendar (no time zone involved). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The dates of a preset, ending with the store's today. */
export function presetRange(
  key: Exclude<PresetKey, "custom">,
  today: string,
): { from: string; to: string } {
  const year = today.slice(0, 4);
  switch (key) {
    case "7d":
      return { from: addDays(today, -6), to: today };
    case "30d":
      return { from: addDays(today, -29), to: today };
    case "90d":
      return { from: addDays(today, -89), to: today };
    case "this-month":
      return { from: `${today.slice(0, 7)}-01`, to: today };
    case "last-month": {
      const first = `${today.slice(0, 7)}-01`;
      const to = addDays(first, -1);
      return { from: `${to.slice(0, 7)}-01`, to };
    }
    case "this-year":
      return { from: `${year}-01-01`, to: today };
  }
  throw new Error(`unknown period ${String(key)}`);
}

/** Days from `from` to `to`, both included. */
export function daysIn(from: string, to: string): number {
  return (
    Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
  );
}

/** A granularity that gives a readable chart for the period (≤ ~60 bars). */
export function suggestedGranularity(from: string, to: string): Granularity {
  const days = daysIn(from, to);
  return days <= 62 ? "day" : days <= 400 ? "week" : "month";
}

/**
 * A bucket's label for a chart axis: a day "9 Mar", an ISO week "W11 · 9–15 Mar" (its days
 * within the period), a month "Mar 2026".
 */
export function bucketLabel(
  b: { label: string; from: string; to: string },
  granularity: Granularity,
  locale: string,
): string {
  const day = (d: string, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { ...opts, timeZone: "UTC" }).format(
      new Date(`${d}T12:00:00Z`),
    );
  if (granularity === "day") return day(b.from, { day: "numeric", month: "short" });
  if (granularity === "month") return day(b.from, { month: "short", year: "numeric" });
  const week = b.label.slice(b.label.indexOf("W"));
  const span =
    b.from === b.to
      ? day(b.from, { day: "numeric", month: "short" })
      : `${day(b.from, { day: "numeric", month: "short" })} – ${day(b.to, { day: "numeric", month: "short" })}`;
  return `${week} · ${span}`;
}

/** A period in words: "1 Mar 2026 – 31 Mar 2026". */
export function periodLabel(p: { from: string; to: string }, locale: string): string {
  const f = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  return `${f.format(new Date(`${p.from}T12:00:00Z`))} – ${f.format(new Date(`${p.to}T12:00:00Z`))}`;
}
