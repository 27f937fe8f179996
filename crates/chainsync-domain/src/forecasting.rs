//! Rules of forecasts in the product (docs/forecasts.md), free of IO so they are tested here.
//!
//! Terms: a **series** is one store × product; a **scope** is a series or the store's default
//! (`None` product). A model is trained on complete local days up to its `data_to` (yesterday at
//! training time) and forecasts [`TRAINED_HORIZON`] days after it at [`TRAINED_LEVEL`] percent.
//! Its **live** accuracy compares that stored forecast with what then sold, on the backtest's
//! MASE scale (the training history's in-sample seasonal-naive MAE, m = 7); a model is
//! **degraded** when its live MASE is worse than its backtest MASE by more than a margin.

use crate::error::ValidationError;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Days every model forecasts at training time: the longest horizon the API serves.
pub const TRAINED_HORIZON: u32 = 90;
/// Interval level (percent) stored at training time; other levels are derived from it.
pub const TRAINED_LEVEL: u32 = 80;
/// The longest history a training job reads, in days.
pub const MAX_TRAINING_DAYS: i64 = 730;
/// Days of sales that give a product its share of the store default's forecast.
pub const SHARE_WINDOW_DAYS: i64 = 90;

/// The validated query of `GET /forecasts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ForecastQuery {
    pub horizon: u32,
    pub level: u32,
    pub history_days: u32,
}

/// One bounded integer query parameter: absent → `default`; not an integer or out of
/// `min..=max` → `invalid_query` naming it.
pub fn bounded(
    name: &str,
    raw: Option<&str>,
    min: u32,
    max: u32,
    default: u32,
) -> Result<u32, ValidationError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match raw.trim().parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(ValidationError::new(
            "invalid_query",
            format!("{name} must be a whole number from {min} to {max}"),
        )
        .at(name)),
    }
}

impl ForecastQuery {
    /// Validates the raw parameters (each `None` when absent).
    pub fn parse(
        horizon: Option<&str>,
        level: Option<&str>,
        history_days: Option<&str>,
    ) -> Result<Self, ValidationError> {
        Ok(ForecastQuery {
            horizon: bounded("horizon", horizon, 1, TRAINED_HORIZON, 28)?,
            level: bounded("level", level, 50, 99, TRAINED_LEVEL)?,
            history_days: bounded("history_days", history_days, 7, 730, 90)?,
        })
    }
}

/// Whether a training job retrains a series: always when `full` or when the scope has no
/// model; otherwise only when it sold something after its model's last training day.
pub fn needs_training(
    full: bool,
    model_data_to: Option<NaiveDate>,
    last_sale_day: Option<NaiveDate>,
) -> bool {
    match (full, model_data_to, last_sale_day) {
        (_, _, None) => false,
        (true, _, Some(_)) | (false, None, Some(_)) => true,
        (false, Some(to), Some(last)) => last > to,
    }
}

/// Accuracy of a model on the days since its training that have an actual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveAccuracy {
    /// Mean absolute error over the days / the training history's MASE scale (`None` when
    /// the history had no scale, e.g. a constant series).
    pub mase: Option<f64>,
    /// Σ|actual − forecast| / Σ actual (`None` when nothing sold on those days).
    pub wape: Option<f64>,
    pub days: u32,
}

/// Live accuracy from the forecast means and the actuals of the same days (in order from the
/// first forecast day; only the common prefix counts). `None` without any such day.
pub fn live_accuracy(forecast: &[f64], actual: &[f64], scale: Option<f64>) -> Option<LiveAccuracy> {
    let days = forecast.len().min(actual.len());
    if days == 0 {
        return None;
    }
    let abs_error: f64 = forecast[..days]
        .iter()
        .zip(&actual[..days])
        .map(|(f, a)| (a - f).abs())
        .sum();
    let sold: f64 = actual[..days].iter().sum();
    let mae = abs_error / days as f64;
    Some(LiveAccuracy {
        mase: scale.filter(|s| *s > 0.0).map(|s| mae / s),
        wape: (sold > 0.0).then(|| abs_error / sold),
        days: u32::try_from(days).unwrap_or(u32::MAX),
    })
}

