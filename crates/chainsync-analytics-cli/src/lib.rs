//! The `chainsync forecast` subcommand: reads a daily-history CSV, forecasts with
//! `chainsync-analytics`, writes a forecast CSV; `chainsync forecast backtest` scores every
//! model and the ensemble on a holdout.
//!
//! Reading guide: [`args`] (the command line), [`input`] (CSV validation and series
//! building), [`future`] (future regressor values), [`output`] (atomic CSV writing), [`forecast`] and [`backtest`] (the two forms).

pub mod args;
pub mod backtest;
pub mod forecast;
pub mod future;
pub mod input;
pub mod output;
mod progress;

pub use args::{BacktestArgs, ForecastArgs, ForecastCommand, ModelChoice};

/// Runs `chainsync forecast` (or `chainsync forecast backtest`).
pub fn run(args: ForecastArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ForecastCommand::Backtest(b)) => backtest::run(&b, &mut std::io::stdout()),
        None => forecast::run(&args),
    }
}
