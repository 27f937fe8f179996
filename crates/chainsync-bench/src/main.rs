//! `chainsync-bench`: times subsystems on synthetic data. A thin dispatcher: each
//! subcommand lives in its own module with its own arguments.

use clap::{Parser, Subcommand};

mod checkout;
mod forecast;
mod reports;
mod search;
mod send_floor;
mod sqlite_roundtrip;
mod ws;

/// ChainSync benchmarks.
#[derive(Debug, Parser)]
#[command(name = "chainsync-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Time the default forecasting run (ensemble + reconciliation) per stage.
    Forecast(forecast::Args),
    /// Drive the sale API of a running server with concurrent terminals; sales/s and latency.
    Checkout(checkout::Args),
    /// WebSocket hub under load: N connections over C channels, a fixed publish rate; latency,
    /// deliveries/s, loss/duplicates/reordering, memory per idle connection.
    Ws(ws::Args),
    /// Time every report of a store over HTTP, or write a year of sales history to import.
    Reports(reports::Args),
    /// Seed a large catalog and time product search over HTTP (p50/p95/p99 per kind of query).
    Search(search::Args),
    /// The kernel's cost of one small write per subscriber on loopback TCP, with nothing of
    /// ChainSync around it: a floor for the hub's CPU per delivery.
    SendFloor(send_floor::Args),
    /// What one statement's trip to sqlx's SQLite thread costs, against the statement's own
    /// work (run it on the server's core).
    SqliteRoundtrip(sqlite_roundtrip::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Forecast(args) => forecast::run(&args),
        Command::Checkout(args) => checkout::run(&args),
        Command::Ws(args) => ws::run(&args),
        Command::Reports(args) => reports::run(&args),
        Command::Search(args) => search::run(&args),
        Command::SendFloor(args) => send_floor::run(&args),
        Command::SqliteRoundtrip(args) => sqlite_roundtrip::run(&args),
    }
}
