//! The Theta method (Assimakopoulos & Nikolopoulos 2000), in the form Hyndman & Billah (2003)
//! showed it to be: simple exponential smoothing plus a drift of half the slope of the linear
//! trend (the θ = 0 line, a straight-line fit, combined with the θ = 2 line, extrapolated by
//! SES). It won the M3 competition and is the standard benchmark of M4; `forecast::thetaf`
//! and statsforecast's `Theta` compute the same thing.
//!
//! Steps, following `thetaf`:
//! 1. Seasonality test at lag 7: the lag-7 autocorrelation `r₇` must exceed
//!    `1.645·√((1 + 2·Σ_{k<7} r_k²)/n)` (90 % one-sided), with more than two weeks of data.
//! 2. If seasonal, classical multiplicative decomposition: centred 7-day moving average as the
//!    trend, weekday indices = mean ratio `y/trend` per weekday, normalised to mean 1; the
//!    series is divided by them. An index near zero (a weekday that never sells) cannot divide,
//!    so then the decomposition is additive (weekday offsets) instead.
//! 3. SES on the adjusted series: α and the initial level by least squares (for a given α the
//!    best initial level is a closed-form regression, so only α is searched: a grid, then a
//!    golden-section refinement).
//! 4. Forecast `h` days ahead: `ℓₙ + b·(h − 1 + (1 − (1 − α)ⁿ)/α)` with `b` half the
//!    least-squares slope of the adjusted series, then the weekday index put back.
//! 5. Interval: SES's state-space variance `σ²·(1 + α²·(h − 1))` (σ² from the one-step errors
//!    with two parameters), scaled by the weekday index like the mean.
//!
//! `theta-log` runs the same steps on `ln(1 + y)` and maps the forecast and the interval back
//! with `exp(·) − 1` (the back-transformed mean is the median, which is what MASE rewards):
//! for positive series that grow by a percentage rather than by a fixed amount, where the
//! straight-line drift of plain Theta falls behind.

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::series::{Forecast, Series, z_for_level};

/// Seasonal period (days).
const PERIOD: usize = 7;
/// One-sided 90 % normal quantile of the seasonality test (as in `thetaf`).
const SEASONALITY_Z: f64 = 1.645;
/// Smallest multiplicative weekday index that may divide the series.
const MIN_INDEX: f64 = 0.05;
/// Bounds of the smoothing constant (those of R's `ets`).
const ALPHA_MIN: f64 = 1e-4;
const ALPHA_MAX: f64 = 0.9999;

/// The Theta method, on the series itself or on `ln(1 + y)`.
#[derive(Debug, Clone, Copy)]
pub struct Theta {
    log: bool,
}

impl Theta {
    /// Theta on the series.
    pub fn standard() -> Self {
        Self { log: false }
    }

    /// Theta on `ln(1 + y)`, back-transformed.
    pub fn log() -> Self {
        Self { log: true }
    }
}

/// How the weekly pattern was taken out.
#[derive(Debug, Clone, PartialEq)]
enum Seasonal {
    None,
    /// Weekday indices by day index `t % 7`; the series was divided by them.
    Multiplicative([f64; PERIOD]),
    /// Weekday offsets by day index `t % 7`; they were subtracted.
    Additive([f64; PERIOD]),
}

impl Seasonal {
    fn remove(&self, t: usize, v: f64) -> f64 {
        match self {
            Seasonal::None => v,
            Seasonal::Multiplicative(s) => v / s[t % PERIOD],
            Seasonal::Additive(s) => v - s[t % PERIOD],
        }
    }

    fn restore(&self, t: usize, v: f64) -> f64 {
        match self {
            Seasonal::None => v,
            Seasonal::Multiplicative(s) => v * s[t % PERIOD],
            Seasonal::Additive(s) => v + s[t % PERIOD],
        }
    }
}

#[derive(Debug)]
struct FittedTheta {
    log: bool,
    n: usize,
    level: f64,
    alpha: f64,
    /// Half the slope of the adjusted series' linear trend.
    drift: f64,
    sigma: f64,
    seasonal: Seasonal,
}

