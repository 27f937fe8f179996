//! `chainsync-bench forecast`: the default `chainsync forecast` run (backtest-weighted
//! ensemble over all models, global model, reconciliation) on synthetic retail series,
//! timed per stage.
//!
//! The synthetic chain: `stores` stores × items, each item in one of 5 categories, levels
//! spread log-uniformly from 0.2 to 60 units/day (so about a third of the series are
//! intermittent), a weekday profile per category, a yearly cycle, a mild trend and Poisson
//! noise. Seeded: the same arguments give the same data.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use chainsync_analytics::Series;
use chainsync_analytics::engine::{EngineConfig, Method, PanelSeries, run_panel};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Arguments of `chainsync-bench forecast`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of series.
    #[arg(long, default_value_t = 1000)]
    series: usize,
    /// Days of history per series.
    #[arg(long, default_value_t = 730)]
    days: usize,
    /// Forecast horizon.
    #[arg(long, default_value_t = 28)]
    horizon: usize,
    /// Number of stores.
    #[arg(long, default_value_t = 10)]
    stores: usize,
    /// Random seed of the synthetic data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write the synthetic history as a `chainsync forecast` input CSV.
    #[arg(long)]
    write_csv: Option<PathBuf>,
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> f64 {
    if lambda > 30.0 {
        let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        return (lambda + z * lambda.sqrt()).round().max(0.0);
    }
    let limit = (-lambda).exp();
    let mut k = 0.0;
    let mut p = rng.random::<f64>();
    while p > limit {
        k += 1.0;
        p *= rng.random::<f64>();
    }
    k
}

/// Builds the synthetic panel.
pub fn synthetic_panel(args: &Args) -> Vec<PanelSeries> {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let start = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default();
    let profiles: Vec<[f64; 7]> = (0..5)
        .map(|_| {
            let mut p = [0.0; 7];
            for (d, v) in p.iter_mut().enumerate() {
                *v = 0.7 + 0.6 * rng.random::<f64>() + if d >= 4 { 0.3 } else { 0.0 };
            }
            p
        })
        .collect();
    (0..args.series)
        .map(|i| {
            let category = (i / args.stores.max(1)) % 5;
            let level = (0.2f64.ln() + rng.random::<f64>() * (60.0f64 / 0.2).ln()).exp();
            let trend = (rng.random::<f64>() - 0.4) * 0.5 / args.days as f64;
            let yearly = 0.3 * rng.random::<f64>();
            let phase = rng.random::<f64>() * std::f64::consts::TAU;
            let y = (0..args.days)
                .map(|t| {
                    let season =
                        1.0 + yearly * (std::f64::consts::TAU * t as f64 / 365.25 + phase).sin();
                    let lambda =
                        level * profiles[category][t % 7] * season * (1.0 + trend * t as f64);
                    poisson(&mut rng, lambda.max(0.0))
                })
                .collect();
            PanelSeries {
                id: format!("item{i:04}"),
                store: Some(format!("store{:02}", i % args.stores.max(1))),
                category: Some(format!("cat{category}")),
                series: Series::new(start, y),
            }
        })
        .collect()
}

fn write_csv(path: &PathBuf, panel: &[PanelSeries]) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "series_id,date,quantity,store,category")?;
    for p in panel {
        for (t, v) in p.series.y.iter().enumerate() {
            let store = p.store.as_deref().unwrap_or("");
            let cat = p.category.as_deref().unwrap_or("");
            writeln!(w, "{},{},{},{},{}", p.id, p.series.date(t), v, store, cat)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Runs the benchmark and prints the timings.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let t = Instant::now();
    let panel = synthetic_panel(args);
    let generate = t.elapsed();
    if let Some(path) = &args.write_csv {
        write_csv(path, &panel)?;
    }
    let cfg = EngineConfig {
        horizon: args.horizon,
        ..EngineConfig::default()
    };
    let t = Instant::now();
    let out = run_panel(&panel, &cfg, Method::Ensemble, &|| {})?;
    let wall = t.elapsed();
    let tm = out.timings;
    println!(
        "forecast: {} series × {} days, horizon {}, {} threads (rayon), ensemble with {} backtest windows, reconciliation on",
        args.series,
        args.days,
        args.horizon,
        rayon::current_num_threads(),
        cfg.windows
    );
    println!("{:<34} {:>9}", "stage", "seconds");
    for (name, d) in [
        ("generate synthetic data (not timed)", generate),
        ("classify (ADI/CV²)", tm.classify),
        ("train global model (3 origins)", tm.global_training),
        ("rolling-origin backtests", tm.backtests),
        ("final fits + ensemble", tm.final_fits),
        ("reconciliation (incl. total fcsts)", tm.reconciliation),
    ] {
        println!("{:<34} {:>9.2}", name, d.as_secs_f64());
    }
    println!(
        "{:<34} {:>9.2}",
        "total (pipeline, wall)",
        wall.as_secs_f64()
    );
    Ok(())
}
