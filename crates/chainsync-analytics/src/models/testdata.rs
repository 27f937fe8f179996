//! Synthetic series with known structure, shared by the model tests.
//!
//! All generators are seeded, so a test sees the same numbers on every run.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::series::Series;

/// Monday 2023-01-02.
pub fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 2).unwrap()
}

/// The weekday profile used by the generators (Monday..Sunday), mean 1.
pub const PROFILE: [f64; 7] = [0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 0.9];

/// Gaussian-ish noise from the sum of uniforms (mean 0, sd `sd`).
fn noise(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    let s: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
    s * sd
}

/// Level 50 times the weekday profile, plus noise.
pub fn weekly_pattern(n: usize, sd: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = (0..n)
        .map(|t| (50.0 * PROFILE[t % 7] + noise(&mut rng, sd)).max(0.0))
        .collect();
    Series::new(day0(), y)
}

/// Linear trend `20 + slope·t`, weekday offsets, noise.
pub fn trend_weekly(n: usize, slope: f64, sd: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = (0..n)
        .map(|t| {
            (20.0 + slope * t as f64 + 10.0 * (PROFILE[t % 7] - 1.0) + noise(&mut rng, sd)).max(0.0)
        })
        .collect();
    Series::new(day0(), y)
}

/// A seasonal AR(1): weekday profile plus persistent AR(1) deviations with coefficient `phi`.
pub fn ar_weekly(n: usize, phi: f64, sd: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut dev = 0.0;
    let y = (0..n)
        .map(|t| {
            dev = phi * dev + noise(&mut rng, sd);
            (100.0 + 20.0 * (PROFILE[t % 7] - 1.0) + dev).max(0.0)
        })
        .collect();
    Series::new(day0(), y)
}

/// Intermittent demand: a sale with probability `p` each day, size 1..=5.
pub fn intermittent(n: usize, p: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = (0..n)
        .map(|_| {
            if rng.random::<f64>() < p {
                f64::from(rng.random_range(1..=5u8))
            } else {
                0.0
            }
        })
        .collect();
    Series::new(day0(), y)
}

/// Intermittent demand that follows the weekday profile: a sale with probability
/// `p·PROFILE[weekday]` each day, size 1..=5.
pub fn intermittent_weekly(n: usize, p: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = (0..n)
        .map(|t| {
            if rng.random::<f64>() < p * PROFILE[t % 7] {
                f64::from(rng.random_range(1..=5u8))
            } else {
                0.0
            }
        })
        .collect();
    Series::new(day0(), y)
}

/// Weekly pattern plus a promotion flag (one regressor, covering `n + horizon` days) that
/// lifts sales by `lift` on promoted days.
pub fn promoted(n: usize, horizon: usize, lift: f64, seed: u64) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let promo: Vec<f64> = (0..n + horizon)
        .map(|t| if (t / 5) % 6 == 0 { 1.0 } else { 0.0 })
        .collect();
    let y = (0..n)
        .map(|t| (40.0 * PROFILE[t % 7] + lift * promo[t] + noise(&mut rng, 2.0)).max(0.0))
        .collect();
    Series {
        start: day0(),
        y,
        x: vec![promo],
    }
}

/// Mean absolute error of `forecast` against `actual`.
pub fn mae(forecast: &[f64], actual: &[f64]) -> f64 {
    forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).abs())
        .sum::<f64>()
        / actual.len() as f64
}

/// Fits `model` on the first `n` days of `full`, forecasts the rest, and returns the MAE
/// of the model and of seasonal naive on those days.
pub fn holdout_mae(model: &dyn crate::Forecaster, full: &Series, n: usize) -> (f64, f64) {
    let (f, b, actual) = holdout(model, full, n);
    (mae(&f, actual), mae(&b, actual))
}

/// Like [`holdout_mae`] with root mean squared error: the right yardstick for intermittent
/// demand, where MAE rewards forecasting zero every day.
pub fn holdout_rmse(model: &dyn crate::Forecaster, full: &Series, n: usize) -> (f64, f64) {
    let (f, b, actual) = holdout(model, full, n);
    let rmse = |f: &[f64]| {
        crate::stats::rms(&f.iter().zip(actual).map(|(a, b)| a - b).collect::<Vec<_>>())
    };
    (rmse(&f), rmse(&b))
}

fn holdout<'a>(
    model: &dyn crate::Forecaster,
    full: &'a Series,
    n: usize,
) -> (Vec<f64>, Vec<f64>, &'a [f64]) {
    let h = full.len() - n;
    let train = full.truncated(n, h);
    let f = crate::forecaster::fit_predict(model, &train, h, 80.0).unwrap();
    let naive = super::naive::SeasonalNaive::weekly();
    let b = crate::forecaster::fit_predict(&naive, &train, h, 80.0).unwrap();
    (f.mean, b.mean, &full.y[n..])
}
