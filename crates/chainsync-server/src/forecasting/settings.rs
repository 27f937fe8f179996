//! Settings of forecast training and accuracy tracking (flags, `CHAINSYNC_FORECAST_*`
//! variables or the config file; docs/forecasts.md, "Running it in production").

use chainsync_domain::forecasting::{DegradationRule, TrainingSchedule};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ForecastSettings {
    /// When every store is retrained (incrementally). `Off` in [`Default`] so tests and tools
    /// never train behind a caller's back; `chainsync serve` defaults to 03:00.
    pub schedule: TrainingSchedule,
    /// When a model counts as degraded.
    pub degradation: DegradationRule,
    /// Training jobs (stores) this process runs at once; each uses every core through rayon.
    pub max_concurrent_jobs: usize,
    /// How often live accuracy is recomputed from new sales.
    pub accuracy_interval: Duration,
    /// Series trained per engine call: progress is saved and a failing batch is retried series
    /// by series at this granularity.
    pub batch_size: usize,
    /// Run the background loops (job worker, scheduler, accuracy watcher).
    pub background: bool,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            schedule: TrainingSchedule::Off,
            degradation: DegradationRule::default(),
            max_concurrent_jobs: 1,
            accuracy_interval: Duration::from_secs(60),
            batch_size: 64,
            background: true,
        }
    }
}

/// The schedule `chainsync serve` uses when none is configured.
pub const DEFAULT_SCHEDULE: &str = "03:00";
