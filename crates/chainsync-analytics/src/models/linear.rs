//! Linear regression: intercept, linear trend, weekday dummies, yearly Fourier terms and
//! the caller's regressors, fitted by (lightly ridged) least squares.
//!
//! Yearly terms are only used with at least a year of history; below that they would fit
//! noise and extrapolate it. Interval: residual σ (with degrees-of-freedom correction),
//! constant over the horizon.

use std::f64::consts::TAU;

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::linalg::{NormalEquations, dot};
use crate::series::{Forecast, Series};

/// Linear regression model settings.
#[derive(Debug, Clone)]
pub struct LinearRegression {
    /// Number of yearly Fourier pairs.
    pub yearly_terms: usize,
    /// Ridge penalty per non-intercept column, relative to the number of rows.
    pub ridge: f64,
}

impl Default for LinearRegression {
    fn default() -> Self {
        Self {
            yearly_terms: 3,
            ridge: 1e-4,
        }
    }
}

/// Builds the calendar/trend design row shared by the linear and Prophet-like models.
#[derive(Debug, Clone)]
pub(crate) struct CalendarDesign {
    pub yearly_terms: usize,
    pub weekly: bool,
}

impl CalendarDesign {
    pub fn width(&self, regressors: usize) -> usize {
        (if self.weekly { 6 } else { 0 }) + 2 * self.yearly_terms + regressors
    }

    /// Appends weekday dummies (Monday is the reference), yearly Fourier and regressors.
    pub fn push(&self, series: &Series, t: usize, row: &mut Vec<f64>) {
        if self.weekly {
            let dow = series.weekday(t);
            for d in 1..7 {
                row.push(if dow == d { 1.0 } else { 0.0 });
            }
        }
        let yf = series.year_fraction(t);
        for k in 1..=self.yearly_terms {
            let a = TAU * k as f64 * yf;
            row.push(a.sin());
            row.push(a.cos());
        }
        for col in &series.x {
            row.push(col[t]);
        }
    }
}

#[derive(Debug)]
struct FittedLinear {
    series: Series,
    design: CalendarDesign,
    beta: Vec<f64>,
    sigma: f64,
}

impl FittedLinear {
    fn row(&self, t: usize) -> Vec<f64> {
        let n = self.series.len() as f64;
        let mut row = vec![1.0, t as f64 / n];
        self.design.push(&self.series, t, &mut row);
        row
    }
}

impl Forecaster for LinearRegression {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 14)?;
        let n = series.len();
        let design = CalendarDesign {
            yearly_terms: if n >= 365 { self.yearly_terms } else { 0 },
            weekly: true,
        };
        let p = 2 + design.width(series.x.len());
        let mut fitted = FittedLinear {
            series: series.clone(),
            design,
            beta: Vec::new(),
            sigma: 0.0,
        };
        let mut ne = NormalEquations::new(p);
        for t in 0..n {
            ne.add_row(&fitted.row(t), series.y[t]);
        }
        let mut penalty = vec![self.ridge * n as f64; p];
        penalty[0] = 0.0;
        fitted.beta = ne.solve(&penalty)?;
        let sse: f64 = (0..n)
            .map(|t| (series.y[t] - dot(&fitted.row(t), &fitted.beta)).powi(2))
            .sum();
        fitted.sigma = (sse / (n.saturating_sub(p).max(1)) as f64).sqrt();
        Ok(Box::new(fitted))
    }
}

impl Fitted for FittedLinear {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        self.series.check_regressors(horizon)?;
        let n = self.series.len();
        let mean = (n..n + horizon)
            .map(|t| dot(&self.row(t), &self.beta))
            .collect();
        Forecast::from_normal(mean, &vec![self.sigma; horizon], level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{holdout_mae, promoted, trend_weekly};

    #[test]
    fn extrapolates_a_trend() {
        let s = trend_weekly(200, 0.5, 0.0, 1);
        let f = fit_predict(&LinearRegression::default(), &s, 28, 80.0).unwrap();
        // Without noise the last forecast day lies exactly on 20 + 0.5·t plus its weekday offset.
        let t = 227;
        let expected =
            20.0 + 0.5 * t as f64 + 10.0 * (crate::models::testdata::PROFILE[t % 7] - 1.0);
        assert!(
            (f.mean[27] - expected).abs() < 0.5,
            "{} vs {expected}",
            f.mean[27]
        );
    }

    #[test]
    fn beats_seasonal_naive_on_trend_with_noise() {
        let s = trend_weekly(400, 0.2, 4.0, 7);
        let (model, naive) = holdout_mae(&LinearRegression::default(), &s, 372);
        assert!(model < naive * 0.8, "linear {model} vs naive {naive}");
    }

    #[test]
    fn uses_promotion_regressor() {
        let s = promoted(300, 28, 30.0, 3);
        let full_y_len = s.len();
        let f = fit_predict(&LinearRegression::default(), &s, 28, 80.0).unwrap();
        let promo_days: Vec<usize> = (0..28).filter(|h| s.x[0][full_y_len + h] > 0.5).collect();
        let plain_days: Vec<usize> = (0..28).filter(|h| s.x[0][full_y_len + h] < 0.5).collect();
        let avg = |d: &[usize]| d.iter().map(|&h| f.mean[h]).sum::<f64>() / d.len() as f64;
        assert!(!promo_days.is_empty() && avg(&promo_days) > avg(&plain_days) + 20.0);
    }
}
