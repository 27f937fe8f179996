//! Weekday shaping of the flat intermittent forecasts with their group's weekday profile.
//!
//! Croston, SBA and TSB forecast one level for every day ahead. That is right for an item's
//! weekly total and wrong for its days when the store sells twice as much on Saturday as on
//! Monday: summed over a store's items, flat forecasts miss the store's week entirely. An
//! intermittent item's own history is too sparse to show a weekday pattern, but its group's
//! total (the store's sales, else the category's, else the whole panel's) shows it plainly,
//! and the items of a store share its footfall. [`Shaped`] multiplies each forecast day by
//! the group's index for that weekday — the top-down seasonal index used for slow movers in
//! retail practice — scaled by how far the item's own recent history follows that profile
//! (β in [0, 1], by least squares): a page of a website or an item sold only on weekdays is
//! not forced into its group's week. Groups whose own weekly pattern is weak give no
//! profile at all.
//!
//! Invariants: a profile's indices are ≥ 0 and average exactly 1 over a week, so the shaped
//! forecast keeps the model's weekly total; mean, `lo` and `hi` are scaled alike, so
//! `lo <= mean <= hi` still holds. A profile is estimated only from days before the
//! forecast origin (the engine builds one per backtest origin), so backtests see no future.

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster};
use crate::models::arima::seasonal_strength;
use crate::series::{Forecast, Series};

/// Weeks of the group's history a profile is estimated from: recent enough to follow a
/// change in opening days, long enough that one holiday week moves an index by under 10 %.
pub const PROFILE_WEEKS: usize = 12;
/// Fewest full weeks a profile needs.
pub const MIN_PROFILE_WEEKS: usize = 4;
/// Weekly seasonal strength a group total needs before its profile is used — the bar below
/// which the engine calls a series' weekly pattern "little" (`engine::WANDERING_MAX_SEASONAL`).
/// A sparse group's total (a few lumpy items) has a weekday profile made of noise: on the
/// bike-shop data, shaping with such profiles cost 5 % RMSSE (docs/ai-models.md).
pub const MIN_GROUP_STRENGTH: f64 = 0.3;

/// Relative level of each weekday (index 0 = Monday), averaging 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekdayProfile([f64; 7]);

