/** Wire shapes the till uses (crates/chainsync-server/src/http/{catalog,terminals,sales}). */

export interface Product {
  id: string;
  sku: string;
  name: string;
  category_id: string | null;
  supplier_id: string | null;
  brand: string | null;
  /** `each` (pieces) or `weighed` (quantities in thousandths, price per whole unit). */
  unit: "each" | "weighed";
  price_minor: number;
  cost_minor: number;
  tax_class: string;
  parent_id: string | null;
  variant_attributes: Record<string, string>;
  barcodes: string[];
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface PriceOverride {
  product_id: string;
  price_minor: number;
  updated_at: string;
}

export interface Terminal {
  id: string;
  store_id: string;
  code: string;
  name: string;
  active: boolean;
  last_seq: number;
  created_at: string;
  revoked_at: string | null;
}

export type ManualDiscount =
  { kind: "percent"; percent_bps: number } | { kind: "amount"; amount_minor: number };

export type Payment =
  | { kind: "cash"; tendered_minor: number }
  | { kind: "card"; amount_minor: number; reference: string }
  | { kind: "other"; amount_minor: number; method: string; reference?: string };

export interface SaleLineInput {
  product_id: string;
  quantity: number;
  unit_price_minor?: number;
  discount?: ManualDiscount;
}

export interface SaleMutation {
  id: string;
  terminal_id: string;
  seq: number;
  occurred_at: string;
  receipt_number: string;
  lines: SaleLineInput[];
  cart_discount?: ManualDiscount;
  payments: Payment[];
  customer_id?: string;
  redeem_points?: number;
}

export type AppliedDiscount =
  | { kind: "promotion"; promotion_id: string; name: string; amount_minor: number }
  | { kind: "manual"; amount_minor: number }
  | { kind: "cart"; amount_minor: number };

export interface PricedLine {
  product_id: string;
  unit: "each" | "weighed";
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
  tax_breakdown: {
    rate_bps: number;
    tax_classes: string[];
    total_excl_tax_minor: number;
    tax_minor: number;
    total_minor: number;
  }[];
  totals: {
    gross_minor: number;
    discount_minor: number;
    total_excl_tax_minor: number;
    tax_minor: number;
    total_minor: number;
  };
  cash_total_minor: number;
  settlement?: Settlement;
}

export interface PricedCartView {
  priced: PricedCart;
  flags: string[];
}

export interface SaleView {
  id: string;
  status: string;
  store_id: string;
  terminal_id: string;
  mutation_id: string;
  seq: number;
  receipt_number: string;
  occurred_at: string;
  currency: string;
  total_minor: number;
  tax_minor: number;
  discount_minor: number;
  cogs_minor: number;
  flags: string[];
  priced?: PricedCart | null;
  payments: Payment[];
  points_earned?: number;
  points_redeemed?: number;
}

export type Refund =
  | { kind: "cash"; amount_minor: number }
  | { kind: "card"; amount_minor: number; reference: string }
  | { kind: "other"; amount_minor: number; method: string; reference?: string };

export interface Approval {
  email: string;
  pin?: string;
  password?: string;
}

/** A return by receipt, as a terminal sends it (crates/chainsync-server/src/retail/returns.rs). */
export interface ReturnMutation {
  id: string;
  terminal_id: string;
  seq: number;
  occurred_at: string;
  receipt_number: string;
  sale_id: string;
  lines: { line_no: number; quantity: number; restock: boolean }[];
  refunds: Refund[];
  reason?: string;
  approval?: Approval;
}

/** A whole sale voided (`POST .../sales/{sale_id}/void`): always with a manager's approval. */
export interface VoidMutation {
  id: string;
  terminal_id: string;
  seq: number;
  occurred_at: string;
  receipt_number: string;
  reason?: string;
}

export interface ReturnableLine {
  line_no: number;
  product_id: string;
  quantity_sold: number;
  quantity_returnable: number;
  paid_minor: number;
  refundable_minor: number;
}

export interface Returnable {
  sale_id: string;
  lines: ReturnableLine[];
  approval_threshold_minor: number;
}