impl Forecaster for Theta {
    fn name(&self) -> &'static str {
        if self.log { "theta-log" } else { "theta" }
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 1)?;
        let y: Vec<f64> = if self.log {
            series.y.iter().map(|v| v.max(0.0).ln_1p()).collect()
        } else {
            series.y.clone()
        };
        let n = y.len();
        let seasonal = if is_seasonal(&y) {
            decompose(&y)
        } else {
            Seasonal::None
        };
        let x: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(t, v)| seasonal.remove(t, *v))
            .collect();
        let ses = fit_ses(&x);
        let drift = slope(&x) / 2.0;
        let dof = n.saturating_sub(2).max(1) as f64;
        Ok(Box::new(FittedTheta {
            log: self.log,
            n,
            level: ses.level,
            alpha: ses.alpha,
            drift,
            sigma: (ses.sse / dof).sqrt(),
            seasonal,
        }))
    }
}

impl Fitted for FittedTheta {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        let z = z_for_level(level)?;
        let a = self.alpha;
        let lift = (1.0 - (1.0 - a).powi(self.n.min(i32::MAX as usize) as i32)) / a;
        let mut out = Forecast {
            mean: Vec::with_capacity(horizon),
            lo: Vec::with_capacity(horizon),
            hi: Vec::with_capacity(horizon),
        };
        for h in 1..=horizon {
            let t = self.n + h - 1;
            let m = self.level + self.drift * ((h - 1) as f64 + lift);
            let sd = self.sigma * (1.0 + a * a * (h - 1) as f64).sqrt();
            let back = |v: f64| {
                let v = self.seasonal.restore(t, v);
                if self.log { v.exp_m1() } else { v }
            };
            out.mean.push(back(m));
            let (lo, hi) = (back(m - z * sd), back(m + z * sd));
            // A multiplicative index is positive, exp is increasing: the order is kept.
            out.lo.push(lo.min(hi));
            out.hi.push(lo.max(hi));
        }
        Ok(out.clamped())
    }
}

/// Autocorrelations at lags 1..=k (0 for a constant series).
fn acf(y: &[f64], k: usize) -> Vec<f64> {
    let n = y.len();
    let m = y.iter().sum::<f64>() / n as f64;
    let c0: f64 = y.iter().map(|v| (v - m) * (v - m)).sum();
    (1..=k)
        .map(|l| {
            if c0 <= 0.0 || l >= n {
                0.0
            } else {
                (l..n).map(|t| (y[t] - m) * (y[t - l] - m)).sum::<f64>() / c0
            }
        })
        .collect()
}

