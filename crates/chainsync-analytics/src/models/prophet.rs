//! Prophet-like additive model: `y(t) = trend(t) + weekly(t) + yearly(t) + β·x(t) + ε`.
//!
//! - Trend: piecewise linear, `k·t + Σ δⱼ (t − cⱼ)₊` with changepoints `cⱼ` evenly spaced in
//!   the first 80% of the history (Prophet's default placement).
//! - Seasonalities: weekday dummies and yearly Fourier terms (yearly only with a year of data).
//! - Holidays and promotions: the caller's regressors (`Series::x`), e.g. a 0/1 column.
//! - Fit: regularised least squares. Prophet puts a Laplace prior on the changepoint slopes
//!   (MAP by L-BFGS); here the prior is Gaussian (ridge) so the fit is one linear solve:
//!   a first pass estimates the noise σ², the second uses `λ = σ²/τ²` with Prophet's
//!   default scale `τ = 0.05` on max-scaled data.
//! - Interval: residual σ plus trend uncertainty the Prophet way — future changepoints
//!   occur at the historical rate with slopes of the historical size, which adds a
//!   variance growing like `h³` (see `trend_variance`).

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::linalg::{NormalEquations, dot};
use crate::models::linear::CalendarDesign;
use crate::series::{Forecast, Series};

/// Prophet-like model settings.
#[derive(Debug, Clone)]
pub struct ProphetLike {
    /// Number of potential changepoints.
    pub changepoints: usize,
    /// Share of the history in which changepoints may fall.
    pub changepoint_range: f64,
    /// Prior scale of the changepoint slopes (on max-scaled data).
    pub changepoint_prior_scale: f64,
    /// Yearly Fourier pairs.
    pub yearly_terms: usize,
}

impl Default for ProphetLike {
    fn default() -> Self {
        Self {
            changepoints: 25,
            changepoint_range: 0.8,
            changepoint_prior_scale: 0.05,
            yearly_terms: 6,
        }
    }
}

#[derive(Debug)]
struct FittedProphet {
    series: Series,
    design: CalendarDesign,
    cps: Vec<f64>,
    beta: Vec<f64>,
    scale: f64,
    sigma: f64,
    /// Mean |δ| per day (unscaled units) and changepoint rate per day.
    delta_abs: f64,
    cp_rate: f64,
}

impl FittedProphet {
    fn row(&self, t: usize) -> Vec<f64> {
        let n = self.series.len() as f64;
        let tt = t as f64 / n;
        let mut row = Vec::with_capacity(self.beta.len().max(2 + self.cps.len()));
        row.push(1.0);
        row.push(tt);
        for c in &self.cps {
            row.push((tt - c).max(0.0));
        }
        self.design.push(&self.series, t, &mut row);
        row
    }

    fn trend_variance(&self, h: usize) -> f64 {
        // Changes at rate r per day, each a slope change with E[δ²] = 2b² (Laplace),
        // acting for (h − s) days: Σ ≈ r·2b²·h³/3.
        let h = h as f64;
        self.cp_rate * 2.0 * self.delta_abs.powi(2) * h.powi(3) / 3.0
    }
}

impl Forecaster for ProphetLike {
    fn name(&self) -> &'static str {
        "prophet"
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 14)?;
        let n = series.len();
        let k = if n >= 56 {
            self.changepoints.min(n / 14)
        } else {
            0
        };
        let cps: Vec<f64> = (1..=k)
            .map(|j| self.changepoint_range * j as f64 / (k + 1) as f64)
            .collect();
        let design = CalendarDesign {
            yearly_terms: if n >= 365 { self.yearly_terms } else { 0 },
            weekly: true,
        };
        let scale = series
            .y
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(1e-9);
        let p = 2 + k + design.width(series.x.len());
        let mut fitted = FittedProphet {
            series: series.clone(),
            design,
            cps,
            beta: vec![0.0; p],
            scale,
            sigma: 0.0,
            delta_abs: 0.0,
            cp_rate: 0.0,
        };
        let mut ne = NormalEquations::new(p);
        for t in 0..n {
            ne.add_row(&fitted.row(t), series.y[t] / scale);
        }
        let residual_var = |beta: &[f64], f: &FittedProphet| -> f64 {
            (0..n)
                .map(|t| (series.y[t] / scale - dot(&f.row(t), beta)).powi(2))
                .sum::<f64>()
                / n as f64
        };
        let mut penalty = vec![1e-6; p];
        penalty[0] = 0.0;
        // Pass 1: loose prior, to learn the noise level.
        for pj in penalty.iter_mut().skip(2).take(k) {
            *pj = 1.0;
        }
        let beta1 = ne.solve(&penalty)?;
        let s2 = residual_var(&beta1, &fitted).max(1e-8);
        // Pass 2: λ = σ²/τ² on the changepoint slopes.
        for pj in penalty.iter_mut().skip(2).take(k) {
            *pj = s2 / self.changepoint_prior_scale.powi(2);
        }
        fitted.beta = ne.solve(&penalty)?;
        fitted.sigma = residual_var(&fitted.beta, &fitted).sqrt() * scale;
        if k > 0 {
            let span = self.changepoint_range * n as f64;
            let mean_abs: f64 =
                fitted.beta[2..2 + k].iter().map(|d| d.abs()).sum::<f64>() / k as f64;
            // δ is per unit of t/n on scaled data: per day and in units of y it is δ·scale/n.
            fitted.delta_abs = mean_abs * scale / n as f64;
            fitted.cp_rate = k as f64 / span;
        }
        Ok(Box::new(fitted))
    }
}

impl Fitted for FittedProphet {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        self.series.check_regressors(horizon)?;
        let n = self.series.len();
        let mean = (n..n + horizon)
            .map(|t| dot(&self.row(t), &self.beta) * self.scale)
            .collect();
        let sd: Vec<f64> = (1..=horizon)
            .map(|h| (self.sigma.powi(2) + self.trend_variance(h)).sqrt())
            .collect();
        Forecast::from_normal(mean, &sd, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{PROFILE, day0, holdout_mae, promoted};

    /// Level 30 rising 0.3/day until day 250, then flat; weekday pattern; a promotion column.
    fn broken_trend(n: usize, horizon: usize) -> Series {
        let mut s = promoted(n + horizon, 0, 25.0, 12);
        for t in 0..n + horizon {
            let level = 30.0 + 0.3 * (t.min(250) as f64);
            s.y[t] += level - 40.0 * PROFILE[t % 7] + 10.0 * PROFILE[t % 7];
        }
        s.start = day0();
        s
    }

    #[test]
    fn beats_seasonal_naive_with_changepoint_and_promotions() {
        let s = broken_trend(364, 28);
        let (model, naive) = holdout_mae(&ProphetLike::default(), &s, 364);
        assert!(model < naive * 0.7, "prophet {model} vs naive {naive}");
    }

    #[test]
    fn follows_the_latest_slope_not_the_average() {
        let s = broken_trend(364, 28).truncated(364, 28);
        let f = fit_predict(&ProphetLike::default(), &s, 28, 80.0).unwrap();
        // Trend is flat after day 250; a single straight line would keep rising ~0.2/day.
        // Days 1..8 and 15..22 ahead hold no promotion, so only the trend can differ.
        let first_week: f64 = f.mean[1..8].iter().sum::<f64>();
        let last_week: f64 = f.mean[15..22].iter().sum::<f64>();
        assert!(
            (last_week - first_week).abs() / 7.0 < 0.5,
            "{first_week} {last_week}"
        );
    }
}
