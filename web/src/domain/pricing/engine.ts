/**
 * The browser's copy of the cart pricing engine (crates/chainsync-domain/src/pricing), held
 * to the same golden vectors (crates/chainsync-domain/testdata/pricing, run by
 * golden.test.ts), so the till can price a cart instantly and without the network, and its
 * totals are the server's to the cent.
 *
 * Order of work, each step on what the previous left: validation → gross per line →
 * promotion (at most one per line) → manual line discount → cart discount by largest
 * remainder → tax per rate → totals → cash rounding → payments. Refusals are thrown as
 * {@link PricingError} with the server's code and field.
 */
import { allocate, cashRound, divRound, percentOf } from "./arith";
import { claims, validatePromotion } from "./promotions";
import { checkTimezone, parseLocalTime } from "./schedule";
import { computeTax } from "./tax";
import { settle } from "./tender";
import {
  type AppliedDiscount,
  type Cart,
  type CartLine,
  type ManualDiscount,
  type PricedCart,
  type PricedLine,
  PricingError,
  type PricingContext,
} from "./types";

const MAX_LINES = 1_000;
const MAX_QUANTITY = 1_000_000_000;
const MAX_LINE_AMOUNT = 1_000_000_000_000;

function grossOf(line: CartLine): bigint {
  const raw = BigInt(line.quantity) * BigInt(line.unit_price_minor);
  return (line.unit ?? "each") === "each" ? raw : divRound(raw, 1000n);
}

function checkDiscount(d: ManualDiscount, gross: number, tooBig: string, what: string) {
  if (
    d.kind === "percent" &&
    !(Number.isInteger(d.percent_bps) && d.percent_bps >= 0 && d.percent_bps <= 10_000)
  )
    throw new PricingError(
      "invalid_discount",
      "must be between 0 and 10000 (100 %)",
      "percent_bps",
    );
  if (d.kind === "amount" && d.amount_minor < 0)
    throw new PricingError("invalid_discount", "must be zero or a positive amount", "amount_minor");
  if (d.kind === "amount" && d.amount_minor > gross)
    throw new PricingError(tooBig, `must not exceed ${what} (${gross})`, "amount_minor");
}

function checkContext(ctx: PricingContext) {
  checkTimezone(ctx.timezone);
  for (const [cls, rate] of Object.entries(ctx.tax.rates)) {
    if (!cls.trim() || !(Number.isInteger(rate) && rate >= 0 && rate <= 10_000))
      throw new PricingError(
        "invalid_tax_rate",
        "a tax class needs a name and a rate between 0 and 10000 basis points",
        `context.tax.rates.${cls}`,
      );
  }
  const cr = ctx.cash_rounding ?? { kind: "none" };
  if (
    cr.kind === "nearest" &&
    !(
      Number.isInteger(cr.increment_minor) &&
      cr.increment_minor >= 1 &&
      cr.increment_minor <= 100_000
    )
  )
    throw new PricingError(
      "invalid_cash_rounding",
      "increment_minor must be between 1 and 100000",
      "context.cash_rounding.increment_minor",
    );
  (ctx.promotions ?? []).forEach((p, i) => {
    if (p.schedule?.time_of_day) {
      parseLocalTime(p.schedule.time_of_day.from);
      parseLocalTime(p.schedule.time_of_day.to);
    }
    try {
      validatePromotion(p);
    } catch (e) {
      throw e instanceof PricingError ? e.nested(`context.promotions[${i}]`) : e;
    }
  });
}

