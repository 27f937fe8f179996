//! Accuracy measures, as the backtest report prints them.
//!
//! - WAPE = Σ|y − ŷ| / Σ|y| over all cells of a level (series × day, store × day,
//!   store × week); we report 1 − WAPE as "accuracy" (the design document's reading).
//! - MASE = MAE of the forecast / in-sample MAE of the seasonal naive (m = 7) one step.
//! - RMSSE = √(MSE / in-sample MSE of the naive one step) (m = 1, as in M5).
//!
//! Per-series MASE/RMSSE are averaged over series whose scale is non-zero (a constant
//! history has no scale and is skipped, as in M4/M5).

/// In-sample MAE of the seasonal naive with period `m`; `None` when undefined or zero.
pub fn naive_mae_scale(history: &[f64], m: usize) -> Option<f64> {
    if history.len() <= m {
        return None;
    }
    let s = (m..history.len())
        .map(|t| (history[t] - history[t - m]).abs())
        .sum::<f64>()
        / (history.len() - m) as f64;
    (s > 0.0).then_some(s)
}

/// In-sample MSE of the one-step naive; `None` when undefined or zero.
pub fn naive_mse_scale(history: &[f64]) -> Option<f64> {
    if history.len() < 2 {
        return None;
    }
    let s = (1..history.len())
        .map(|t| (history[t] - history[t - 1]).powi(2))
        .sum::<f64>()
        / (history.len() - 1) as f64;
    (s > 0.0).then_some(s)
}

/// MASE of one series.
pub fn mase(history: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let scale = naive_mae_scale(history, 7)?;
    let mae = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / actual.len() as f64;
    Some(mae / scale)
}

/// RMSSE of one series.
pub fn rmsse(history: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let scale = naive_mse_scale(history)?;
    let mse = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).powi(2))
        .sum::<f64>()
        / actual.len() as f64;
    Some((mse / scale).sqrt())
}

/// Sums of absolute errors and of actuals, to pool WAPE over many cells.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WapeSums {
    /// Σ|y − ŷ|.
    pub abs_error: f64,
    /// Σ|y|.
    pub abs_actual: f64,
}

impl WapeSums {
    /// Adds one cell.
    pub fn add(&mut self, actual: f64, forecast: f64) {
        self.abs_error += (actual - forecast).abs();
        self.abs_actual += actual.abs();
    }

    /// 1 − WAPE (can be negative for very bad forecasts); `None` with no demand at all.
    pub fn accuracy(&self) -> Option<f64> {
        (self.abs_actual > 0.0).then(|| 1.0 - self.abs_error / self.abs_actual)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_forecast_scores_zero_error() {
        let h = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 2.0, 3.0];
        assert_eq!(mase(&h, &[1.0, 2.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(rmsse(&h, &[1.0, 2.0], &[1.0, 2.0]), Some(0.0));
    }

    #[test]
    fn constant_history_has_no_scale() {
        assert_eq!(mase(&[3.0; 20], &[3.0], &[4.0]), None);
    }

    #[test]
    fn wape_pools_cells() {
        let mut w = WapeSums::default();
        w.add(10.0, 8.0);
        w.add(0.0, 2.0);
        assert_eq!(w.accuracy(), Some(1.0 - 4.0 / 10.0));
    }
}
