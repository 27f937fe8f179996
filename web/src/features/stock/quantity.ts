/**
 * Stock quantities in the product's unit: pieces, or thousandths of a kg for weighed goods
 * (the API's convention). Typed quantities may be signed (an adjustment removes stock).
 */
export type Unit = "each" | "weighed";

export function formatStock(q: number, unit: Unit, locale: string): string {
  if (unit === "each") return new Intl.NumberFormat(locale).format(q);
  return (
    new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(
      q / 1000,
    ) + " kg"
  );
}

/** "-3" → -3 pieces; "1,5" kg → 1500. Null unless a whole number (each) or ≤ 3 decimals (kg). */
export function parseStock(text: string, unit: Unit, signed: boolean): number | null {
  const t = text.trim().replace(/^\+/, "");
  const re = signed ? /^(-?)(\d{1,9})(?:[.,](\d{0,3}))?$/ : /^()(\d{1,9})(?:[.,](\d{0,3}))?$/;
  const m = re.exec(t);
  if (!m) return null;
  if (unit === "each" && m[3]) return null;
  const abs =
    unit === "each" ? Number(m[2]) : Number(m[2]) * 1000 + Number((m[3] ?? "").padEnd(3, "0"));
  return m[1] === "-" ? -abs : abs;
}
