//! Random-walk models for series with no weekly pattern that wander (prices, macro figures,
//! a product whose level drifts): `naive` repeats the last value; `drift` extends the line
//! from the first to the last value (the average daily change), as in Hyndman's "random walk
//! with drift". Both are the optimal forecasts of their process, and seasonal naive, which
//! repeats a week-old value, is not.
//!
//! Interval: the one-step residuals `y[t] − y[t−1]` (minus the drift) give σ; `h` steps ahead
//! the error is a sum of `h` such steps, so the sd is `σ·√h`.

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::series::{Forecast, Series};
use crate::stats::rms;

/// A random walk, with or without drift.
#[derive(Debug, Clone, Copy)]
pub struct RandomWalk {
    drift: bool,
}

impl RandomWalk {
    /// Tomorrow is today.
    pub fn naive() -> Self {
        Self { drift: false }
    }

    /// Tomorrow is today plus the average daily change.
    pub fn drift() -> Self {
        Self { drift: true }
    }
}

#[derive(Debug)]
struct FittedWalk {
    last: f64,
    slope: f64,
    sigma: f64,
}

impl Forecaster for RandomWalk {
    fn name(&self) -> &'static str {
        if self.drift { "drift" } else { "naive" }
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 2)?;
        let y = &series.y;
        let n = y.len();
        let slope = if self.drift {
            (y[n - 1] - y[0]) / (n - 1) as f64
        } else {
            0.0
        };
        let residuals: Vec<f64> = (1..n).map(|t| y[t] - y[t - 1] - slope).collect();
        Ok(Box::new(FittedWalk {
            last: y[n - 1],
            slope,
            sigma: rms(&residuals),
        }))
    }
}

impl Fitted for FittedWalk {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        let mean = (1..=horizon)
            .map(|h| self.last + self.slope * h as f64)
            .collect();
        let sd: Vec<f64> = (1..=horizon)
            .map(|h| self.sigma * (h as f64).sqrt())
            .collect();
        Forecast::from_normal(mean, &sd, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{day0, holdout_mae};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random walk with drift `mu` starting at 1 000 (a price, say).
    fn walk(n: usize, mu: f64, seed: u64) -> Series {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut level = 1_000.0;
        let y = (0..n)
            .map(|_| {
                level += mu + (rng.random::<f64>() - 0.5) * 20.0;
                level
            })
            .collect();
        Series::new(day0(), y)
    }

    #[test]
    fn naive_repeats_the_last_value_and_drift_extends_the_line() {
        let s = Series::new(day0(), vec![10.0, 12.0, 14.0, 16.0]);
        let n = fit_predict(&RandomWalk::naive(), &s, 3, 80.0).unwrap();
        let d = fit_predict(&RandomWalk::drift(), &s, 3, 80.0).unwrap();
        assert_eq!(n.mean, vec![16.0; 3]);
        assert_eq!(d.mean, vec![18.0, 20.0, 22.0]);
        assert!(d.hi[2] - d.lo[2] < 1e-9, "a perfect line has no error");
        assert!(
            fit_predict(
                &RandomWalk::naive(),
                &Series::new(day0(), vec![1.0]),
                2,
                80.0
            )
            .is_err()
        );
    }

    #[test]
    fn beats_seasonal_naive_on_random_walks() {
        let (mut naive, mut drift, mut seasonal) = (0.0, 0.0, 0.0);
        for seed in 0..20 {
            let s = walk(400, 0.8, seed);
            let (n, sn) = holdout_mae(&RandomWalk::naive(), &s, 372);
            naive += n;
            seasonal += sn;
            drift += holdout_mae(&RandomWalk::drift(), &s, 372).0;
        }
        assert!(
            naive < seasonal,
            "naive {naive} vs seasonal naive {seasonal}"
        );
        assert!(
            drift < naive,
            "with a drift, drift {drift} beats naive {naive}"
        );
    }
}
