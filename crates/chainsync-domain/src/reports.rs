//! The pure rules of reporting: report periods in a store's calendar, buckets (days, ISO weeks
//! starting Monday, months), the comparison period, and the arithmetic of averages and margins.
//!
//! Terms:
//! - A **period** is an inclusive range of local dates (`from`..=`to`) in one store's time
//!   zone. Its UTC bounds run from local midnight of `from` to local midnight after `to`, so a
//!   day is 23 or 25 hours long across a daylight-saving change.
//! - A **slot** is a quarter of an hour of UTC time (`occurred_at / SLOT_MS`). Storage sums
//!   sales per slot; every slot lies inside one local day because every time-zone offset in use
//!   since 1972 is a whole number of quarter hours (Kathmandu +05:45, Chatham +12:45), so
//!   bucketing the slots in Rust gives the same answer as bucketing every sale.
//! - **Revenue** is sales net of tax and net of returns; **gross sales** include tax (what
//!   customers paid); the **gross margin** is revenue minus the cost of goods sold.
//!
//! Invariants: a period never ends before it starts and spans at most [`MAX_PERIOD_DAYS`]; the
//! buckets of a period cover it exactly, in order, without overlap.

use crate::ValidationError;
use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One quarter of an hour in milliseconds: the unit storage sums sales in.
pub const SLOT_MS: i64 = 15 * 60 * 1000;

/// Longest period a report covers (about three years), so one request cannot ask for a century.
pub const MAX_PERIOD_DAYS: i64 = 1_100;

/// How the KPIs of a period are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// ISO 8601 weeks, Monday to Sunday.
    Week,
    Month,
}

impl Granularity {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            other => Err(ValidationError::new(
                "invalid_granularity",
                format!("granularity must be day, week or month, not '{other}'"),
            )
            .at("granularity")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// The first day of the bucket `date` falls in.
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => date,
            Granularity::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Granularity::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The last day of the bucket starting at `start`.
    fn bucket_end(self, start: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => start,
            Granularity::Week => start + Days::new(6),
            Granularity::Month => {
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                next.and_then(|n| n.pred_opt()).unwrap_or(start)
            }
        }
    }

    /// A bucket's label: `2026-03-09`, `2026-W11` (the ISO week-numbering year, which differs
    /// from the calendar year around New Year), or `2026-03`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Granularity::Day => start.to_string(),
            Granularity::Week => {
                let week = start.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Granularity::Month => format!("{}-{:02}", start.year(), start.month()),
        }
    }
}

/// An inclusive range of local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One bucket of a period: its own dates, clipped to the period at both ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A period from `from` to `to` inclusive: `to` not before `from`, at most
    /// [`MAX_PERIOD_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ValidationError> {
        if to < from {
            return Err(ValidationError::new(
                "invalid_period",
                format!("the period ends ({to}) before it starts ({from})"),
            )
            .at("to"));
        }
        let period = Period { from, to };
        if period.days() > MAX_PERIOD_DAYS {
            return Err(ValidationError::new(
                "period_too_long",
                format!("a report covers at most {MAX_PERIOD_DAYS} days"),
            )
            .at("from"));
        }
        Ok(period)
    }

    /// Parses `YYYY-MM-DD` dates; `None` defaults to the 30 days ending `today`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, ValidationError> {
        let date = |value: &str, field: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                ValidationError::new(
                    "invalid_date",
                    format!("'{value}' is not a date (YYYY-MM-DD)"),
                )
                .at(field)
            })
        };
        let to = match to {
            Some(v) => date(v, "to")?,
            None => today,
        };
        let from = match from {
            Some(v) => date(v, "from")?,
            None => to - Days::new(29),
        };
        Period::new(from, to)
    }

    /// Number of days, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length that ends the day before this one starts.
    pub fn previous(&self) -> Period {
        let len = self.days() as u64;
        Period {
            from: self.from - Days::new(len),
            to: self.from - Days::new(1),
        }
    }

    /// `[start, end)` in epoch milliseconds: local midnight of `from` to local midnight after
    /// `to`, in `tz`.
    pub fn utc_bounds(&self, tz: Tz) -> (i64, i64) {
        (
            local_midnight_ms(tz, self.from),
            local_midnight_ms(tz, self.to + Days::new(1)),
        )
    }

    /// The buckets covering the period in order; the first and last are clipped to it (a
    /// period starting on a Wednesday has a first weekly bucket Wednesday to Sunday).
    pub fn buckets(&self, granularity: Granularity) -> Vec<Bucket> {
        let mut out = Vec::new();
        let mut start = granularity.bucket_start(self.from);
        while start <= self.to {
            let end = granularity.bucket_end(start);
            out.push(Bucket {
                label: granularity.label(start),
                from: start.max(self.from),
                to: end.min(self.to),
            });
            start = end + Days::new(1);
        }
        out
    }
}

