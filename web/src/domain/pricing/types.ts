/** The pricing engine's wire types, as in crates/chainsync-domain/src/pricing (serde names). */

export type SaleUnit = "each" | "weighed";

export type ManualDiscount =
  { kind: "percent"; percent_bps: number } | { kind: "amount"; amount_minor: number };

export type Payment =
  | { kind: "cash"; tendered_minor: number }
  | { kind: "card"; amount_minor: number; reference: string }
  | { kind: "other"; amount_minor: number; method: string; reference?: string };

export interface CartLine {
  product_id: string;
  category_id?: string | null;
  unit?: SaleUnit;
  quantity: number;
  unit_price_minor: number;
  tax_class: string;
  discount?: ManualDiscount | null;
}

export interface Cart {
  lines: CartLine[];
  cart_discount?: ManualDiscount | null;
  payments?: Payment[];
}

export type PromotionRule =
  | { kind: "percentage"; percent_bps: number }
  | { kind: "fixed_amount"; amount_minor: number }
  | { kind: "buy_x_get_y"; buy_quantity: number; get_quantity: number; get_percent_bps: number };

export type PromotionScope =
  | { kind: "all" }
  | { kind: "product"; product_ids: string[] }
  | { kind: "category"; category_ids: string[] };

export type DayOfWeek =
  "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

export interface Schedule {
  starts_at?: string | null;
  ends_at?: string | null;
  days_of_week?: DayOfWeek[];
  time_of_day?: { from: string; to: string } | null;
}

export interface Promotion {
  id: string;
  name: string;
  priority?: number;
  rule: PromotionRule;
  scope: PromotionScope;
  schedule?: Schedule;
}

export type CashRounding = { kind: "none" } | { kind: "nearest"; increment_minor: number };

export interface PricingContext {
  currency: string;
  timezone: string;
  priced_at: string;
  tax: { prices_include_tax: boolean; rates: Record<string, number> };
  cash_rounding?: CashRounding;
  promotions?: Promotion[];
}

export type AppliedDiscount =
  | { kind: "promotion"; promotion_id: string; name: string; amount_minor: number }
  | { kind: "manual"; amount_minor: number }
  | { kind: "cart"; amount_minor: number };

export interface PricedLine {
  product_id: string;
  unit: SaleUnit;
  quantity: number;
  unit_price_minor: number;
  tax_class: string;
  tax_rate_bps: number;
  gross_minor: number;
  discounts: AppliedDiscount[];
  discount_minor: number;
  total_excl_tax_minor: number;
  tax_minor: number;
  total_minor: number;
}

export interface TaxRateTotal {
  rate_bps: number;
  tax_classes: string[];
  total_excl_tax_minor: number;
  tax_minor: number;
  total_minor: number;
}

export interface CartTotals {
  gross_minor: number;
  discount_minor: number;
  total_excl_tax_minor: number;
  tax_minor: number;
  total_minor: number;
}

export interface Settlement {
  non_cash_minor: number;
  cash_due_minor: number;
  cash_tendered_minor: number;
  change_minor: number;
  cash_rounding_minor: number;
  amount_paid_minor: number;
}

export interface PricedCart {
  currency: string;
  prices_include_tax: boolean;
  lines: PricedLine[];
  tax_breakdown: TaxRateTotal[];
  totals: CartTotals;
  cash_total_minor: number;
  settlement?: Settlement;
}

/** A refusal: a stable code and the JSON path of the input at fault (as the server's 422). */
export class PricingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = "PricingError";
  }
  at(field: string): PricingError {
    return new PricingError(this.code, this.message, field);
  }
  nested(prefix: string): PricingError {
    return this.at(this.field ? `${prefix}.${this.field}` : prefix);
  }
}
