//! The trait every model implements: fit on a daily series, then predict a horizon.
//!
//! Fitting and predicting are split so a fitted model can be kept (the server stores model
//! versions) and asked for several horizons. Invariant: `predict` returns exactly `horizon`
//! days, never negative, with `lo <= mean <= hi`.

use std::fmt::Debug;

use crate::error::ForecastError;
use crate::series::{Forecast, Series};

/// A forecasting method with its settings, before seeing data.
pub trait Forecaster: Debug + Send + Sync {
    /// Stable name, used on the command line and in reports.
    fn name(&self) -> &'static str;

    /// Fits the model on `series`. Regressors in `series.x` must also cover the days that
    /// will later be predicted.
    fn fit(&self, series: &Series) -> Result<Box<dyn Fitted>, ForecastError>;
}

/// A fitted model.
pub trait Fitted: Debug + Send {
    /// Forecasts `horizon` days after the end of the history, with a central interval at
    /// `level` percent (e.g. 80).
    fn predict(&self, horizon: usize, level: f64) -> Result<Forecast, ForecastError>;
}

/// Fits and predicts in one call.
pub fn fit_predict(
    model: &dyn Forecaster,
    series: &Series,
    horizon: usize,
    level: f64,
) -> Result<Forecast, ForecastError> {
    series.check_regressors(horizon)?;
    model.fit(series)?.predict(horizon, level)
}

/// Fails with [`ForecastError::TooShort`] when the series has fewer than `needed` days.
pub fn require_len(
    model: &'static str,
    series: &Series,
    needed: usize,
) -> Result<(), ForecastError> {
    if series.len() < needed {
        return Err(ForecastError::TooShort {
            model,
            needed,
            got: series.len(),
        });
    }
    Ok(())
}