/** Bounds and field-naming checks; returns each line's gross. */
function check(cart: Cart, ctx: PricingContext): number[] {
  checkContext(ctx);
  if (!cart.lines.length)
    throw new PricingError("empty_cart", "a cart needs at least one line", "lines");
  if (cart.lines.length > MAX_LINES)
    throw new PricingError("too_many_lines", `a cart holds at most ${MAX_LINES} lines`, "lines");
  const gross = cart.lines.map((line, i) => {
    const at = (f: string) => `lines[${i}].${f}`;
    if (!(Number.isInteger(line.quantity) && line.quantity >= 1 && line.quantity <= MAX_QUANTITY))
      throw new PricingError(
        "invalid_quantity",
        `must be between 1 and ${MAX_QUANTITY}; returns are recorded separately`,
        at("quantity"),
      );
    if (!(
      Number.isInteger(line.unit_price_minor) &&
      line.unit_price_minor >= 0 &&
      line.unit_price_minor <= MAX_LINE_AMOUNT
    ))
      throw new PricingError(
        "invalid_price",
        "must be zero or a positive amount",
        at("unit_price_minor"),
      );
    const g = grossOf(line);
    if (g > BigInt(MAX_LINE_AMOUNT))
      throw new PricingError("amount_too_large", "quantity × price is too large", at("quantity"));
    if (!(line.tax_class in ctx.tax.rates))
      throw new PricingError(
        "unknown_tax_class",
        `'${line.tax_class}' is not a tax class of this store`,
        at("tax_class"),
      );
    if (line.discount) {
      try {
        checkDiscount(line.discount, Number(g), "discount_exceeds_line", "the line");
      } catch (e) {
        throw e instanceof PricingError ? e.nested(at("discount")) : e;
      }
    }
    return Number(g);
  });
  if (cart.cart_discount) {
    try {
      checkDiscount(
        cart.cart_discount,
        gross.reduce((s, g) => s + g, 0),
        "discount_exceeds_cart",
        "the cart",
      );
    } catch (e) {
      throw e instanceof PricingError ? e.nested("cart_discount") : e;
    }
  }
  return gross;
}

function manualAmount(d: ManualDiscount, base: number): number {
  return d.kind === "percent" ? percentOf(base, d.percent_bps) : Math.min(d.amount_minor, base);
}

export function priceCart(cart: Cart, ctx: PricingContext): PricedCart {
  const gross = check(cart, ctx);
  const remaining = [...gross];
  const discounts: AppliedDiscount[][] = cart.lines.map(() => []);
  const take = (i: number, d: AppliedDiscount) => {
    if (d.amount_minor > 0) {
      remaining[i]! -= d.amount_minor;
      discounts[i]!.push(d);
    }
  };
  const promotions = ctx.promotions ?? [];
  claims(cart.lines, gross, promotions, new Date(ctx.priced_at), ctx.timezone).forEach((c, i) => {
    if (!c) return;
    const p = promotions[c.promotion]!;
    take(i, { kind: "promotion", promotion_id: p.id, name: p.name, amount_minor: c.amount });
  });
  cart.lines.forEach((line, i) => {
    if (line.discount)
      take(i, { kind: "manual", amount_minor: manualAmount(line.discount, remaining[i]!) });
  });
  if (cart.cart_discount) {
    const amount = manualAmount(
      cart.cart_discount,
      remaining.reduce((s, r) => s + r, 0),
    );
    allocate(amount, [...remaining]).forEach((share, i) =>
      take(i, { kind: "cart", amount_minor: share }),
    );
  }
  const include = ctx.tax.prices_include_tax;
  const rates = cart.lines.map((l) => ctx.tax.rates[l.tax_class]!);
  const tax = computeTax(
    remaining,
    rates,
    cart.lines.map((l) => l.tax_class),
    include,
  );
  const lines: PricedLine[] = cart.lines.map((line, i) => {
    const lt = tax.lineTax[i]!;
    const [excl, total] = include
      ? [remaining[i]! - lt, remaining[i]!]
      : [remaining[i]!, remaining[i]! + lt];
    return {
      product_id: line.product_id,
      unit: line.unit ?? "each",
      quantity: line.quantity,
      unit_price_minor: line.unit_price_minor,
      tax_class: line.tax_class,
      tax_rate_bps: rates[i]!,
      gross_minor: gross[i]!,
      discounts: discounts[i]!,
      discount_minor: gross[i]! - remaining[i]!,
      total_excl_tax_minor: excl,
      tax_minor: lt,
      total_minor: total,
    };
  });
  const sum = (f: (l: PricedLine) => number) => lines.reduce((s, l) => s + f(l), 0);
  const totals = {
    gross_minor: sum((l) => l.gross_minor),
    discount_minor: sum((l) => l.discount_minor),
    total_excl_tax_minor: sum((l) => l.total_excl_tax_minor),
    tax_minor: sum((l) => l.tax_minor),
    total_minor: sum((l) => l.total_minor),
  };
  const rounding = ctx.cash_rounding ?? { kind: "none" };
  const priced: PricedCart = {
    currency: ctx.currency,
    prices_include_tax: include,
    lines,
    tax_breakdown: tax.breakdown,
    totals,
    cash_total_minor: cashRound(totals.total_minor, rounding),
  };
  if (cart.payments?.length)
    priced.settlement = settle(totals.total_minor, cart.payments, rounding);
  return priced;
}
