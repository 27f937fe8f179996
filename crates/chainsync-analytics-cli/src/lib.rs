//! The `chainsync forecast` subcommand: reads a daily-history CSV, forecasts with
//! `chainsync-analytics`, writes a forecast CSV.

/// Arguments of `chainsync forecast`.
#[derive(Debug, clap::Args)]
pub struct ForecastArgs {}

/// Runs `chainsync forecast`.
pub fn run(_args: ForecastArgs) -> anyhow::Result<()> {
    anyhow::bail!("chainsync forecast is not built yet")
}
