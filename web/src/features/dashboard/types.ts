/** The reports API's JSON shapes (crates/chainsync-server/src/http/reports/views.rs). */

export interface Period {
  from: string;
  to: string;
}

export interface StoreRef {
  store_id: string;
  code: string;
  name: string;
  currency: string;
  timezone: string;
}

export interface Kpis {
  gross_sales_minor: number;
  tax_minor: number;
  revenue_minor: number;
  returns_minor: number;
  cogs_minor: number;
  gross_margin_minor: number;
  gross_margin_bps: number | null;
  transactions: number;
  average_basket_minor: number | null;
  units: number;
}

export interface KpiReport {
  store: StoreRef;
  period: Period;
  granularity: "day" | "week" | "month";
  totals: Kpis;
  buckets: (Kpis & { label: string; from: string; to: string })[];
  previous_period: Period;
  previous: Kpis;
  change: {
    revenue_bps: number | null;
    transactions_bps: number | null;
    average_basket_bps: number | null;
    units_bps: number | null;
    gross_margin_bps: number | null;
  };
}

export interface TopProducts {
  store: StoreRef;
  period: Period;
  by: string;
  items: (Kpis & {
    rank: number;
    product_id: string;
    sku: string;
    name: string;
    unit: "each" | "weighed";
    category_name: string | null;
    quantity: number;
  })[];
}

export interface Categories {
  store: StoreRef;
  period: Period;
  totals: Kpis;
  items: (Kpis & { category_id: string | null; name: string; revenue_share_bps: number | null })[];
}

export interface ProfitAndLoss {
  store: StoreRef;
  period: Period;
  gross_sales_minor: number;
  returns_minor: number;
  tax_minor: number;
  revenue_minor: number;
  cogs_minor: number;
  gross_profit_minor: number;
  gross_margin_bps: number | null;
  shrinkage: {
    damaged_minor: number;
    expired_minor: number;
    theft_minor: number;
    internal_use_minor: number;
    count_corrections_minor: number;
    total_minor: number;
    other_adjustments_minor: number;
  };
  profit_after_shrinkage_minor: number;
}

export interface StockValuation {
  store: StoreRef;
  as_of: string;
  total_value_minor: number;
  items_in_stock: number;
  items_oversold: number;
  categories: { category_id: string | null; name: string; items: number; value_minor: number }[];
  items: {
    product_id: string;
    sku: string;
    name: string;
    unit: "each" | "weighed";
    category_name: string | null;
    on_hand: number;
    avg_cost_minor: number;
    value_minor: number;
  }[];
}

export interface StaffReport {
  store: StoreRef;
  period: Period;
  items: {
    user_id: string | null;
    display_name: string;
    email: string | null;
    transactions: number;
    gross_sales_minor: number;
    net_sales_minor: number;
    average_basket_minor: number | null;
    units: number;
    returns: number;
    returns_minor: number;
  }[];
}

export interface StoreComparison {
  period: Period;
  previous_period: Period;
  items: { store: StoreRef; totals: Kpis; previous: Kpis; revenue_change_bps: number | null }[];
}
