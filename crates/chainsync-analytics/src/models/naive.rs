//! Seasonal naive: tomorrow sells what the same weekday sold last week. The baseline every
//! other model must beat.
//!
//! Interval: residuals `y[t] - y[t-m]` give σ; the error of a forecast `k` full seasons
//! ahead is a sum of `k` such steps, so sd grows as `σ·√k`.

use crate::error::ForecastError;
use crate::forecaster::{Fitted, Forecaster, require_len};
use crate::series::{Forecast, Series};
use crate::stats::rms;

/// Seasonal naive with period `period`.
#[derive(Debug, Clone)]
pub struct SeasonalNaive {
    period: usize,
}

impl SeasonalNaive {
    /// Weekly period (7 days).
    pub fn weekly() -> Self {
        Self { period: 7 }
    }
}

#[derive(Debug)]
struct FittedNaive {
    last_season: Vec<f64>,
    sigma: f64,
}

impl Forecaster for SeasonalNaive {
    fn name(&self) -> &'static str {
        "seasonal-naive"
    }

    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError> {
        require_len(self.name(), series, 1)?;
        let y = &series.y;
        let m = self.period;
        if y.len() < m {
            // Shorter than one season: repeat the mean, the only honest guess.
            let mean = y.iter().sum::<f64>() / y.len() as f64;
            let sigma = rms(&y.iter().map(|v| v - mean).collect::<Vec<_>>());
            return Ok(Box::new(FittedNaive {
                last_season: vec![mean; m],
                sigma,
            }));
        }
        let residuals: Vec<f64> = (m..y.len()).map(|t| y[t] - y[t - m]).collect();
        Ok(Box::new(FittedNaive {
            last_season: y[y.len() - m..].to_vec(),
            sigma: rms(&residuals),
        }))
    }
}

impl Fitted for FittedNaive {
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError> {
        let m = self.last_season.len();
        let mean = (0..horizon).map(|h| self.last_season[h % m]).collect();
        let sd: Vec<f64> = (0..horizon)
            .map(|h| self.sigma * ((h / m + 1) as f64).sqrt())
            .collect();
        Forecast::from_normal(mean, &sd, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecaster::fit_predict;
    use crate::models::testdata::{day0, weekly_pattern};

    #[test]
    fn repeats_last_week() {
        let s = weekly_pattern(70, 0.0, 1);
        let f = fit_predict(&SeasonalNaive::weekly(), &s, 14, 80.0).unwrap();
        for h in 0..14 {
            assert_eq!(f.mean[h], s.y[63 + h % 7]);
        }
    }

    #[test]
    fn single_day_forecasts_that_day() {
        let s = Series::new(day0(), vec![4.0]);
        let f = fit_predict(&SeasonalNaive::weekly(), &s, 3, 80.0).unwrap();
        assert_eq!(f.mean, vec![4.0; 3]);
    }

    #[test]
    fn interval_widens_each_season() {
        let s = weekly_pattern(140, 2.0, 3);
        let f = fit_predict(&SeasonalNaive::weekly(), &s, 21, 80.0).unwrap();
        assert!(f.hi[14] - f.lo[14] > f.hi[0] - f.lo[0]);
    }
}
