//! The model family. Each module holds one model and its tests.
//!
//! | name | for | module |
//! |---|---|---|
//! | `seasonal-naive` | baseline: the same weekday last week | [`naive`] |
//! | `linear` | trend + weekday + yearly Fourier + regressors, least squares | [`linear`] |
//! | `ets` | MSTL weekly decomposition + AutoETS on the adjusted series (augurs) | [`ets`] |
//! | `arima` | seasonal ARIMA(p,d,q)(P,D,Q)₇, stepwise AICc search, CSS fit | [`arima`] |
//! | `prophet` | piecewise-linear trend, Fourier seasonalities, regressors, ridge | [`prophet`] |
//! | `croston`, `sba`, `tsb` | intermittent demand; in a panel, shaped by their group's weekday profile | [`intermittent`], [`weekday_shape`] |
//! | `global` | one ridge model on lag + calendar features across all series | [`global`] |
//! | `naive`, `drift` | random walk (last value), random walk with drift | [`random_walk`] |
//! | `theta`, `theta-log` | Theta method (SES + half the trend slope, weekly decomposition), on `y` or `ln(1 + y)` | [`theta`] |

pub mod arima;
pub mod ets;
pub mod global;
pub mod intermittent;
pub mod linear;
pub mod naive;
pub mod prophet;
pub mod random_walk;
pub mod theta;
pub mod weekday_shape;

#[cfg(test)]
pub(crate) mod testdata;

use std::fmt;
use std::str::FromStr;

use crate::forecaster::Forecaster;

/// Names of the local (per-series) models and the global one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelName {
    /// Same weekday last week.
    SeasonalNaive,
    /// Linear regression with trend, weekday and yearly terms.
    Linear,
    /// Exponential smoothing on the weekly-adjusted series.
    Ets,
    /// Seasonal ARIMA with automatic orders.
    Arima,
    /// Prophet-like additive model.
    Prophet,
    /// Croston's method.
    Croston,
    /// Syntetos–Boylan approximation.
    Sba,
    /// Teunter–Syntetos–Babai.
    Tsb,
    /// Global ridge model over all series.
    Global,
    /// Random walk: the last value.
    Naive,
    /// Random walk with drift.
    Drift,
    /// Theta method.
    Theta,
    /// Theta method on `ln(1 + y)`.
    ThetaLog,
}

impl ModelName {
    /// Every model, in report order.
    pub const ALL: [ModelName; 13] = [
        ModelName::SeasonalNaive,
        ModelName::Linear,
        ModelName::Ets,
        ModelName::Arima,
        ModelName::Prophet,
        ModelName::Croston,
        ModelName::Sba,
        ModelName::Tsb,
        ModelName::Global,
        ModelName::Naive,
        ModelName::Drift,
        ModelName::Theta,
        ModelName::ThetaLog,
    ];

    /// Name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::SeasonalNaive => "seasonal-naive",
            ModelName::Linear => "linear",
            ModelName::Ets => "ets",
            ModelName::Arima => "arima",
            ModelName::Prophet => "prophet",
            ModelName::Croston => "croston",
            ModelName::Sba => "sba",
            ModelName::Tsb => "tsb",
            ModelName::Global => "global",
            ModelName::Naive => "naive",
            ModelName::Drift => "drift",
            ModelName::Theta => "theta",
            ModelName::ThetaLog => "theta-log",
        }
    }

    /// True for the models made for intermittent demand.
    pub fn is_intermittent(self) -> bool {
        matches!(self, ModelName::Croston | ModelName::Sba | ModelName::Tsb)
    }

    /// The per-series forecaster with default settings; `None` for the global model, which
    /// must be trained across series first (see [`global::GlobalModel`]).
    pub fn local(self) -> Option<Box<dyn Forecaster>> {
        Some(match self {
            ModelName::SeasonalNaive => Box::new(naive::SeasonalNaive::weekly()),
            ModelName::Linear => Box::new(linear::LinearRegression::default()),
            ModelName::Ets => Box::new(ets::Ets::default()),
            ModelName::Arima => Box::new(arima::AutoArima::default()),
            ModelName::Prophet => Box::new(prophet::ProphetLike::default()),
            ModelName::Croston => Box::new(intermittent::Intermittent::croston()),
            ModelName::Sba => Box::new(intermittent::Intermittent::sba()),
            ModelName::Tsb => Box::new(intermittent::Intermittent::tsb()),
            ModelName::Naive => Box::new(random_walk::RandomWalk::naive()),
            ModelName::Drift => Box::new(random_walk::RandomWalk::drift()),
            ModelName::Theta => Box::new(theta::Theta::standard()),
            ModelName::ThetaLog => Box::new(theta::Theta::log()),
            ModelName::Global => return None,
        })
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ModelName::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown model {s:?}"))
    }
}