/// The instant a local date begins in `tz`. Where midnight does not exist (a daylight-saving
/// change at midnight, as Santiago or Beirut have had), the day begins at the first instant that
/// does; where it exists twice, at the earlier.
pub fn local_midnight_ms(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(early, _) => early.timestamp_millis(),
        LocalResult::None => {
            // Walk forward a quarter hour at a time: gaps are at most a few hours.
            let mut probe = midnight;
            for _ in 0..(4 * 24) {
                probe += chrono::Duration::minutes(15);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.timestamp_millis();
                }
            }
            midnight.and_utc().timestamp_millis()
        }
    }
}

/// The local date an instant falls on in `tz`.
pub fn local_date(tz: Tz, ms: i64) -> NaiveDate {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// Today in `tz`.
pub fn today(tz: Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// Sums per-slot flows into the period's buckets by the local date each slot falls on in `tz`.
/// Slots outside the period are ignored. Returns every bucket, empty ones included.
pub fn bucket_slots(
    period: &Period,
    granularity: Granularity,
    tz: Tz,
    slots: impl IntoIterator<Item = (i64, Flow)>,
) -> Vec<(Bucket, Flow)> {
    use std::cmp::Ordering;
    let buckets = period.buckets(granularity);
    let mut flows = vec![Flow::default(); buckets.len()];
    for (slot, flow) in slots {
        let date = local_date(tz, slot * SLOT_MS);
        let found = buckets.binary_search_by(|b| {
            if b.to < date {
                Ordering::Less
            } else if b.from > date {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        });
        if let Ok(i) = found {
            flows[i].add(&flow);
        }
    }
    buckets.into_iter().zip(flows).collect()
}

/// `numerator / denominator` rounded half away from zero; `None` when dividing by zero.
pub fn ratio_rounded(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (i128::from(numerator), i128::from(denominator));
    let q = (2 * n.abs() + d.abs()) / (2 * d.abs());
    let signed = if (n < 0) != (d < 0) { -q } else { q };
    Some(signed as i64)
}

/// `part / whole` in basis points (1 % = 100), rounded half away from zero; `None` when
/// `whole` is zero.
pub fn share_bps(part: i64, whole: i64) -> Option<i64> {
    ratio_rounded(part.saturating_mul(10_000), whole)
}

/// Change from `previous` to `current` in basis points; `None` when `previous` is zero.
pub fn change_bps(current: i64, previous: i64) -> Option<i64> {
    share_bps(current - previous, previous)
}

/// The key figures of a set of sales (and, subtracted, returns).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flow {
    /// What customers paid for goods, tax included, after discounts.
    pub gross_sales_minor: i64,
    pub tax_minor: i64,
    /// Gross sales minus tax.
    pub net_sales_minor: i64,
    pub cogs_minor: i64,
    /// Sales (receipts) counted.
    pub transactions: i64,
    /// Pieces sold; a weighed line counts as one.
    pub units: i64,
}

impl Flow {
    pub fn add(&mut self, other: &Flow) {
        self.gross_sales_minor += other.gross_sales_minor;
        self.tax_minor += other.tax_minor;
        self.net_sales_minor += other.net_sales_minor;
        self.cogs_minor += other.cogs_minor;
        self.transactions += other.transactions;
        self.units += other.units;
    }
}

/// Key performance indicators of a period. One definition of gross sales in every report
/// (docs/reports.md): what customers paid on sales, before returns; returns are their own
/// figure, and revenue = gross sales − returns − tax (tax net of the tax refunded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Kpis {
    /// What customers paid on sales, tax included, before returns.
    pub gross_sales_minor: i64,
    /// Tax on sales minus the tax refunded on returns.
    pub tax_minor: i64,
    /// Revenue: gross sales − returns − tax, i.e. sales net of tax minus returns net of tax.
    pub revenue_minor: i64,
    /// Refunded goods, tax included (not in gross sales; subtracted in revenue).
    pub returns_minor: i64,
    /// Cost of goods sold minus the cost of goods returned.
    pub cogs_minor: i64,
    /// Revenue minus cost of goods sold.
    pub gross_margin_minor: i64,
    /// Gross margin over revenue in basis points; null without revenue.
    pub gross_margin_bps: Option<i64>,
    /// Sales (receipts).
    pub transactions: i64,
    /// Gross sales (before returns, as above) per transaction; null without transactions.
    pub average_basket_minor: Option<i64>,
    /// Pieces sold minus pieces returned; a weighed line counts as one.
    pub units: i64,
}

impl Kpis {
    /// The KPIs of `sales` less `returns` (returned goods: their gross, tax, net, cost and
    /// pieces; their `transactions` is the number of returns, not subtracted from sales).
    pub fn from_flows(sales: &Flow, returns: &Flow) -> Kpis {
        let revenue = sales.net_sales_minor - returns.net_sales_minor;
        let cogs = sales.cogs_minor - returns.cogs_minor;
        let margin = revenue - cogs;
        Kpis {
            gross_sales_minor: sales.gross_sales_minor,
            tax_minor: sales.tax_minor - returns.tax_minor,
            revenue_minor: revenue,
            returns_minor: returns.gross_sales_minor,
            cogs_minor: cogs,
            gross_margin_minor: margin,
            gross_margin_bps: share_bps(margin, revenue),
            transactions: sales.transactions,
            average_basket_minor: ratio_rounded(sales.gross_sales_minor, sales.transactions),
            units: sales.units - returns.units,
        }
    }
}

/// An amount in minor units written in major units with the currency's exponent:
/// `(-1234, 2)` → `-12.34`, `(500, 0)` → `500`, `(5, 3)` → `0.005`.
pub fn format_major(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i128.pow(u32::from(exponent));
    let abs = i128::from(minor).abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = usize::from(exponent)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_are_labelled_by_iso_year() {
        // 2027-01-01 is a Friday in ISO week 2026-W53.
        assert_eq!(
            Granularity::Week.bucket_start(d("2027-01-01")),
            d("2026-12-28")
        );
        assert_eq!(Granularity::Week.label(d("2026-12-28")), "2026-W53");
        assert_eq!(
            Granularity::Week.bucket_start(d("2026-03-09")),
            d("2026-03-09")
        );
        assert_eq!(
            Granularity::Week.bucket_start(d("2026-03-15")),
            d("2026-03-09")
        );
    }

    #[test]
    fn buckets_cover_the_period_exactly_and_are_clipped_at_its_ends() {
        let p = Period::new(d("2026-03-04"), d("2026-03-17")).unwrap();
        let weeks = p.buckets(Granularity::Week);
        let spans: Vec<_> = weeks.iter().map(|b| (b.from, b.to)).collect();
        assert_eq!(
            spans,
            vec![
                (d("2026-03-04"), d("2026-03-08")),
                (d("2026-03-09"), d("2026-03-15")),
                (d("2026-03-16"), d("2026-03-17")),
            ]
        );
        let months = Period::new(d("2026-01-31"), d("2026-03-01"))
            .unwrap()
            .buckets(Granularity::Month);
        assert_eq!(
            months.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(),
            ["2026-01", "2026-02", "2026-03"]
        );
        assert_eq!(months[1].to, d("2026-02-28"));
        assert_eq!(p.buckets(Granularity::Day).len(), 14);
    }

    #[test]
    fn a_period_must_not_end_before_it_starts_nor_be_too_long() {
        let e = Period::new(d("2026-03-02"), d("2026-03-01")).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("invalid_period", Some("to")));
        let e = Period::new(d("2020-01-01"), d("2026-01-01")).unwrap_err();
        assert_eq!(e.code, "period_too_long");
        assert!(Period::new(d("2026-03-01"), d("2026-03-01")).is_ok());
        let e = Period::parse(Some("2026-13-01"), None, d("2026-03-01")).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("invalid_date", Some("from")));
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let p = Period::new(d("2026-03-01"), d("2026-03-31")).unwrap();
        assert_eq!(
            p.previous(),
            Period {
                from: d("2026-01-29"),
                to: d("2026-02-28")
            }
        );
        assert_eq!(
            Period::parse(None, None, d("2026-03-30")).unwrap().days(),
            30
        );
    }

    #[test]
    fn local_days_follow_the_store_time_zone_and_daylight_saving() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-03-29 is the spring-forward day in Berlin: 23 hours long.
        let day = Period::new(d("2026-03-29"), d("2026-03-29")).unwrap();
        let (start, end) = day.utc_bounds(berlin);
        assert_eq!(end - start, 23 * 3_600_000);
        assert_eq!(
            DateTime::from_timestamp_millis(start).unwrap().to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
        // 23:30 UTC on the 28th is already the 29th in Berlin.
        let ms = DateTime::parse_from_rfc3339("2026-03-28T23:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(local_date(berlin, ms), d("2026-03-29"));
    }

    #[test]
    fn quarter_hour_slots_never_straddle_a_local_midnight() {
        for zone in [
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "America/St_Johns",
            "Europe/Berlin",
        ] {
            let tz: Tz = zone.parse().unwrap();
            for day in ["2026-01-15", "2026-04-05", "2026-10-25"] {
                let midnight = local_midnight_ms(tz, d(day));
                assert_eq!(midnight % SLOT_MS, 0, "{zone} {day}");
            }
        }
    }

    #[test]
    fn a_missing_midnight_starts_the_day_at_the_first_real_instant() {
        // Santiago skipped from 00:00 to 01:00 on 2026-09-06.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let start = local_midnight_ms(tz, d("2026-09-06"));
        assert_eq!(local_date(tz, start), d("2026-09-06"));
        assert_eq!(local_date(tz, start - 1), d("2026-09-05"));
    }

    #[test]
    fn kpis_keep_gross_before_returns_and_subtract_them_from_revenue() {
        let sales = Flow {
            gross_sales_minor: 11_900,
            tax_minor: 1_900,
            net_sales_minor: 10_000,
            cogs_minor: 6_000,
            transactions: 3,
            units: 10,
        };
        let returns = Flow {
            gross_sales_minor: 1_190,
            tax_minor: 190,
            net_sales_minor: 1_000,
            cogs_minor: 600,
            transactions: 1,
            units: 1,
        };
        let k = Kpis::from_flows(&sales, &returns);
        assert_eq!(k.gross_sales_minor, 11_900, "before returns");
        assert_eq!(
            k.gross_sales_minor - k.returns_minor - k.tax_minor,
            k.revenue_minor
        );
        assert_eq!(k.revenue_minor, 9_000);
        assert_eq!(k.cogs_minor, 5_400);
        assert_eq!(k.gross_margin_minor, 3_600);
        assert_eq!(k.gross_margin_bps, Some(4_000));
        assert_eq!(k.average_basket_minor, Some(3_967));
        assert_eq!(k.units, 9);
        assert_eq!(k.returns_minor, 1_190);
        assert_eq!(
            Kpis::from_flows(&Flow::default(), &Flow::default()).gross_margin_bps,
            None
        );
    }

    #[test]
    fn ratios_round_half_away_from_zero() {
        assert_eq!(ratio_rounded(5, 2), Some(3));
        assert_eq!(ratio_rounded(-5, 2), Some(-3));
        assert_eq!(ratio_rounded(1, 0), None);
        assert_eq!(change_bps(150, 100), Some(5_000));
        assert_eq!(change_bps(50, 100), Some(-5_000));
        assert_eq!(change_bps(1, 0), None);
    }

    #[test]
    fn amounts_are_written_in_major_units() {
        assert_eq!(format_major(-1234, 2), "-12.34");
        assert_eq!(format_major(5, 2), "0.05");
        assert_eq!(format_major(500, 0), "500");
        assert_eq!(format_major(5, 3), "0.005");
        assert_eq!(format_major(-7, 2), "-0.07");
    }
    #[test]
    fn slots_land_in_the_bucket_of_their_local_date() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let period = Period::new(d("2026-03-08"), d("2026-03-09")).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis() / SLOT_MS;
        let one = Flow {
            transactions: 1,
            ..Flow::default()
        };
        // Sunday 23:30 UTC is Monday 00:30 in Berlin: the next day and the next ISO week.
        let slots = [
            (at("2026-03-08T22:45:00Z"), one),
            (at("2026-03-08T23:30:00Z"), one),
        ];
        let days = bucket_slots(&period, Granularity::Day, tz, slots);
        assert_eq!(days[0].1.transactions, 1);
        assert_eq!(days[1].1.transactions, 1);
        let weeks = bucket_slots(&period, Granularity::Week, tz, slots);
        assert_eq!(
            weeks
                .iter()
                .map(|(b, f)| (b.label.as_str(), f.transactions))
                .collect::<Vec<_>>(),
            [("2026-W10", 1), ("2026-W11", 1)]
        );
        // Outside the period: ignored.
        let later = bucket_slots(
            &period,
            Granularity::Day,
            tz,
            [(at("2026-03-10T12:00:00Z"), one)],
        );
        assert!(later.iter().all(|(_, f)| f.transactions == 0));
    }
}
