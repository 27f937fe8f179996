//! Black-box tests of `chainsync forecast` through its library API (`ForecastArgs` + `run`),
//! parsed from argv exactly as the `chainsync` binary will.

use std::path::{Path, PathBuf};

use chainsync_analytics_cli::{ForecastArgs, run};
use clap::{CommandFactory, Parser};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: ForecastArgs,
}

fn parse(argv: &[&str]) -> ForecastArgs {
    let mut full = vec!["forecast"];
    full.extend_from_slice(argv);
    Cli::try_parse_from(full).expect("arguments parse").args
}

/// Writes a history of `series` weekly-patterned series over `days` days.
fn history(dir: &Path, name: &str, series: usize, days: usize) -> PathBuf {
    let mut s = String::from("series_id,date,quantity,store,category,price\n");
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for i in 0..series {
        for t in 0..days {
            let date = start + chrono::Days::new(t as u64);
            let q = 5 + i + [0, 1, 2, 3, 5, 8, 2][t % 7];
            s += &format!(
                "s{i},{date},{q},store{},cat{},{}.5\n",
                i % 2,
                i % 3,
                3 + t % 2
            );
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

fn run_forecast(input: &Path, output: &Path, extra: &[&str]) -> anyhow::Result<()> {
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let mut argv = vec!["--input", i, "--output", o, "--horizon", "14"];
    argv.extend_from_slice(extra);
    run(parse(&argv))
}

#[test]
fn writes_horizon_rows_per_series_never_negative() {
    let dir = tempfile::tempdir().unwrap();
    let input = history(dir.path(), "h.csv", 3, 120);
    let output = dir.path().join("f.csv");
    run_forecast(&input, &output, &[]).unwrap();
    let text = std::fs::read_to_string(&output).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("series_id,date,forecast,lo,hi"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3 * 14);
    assert_eq!(rows[0][1], "2024-04-30"); // day after 2024-04-29, the 120th day
    for r in &rows {
        let (f, lo, hi): (f64, f64, f64) = (
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
            r[4].parse().unwrap(),
        );
        assert!(lo >= 0.0 && lo <= f && f <= hi, "{r:?}");
    }
}

#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = history(dir.path(), "h.csv", 4, 100);
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    run_forecast(&input, &a, &["--features", "price"]).unwrap();
    run_forecast(&input, &b, &["--features", "price"]).unwrap();
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn a_missing_day_counts_as_zero_sales() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_zero = String::from("series_id,date,quantity\n");
    let mut with_gap = with_zero.clone();
    for t in 0..60u64 {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap() + chrono::Days::new(t);
        let q = if t == 30 { 0 } else { 4 + t % 7 };
        with_zero += &format!("a,{date},{q}\n");
        if t != 30 {
            with_gap += &format!("a,{date},{q}\n");
        }
    }
    std::fs::write(dir.path().join("z.csv"), with_zero).unwrap();
    std::fs::write(dir.path().join("g.csv"), with_gap).unwrap();
    run_forecast(
        &dir.path().join("z.csv"),
        &dir.path().join("oz.csv"),
        &["--model", "linear"],
    )
    .unwrap();
    run_forecast(
        &dir.path().join("g.csv"),
        &dir.path().join("og.csv"),
        &["--model", "linear"],
    )
    .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("oz.csv")).unwrap(),
        std::fs::read(dir.path().join("og.csv")).unwrap()
    );
}

fn expect_error(csv: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.csv");
    std::fs::write(&input, csv).unwrap();
    let output = dir.path().join("out.csv");
    let err = run_forecast(&input, &output, extra).expect_err("must fail");
    let msg = format!("{err:#}");
    for n in needles {
        assert!(msg.contains(n), "{msg:?} lacks {n:?}");
    }
    assert!(!output.exists(), "nothing may be written on error");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file left"
    );
}

#[test]
fn bad_date_names_line_and_column() {
    expect_error(
        "series_id,date,quantity\na,2024-01-01,3\na,2024-13-01,4\n",
        &[],
        &["line 3", "column 2 (date)"],
    );
}

#[test]
fn non_numeric_quantity_names_line_and_column() {
    expect_error(
        "date,series_id,quantity\n2024-01-01,a,3\n2024-01-02,a,lots\n",
        &[],
        &["line 3", "column 3 (quantity)", "lots"],
    );
}

