//! Command-line arguments. `ForecastArgs` is embedded by the `chainsync` binary as its
//! `forecast` subcommand; the optional nested subcommand gives `chainsync forecast backtest`.

use std::path::PathBuf;

use chainsync_analytics::ModelName;
use clap::{Args, Subcommand, ValueEnum};

/// Forecast daily demand per series from a history CSV.
///
/// Input columns: `series_id,date,quantity` (ISO dates, one row per series and day; a
/// missing day means zero sales), optionally `store,product,dept,category` (hierarchy and
/// global model) and numeric regressors named in `--features`. Output columns:
/// `series_id,date,forecast,lo,hi`, `horizon` rows per series after its last date.
#[derive(Debug, Clone, Args)]
#[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
pub struct ForecastArgs {
    /// Evaluate instead of forecasting.
    #[command(subcommand)]
    pub command: Option<ForecastCommand>,
    /// History CSV.
    #[arg(long, required = true)]
    pub input: Option<PathBuf>,
    /// Where to write the forecast CSV (written only if everything succeeds).
    #[arg(long, required = true)]
    pub output: Option<PathBuf>,
    /// Days to forecast after each series' last date.
    #[arg(long, required = true)]
    pub horizon: Option<usize>,
    /// Model to use; the default picks and weights models per series by backtests.
    #[arg(long, value_enum, default_value_t = ModelChoice::Ensemble)]
    pub model: ModelChoice,
    /// Central prediction interval, in percent.
    #[arg(long, default_value_t = 80.0)]
    pub level: f64,
    /// Numeric columns to use as regressors (e.g. price,promo); over the forecast days each
    /// keeps its last value unless `--future` gives it.
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// CSV of planned feature values for forecast days (`series_id,date,<features>`), e.g. a
    /// promotion calendar or holidays.
    #[arg(long, requires = "features")]
    pub future: Option<PathBuf>,
    /// Rolling-origin backtest windows per series (ensemble only).
    #[arg(long, default_value_t = 2)]
    pub windows: usize,
    /// Skip reconciliation with store and category totals.
    #[arg(long)]
    pub no_reconcile: bool,
}

/// Nested subcommands of `forecast`.
#[derive(Debug, Clone, Subcommand)]
pub enum ForecastCommand {
    /// Hold out the last `horizon` days of each series and score every model and the
    /// ensemble: 1 − WAPE (series, store × day, store × week), MASE, RMSSE.
    Backtest(BacktestArgs),
}

/// Arguments of `forecast backtest`.
#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    /// History CSV (same format as `forecast`).
    #[arg(long)]
    pub input: PathBuf,
    /// Days held out at the end of each series.
    #[arg(long, default_value_t = 28)]
    pub horizon: usize,
    /// Numeric columns to use as regressors.
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Rolling-origin windows used inside the ensemble.
    #[arg(long, default_value_t = 2)]
    pub windows: usize,
    /// Models kept per series in the ensemble.
    #[arg(long, default_value_t = 3)]
    pub top_k: usize,
    /// Weight (0..1) of the mean backtest score of similar series against the series' own
    /// when choosing models.
    #[arg(long, default_value_t = chainsync_analytics::engine::GROUP_SHARE)]
    pub group_share: f64,
}

/// `--model` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelChoice {
    /// Backtest-weighted ensemble per series (default).
    Ensemble,
    /// Same weekday last week.
    SeasonalNaive,
    /// Trend + weekday + yearly Fourier + regressors, least squares.
    Linear,
    /// STL weekly decomposition + AutoETS.
    Ets,
    /// Seasonal ARIMA, automatic orders.
    Arima,
    /// Prophet-like: piecewise trend, seasonalities, regressors.
    Prophet,
    /// Croston (intermittent demand).
    Croston,
    /// Syntetos–Boylan approximation (intermittent demand).
    Sba,
    /// Teunter–Syntetos–Babai (intermittent demand).
    Tsb,
    /// One ridge model on lag and calendar features across all series.
    Global,
    /// Random walk: the last value (prices, series with no weekly pattern).
    Naive,
    /// Random walk with drift: the last value plus the average daily change.
    Drift,
    /// Theta method: SES plus half the trend's slope, weekly pattern divided out.
    Theta,
    /// Theta on ln(1 + y), for positive series growing by a percentage.
    ThetaLog,
}

impl ModelChoice {
    /// The library's model, or `None` for the ensemble.
    pub fn model(self) -> Option<ModelName> {
        Some(match self {
            ModelChoice::Ensemble => return None,
            ModelChoice::SeasonalNaive => ModelName::SeasonalNaive,
            ModelChoice::Linear => ModelName::Linear,
            ModelChoice::Ets => ModelName::Ets,
            ModelChoice::Arima => ModelName::Arima,
            ModelChoice::Prophet => ModelName::Prophet,
            ModelChoice::Croston => ModelName::Croston,
            ModelChoice::Sba => ModelName::Sba,
            ModelChoice::Tsb => ModelName::Tsb,
            ModelChoice::Global => ModelName::Global,
            ModelChoice::Naive => ModelName::Naive,
            ModelChoice::Drift => ModelName::Drift,
            ModelChoice::Theta => ModelName::Theta,
            ModelChoice::ThetaLog => ModelName::ThetaLog,
        })
    }
}
