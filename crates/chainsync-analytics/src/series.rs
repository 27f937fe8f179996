//! Plain data in and out of every model.
//!
//! Terms: `y` is the daily history (day 0 is `start`); `x` are numeric regressors
//! (price, promotion flag, holiday flag), each covering the history *and* the days to
//! forecast, so `x[j].len() >= y.len() + horizon`. Invariant of [`Forecast`]: all three
//! vectors have the horizon's length, `0 <= lo <= forecast <= hi`.

use chrono::{Datelike, NaiveDate};

use crate::error::ForecastError;
use crate::stats::normal_quantile;

/// A daily series with optional regressors.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Date of `y[0]`.
    pub start: NaiveDate,
    /// Daily quantities, no gaps (a missing day is a zero before it gets here).
    pub y: Vec<f64>,
    /// Regressors; each spans history plus the future days that will be forecast.
    pub x: Vec<Vec<f64>>,
}

impl Series {
    /// A series without regressors.
    pub fn new(start: NaiveDate, y: Vec<f64>) -> Self {
        Self {
            start,
            y,
            x: Vec::new(),
        }
    }

    /// Number of observed days.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there is no observation.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Day of week of day index `t` (0 = Monday).
    pub fn weekday(&self, t: usize) -> usize {
        (self.start.weekday().num_days_from_monday() as usize + t) % 7
    }

    /// Fractional position of day `t` within its year, in [0, 1).
    pub fn year_fraction(&self, t: usize) -> f64 {
        let date = self.date(t);
        let days = if date.leap_year() { 366.0 } else { 365.0 };
        f64::from(date.ordinal0()) / days
    }

    /// Calendar date of day index `t`.
    pub fn date(&self, t: usize) -> NaiveDate {
        self.start + chrono::Days::new(t as u64)
    }

    /// The first `n` days, with regressors cut to `n + horizon` (what a forecaster standing
    /// at day `n` would know: the future regressors are assumed known, like a promo plan).
    pub fn truncated(&self, n: usize, horizon: usize) -> Series {
        Series {
            start: self.start,
            y: self.y[..n].to_vec(),
            x: self
                .x
                .iter()
                .map(|col| col[..(n + horizon).min(col.len())].to_vec())
                .collect(),
        }
    }

    /// Checks that every regressor covers the history plus `horizon` days.
    pub fn check_regressors(&self, horizon: usize) -> Result<(), ForecastError> {
        let needed = self.y.len() + horizon;
        for (index, col) in self.x.iter().enumerate() {
            if col.len() < needed {
                return Err(ForecastError::RegressorLength {
                    index,
                    needed,
                    got: col.len(),
                });
            }
        }
        Ok(())
    }
}

/// A forecast: mean and a central interval, per day ahead.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Expected value per day ahead.
    pub mean: Vec<f64>,
    /// Lower bound of the central interval.
    pub lo: Vec<f64>,
    /// Upper bound of the central interval.
    pub hi: Vec<f64>,
}

impl Forecast {
    /// Builds a forecast from means and standard deviations assuming normal errors, then
    /// clamps everything at zero (demand is never negative).
    pub fn from_normal(mean: Vec<f64>, sd: &[f64], level: f64) -> Result<Self, ForecastError> {
        let z = z_for_level(level)?;
        let lo = mean.iter().zip(sd).map(|(m, s)| m - z * s).collect();
        let hi = mean.iter().zip(sd).map(|(m, s)| m + z * s).collect();
        Ok(Self { mean, lo, hi }.clamped())
    }

    /// Number of days ahead.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// True when the horizon is zero.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// Enforces `0 <= lo <= mean <= hi` and replaces non-finite values by 0.
    pub fn clamped(mut self) -> Self {
        for i in 0..self.mean.len() {
            let m = finite_or_zero(self.mean[i]).max(0.0);
            self.mean[i] = m;
            self.lo[i] = finite_or_zero(self.lo[i]).max(0.0).min(m);
            self.hi[i] = finite_or_zero(self.hi[i]).max(m);
        }
        self
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// Two-sided normal quantile for a central interval at `level` percent.
pub fn z_for_level(level: f64) -> Result<f64, ForecastError> {
    if !(level > 0.0 && level < 100.0) {
        return Err(ForecastError::BadLevel(level));
    }
    Ok(normal_quantile(0.5 + level / 200.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamping_never_leaves_negative_bounds() {
        let f = Forecast::from_normal(vec![1.0, -2.0], &[5.0, 1.0], 80.0).unwrap();
        assert!(f.lo.iter().chain(&f.mean).chain(&f.hi).all(|v| *v >= 0.0));
        assert_eq!(f.mean[1], 0.0);
        assert!(f.hi[0] > 1.0 + 6.0);
    }

    #[test]
    fn weekday_and_date_follow_the_calendar() {
        let s = Series::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), vec![0.0; 3]);
        assert_eq!(s.weekday(0), 0); // 2024-01-01 is a Monday
        assert_eq!(s.weekday(6), 6);
        assert_eq!(s.date(31), NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
    }

    #[test]
    fn level_outside_open_interval_is_rejected() {
        assert!(z_for_level(100.0).is_err());
        assert!((z_for_level(95.0).unwrap() - 1.959964).abs() < 1e-4);
    }
}