/// `thetaf`'s test for a weekly pattern.
fn is_seasonal(y: &[f64]) -> bool {
    let n = y.len();
    if n <= 2 * PERIOD {
        return false;
    }
    let r = acf(y, PERIOD);
    let stat = ((1.0 + 2.0 * r[..PERIOD - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
    r[PERIOD - 1].abs() / stat > SEASONALITY_Z
}

/// Classical decomposition: multiplicative when every weekday index can divide, else additive.
fn decompose(y: &[f64]) -> Seasonal {
    let n = y.len();
    let half = PERIOD / 2;
    let mut ratio = ([0.0; PERIOD], [0usize; PERIOD]);
    let mut diff = ([0.0; PERIOD], [0usize; PERIOD]);
    let mut window: f64 = y[..PERIOD].iter().sum();
    for t in half..n - half {
        if t > half {
            window += y[t + half] - y[t - half - 1];
        }
        let trend = window / PERIOD as f64;
        let p = t % PERIOD;
        diff.0[p] += y[t] - trend;
        diff.1[p] += 1;
        if trend > 1e-9 {
            ratio.0[p] += y[t] / trend;
            ratio.1[p] += 1;
        }
    }
    let usable = ratio.1.iter().all(|c| *c > 0);
    let mut mult: [f64; PERIOD] = std::array::from_fn(|p| ratio.0[p] / ratio.1[p].max(1) as f64);
    if usable {
        let mean = mult.iter().sum::<f64>() / PERIOD as f64;
        if mean > 0.0 {
            mult.iter_mut().for_each(|v| *v /= mean);
            if mult.iter().all(|v| *v >= MIN_INDEX) {
                return Seasonal::Multiplicative(mult);
            }
        }
    }
    let mut add: [f64; PERIOD] = std::array::from_fn(|p| diff.0[p] / diff.1[p].max(1) as f64);
    let mean = add.iter().sum::<f64>() / PERIOD as f64;
    add.iter_mut().for_each(|v| *v -= mean);
    Seasonal::Additive(add)
}

/// Least-squares slope of `x` on `0..n` (0 for fewer than two points).
fn slope(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    let tm = (n - 1) as f64 / 2.0;
    let xm = x.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in x.iter().enumerate() {
        let d = t as f64 - tm;
        sxy += d * (v - xm);
        sxx += d * d;
    }
    sxy / sxx
}

#[derive(Debug, Clone, Copy)]
struct Ses {
    alpha: f64,
    /// Level after the last observation.
    level: f64,
    sse: f64,
}

/// SES with the best initial level for `alpha`. One-step errors are affine in the initial
/// level ℓ₀: `e_t = a_t − (1 − α)ᵗ·ℓ₀` where `a_t` are the errors started from 0, so the
/// least-squares ℓ₀ is `Σ a_t c_t / Σ c_t²`.
fn ses_at(x: &[f64], alpha: f64) -> Ses {
    let beta = 1.0 - alpha;
    let (mut level, mut c) = (0.0, 1.0);
    let (mut sac, mut scc) = (0.0, 0.0);
    let mut errors = Vec::with_capacity(x.len());
    let mut coefs = Vec::with_capacity(x.len());
    for v in x {
        let a = v - level;
        errors.push(a);
        coefs.push(c);
        sac += a * c;
        scc += c * c;
        level += alpha * a;
        c *= beta;
    }
    let l0 = if scc > 0.0 { sac / scc } else { 0.0 };
    let sse = errors
        .iter()
        .zip(&coefs)
        .map(|(a, c)| (a - c * l0).powi(2))
        .sum();
    // The final level is affine in ℓ₀ too, with coefficient (1 − α)ⁿ = c.
    Ses {
        alpha,
        level: level + c * l0,
        sse,
    }
}

/// SES with α chosen by least squares: a grid of 20, then golden-section search around the
/// best grid point.
fn fit_ses(x: &[f64]) -> Ses {
    let grid: Vec<f64> = (0..20)
        .map(|i| ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * i as f64 / 19.0)
        .collect();
    let mut best = ses_at(x, grid[0]);
    let mut best_i = 0;
    for (i, a) in grid.iter().enumerate().skip(1) {
        let s = ses_at(x, *a);
        if s.sse < best.sse {
            best = s;
            best_i = i;
        }
    }
    let (mut lo, mut hi) = (
        grid[best_i.saturating_sub(1)],
        grid[(best_i + 1).min(grid.len() - 1)],
    );
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (ses_at(x, a), ses_at(x, b));
    for _ in 0..25 {
        if fa.sse <= fb.sse {
            hi = b;
            b = a;
            fb = fa;
            a = hi - g * (hi - lo);
            fa = ses_at(x, a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + g * (hi - lo);
            fb = ses_at(x, b);
        }
    }
    for s in [fa, fb] {
        if s.sse < best.sse {
            best = s;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{PROFILE, day0, holdout_mae, trend_weekly, weekly_pattern};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ses_recovers_its_smoothing_constant_and_level() {
        // A constant series: any α fits perfectly from ℓ₀ = 5.
        let s = fit_ses(&[5.0; 30]);
        assert!(s.sse < 1e-18 && (s.level - 5.0).abs() < 1e-9);
        // A local level with heavy level noise wants a large α.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut l = 100.0;
        let x: Vec<f64> = (0..500)
            .map(|_| {
                l += (rng.random::<f64>() - 0.5) * 20.0;
                l + (rng.random::<f64>() - 0.5) * 2.0
            })
            .collect();
        assert!(fit_ses(&x).alpha > 0.7, "{:?}", fit_ses(&x));
    }

    #[test]
    fn extrapolates_a_trend() {
        // No weekly pattern, slope 0.5/day: Theta's drift is half the slope, but SES's level
        // follows the line, so the forecast keeps rising.
        let y: Vec<f64> = (0..200).map(|t| 10.0 + 0.5 * t as f64).collect();
        let f = fit_predict(&Theta::standard(), &Series::new(day0(), y), 28, 80.0).unwrap();
        assert!(f.mean[27] > f.mean[0] + 5.0, "{:?}", f.mean);
        assert!((f.mean[0] - 110.0).abs() < 3.0, "{}", f.mean[0]);
        let log = fit_predict(
            &Theta::log(),
            &Series::new(day0(), (0..200).map(|t| 10.0 * 1.01f64.powi(t)).collect()),
            28,
            80.0,
        )
        .unwrap();
        assert!(log.mean[27] > log.mean[0] * 1.1, "{:?}", log.mean);
    }

    #[test]
    fn recovers_a_weekly_pattern() {
        let s = weekly_pattern(140, 1.0, 11);
        for model in [Theta::standard(), Theta::log()] {
            let f = fit_predict(&model, &s, 14, 80.0).unwrap();
            for h in 0..14 {
                let expected = 50.0 * PROFILE[(140 + h) % 7];
                assert!(
                    (f.mean[h] - expected).abs() < 4.0,
                    "{model:?} day {h}: {} vs {expected}",
                    f.mean[h]
                );
                assert!(f.lo[h] < f.mean[h] && f.mean[h] < f.hi[h]);
            }
        }
    }

    #[test]
    fn beats_seasonal_naive_on_a_trending_weekly_series() {
        let (mut theta, mut naive) = (0.0, 0.0);
        for seed in 0..10 {
            let s = trend_weekly(400, 0.1, 4.0, seed);
            let (m, b) = holdout_mae(&Theta::standard(), &s, 372);
            theta += m;
            naive += b;
        }
        assert!(theta < naive * 0.8, "theta {theta} vs naive {naive}");
    }

    #[test]
    fn a_weekday_without_sales_falls_back_to_additive() {
        // Closed on Sundays: no multiplicative index can divide that day.
        let y: Vec<f64> = (0..140)
            .map(|t| {
                if t % 7 == 6 {
                    0.0
                } else {
                    20.0 + (t % 3) as f64
                }
            })
            .collect();
        assert!(matches!(decompose(&y), Seasonal::Additive(_)));
        let f = fit_predict(&Theta::standard(), &Series::new(day0(), y), 14, 80.0).unwrap();
        assert!(f.mean[6] < 2.0 && f.mean[13] < 2.0, "{:?}", f.mean);
        assert!(f.mean[0] > 15.0);
    }

    #[test]
    fn short_zero_and_falling_series_do_not_crash_or_go_negative() {
        for model in [Theta::standard(), Theta::log()] {
            for y in [
                vec![4.0],
                vec![0.0; 10],
                vec![3.0, 5.0],
                (0..14).map(|t| f64::from(t % 7)).collect(),
                vec![0.0; 400],
                (0..100).map(|t| 200.0 - 2.0 * f64::from(t)).collect(),
            ] {
                let zero = y.iter().all(|v| *v == 0.0);
                let f = fit_predict(&model, &Series::new(day0(), y), 60, 80.0).unwrap();
                assert_eq!(f.len(), 60);
                for h in 0..60 {
                    assert!(f.lo[h] >= 0.0 && f.lo[h] <= f.mean[h] && f.mean[h] <= f.hi[h]);
                    assert!(f.hi[h].is_finite());
                }
                if zero {
                    assert!(f.hi.iter().all(|v| *v == 0.0), "{model:?}: {f:?}");
                }
            }
        }
        assert!(fit_predict(&Theta::standard(), &Series::new(day0(), vec![]), 3, 80.0).is_err());
    }
}