impl WeekdayProfile {
    /// The profile of the last [`PROFILE_WEEKS`] full weeks of `history` (a group total);
    /// `None` with fewer than [`MIN_PROFILE_WEEKS`] weeks, nothing sold in them, or a weekly
    /// pattern weaker than [`MIN_GROUP_STRENGTH`].
    pub fn from_history(history: &Series) -> Option<Self> {
        let weeks = (history.len() / 7).min(PROFILE_WEEKS);
        if weeks < MIN_PROFILE_WEEKS {
            return None;
        }
        let first = history.len() - weeks * 7;
        if seasonal_strength(&history.y[first..]) < MIN_GROUP_STRENGTH {
            return None;
        }
        let mut sums = [0.0; 7];
        for t in first..history.len() {
            sums[history.weekday(t)] += history.y[t].max(0.0);
        }
        let total: f64 = sums.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return None;
        }
        Some(Self(sums.map(|s| 7.0 * s / total)))
    }

    /// The index of `weekday` (0 = Monday).
    pub fn index(&self, weekday: usize) -> f64 {
        self.0[weekday % 7]
    }

    /// How much of this profile `series` itself follows over its last [`PROFILE_WEEKS`]
    /// weeks, in [0, 1]: the least-squares β of `y ≈ m·(1 + β·(g − 1))`, with `m` the
    /// series' mean and `g` the profile index of each day.
    pub fn strength_in(&self, series: &Series) -> f64 {
        let weeks = (series.len() / 7).min(PROFILE_WEEKS);
        if weeks == 0 {
            return 0.0;
        }
        let first = series.len() - weeks * 7;
        let y = &series.y[first..];
        let m = crate::stats::mean(y);
        let (mut num, mut den) = (0.0, 0.0);
        for (k, v) in y.iter().enumerate() {
            let dg = self.index(series.weekday(first + k)) - 1.0;
            num += (v - m) * dg;
            den += m * dg * dg;
        }
        if den > 0.0 && num.is_finite() {
            (num / den).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// A model whose forecasts are shaped by a weekday profile.
#[derive(Debug)]
pub struct Shaped {
    inner: Box<dyn Forecaster>,
    profile: WeekdayProfile,
}

impl Shaped {
    /// Shapes `inner`'s forecasts with `profile`.
    pub fn new(inner: Box<dyn Forecaster>, profile: WeekdayProfile) -> Self {
        Self { inner, profile }
    }
}

impl Forecaster for Shaped {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        Ok(Box::new(ShapedFit {
            inner: self.inner.fit(series)?,
            profile: self.profile,
            strength: self.profile.strength_in(series),
            first_weekday: series.weekday(series.len()),
        }))
    }
}

#[derive(Debug)]
struct ShapedFit {
    inner: Box<dyn Fitted>,
    profile: WeekdayProfile,
    /// How much of the profile the series follows ([`WeekdayProfile::strength_in`]).
    strength: f64,
    /// Weekday of the first forecast day.
    first_weekday: usize,
}

impl Fitted for ShapedFit {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        let mut f = self.inner.predict(horizon, level)?;
        for d in 0..f.len() {
            let k = 1.0 + self.strength * (self.profile.index(self.first_weekday + d) - 1.0);
            f.mean[d] *= k;
            f.lo[d] *= k;
            f.hi[d] *= k;
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::intermittent::Intermittent;
    use crate::models::testdata::day0;

    /// A store total that sells 2 on weekdays and 9 on Saturdays.
    fn store_total(days: usize) -> Series {
        let mut s = Series::new(day0(), vec![2.0; days]);
        for t in 0..days {
            if s.weekday(t) == 5 {
                s.y[t] = 9.0;
            }
        }
        s
    }

    #[test]
    fn profile_averages_one_and_finds_the_busy_day() {
        let p = WeekdayProfile::from_history(&store_total(200)).unwrap();
        let mean: f64 = (0..7).map(|d| p.index(d)).sum::<f64>() / 7.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert!((p.index(5) / p.index(0) - 4.5).abs() < 1e-9);
    }

    #[test]
    fn a_group_without_a_weekly_pattern_has_no_profile() {
        let y = (0..200).map(|t| 5.0 + ((t * 37) % 11) as f64).collect();
        assert!(WeekdayProfile::from_history(&Series::new(day0(), y)).is_none());
    }

    #[test]
    fn strength_measures_how_far_an_item_follows_its_group() {
        let profile = WeekdayProfile::from_history(&store_total(200)).unwrap();
        let follower = store_total(140);
        assert!((profile.strength_in(&follower) - 1.0).abs() < 1e-9);
        let flat = Series::new(day0(), vec![3.0; 140]);
        assert_eq!(profile.strength_in(&flat), 0.0);
        // Busy on Mondays, when the group is quiet: a negative β, clamped to 0.
        let mut contrary = Series::new(day0(), vec![1.0; 140]);
        for t in 0..140 {
            if contrary.weekday(t) == 0 {
                contrary.y[t] = 9.0;
            }
        }
        assert_eq!(profile.strength_in(&contrary), 0.0);
    }

    #[test]
    fn short_or_empty_histories_have_no_profile() {
        assert!(WeekdayProfile::from_history(&store_total(27)).is_none());
        let zeros = Series::new(day0(), vec![0.0; 100]);
        assert!(WeekdayProfile::from_history(&zeros).is_none());
    }

    #[test]
    fn shaping_keeps_the_weekly_total_and_the_interval_order() {
        let profile = WeekdayProfile::from_history(&store_total(200)).unwrap();
        // An item that follows its group fully (β = 1).
        let item = store_total(140);
        let flat = fit_predict(&Intermittent::sba(), &item, 14, 80.0).unwrap();
        let shaped = fit_predict(
            &Shaped::new(Box::new(Intermittent::sba()), profile),
            &item,
            14,
            80.0,
        )
        .unwrap();
        let week = |f: &Forecast| f.mean[..7].iter().sum::<f64>();
        assert!((week(&flat) - week(&shaped)).abs() < 1e-9);
        let saturday = (0..7).find(|&d| item.weekday(140 + d) == 5).unwrap();
        let monday = (0..7).find(|&d| item.weekday(140 + d) == 0).unwrap();
        assert!((shaped.mean[saturday] / shaped.mean[monday] - 4.5).abs() < 1e-9);
        for d in 0..14 {
            assert!(shaped.lo[d] <= shaped.mean[d] && shaped.mean[d] <= shaped.hi[d]);
        }
    }
}
