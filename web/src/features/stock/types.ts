/** Stock wire shapes (crates/chainsync-server/src/http/stock.rs). */
export interface StockLevel {
  product_id: string;
  sku: string;
  name: string;
  /** In the product's unit: pieces, or thousandths for weighed goods; negative when oversold. */
  on_hand: number;
  avg_cost_minor: number;
  reorder_point: number | null;
  min_level: number | null;
  max_level: number | null;
  low: boolean;
  updated_at: string;
}

export type MovementKind =
  | "sale"
  | "return"
  | "receipt"
  | "transfer_out"
  | "transfer_in"
  | "adjustment"
  | "count_correction";

export interface Movement {
  id: string;
  product_id: string;
  kind: MovementKind;
  quantity: number;
  reason: string | null;
  reference_type: string | null;
  reference_id: string | null;
  unit_cost_minor: number;
  user_id: string | null;
  occurred_at: string;
  recorded_at: string;
}

export const ADJUSTMENT_REASONS = [
  ["damaged", "Damaged", -1],
  ["expired", "Expired", -1],
  ["theft", "Theft", -1],
  ["internal_use", "Internal use", -1],
  ["found", "Found", 1],
  ["correction", "Correction", 0],
] as const;

export const MOVEMENT_LABELS: Record<MovementKind, string> = {
  sale: "Sale",
  return: "Return",
  receipt: "Goods received",
  transfer_out: "Transfer out",
  transfer_in: "Transfer in",
  adjustment: "Adjustment",
  count_correction: "Count correction",
};
