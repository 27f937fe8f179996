//! Demand forecasting over plain daily series (no IO, no async).
//!
//! Reading guide, in order:
//! - [`series`]: the input ([`Series`]: a start date, daily quantities, numeric regressors)
//!   and the output ([`Forecast`]: mean plus a central interval, never negative).
//! - [`forecaster`]: the [`Forecaster`] / [`Fitted`] traits every model implements.
//! - [`models`]: seasonal naive, linear, ETS, SARIMA, Prophet-like, Croston/SBA/TSB, global.
//! - [`classify`]: smooth vs intermittent (Syntetos–Boylan ADI/CV²).
//! - [`metrics`], [`backtest`]: rolling-origin evaluation.
//! - [`ensemble`]: per-series choice and inverse-error weighting from backtests.
//! - [`reconcile`]: item forecasts made to add up to store and category totals.
//! - [`engine`]: the whole pipeline over a panel of series, in parallel.
//!
//! Everything is deterministic: no randomness, and parallel work is reduced in a fixed order.

pub mod backtest;
pub mod classify;
pub mod engine;
pub mod ensemble;
pub mod error;
pub mod forecaster;
pub mod linalg;
pub mod metrics;
pub mod models;
pub mod optimize;
pub mod reconcile;
pub mod series;
pub mod stats;

pub use error::ForecastError;
pub use forecaster::{Fitted, Forecaster};
pub use models::ModelName;
pub use series::{Forecast, Series};
