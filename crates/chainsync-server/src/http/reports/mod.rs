//! Reports under `/api/stores/{store_id}/reports/`: `kpis`, `top-products`, `categories`,
//! `profit-and-loss`, `stock-valuation`, `staff`; and `/api/reports/store-comparison` across
//! the stores the caller may see. Each answers JSON, or CSV with `?format=csv` or
//! `Accept: text/csv` ([`output`]).
//!
//! Periods are local dates in the store's time zone (`from`, `to`, inclusive; default the 30
//! days to today); the rules (buckets, ISO weeks, margins) live in `chainsync_domain::reports`
//! and the sums in `chainsync_storage::reports`. Returns are subtracted wherever a source
//! listed in `Source::SUBTRACTED` exists.
//!
//! Who: admins for every store, managers for theirs; cashiers get 403; another organisation's
//! store is 404.

mod figures;
mod output;
mod views;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::session::Session;
use super::terminals::store_in_org;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chainsync_domain::ids::StoreId;
use chainsync_domain::reports::{Granularity, Period, today};
use chainsync_storage::stores::{self, StoreRecord, StoreScope};
use chainsync_storage::{Conn, reports as q};
use chrono_tz::Tz;
use output::{Format, respond};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
pub use views::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(kpis))
        .routes(routes!(top_products))
        .routes(routes!(categories))
        .routes(routes!(profit_and_loss))
        .routes(routes!(stock_valuation))
        .routes(routes!(staff))
        .routes(routes!(store_comparison))
}

/// The period and output format every report takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First day (`YYYY-MM-DD`, the store's local date); default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`); default today in the store's time zone.
    pub to: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also selects CSV.
    pub format: Option<String>,
}

/// The store the report is about, after the organisation check (404) and the role check (403).
async fn report_store(conn: &mut Conn, session: &Session, id: StoreId) -> ApiResult<Store> {
    let record = store_in_org(conn, session, id).await?;
    if !session.principal.can_view_reports(id) {
        return Err(ApiError::forbidden(
            "only admins and this store's managers may read its reports",
        ));
    }
    Store::new(record)
}

/// A store with its parsed time zone and currency exponent.
pub(crate) struct Store {
    pub record: StoreRecord,
    pub tz: Tz,
    pub exponent: u8,
}

impl Store {
    fn new(record: StoreRecord) -> ApiResult<Store> {
        let tz: Tz = record.timezone.parse().map_err(|_| {
            ApiError::internal(anyhow::anyhow!(
                "store {} has an unknown time zone {}",
                record.id,
                record.timezone
            ))
        })?;
        let exponent =
            chainsync_domain::money::Currency::parse(&record.currency).map_or(2, |c| c.exponent());
        Ok(Store {
            record,
            tz,
            exponent,
        })
    }

    fn period(&self, params: &PeriodParams) -> ApiResult<Period> {
        Ok(Period::parse(
            params.from.as_deref(),
            params.to.as_deref(),
            today(self.tz),
        )?)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// `day` (default), `week` (ISO, Monday to Sunday) or `month`.
    pub granularity: Option<String>,
}

/// Revenue, transactions, average basket, units and gross margin per day, ISO week or month
/// of the store's calendar, with the totals of the period and of the one before it.
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/kpis", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), PeriodParams, KpiParams),
    responses((status = 200, description = "KPIs (JSON or CSV)", body = KpiReport)), security(("bearer" = [])))]
async fn kpis(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<PeriodParams>,
    ApiQuery(kpi): ApiQuery<KpiParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let granularity = Granularity::parse(kpi.granularity.as_deref().unwrap_or("day"))?;
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let period = store.period(&params)?;
    let report = figures::kpis(&mut conn, &store, period, granularity).await?;
    respond(format, &report, "kpis", &store, period)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopParams {
    /// Rank by `revenue` (default), `units` or `margin`.
    pub by: Option<String>,
    /// How many products, 1 to 1000 (default 20).
    pub limit: Option<u32>,
}

/// The best-selling products of the period by revenue, units or gross margin.
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/top-products", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), PeriodParams, TopParams),
    responses((status = 200, description = "Products ranked (JSON or CSV)", body = TopProductsReport)), security(("bearer" = [])))]
async fn top_products(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<PeriodParams>,
    ApiQuery(top): ApiQuery<TopParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let rank = figures::Rank::parse(top.by.as_deref().unwrap_or("revenue"))?;
    let limit = match top.limit {
        None => 20,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::unprocessable(
                "invalid_limit",
                "limit must be between 1 and 1000",
            )
            .field("limit"));
        }
    };
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let period = store.period(&params)?;
    let report = figures::top_products(&mut conn, &store, period, rank, limit).await?;
    respond(format, &report, "top-products", &store, period)
}