/// When a model counts as degraded (configurable).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DegradationRule {
    /// Relative margin: degraded when live MASE > backtest MASE × (1 + margin).
    pub margin: f64,
    /// Fewer live days than this are too little evidence to judge.
    pub min_days: u32,
}

impl Default for DegradationRule {
    fn default() -> Self {
        DegradationRule {
            margin: 0.25,
            min_days: 7,
        }
    }
}

impl DegradationRule {
    /// Checks the settings: a margin from 0 to 10 (0 % to 1000 %), at least one day.
    pub fn new(margin: f64, min_days: u32) -> Result<Self, ValidationError> {
        if !(margin.is_finite() && (0.0..=10.0).contains(&margin)) {
            return Err(ValidationError::new(
                "invalid_config",
                "forecast_degradation_margin must be from 0 to 10",
            ));
        }
        if min_days == 0 {
            return Err(ValidationError::new(
                "invalid_config",
                "forecast_degradation_min_days must be at least 1",
            ));
        }
        Ok(DegradationRule { margin, min_days })
    }

    /// True when the live accuracy is worse than the backtest by more than the margin.
    pub fn is_degraded(&self, backtest_mase: Option<f64>, live: Option<&LiveAccuracy>) -> bool {
        match (backtest_mase, live) {
            (Some(backtest), Some(live)) if live.days >= self.min_days => live
                .mase
                .is_some_and(|m| m > backtest * (1.0 + self.margin)),
            _ => false,
        }
    }
}

/// When scheduled training runs: daily at a local time of each store, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainingSchedule {
    Off,
    DailyAt(NaiveTime),
}

/// How long after its time a missed daily run may still start (a server that was down for
/// longer skips that day; incremental training catches up the next day).
pub const SCHEDULE_WINDOW_HOURS: i64 = 3;

impl TrainingSchedule {
    /// `off` or a local time `HH:MM`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(TrainingSchedule::Off);
        }
        NaiveTime::parse_from_str(s, "%H:%M")
            .map(TrainingSchedule::DailyAt)
            .map_err(|_| {
                ValidationError::new(
                    "invalid_config",
                    format!("forecast_schedule must be off or a local time HH:MM, not {s:?}"),
                )
            })
    }

    /// The local date whose run is due at local time `now`, if any: from the scheduled time
    /// until [`SCHEDULE_WINDOW_HOURS`] later.
    pub fn due(&self, now: NaiveDateTime) -> Option<NaiveDate> {
        let TrainingSchedule::DailyAt(at) = self else {
            return None;
        };
        // The run of today, or of yesterday when the window crosses midnight.
        for date in [now.date(), now.date().pred_opt()?] {
            let start = date.and_time(*at);
            let end = start + chrono::Duration::hours(SCHEDULE_WINDOW_HOURS);
            if now >= start && now < end {
                return Some(date);
            }
        }
        None
    }
}

