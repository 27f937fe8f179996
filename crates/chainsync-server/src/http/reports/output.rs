//! JSON or CSV. CSV (RFC 4180, UTF-8, comma-separated, a header row, `\r\n` line ends, fields
//! quoted when they hold a comma, quote or line break) writes money in **major units** with the
//! currency's exponent (`12.34` EUR, `1234` JPY) and a `currency` column, and percentages as
//! percent with two decimals (`40.00`); empty cells where JSON has null. A cell that starts
//! with `=`, `+`, `-` or `@` and is text (a product name) gets a leading `'`, so spreadsheets
//! do not run it as a formula; amounts and numbers are never touched.

use super::Store;
use super::views::*;
use crate::http::error::{ApiError, ApiResult};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chainsync_domain::reports::{Kpis, Period, format_major};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Csv,
}

impl Format {
    /// `?format=` wins; otherwise `Accept: text/csv` selects CSV.
    pub fn choose(param: Option<&str>, headers: &HeaderMap) -> ApiResult<Format> {
        match param {
            Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(
                ApiError::unprocessable("invalid_format", "format must be json or csv")
                    .field("format"),
            ),
            None => {
                let wants_csv = headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| {
                        v.split(',')
                            .any(|m| m.split(';').next().unwrap_or("").trim() == "text/csv")
                    });
                Ok(if wants_csv { Format::Csv } else { Format::Json })
            }
        }
    }
}

/// A report that can be written as CSV rows.
pub(crate) trait Csv {
    fn write(&self, w: &mut Rows) -> csv::Result<()>;
}

/// A CSV writer that knows the currency's exponent.
pub(crate) struct Rows {
    w: csv::Writer<Vec<u8>>,
    exponent: u8,
}

impl Rows {
    fn new(exponent: u8) -> Rows {
        Rows {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
            exponent,
        }
    }

    pub fn row<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.w.write_record(cells)
    }

    pub fn money(&self, minor: i64) -> String {
        format_major(minor, self.exponent)
    }

    fn finish(self) -> ApiResult<Vec<u8>> {
        self.w
            .into_inner()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))
    }
}

/// Text that a spreadsheet would otherwise run as a formula gets a leading apostrophe.
pub(crate) fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub(crate) fn pct(bps: Option<i64>) -> String {
    bps.map(|b| format_major(b, 2)).unwrap_or_default()
}

pub(crate) fn opt(v: Option<i64>, rows: &Rows, money: bool) -> String {
    match v {
        Some(v) if money => rows.money(v),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Column names of [`kpi_cells`].
pub(crate) const KPI_HEADER: [&str; 11] = [
    "gross_sales",
    "returns",
    "tax",
    "revenue",
    "cogs",
    "gross_margin",
    "gross_margin_pct",
    "transactions",
    "average_basket",
    "units",
    "currency",
];

pub(crate) fn kpi_cells(k: &Kpis, rows: &Rows, currency: &str) -> Vec<String> {
    vec![
        rows.money(k.gross_sales_minor),
        rows.money(k.returns_minor),
        rows.money(k.tax_minor),
        rows.money(k.revenue_minor),
        rows.money(k.cogs_minor),
        rows.money(k.gross_margin_minor),
        pct(k.gross_margin_bps),
        k.transactions.to_string(),
        opt(k.average_basket_minor, rows, true),
        k.units.to_string(),
        currency.to_owned(),
    ]
}

fn csv_response(body: Vec<u8>, filename: &str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Answers a store report as JSON or CSV (named `{report}-{store code}-{from}-{to}.csv`).
pub(crate) fn respond<T: Serialize + Csv>(
    format: Format,
    report: &T,
    name: &str,
    store: &Store,
    period: Period,
) -> ApiResult<Response> {
    match format {
        Format::Json => Ok(Json(report).into_response()),
        Format::Csv => {
            let mut rows = Rows::new(store.exponent);
            report.write(&mut rows).map_err(ApiError::internal)?;
            // Store codes are upper-case letters, digits and dashes: safe in a header.
            let filename = format!(
                "{name}-{}-{}-{}.csv",
                store.record.code, period.from, period.to
            );
            Ok(csv_response(rows.finish()?, &filename))
        }
    }
}

/// Store comparison spans currencies: each row's amounts use its own store's exponent.
pub(crate) fn respond_comparison(
    format: Format,
    report: &StoreComparison,
    period: Period,
) -> ApiResult<Response> {
    match format {
        Format::Json => Ok(Json(report).into_response()),
        Format::Csv => {
            let mut out = Rows::new(2);
            let mut header = vec!["store_code", "store_name", "timezone", "from", "to"];
            header.extend(KPI_HEADER);
            header.extend(["previous_revenue", "revenue_change_pct"]);
            out.row(header).map_err(ApiError::internal)?;
            for item in &report.items {
                out.exponent = chainsync_domain::money::Currency::parse(&item.store.currency)
                    .map_or(2, |c| c.exponent());
                let mut cells = vec![
                    text(&item.store.code),
                    text(&item.store.name),
                    item.store.timezone.clone(),
                    period.from.to_string(),
                    period.to.to_string(),
                ];
                cells.extend(kpi_cells(&item.totals, &out, &item.store.currency));
                cells.push(out.money(item.previous.revenue_minor));
                cells.push(pct(item.revenue_change_bps));
                out.row(cells).map_err(ApiError::internal)?;
            }
            Ok(csv_response(
                out.finish()?,
                &format!("store-comparison-{}-{}.csv", period.from, period.to),
            ))
        }
    }
}

impl Csv for KpiReport {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        let mut header = vec!["period", "from", "to"];
        header.extend(KPI_HEADER);
        w.row(header)?;
        let currency = &self.store.currency;
        for b in &self.buckets {
            let mut cells = vec![b.label.clone(), b.from.to_string(), b.to.to_string()];
            cells.extend(kpi_cells(&b.kpis, w, currency));
            w.row(cells)?;
        }
        for (label, p, k) in [
            ("total", &self.period, &self.totals),
            ("previous", &self.previous_period, &self.previous),
        ] {
            let mut cells = vec![label.to_owned(), p.from.to_string(), p.to.to_string()];
            cells.extend(kpi_cells(k, w, currency));
            w.row(cells)?;
        }
        Ok(())
    }
}

impl Csv for TopProductsReport {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        let mut header = vec![
            "rank",
            "product_id",
            "sku",
            "name",
            "category",
            "unit",
            "quantity",
        ];
        header.extend(KPI_HEADER);
        w.row(header)?;
        for p in &self.items {
            let mut cells = vec![
                p.rank.to_string(),
                p.product_id.clone(),
                text(&p.sku),
                text(&p.name),
                text(p.category_name.as_deref().unwrap_or("")),
                p.unit.clone(),
                p.quantity.to_string(),
            ];
            cells.extend(kpi_cells(&p.kpis, w, &self.store.currency));
            w.row(cells)?;
        }
        Ok(())
    }
}

impl Csv for CategoryReport {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        let mut header = vec!["category_id", "category", "revenue_share_pct"];
        header.extend(KPI_HEADER);
        w.row(header)?;
        for c in &self.items {
            let mut cells = vec![
                c.category_id.clone().unwrap_or_default(),
                text(&c.name),
                pct(c.revenue_share_bps),
            ];
            cells.extend(kpi_cells(&c.kpis, w, &self.store.currency));
            w.row(cells)?;
        }
        Ok(())
    }
}

