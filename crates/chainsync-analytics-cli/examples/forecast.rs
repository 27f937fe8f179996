//! `chainsync forecast` without building the server:
//! `cargo run --release -p chainsync-analytics-cli --example forecast -- --input h.csv ...`
//! accepts exactly the arguments of `chainsync forecast` (same `ForecastArgs`, same `run`).

use clap::Parser;

/// `chainsync forecast` stand-in.
#[derive(Debug, Parser)]
#[command(name = "forecast")]
struct Cli {
    #[command(flatten)]
    args: chainsync_analytics_cli::ForecastArgs,
}

fn main() -> anyhow::Result<()> {
    chainsync_analytics_cli::run(Cli::parse().args)
}