/// A product's share of its store's sales (0 when the store sold nothing): how the store
/// default's forecast is divided for a product without a model of its own.
pub fn share(product_sold: f64, store_sold: f64) -> f64 {
    if store_sold > 0.0 && product_sold > 0.0 {
        (product_sold / store_sold).min(1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn query_defaults_apply_and_bounds_are_inclusive() {
        let q = ForecastQuery::parse(None, None, None).unwrap();
        assert_eq!((q.horizon, q.level, q.history_days), (28, 80, 90));
        let q = ForecastQuery::parse(Some("90"), Some("50"), Some("730")).unwrap();
        assert_eq!((q.horizon, q.level, q.history_days), (90, 50, 730));
        assert!(ForecastQuery::parse(Some("1"), Some("99"), Some("7")).is_ok());
    }

    #[test]
    fn out_of_range_or_unparsable_values_name_their_parameter() {
        for (h, l, days, field) in [
            (Some("0"), None, None, "horizon"),
            (Some("91"), None, None, "horizon"),
            (Some("ten"), None, None, "horizon"),
            (Some("-3"), None, None, "horizon"),
            (None, Some("49"), None, "level"),
            (None, Some("100"), None, "level"),
            (None, Some("80.5"), None, "level"),
            (None, None, Some("6"), "history_days"),
            (None, None, Some("731"), "history_days"),
        ] {
            let err = ForecastQuery::parse(h, l, days).unwrap_err();
            assert_eq!(err.code, "invalid_query");
            assert_eq!(err.field.as_deref(), Some(field));
        }
    }

    #[test]
    fn incremental_training_takes_only_series_with_new_sales() {
        let to = Some(d("2026-11-20"));
        assert!(!needs_training(false, to, Some(d("2026-11-20"))));
        assert!(needs_training(false, to, Some(d("2026-11-21"))));
        assert!(needs_training(false, None, Some(d("2026-01-01"))));
        assert!(needs_training(true, to, Some(d("2026-11-01"))));
        assert!(
            !needs_training(true, None, None),
            "nothing sold: nothing to learn"
        );
    }

    #[test]
    fn live_accuracy_uses_the_backtest_scale_and_the_common_days() {
        let live = live_accuracy(&[2.0, 2.0, 2.0], &[1.0, 3.0], Some(0.5)).unwrap();
        assert_eq!(live.days, 2);
        assert_eq!(live.mase, Some(2.0)); // MAE 1 / scale 0.5
        assert_eq!(live.wape, Some(0.5)); // 2 / 4
        assert!(live_accuracy(&[1.0], &[], Some(1.0)).is_none());
        let none_sold = live_accuracy(&[1.0], &[0.0], None).unwrap();
        assert_eq!((none_sold.mase, none_sold.wape), (None, None));
    }

    #[test]
    fn degradation_needs_enough_days_and_more_than_the_margin() {
        let rule = DegradationRule::new(0.25, 3).unwrap();
        let live = |mase, days| LiveAccuracy {
            mase: Some(mase),
            wape: None,
            days,
        };
        assert!(
            !rule.is_degraded(Some(1.0), Some(&live(1.25, 5))),
            "at the margin"
        );
        assert!(rule.is_degraded(Some(1.0), Some(&live(1.26, 5))));
        assert!(
            !rule.is_degraded(Some(1.0), Some(&live(9.0, 2))),
            "too few days"
        );
        assert!(
            !rule.is_degraded(None, Some(&live(9.0, 5))),
            "no backtest to compare"
        );
        assert!(!rule.is_degraded(Some(1.0), None));
        assert!(DegradationRule::new(-0.1, 3).is_err());
        assert!(DegradationRule::new(f64::NAN, 3).is_err());
        assert!(DegradationRule::new(0.1, 0).is_err());
    }

    #[test]
    fn schedules_parse_and_are_due_within_their_window() {
        assert_eq!(
            TrainingSchedule::parse("OFF").unwrap(),
            TrainingSchedule::Off
        );
        assert!(TrainingSchedule::parse("25:00").is_err());
        assert!(TrainingSchedule::parse("3am").is_err());
        let s = TrainingSchedule::parse("03:00").unwrap();
        let at = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(s.due(at("2026-11-26 02:59")), None);
        assert_eq!(s.due(at("2026-11-26 03:00")), Some(d("2026-11-26")));
        assert_eq!(s.due(at("2026-11-26 05:59")), Some(d("2026-11-26")));
        assert_eq!(s.due(at("2026-11-26 06:00")), None);
        let late = TrainingSchedule::parse("23:30").unwrap();
        assert_eq!(late.due(at("2026-11-27 01:00")), Some(d("2026-11-26")));
        assert_eq!(TrainingSchedule::Off.due(at("2026-11-26 03:00")), None);
    }

    #[test]
    fn shares_are_bounded_and_zero_without_sales() {
        assert_eq!(share(5.0, 20.0), 0.25);
        assert_eq!(share(0.0, 20.0), 0.0);
        assert_eq!(share(3.0, 0.0), 0.0);
        assert_eq!(share(30.0, 20.0), 1.0);
    }
}