#[test]
fn duplicate_day_names_both_lines() {
    expect_error(
        "series_id,date,quantity\na,2024-01-01,3\nb,2024-01-01,3\na,2024-01-01,5\n",
        &[],
        &["line 4", "column 2 (date)", "duplicate of line 2"],
    );
}

#[test]
fn non_numeric_feature_and_unknown_feature_are_errors() {
    expect_error(
        "series_id,date,quantity,price\na,2024-01-01,3,x\n",
        &["--features", "price"],
        &["line 2", "column 4 (price)"],
    );
    expect_error(
        "series_id,date,quantity\na,2024-01-01,3\n",
        &["--features", "promo"],
        &["promo"],
    );
}

#[test]
fn single_day_and_two_week_series_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("short.csv");
    let mut s = String::from("series_id,date,quantity\none,2024-05-01,7\n");
    for t in 0..14u64 {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap() + chrono::Days::new(t);
        s += &format!("two,{date},{}\n", t % 7);
    }
    std::fs::write(&input, s).unwrap();
    let output = dir.path().join("f.csv");
    run_forecast(&input, &output, &[]).unwrap();
    let text = std::fs::read_to_string(output).unwrap();
    assert_eq!(text.lines().count(), 1 + 2 * 14);
    assert!(text.contains("one,2024-05-02,7.0000"));
}

#[test]
fn help_lists_every_model() {
    let help = Cli::command().render_long_help().to_string();
    for name in [
        "ensemble",
        "seasonal-naive",
        "linear",
        "ets",
        "arima",
        "prophet",
        "croston",
        "sba",
        "tsb",
        "global",
        "naive",
        "drift",
        "theta",
        "theta-log",
    ] {
        assert!(help.contains(name), "--help lacks {name}");
    }
}

#[test]
fn backtest_prints_every_model_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let input = history(dir.path(), "h.csv", 4, 120);
    let args = match parse(&[
        "backtest",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "14",
    ])
    .command
    {
        Some(chainsync_analytics_cli::ForecastCommand::Backtest(b)) => b,
        None => panic!("backtest subcommand not parsed"),
    };
    let mut out = Vec::new();
    chainsync_analytics_cli::backtest::run(&args, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "1-WAPE store×day",
        "1-WAPE store×week",
        "MASE",
        "RMSSE",
        "seasonal-naive",
        "arima",
        "ensemble+reconciled",
    ] {
        assert!(text.contains(needle), "{text}");
    }
}

/// History where a promotion (every 10th day) lifts sales by 30.
fn promo_history(dir: &Path) -> PathBuf {
    let mut s = String::from("series_id,date,quantity,promo\n");
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for t in 0..120u64 {
        let date = start + chrono::Days::new(t);
        let promo = u64::from(t % 10 == 0);
        s += &format!("a,{date},{},{promo}\n", 20 + t % 7 + 30 * promo);
    }
    let path = dir.join("promo.csv");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn future_promotions_lift_their_days() {
    let dir = tempfile::tempdir().unwrap();
    let input = promo_history(dir.path());
    // History ends 2024-04-29; plan a promotion on 2024-05-03 only.
    let future = dir.path().join("future.csv");
    std::fs::write(&future, "series_id,date,promo\na,2024-05-03,1\n").unwrap();
    let output = dir.path().join("f.csv");
    let f = future.to_str().unwrap();
    run_forecast(
        &input,
        &output,
        &["--model", "linear", "--features", "promo", "--future", f],
    )
    .unwrap();
    let text = std::fs::read_to_string(output).unwrap();
    let value = |date: &str| -> f64 {
        let line = text.lines().find(|l| l.contains(date)).unwrap();
        line.split(',').nth(2).unwrap().parse().unwrap()
    };
    // Same weekday one week apart: only the planned day is promoted.
    assert!(value("2024-05-03") > value("2024-05-10") + 20.0);
}

#[test]
fn future_rows_inside_the_history_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = promo_history(dir.path());
    let future = dir.path().join("future.csv");
    std::fs::write(
        &future,
        "series_id,date,promo\na,2024-05-01,0\na,2024-04-29,1\n",
    )
    .unwrap();
    let output = dir.path().join("f.csv");
    let f = future.to_str().unwrap();
    let err = run_forecast(&input, &output, &["--features", "promo", "--future", f]).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("line 3") && msg.contains("column 2 (date)"),
        "{msg}"
    );
    assert!(!output.exists());
}
