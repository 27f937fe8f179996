//! `chainsync forecast backtest`: hold out the last `horizon` days of every series, forecast
//! them with every model and with the ensemble (before and after reconciliation), and print
//! 1 − WAPE at series × day, store × day and store × week levels, MASE and RMSSE.
//!
//! Series without a `store` column count as one store. Series not longer than the horizon
//! cannot be held out and are left out (the report says how many).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use chainsync_analytics::engine::{
    EngineConfig, Method, PanelOutcome, PanelSeries, reconcile_panel, run_panel,
};
use chainsync_analytics::metrics::{WapeSums, mase, rmsse};
use chainsync_analytics::{ModelName, classify::DemandClass};
use chrono::{Datelike, NaiveDate};

use crate::args::BacktestArgs;
use crate::input::read_panel;
use crate::progress::bar;

/// Scores of one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Method name.
    pub method: String,
    /// 1 − WAPE over series × day cells.
    pub series_day: Option<f64>,
    /// 1 − WAPE over store × day totals.
    pub store_day: Option<f64>,
    /// 1 − WAPE over store × ISO-week totals.
    pub store_week: Option<f64>,
    /// Mean MASE over series.
    pub mase: Option<f64>,
    /// Mean RMSSE over series.
    pub rmsse: Option<f64>,
}

fn mean_of(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Scores holdout forecasts (`forecasts[i]` for `train[i]`, actuals in `actual[i]`).
pub fn score(
    method: &str,
    train: &[PanelSeries],
    actual: &[Vec<f64>],
    forecasts: &[Vec<f64>],
) -> Scores {
    let mut series_day = WapeSums::default();
    let mut store_day: BTreeMap<(&str, NaiveDate), (f64, f64)> = BTreeMap::new();
    let mut store_week: BTreeMap<(&str, i32, u32), (f64, f64)> = BTreeMap::new();
    let (mut mases, mut rmsses) = (Vec::new(), Vec::new());
    for ((p, a), f) in train.iter().zip(actual).zip(forecasts) {
        let store = p.store.as_deref().unwrap_or("");
        for (h, (av, fv)) in a.iter().zip(f).enumerate() {
            series_day.add(*av, *fv);
            let date = p.series.date(p.series.len() + h);
            let e = store_day.entry((store, date)).or_default();
            e.0 += av;
            e.1 += fv;
            let week = date.iso_week();
            let e = store_week
                .entry((store, week.year(), week.week()))
                .or_default();
            e.0 += av;
            e.1 += fv;
        }
        mases.extend(mase(&p.series.y, a, f));
        rmsses.extend(rmsse(&p.series.y, a, f));
    }
    let pooled = |cells: &mut dyn Iterator<Item = (f64, f64)>| {
        let mut w = WapeSums::default();
        cells.for_each(|(a, f)| w.add(a, f));
        w.accuracy()
    };
    Scores {
        method: method.to_string(),
        series_day: series_day.accuracy(),
        store_day: pooled(&mut store_day.into_values()),
        store_week: pooled(&mut store_week.into_values()),
        mase: mean_of(&mases),
        rmsse: mean_of(&rmsses),
    }
}

fn means(out: &PanelOutcome) -> Vec<Vec<f64>> {
    out.series.iter().map(|s| s.forecast.mean.clone()).collect()
}

/// Runs the backtest form, printing the report to `out`.
pub fn run(args: &BacktestArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let h = args.horizon;
    anyhow::ensure!(h > 0, "--horizon must be at least 1");
    let panel = read_panel(&args.input, &args.features, 0)?;
    let total = panel.len();
    let (train, actual): (Vec<PanelSeries>, Vec<Vec<f64>>) = panel
        .into_iter()
        .filter(|p| p.series.len() > h)
        .map(|p| {
            let cut = p.series.len() - h;
            let actual = p.series.y[cut..].to_vec();
            (
                PanelSeries {
                    series: p.series.truncated(cut, h),
                    ..p
                },
                actual,
            )
        })
        .unzip();
    anyhow::ensure!(
        !train.is_empty(),
        "no series is longer than the horizon ({h} days)"
    );
    let cfg = EngineConfig {
        horizon: h,
        windows: args.windows,
        top_k: args.top_k,
        group_share: args.group_share,
        reconcile: false,
        ..EngineConfig::default()
    };
    let pb = bar(2 * train.len() * (ModelName::ALL.len() + 1), "backtesting");
    let tick = || pb.inc(1);
    let mut rows = Vec::new();
    for m in ModelName::ALL {
        let o = run_panel(&train, &cfg, Method::Single(m), &tick)
            .with_context(|| format!("model {m}"))?;
        rows.push(score(m.as_str(), &train, &actual, &means(&o)));
    }
    let ensemble = run_panel(&train, &cfg, Method::Ensemble, &tick).context("ensemble")?;
    rows.push(score("ensemble", &train, &actual, &means(&ensemble)));
    let mut reconciled = ensemble.series.clone();
    reconcile_panel(&train, &mut reconciled, &cfg).context("reconciliation")?;
    let rec: Vec<Vec<f64>> = reconciled.iter().map(|s| s.forecast.mean.clone()).collect();
    rows.push(score("ensemble+reconciled", &train, &actual, &rec));
    pb.finish_and_clear();

    writeln!(
        out,
        "holdout: last {h} days of {} series ({} shorter series left out)",
        train.len(),
        total - train.len()
    )?;
    write_classes(out, &ensemble)?;
    write_table(out, &rows)?;
    Ok(())
}

fn write_classes(out: &mut dyn Write, ensemble: &PanelOutcome) -> anyhow::Result<()> {
    let mut classes: BTreeMap<DemandClass, usize> = BTreeMap::new();
    let mut usage: BTreeMap<ModelName, f64> = BTreeMap::new();
    for s in &ensemble.series {
        *classes.entry(s.class).or_default() += 1;
        for w in &s.weights {
            *usage.entry(w.model).or_default() += w.weight;
        }
    }
    let n = ensemble.series.len().max(1) as f64;
    let classes: Vec<String> = classes.iter().map(|(c, k)| format!("{c:?} {k}")).collect();
    writeln!(out, "demand classes: {}", classes.join(", "))?;
    let usage: Vec<String> = usage
        .iter()
        .map(|(m, w)| format!("{m} {:.0}%", 100.0 * w / n))
        .collect();
    writeln!(out, "ensemble weight by model: {}", usage.join(", "))?;
    Ok(())
}

fn cell(v: Option<f64>, pct: bool) -> String {
    match (v, pct) {
        (None, _) => "-".into(),
        (Some(v), true) => format!("{:.1}%", 100.0 * v),
        (Some(v), false) => format!("{v:.3}"),
    }
}

fn write_table(out: &mut dyn Write, rows: &[Scores]) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<20} {:>14} {:>16} {:>17} {:>7} {:>7}",
        "method", "1-WAPE series", "1-WAPE store×day", "1-WAPE store×week", "MASE", "RMSSE"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<20} {:>14} {:>16} {:>17} {:>7} {:>7}",
            r.method,
            cell(r.series_day, true),
            cell(r.store_day, true),
            cell(r.store_week, true),
            cell(r.mase, false),
            cell(r.rmsse, false)
        )?;
    }
    Ok(())
}
