/**
 * Money in the store's currency and the organisation's locale. Amounts are integers in minor
 * units everywhere (docs/pricing.md); the number of decimals (the currency's exponent) comes
 * from `Intl`, so JPY has none and EUR two, without a table of our own.
 */

const digitsCache = new Map<string, number>();

/** The currency's exponent: 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
        .maximumFractionDigits!;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, { style: "currency", currency });
    } catch {
      f = new Intl.NumberFormat("en-GB", { style: "currency", currency });
    }
    formatters.set(key, f);
  }
  return f;
}

/** 1250 EUR in de-DE → "12,50 €"; in en-GB → "€12.50". */
export function formatMoney(minor: number, currency: string, locale: string): string {
  return formatter(currency, locale).format(minor / 10 ** currencyDigits(currency));
}

/**
 * What a cashier types, as minor units: "12.5", "12,50", "12" → 1250 (EUR). Null when it is not
 * an amount or has more decimals than the currency. Thousands separators are not accepted: a
 * till types amounts, not formatted numbers.
 */
export function parseMoney(text: string, currency: string): number | null {
  const t = text.trim().replace(/\s/g, "");
  const m = /^(\d{1,13})(?:[.,](\d*))?$/.exec(t);
  if (!m) return null;
  const digits = currencyDigits(currency);
  const frac = m[2] ?? "";
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + (frac ? Number(frac.padEnd(digits, "0")) : 0);
}

/** Minor units as a plain decimal for an input's value: 1250 EUR → "12.50". */
export function toDecimalString(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const whole = Math.floor(abs / 10 ** digits);
  const frac = String(abs % 10 ** digits).padStart(digits, "0");
  return `${sign}${whole}.${frac}`;
}

/**
 * The step cash is paid in. Mirrors the server's pricing context
 * (crates/chainsync-server/src/retail/sales.rs `context`): Swiss francs to 0.05, everything else
 * to the smallest unit.
 */
export function cashIncrement(currency: string): number {
  return currency === "CHF" ? 5 : 1;
}

/** Rounds to the nearest step, halves away from zero (docs/pricing.md, "Cash rounding"). */
export function roundCash(minor: number, increment: number): number {
  if (increment <= 1) return minor;
  const sign = minor < 0 ? -1 : 1;
  const abs = Math.abs(minor);
  const down = abs - (abs % increment);
  const rounded = abs % increment >= increment / 2 ? down + increment : down;
  return sign * rounded;
}
