//! Rolling-origin backtests of one series.
//!
//! Origin k (1-based) stands `k·horizon` days before the end: the model is fitted on the
//! days before it and scored on the `horizon` days after it. Windows whose training part
//! would be shorter than [`MIN_TRAIN`] days are skipped. The score used to choose models is
//! `MAE/naive-MAE + RMSE/naive-RMSE` (scaled so the two terms weigh alike): MAE alone would
//! reward forecasting zero on intermittent series, RMSE alone would chase outliers.

use crate::forecaster::{Forecaster, fit_predict};
use crate::metrics::{naive_mae_scale, naive_mse_scale};
use crate::series::Series;

/// Shortest training part a window may have.
pub const MIN_TRAIN: usize = 28;

/// Errors of one model over all windows of one series.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowErrors {
    /// Σ|e|.
    pub abs: f64,
    /// Σe².
    pub sq: f64,
    /// Number of scored days.
    pub days: usize,
}

impl WindowErrors {
    /// Adds the errors of one forecast.
    pub fn add(&mut self, actual: &[f64], forecast: &[f64]) {
        for (a, f) in actual.iter().zip(forecast) {
            self.abs += (a - f).abs();
            self.sq += (a - f).powi(2);
        }
        self.days += actual.len();
    }

    /// Scaled score (lower is better); `None` when nothing was scored.
    pub fn score(&self, history: &[f64]) -> Option<f64> {
        if self.days == 0 {
            return None;
        }
        let mae = self.abs / self.days as f64;
        let rmse = (self.sq / self.days as f64).sqrt();
        let s1 = naive_mae_scale(history, 7)
            .or_else(|| naive_mae_scale(history, 1))
            .unwrap_or(1.0);
        let s2 = naive_mse_scale(history).map_or(1.0, f64::sqrt);
        Some(mae / s1 + rmse / s2)
    }
}

/// Training lengths of the usable windows of a series of length `n`.
pub fn window_cuts(n: usize, horizon: usize, windows: usize) -> Vec<usize> {
    (1..=windows)
        .filter_map(|k| n.checked_sub(k * horizon))
        .filter(|&cut| cut >= MIN_TRAIN)
        .collect()
}

/// Backtests one model on one window; `None` if the model cannot fit there.
pub fn score_window(
    model: &dyn Forecaster,
    series: &Series,
    cut: usize,
    horizon: usize,
) -> Option<Vec<f64>> {
    let train = series.truncated(cut, horizon);
    fit_predict(model, &train, horizon, 80.0)
        .ok()
        .map(|f| f.mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_skip_windows_without_enough_training_days() {
        assert_eq!(window_cuts(100, 28, 3), vec![72, 44]);
        assert!(window_cuts(14, 28, 2).is_empty());
    }

    #[test]
    fn better_forecast_scores_lower() {
        let history: Vec<f64> = (0..30).map(|t| f64::from(t % 7)).collect();
        let mut good = WindowErrors::default();
        good.add(&[1.0, 2.0], &[1.1, 2.0]);
        let mut bad = WindowErrors::default();
        bad.add(&[1.0, 2.0], &[3.0, 0.0]);
        assert!(good.score(&history).unwrap() < bad.score(&history).unwrap());
    }
}
