//! Models for intermittent demand (most item × store days sell nothing).
//!
//! - Croston: smooths the non-zero demand sizes `z` and the intervals between them `p`
//!   separately (updated only when a sale happens); forecast `z/p`.
//! - SBA (Syntetos–Boylan approximation): Croston times `1 − α/2`, removing Croston's
//!   known upward bias.
//! - TSB (Teunter–Syntetos–Babai): smooths the *probability* of a sale every day (so an
//!   item that stopped selling decays towards zero) and the size on sale days; forecast `p·z`.
//!
//! Smoothing constants are chosen on a small grid by in-sample one-step squared error (as
//! statsforecast's optimised variants do). Forecasts are flat over the horizon. Interval:
//! empirical quantiles of the one-step errors (they are very skewed, so no normal law).

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::series::{Forecast, Series};

const GRID: [f64; 5] = [0.05, 0.1, 0.15, 0.2, 0.3];

/// Which intermittent method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Croston (1972).
    Croston,
    /// Syntetos–Boylan approximation (2005).
    Sba,
    /// Teunter–Syntetos–Babai (2011).
    Tsb,
}

/// An intermittent-demand model.
#[derive(Debug, Clone)]
pub struct Intermittent {
    method: Method,
}

impl Intermittent {
    /// Croston's method.
    pub fn croston() -> Self {
        Self {
            method: Method::Croston,
        }
    }
    /// SBA.
    pub fn sba() -> Self {
        Self {
            method: Method::Sba,
        }
    }
    /// TSB.
    pub fn tsb() -> Self {
        Self {
            method: Method::Tsb,
        }
    }
}

/// Runs the method over `y`; returns one-step forecasts (index t forecasts y[t]) and the
/// forecast after the last day.
fn run(method: Method, y: &[f64], alpha: f64, beta: f64) -> (Vec<f64>, f64) {
    let mut fitted = Vec::with_capacity(y.len());
    let first = y.iter().position(|v| *v > 0.0);
    let Some(first) = first else {
        return (vec![0.0; y.len()], 0.0);
    };
    let nonzero = y.iter().filter(|v| **v > 0.0).count() as f64;
    let mut z = y[first];
    match method {
        Method::Croston | Method::Sba => {
            let bias = if method == Method::Sba {
                1.0 - alpha / 2.0
            } else {
                1.0
            };
            let mut p = (first + 1) as f64;
            let mut since = 0.0;
            for &v in y {
                fitted.push(bias * z / p);
                since += 1.0;
                if v > 0.0 {
                    z += alpha * (v - z);
                    p += alpha * (since - p);
                    since = 0.0;
                }
            }
            (fitted, bias * z / p)
        }
        Method::Tsb => {
            let mut prob = nonzero / y.len() as f64;
            for &v in y {
                fitted.push(prob * z);
                let occurred = if v > 0.0 { 1.0 } else { 0.0 };
                prob += beta * (occurred - prob);
                if v > 0.0 {
                    z += alpha * (v - z);
                }
            }
            (fitted, prob * z)
        }
    }
}

fn sse(y: &[f64], fitted: &[f64]) -> f64 {
    y.iter().zip(fitted).map(|(a, f)| (a - f).powi(2)).sum()
}

#[derive(Debug)]
struct FittedIntermittent {
    level: f64,
    /// Sorted one-step errors (actual − forecast) of the latest year.
    errors: Vec<f64>,
}

impl Forecaster for Intermittent {
    fn name(&self) -> &'static str {
        match self.method {
            Method::Croston => "croston",
            Method::Sba => "sba",
            Method::Tsb => "tsb",
        }
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 1)?;
        let y = &series.y;
        let betas: &[f64] = if self.method == Method::Tsb {
            &GRID
        } else {
            &[0.0]
        };
        let mut best: Option<(f64, Vec<f64>, f64)> = None;
        for &alpha in &GRID {
            for &beta in betas {
                let (fitted, next) = run(self.method, y, alpha, beta);
                let err = sse(y, &fitted);
                if best.as_ref().is_none_or(|b| err < b.0) {
                    best = Some((err, fitted, next));
                }
            }
        }
        let (_, fitted, level) = best.unwrap_or((0.0, vec![0.0; y.len()], 0.0));
        let from = y.len().saturating_sub(365);
        let mut errors: Vec<f64> = (from..y.len()).map(|t| y[t] - fitted[t]).collect();
        errors.sort_by(f64::total_cmp);
        Ok(Box::new(FittedIntermittent { level, errors }))
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let frac = pos - i as f64;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] * (1.0 - frac) + sorted[j] * frac
}

impl Fitted for FittedIntermittent {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        crate::series::z_for_level(level)?;
        let tail = (1.0 - level / 100.0) / 2.0;
        let lo = self.level + quantile(&self.errors, tail);
        let hi = self.level + quantile(&self.errors, 1.0 - tail);
        Ok(Forecast {
            mean: vec![self.level; horizon],
            lo: vec![lo; horizon],
            hi: vec![hi; horizon],
        }
        .clamped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{day0, holdout_rmse, intermittent};

    #[test]
    fn all_zero_history_forecasts_zero() {
        let s = Series::new(day0(), vec![0.0; 60]);
        for m in [
            Intermittent::croston(),
            Intermittent::sba(),
            Intermittent::tsb(),
        ] {
            let f = fit_predict(&m, &s, 7, 80.0).unwrap();
            assert!(
                f.mean.iter().chain(&f.hi).all(|v| *v == 0.0),
                "{}",
                m.name()
            );
        }
    }

    #[test]
    fn croston_estimates_the_demand_rate() {
        // p = 0.2, mean size 3 → rate 0.6 per day.
        let s = intermittent(2000, 0.2, 5);
        let f = fit_predict(&Intermittent::sba(), &s, 1, 80.0).unwrap();
        assert!((f.mean[0] - 0.6).abs() < 0.2, "{}", f.mean[0]);
    }

    #[test]
    fn tsb_decays_after_demand_stops() {
        let mut y = intermittent(300, 0.3, 1).y;
        y.extend(vec![0.0; 120]);
        let s = Series::new(day0(), y);
        let tsb = fit_predict(&Intermittent::tsb(), &s, 1, 80.0).unwrap().mean[0];
        let croston = fit_predict(&Intermittent::croston(), &s, 1, 80.0)
            .unwrap()
            .mean[0];
        assert!(tsb < croston, "tsb {tsb} croston {croston}");
    }

    #[test]
    fn each_beats_seasonal_naive_on_intermittent_demand() {
        // Averaged over several series so the comparison is about the method, not one draw.
        // RMSE, not MAE: for mostly-zero demand MAE is minimised by forecasting zero.
        for m in [
            Intermittent::croston(),
            Intermittent::sba(),
            Intermittent::tsb(),
        ] {
            let (mut model, mut naive) = (0.0, 0.0);
            for seed in 0..20 {
                let s = intermittent(400, 0.15, seed);
                let (a, b) = holdout_rmse(&m, &s, 372);
                model += a;
                naive += b;
            }
            assert!(
                model < naive * 0.8,
                "{}: {model} vs naive {naive}",
                m.name()
            );
        }
    }
}
