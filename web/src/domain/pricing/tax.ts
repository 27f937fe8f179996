/**
 * Tax once per rate on the receipt total, rounded half away from zero, shared out to the lines
 * by largest remainder (tax.rs; docs/pricing.md "Tax").
 */
import { allocate, divRound } from "./arith";
import type { TaxRateTotal } from "./types";

export function computeTax(
  amounts: number[],
  rates: number[],
  classes: string[],
  includeTax: boolean,
): { lineTax: number[]; breakdown: TaxRateTotal[] } {
  const byRate = new Map<number, { members: number[]; classes: Set<string> }>();
  rates.forEach((rate, i) => {
    const e = byRate.get(rate) ?? { members: [], classes: new Set() };
    e.members.push(i);
    e.classes.add(classes[i]!);
    byRate.set(rate, e);
  });
  const lineTax = amounts.map(() => 0);
  const breakdown: TaxRateTotal[] = [];
  for (const rate of [...byRate.keys()].sort((a, b) => a - b)) {
    const { members, classes: names } = byRate.get(rate)!;
    const weights = members.map((i) => amounts[i]!);
    const sum = weights.reduce((s, w) => s + w, 0);
    const s = BigInt(sum);
    const r = BigInt(rate);
    const tax = Number(includeTax ? divRound(s * r, 10_000n + r) : divRound(s * r, 10_000n));
    allocate(tax, weights).forEach((share, k) => (lineTax[members[k]!] = share));
    const excl = includeTax ? sum - tax : sum;
    breakdown.push({
      rate_bps: rate,
      // Byte order, as the server's BTreeSet of class names.
      tax_classes: [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      total_excl_tax_minor: excl,
      tax_minor: tax,
      total_minor: excl + tax,
    });
  }
  return { lineTax, breakdown };
}
