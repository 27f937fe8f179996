//! The one error type of the analytics library.

/// Why a model could not be fitted or could not forecast.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// The series has fewer observations than the model needs.
    #[error("{model} needs at least {needed} days of history, got {got}")]
    TooShort {
        /// Model name.
        model: &'static str,
        /// Minimum number of days.
        needed: usize,
        /// Days available.
        got: usize,
    },
    /// The interval level is not strictly between 0 and 100.
    #[error("interval level must be in (0, 100), got {0}")]
    BadLevel(f64),
    /// A regressor does not cover the history plus the horizon.
    #[error("regressor {index} has {got} values, needs {needed} (history + horizon)")]
    RegressorLength {
        /// Which regressor.
        index: usize,
        /// Values needed.
        needed: usize,
        /// Values given.
        got: usize,
    },
    /// A numeric step failed (singular system, non-finite values).
    #[error("{model}: numerical failure: {reason}")]
    Numerical {
        /// Model name.
        model: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A model needs something the engine did not provide (e.g. a global model not trained).
    #[error("{0}")]
    Unavailable(String),
}
