/**
 * Which promotion reduces which line (apply.rs and promotion.rs): no stacking; active
 * promotions tried by priority (higher first; ties by the smaller id as lower-case UUID text,
 * then list order); each claims the unclaimed lines in its scope that it actually reduces;
 * buy-X-get-Y pools the pieces of its each-unit lines, dearest first, in groups of X + Y, and
 * claims every line with a piece in a complete group.
 */
import { divRound, percentOf } from "./arith";
import { isActive, validateSchedule } from "./schedule";
import { type CartLine, PricingError, type Promotion, type PromotionScope } from "./types";

const MAX_LINE_AMOUNT = 1_000_000_000_000;
const MAX_GROUP = 1_000;

export interface Claim {
  promotion: number;
  amount: number;
}

function covers(scope: PromotionScope, line: CartLine): boolean {
  switch (scope.kind) {
    case "all":
      return true;
    case "product":
      return scope.product_ids.includes(line.product_id);
    case "category":
      return !!line.category_id && scope.category_ids.includes(line.category_id);
  }
}

const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

export function validatePromotion(p: Promotion): void {
  const bad = (field: string, message: string) => {
    throw new PricingError("invalid_promotion", message, field);
  };
  if (!p.name.trim()) bad("name", "must not be empty");
  const r = p.rule;
  if (r.kind === "percentage" && !inRange(r.percent_bps, 1, 10_000))
    bad("rule.percent_bps", "must be between 1 and 10000 (0.01 % to 100 %)");
  if (r.kind === "fixed_amount" && !inRange(r.amount_minor, 1, MAX_LINE_AMOUNT))
    bad("rule.amount_minor", "must be a positive amount in minor units");
  if (r.kind === "buy_x_get_y") {
    if (!inRange(r.buy_quantity, 1, MAX_GROUP))
      bad("rule.buy_quantity", "must be between 1 and 1000");
    if (!inRange(r.get_quantity, 1, MAX_GROUP))
      bad("rule.get_quantity", "must be between 1 and 1000");
    if (!inRange(r.get_percent_bps, 1, 10_000))
      bad("rule.get_percent_bps", "must be between 1 and 10000 (10000 = free)");
  }
  if (p.scope.kind === "product" && !p.scope.product_ids.length)
    bad("scope.product_ids", "must list at least one product");
  if (p.scope.kind === "category" && !p.scope.category_ids.length)
    bad("scope.category_ids", "must list at least one category");
  try {
    validateSchedule(p.schedule);
  } catch (e) {
    throw e instanceof PricingError ? e.nested("schedule") : e;
  }
}

function fixedOff(line: CartLine, amount: number): number {
  const raw = BigInt(amount) * BigInt(line.quantity);
  return Number((line.unit ?? "each") === "each" ? raw : divRound(raw, 1000n));
}

function buyXGetY(
  lines: CartLine[],
  candidates: number[],
  buy: number,
  get: number,
  bps: number,
): [number, number][] {
  const sorted = [...candidates].sort(
    (a, b) => lines[b]!.unit_price_minor - lines[a]!.unit_price_minor || a - b,
  );
  const group = buy + get;
  const units = sorted.reduce((s, i) => s + lines[i]!.quantity, 0);
  const covered = Math.floor(units / group) * group;
  const discountedBefore = (n: number) => {
    const m = Math.min(n, covered);
    return Math.floor(m / group) * get + Math.max(0, (m % group) - buy);
  };
  const out: [number, number][] = [];
  let start = 0;
  for (const i of sorted) {
    if (start >= covered) break;
    const q = lines[i]!.quantity;
    const free = discountedBefore(start + q) - discountedBefore(start);
    out.push([
      i,
      Number(divRound(BigInt(free) * BigInt(lines[i]!.unit_price_minor) * BigInt(bps), 10_000n)),
    ]);
    start += q;
  }
  return out.sort((a, b) => a[0] - b[0]);
}

export function claims(
  lines: CartLine[],
  gross: number[],
  promotions: Promotion[],
  at: Date,
  tz: string,
): (Claim | null)[] {
  const order = promotions
    .map((_, i) => i)
    .filter((i) => isActive(promotions[i]!.schedule, at, tz))
    .sort((a, b) => {
      const pa = promotions[a]!;
      const pb = promotions[b]!;
      const pri = (pb.priority ?? 0) - (pa.priority ?? 0);
      if (pri) return pri;
      const ia = pa.id.toLowerCase();
      const ib = pb.id.toLowerCase();
      if (ia !== ib) return ia < ib ? -1 : 1;
      return a - b;
    });
  const claimed: (Claim | null)[] = lines.map(() => null);
  for (const p of order) {
    const promo = promotions[p]!;
    const open = lines
      .map((_, i) => i)
      .filter((i) => !claimed[i] && covers(promo.scope, lines[i]!));
    let amounts: [number, number][];
    const r = promo.rule;
    if (r.kind === "percentage") {
      amounts = open
        .map((i): [number, number] => [i, percentOf(gross[i]!, r.percent_bps)])
        .filter(([, a]) => a > 0);
    } else if (r.kind === "fixed_amount") {
      amounts = open
        .map((i): [number, number] => [i, Math.min(fixedOff(lines[i]!, r.amount_minor), gross[i]!)])
        .filter(([, a]) => a > 0);
    } else {
      const each = open.filter((i) => (lines[i]!.unit ?? "each") === "each");
      amounts = buyXGetY(lines, each, r.buy_quantity, r.get_quantity, r.get_percent_bps);
    }
    for (const [i, amount] of amounts) claimed[i] = { promotion: p, amount };
  }
  return claimed;
}