impl Csv for ProfitAndLoss {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        w.row(["line", "amount", "currency"])?;
        let s = &self.shrinkage;
        let lines = [
            ("gross_sales", self.gross_sales_minor),
            ("returns", self.returns_minor),
            ("tax", self.tax_minor),
            ("revenue", self.revenue_minor),
            ("cogs", self.cogs_minor),
            ("gross_profit", self.gross_profit_minor),
            ("shrinkage_damaged", s.damaged_minor),
            ("shrinkage_expired", s.expired_minor),
            ("shrinkage_theft", s.theft_minor),
            ("shrinkage_internal_use", s.internal_use_minor),
            ("shrinkage_count_corrections", s.count_corrections_minor),
            ("shrinkage_total", s.total_minor),
            ("other_adjustments", s.other_adjustments_minor),
            ("profit_after_shrinkage", self.profit_after_shrinkage_minor),
        ];
        for (line, amount) in lines {
            w.row([
                line.to_owned(),
                w.money(amount),
                self.store.currency.clone(),
            ])?;
        }
        w.row([
            "gross_margin_pct".to_owned(),
            pct(self.gross_margin_bps),
            String::new(),
        ])
    }
}

impl Csv for StockValuation {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        w.row([
            "product_id",
            "sku",
            "name",
            "category",
            "unit",
            "on_hand",
            "avg_cost",
            "value",
            "currency",
        ])?;
        for i in &self.items {
            w.row([
                i.product_id.clone(),
                text(&i.sku),
                text(&i.name),
                text(i.category_name.as_deref().unwrap_or("")),
                i.unit.clone(),
                i.on_hand.to_string(),
                w.money(i.avg_cost_minor),
                w.money(i.value_minor),
                self.store.currency.clone(),
            ])?;
        }
        Ok(())
    }
}

impl Csv for StaffReport {
    fn write(&self, w: &mut Rows) -> csv::Result<()> {
        w.row([
            "user_id",
            "name",
            "email",
            "transactions",
            "gross_sales",
            "net_sales",
            "average_basket",
            "units",
            "returns",
            "returns_amount",
            "currency",
        ])?;
        for c in &self.items {
            w.row([
                c.user_id.clone().unwrap_or_default(),
                text(&c.display_name),
                text(c.email.as_deref().unwrap_or("")),
                c.transactions.to_string(),
                w.money(c.gross_sales_minor),
                w.money(c.net_sales_minor),
                opt(c.average_basket_minor, w, true),
                c.units.to_string(),
                c.returns.to_string(),
                w.money(c.returns_minor),
                self.store.currency.clone(),
            ])?;
        }
        Ok(())
    }
}
