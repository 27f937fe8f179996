//! The reports' JSON shapes. Money is in minor units with the store's currency beside it;
//! percentages are basis points (`4000` = 40 %), null where the base is zero.

use chainsync_domain::ids::StoreId;
use chainsync_domain::reports::Kpis;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// The period a report covers, in the store's calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodView {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoreRef {
    pub store_id: StoreId,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiBucket {
    /// `2026-03-09` (day), `2026-W11` (ISO week), `2026-03` (month).
    pub label: String,
    /// The bucket's days within the period (the first and last may be partial).
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// Changes from the previous period, in basis points (null when the previous figure is 0).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiChange {
    pub revenue_bps: Option<i64>,
    pub transactions_bps: Option<i64>,
    pub average_basket_bps: Option<i64>,
    pub units_bps: Option<i64>,
    pub gross_margin_bps: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiReport {
    pub store: StoreRef,
    pub period: PeriodView,
    /// `day`, `week` or `month`.
    pub granularity: String,
    pub totals: Kpis,
    pub buckets: Vec<KpiBucket>,
    pub previous_period: PeriodView,
    pub previous: Kpis,
    pub change: KpiChange,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductFigures {
    pub rank: usize,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    /// `each` or `weighed`.
    pub unit: String,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
    /// Net quantity sold in the product's unit (thousandths for weighed goods).
    pub quantity: i64,
    #[serde(flatten)]
    pub kpis: Kpis,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopProductsReport {
    pub store: StoreRef,
    pub period: PeriodView,
    /// `revenue`, `units` or `margin`.
    pub by: String,
    pub items: Vec<ProductFigures>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryFigures {
    /// Null for products without a category.
    pub category_id: Option<String>,
    pub name: String,
    /// This category's revenue over the store's revenue, in basis points.
    pub revenue_share_bps: Option<i64>,
    #[serde(flatten)]
    pub kpis: Kpis,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryReport {
    pub store: StoreRef,
    pub period: PeriodView,
    pub totals: Kpis,
    pub items: Vec<CategoryFigures>,
}

/// Stock lost or found, valued at the cost the ledger recorded (negative = a loss).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Shrinkage {
    pub damaged_minor: i64,
    pub expired_minor: i64,
    pub theft_minor: i64,
    pub internal_use_minor: i64,
    /// Count corrections (shelf counts against the ledger), losses and finds together.
    pub count_corrections_minor: i64,
    /// The sum of the above.
    pub total_minor: i64,
    /// Adjustments with the reasons `found` and `correction` (booking errors put right): shown
    /// for completeness, not part of shrinkage.
    pub other_adjustments_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfitAndLoss {
    pub store: StoreRef,
    pub period: PeriodView,
    /// Sales tax included, before returns.
    pub gross_sales_minor: i64,
    /// Refunds of returned goods, tax included.
    pub returns_minor: i64,
    /// Tax on sales minus tax on returns.
    pub tax_minor: i64,
    /// Gross sales − returns − tax.
    pub revenue_minor: i64,
    pub cogs_minor: i64,
    /// Revenue − cost of goods sold.
    pub gross_profit_minor: i64,
    pub gross_margin_bps: Option<i64>,
    pub shrinkage: Shrinkage,
    /// Gross profit + shrinkage (shrinkage is negative when stock was lost).
    pub profit_after_shrinkage_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValuedItem {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
    /// In the product's unit (thousandths for weighed goods); negative when oversold.
    pub on_hand: i64,
    pub avg_cost_minor: i64,
    /// On hand × average cost; oversold items count zero.
    pub value_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValuedCategory {
    pub category_id: Option<String>,
    pub name: String,
    pub items: usize,
    pub value_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockValuation {
    pub store: StoreRef,
    /// When the valuation was read.
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub total_value_minor: i64,
    /// Items with stock on hand (positive).
    pub items_in_stock: usize,
    /// Items oversold (below zero), valued at zero.
    pub items_oversold: usize,
    pub categories: Vec<ValuedCategory>,
    /// The most valuable items first, up to `limit`.
    pub items: Vec<ValuedItem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CashierFigures {
    /// Null for sales without a known cashier.
    pub user_id: Option<String>,
    pub display_name: String,
    pub email: Option<String>,
    /// Sales rung up.
    pub transactions: i64,
    /// Sales tax included, before returns.
    pub gross_sales_minor: i64,
    /// Net of tax, before returns.
    pub net_sales_minor: i64,
    pub average_basket_minor: Option<i64>,
    pub units: i64,
    /// Returns this person took back, and their amount tax included.
    pub returns: i64,
    pub returns_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffReport {
    pub store: StoreRef,
    pub period: PeriodView,
    pub items: Vec<CashierFigures>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoreFigures {
    pub store: StoreRef,
    pub totals: Kpis,
    pub previous: Kpis,
    pub revenue_change_bps: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoreComparison {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    /// Stores in the order the organisation created them.
    pub items: Vec<StoreFigures>,
}
