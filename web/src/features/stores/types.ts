export interface Store {
  id: string;
  code: string;
  name: string;
  address: string | null;
  city: string | null;
  country: string;
  tax_id: string | null;
  currency: string;
  timezone: string;
  /** Tax class → basis points (1900 = 19 %). */
  tax_rates: Record<string, number>;
  tax_inclusive: boolean;
  /** Refunds above this need a manager's approval (minor units). */
  refund_approval_minor?: number;
  active: boolean;
  created_at: string;
  updated_at: string;
}