/// Sales, margin and share of revenue per product category.
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/categories", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), PeriodParams),
    responses((status = 200, description = "Per category (JSON or CSV)", body = CategoryReport)), security(("bearer" = [])))]
async fn categories(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let period = store.period(&params)?;
    let report = figures::categories(&mut conn, &store, period).await?;
    respond(format, &report, "categories", &store, period)
}

/// Profit and loss: gross sales, returns, tax, revenue, cost of goods sold, gross profit, and
/// shrinkage (loss adjustments and count corrections at cost).
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/profit-and-loss", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), PeriodParams),
    responses((status = 200, description = "Profit and loss (JSON or CSV)", body = ProfitAndLoss)), security(("bearer" = [])))]
async fn profit_and_loss(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let period = store.period(&params)?;
    let report = figures::profit_and_loss(&mut conn, &store, period).await?;
    respond(format, &report, "profit-and-loss", &store, period)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuationParams {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Most items listed, by value, 1 to 10000 (default 100; totals always cover every item;
    /// CSV lists every item).
    pub limit: Option<u32>,
}

/// What the stock on hand is worth now: on hand × weighted-average cost, per product and per
/// category.
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/stock-valuation", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), ValuationParams),
    responses((status = 200, description = "Stock value (JSON or CSV)", body = StockValuation)), security(("bearer" = [])))]
async fn stock_valuation(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<ValuationParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let limit = match (params.limit, format) {
        (_, Format::Csv) => usize::MAX,
        (None, _) => 100,
        (Some(n), _) if (1..=10_000).contains(&n) => n as usize,
        (Some(_), _) => {
            return Err(ApiError::unprocessable(
                "invalid_limit",
                "limit must be between 1 and 10000",
            )
            .field("limit"));
        }
    };
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let report = figures::stock_valuation(&mut conn, &store, limit).await?;
    let day = today(store.tz);
    respond(
        format,
        &report,
        "stock-valuation",
        &store,
        Period { from: day, to: day },
    )
}

/// Per cashier: sales, revenue, average basket, units and returns.
#[utoipa::path(get, path = "/api/stores/{store_id}/reports/staff", tag = "reports",
    params(("store_id" = StoreId, Path, description = "Store id"), PeriodParams),
    responses((status = 200, description = "Per cashier (JSON or CSV)", body = StaffReport)), security(("bearer" = [])))]
async fn staff(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiPath(store_id): ApiPath<StoreId>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let mut conn = state.db.conn().await?;
    let store = report_store(&mut conn, &session, store_id).await?;
    let period = store.period(&params)?;
    let report = figures::staff(&mut conn, &store, period).await?;
    respond(format, &report, "staff", &store, period)
}

/// Every store the caller may report on (admins: all active stores; managers: theirs), each
/// over the same local dates in its own time zone, with the previous period.
#[utoipa::path(get, path = "/api/reports/store-comparison", tag = "reports",
    params(PeriodParams),
    responses((status = 200, description = "Per store (JSON or CSV)", body = StoreComparison)), security(("bearer" = [])))]
async fn store_comparison(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Response> {
    let format = Format::choose(params.format.as_deref(), &headers)?;
    let p = &session.principal;
    let scope = if p.is_org_admin {
        StoreScope::All
    } else {
        let managed: Vec<StoreId> = p.managed_stores().collect();
        if managed.is_empty() {
            return Err(ApiError::forbidden(
                "only admins and store managers may compare stores",
            ));
        }
        StoreScope::Only(managed)
    };
    let mut conn = state.db.conn().await?;
    let mut records = Vec::new();
    let mut cursor = None;
    loop {
        let page = stores::list(&mut conn, p.org_id, &scope, false, cursor, 200).await?;
        records.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c.parse().map_err(ApiError::internal)?),
            None => break,
        }
    }
    let stores = records
        .into_iter()
        .map(Store::new)
        .collect::<ApiResult<Vec<_>>>()?;
    // The dates are read in the first store's calendar when defaulted (today differs by a day
    // at most between stores); each store then sums its own local days.
    let today = stores
        .first()
        .map_or_else(|| chrono::Utc::now().date_naive(), |s| today(s.tz));
    let period = Period::parse(params.from.as_deref(), params.to.as_deref(), today)?;
    let report = figures::store_comparison(&mut conn, &stores, period).await?;
    output::respond_comparison(format, &report, period)
}

/// Sums of the sales source and, subtracted, every returns source.
async fn sales_less_returns(
    conn: &mut Conn,
    store: StoreId,
    start: i64,
    end: i64,
    group: q::Group,
) -> ApiResult<(Vec<q::FlowRow>, Vec<q::FlowRow>)> {
    let sales = q::flows(conn, q::Source::Sales, store, start, end, group).await?;
    let mut returns = Vec::new();
    for source in q::Source::SUBTRACTED {
        returns.extend(q::flows(conn, *source, store, start, end, group).await?);
    }
    Ok((sales, returns))
}
