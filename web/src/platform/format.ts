/** Dates and numbers in the organisation's locale (from `/api/auth/me`). */

export function formatDateTime(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(safeLocale(locale), {
    dateStyle: "medium",
    timeStyle: "medium",
  }).format(d);
}

export function formatDate(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(safeLocale(locale), { dateStyle: "medium" }).format(d);
}

/** Basis points as a percentage: 1900 → "19 %", 550 → "5.5 %" (locale digits). */
export function formatRate(bp: number, locale: string): string {
  return new Intl.NumberFormat(safeLocale(locale), {
    style: "percent",
    maximumFractionDigits: 2,
  }).format(bp / 10_000);
}

/** The browser's time zone name, shown beside times so nobody guesses. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function safeLocale(locale: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length ? locale : "en-GB";
  } catch {
    return "en-GB";
  }
}
