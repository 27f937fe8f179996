//! The engine call of a training batch (blocking: run it in `spawn_blocking`; rayon inside the
//! engine uses every core).
//!
//! A batch is one `run_panel` of the `chainsync-analytics` ensemble (backtests on rolling
//! origins, the best three models weighted by inverse error, weighted median). If the batch
//! fails or panics, each series is retried alone so that one bad series only fails itself.
//! Reconciliation is off: an incremental job trains a subset of the store, whose sum is not
//! the store's total (and on the demo chain it did not help: docs/ai-models.md).

use chainsync_analytics::engine::{EngineConfig, Method, PanelSeries, SeriesOutcome, run_panel};
use chainsync_analytics::metrics::{WapeSums, mase, naive_mae_scale, rmsse};
use chainsync_analytics::series::Series;
use chainsync_domain::forecasting::{TRAINED_HORIZON, TRAINED_LEVEL};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// One series to train: `key` is the scope key (product id, or `''` for the store default).
#[derive(Debug, Clone)]
pub struct SeriesInput {
    pub key: String,
    pub start: NaiveDate,
    pub y: Vec<f64>,
}

/// What a trained series becomes in the registry.
#[derive(Debug, Clone)]
pub struct Trained {
    pub params: Value,
    pub backtest_mase: Option<f64>,
    pub backtest_rmsse: Option<f64>,
    pub backtest_wape: Option<f64>,
    pub mase_scale: Option<f64>,
    pub forecast: Value,
    pub training_ms: i64,
}

/// The engine settings of every training: the longest served horizon, the stored level.
pub fn engine_config() -> EngineConfig {
    EngineConfig {
        horizon: TRAINED_HORIZON as usize,
        level: f64::from(TRAINED_LEVEL),
        reconcile: false,
        ..EngineConfig::default()
    }
}

fn panel(inputs: &[SeriesInput]) -> Vec<PanelSeries> {
    inputs
        .iter()
        .map(|s| PanelSeries {
            id: s.key.clone(),
            store: None,
            category: None,
            series: Series::new(s.start, s.y.clone()),
        })
        .collect()
}

fn run(inputs: &[SeriesInput], tick: &(dyn Fn() + Sync)) -> Result<Vec<SeriesOutcome>, String> {
    let cfg = engine_config();
    let panel = panel(inputs);
    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        run_panel(&panel, &cfg, Method::Ensemble, tick)
    })) {
        Ok(Ok(outcome)) => Ok(outcome.series),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .map_or_else(
                || "the engine panicked".to_owned(),
                |m| format!("the engine panicked: {m}"),
            )),
    }
}

/// Trains a batch; one result per input, in order. `tick` is called twice per series (the
/// engine's backtest and final-fit stages), for progress.
pub fn train_batch(
    inputs: &[SeriesInput],
    tick: &(dyn Fn() + Sync),
) -> Vec<Result<Trained, String>> {
    let started = Instant::now();
    match run(inputs, tick) {
        Ok(outcomes) => {
            // The engine trains a panel at once; each series is charged its share of the wall time.
            let share = started.elapsed().as_millis() as i64 / inputs.len().max(1) as i64;
            inputs
                .iter()
                .zip(outcomes)
                .map(|(input, outcome)| Ok(describe(input, &outcome, share)))
                .collect()
        }
        Err(_) if inputs.len() > 1 => inputs
            .iter()
            .map(|input| {
                let one = Instant::now();
                run(std::slice::from_ref(input), &|| {}).map(|mut o| {
                    let outcome = o.remove(0);
                    describe(input, &outcome, one.elapsed().as_millis() as i64)
                })
            })
            .collect(),
        Err(e) => vec![Err(e)],
    }
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Backtest accuracy of the combination on its rolling-origin windows (window `i` ends
/// `(i + 1)·horizon` days before the end): MASE and RMSSE averaged over windows, WAPE pooled.
pub fn backtest_accuracy(
    y: &[f64],
    windows: &[Vec<f64>],
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let h = TRAINED_HORIZON as usize;
    let (mut mases, mut rmsses, mut wape) = (Vec::new(), Vec::new(), WapeSums::default());
    for (i, path) in windows.iter().enumerate() {
        let Some(cut) = y.len().checked_sub((i + 1) * h) else {
            continue;
        };
        let actual = &y[cut..(cut + path.len()).min(y.len())];
        let forecast = &path[..actual.len()];
        if let Some(m) = mase(&y[..cut], actual, forecast) {
            mases.push(m);
        }
        if let Some(r) = rmsse(&y[..cut], actual, forecast) {
            rmsses.push(r);
        }
        for (a, f) in actual.iter().zip(forecast) {
            wape.add(*a, *f);
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    (
        mean(&mases),
        mean(&rmsses),
        wape.accuracy().map(|acc| 1.0 - acc),
    )
}

fn describe(input: &SeriesInput, outcome: &SeriesOutcome, training_ms: i64) -> Trained {
    let (backtest_mase, backtest_rmsse, backtest_wape) =
        backtest_accuracy(&input.y, &outcome.backtest);
    let members: Vec<Value> = outcome
        .weights
        .iter()
        .map(|w| json!({ "model": w.model.as_str(), "weight": round(w.weight) }))
        .collect();
    let cfg = engine_config();
    let f = &outcome.forecast;
    let end = input.start + chrono::Days::new(input.y.len() as u64);
    Trained {
        params: json!({
            "members": members,
            "class": format!("{:?}", outcome.class).to_lowercase(),
            "horizon": cfg.horizon,
            "level": cfg.level,
            "backtest_windows": outcome.backtest.len(),
            "top_k": cfg.top_k,
        }),
        backtest_mase: backtest_mase.map(round),
        backtest_rmsse: backtest_rmsse.map(round),
        backtest_wape: backtest_wape.map(round),
        mase_scale: naive_mae_scale(&input.y, 7).or_else(|| naive_mae_scale(&input.y, 1)),
        forecast: json!({
            "start": end.to_string(),
            "level": TRAINED_LEVEL,
            "mean": f.mean.iter().copied().map(round).collect::<Vec<_>>(),
            "lo": f.lo.iter().copied().map(round).collect::<Vec<_>>(),
            "hi": f.hi.iter().copied().map(round).collect::<Vec<_>>(),
        }),
        training_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weekly pattern with a small irregular part: a purely periodic series has a zero
    /// seasonal-naive error, which leaves MASE undefined.
    fn weekly(days: usize) -> Vec<f64> {
        (0..days)
            .map(|t| [3.0, 4.0, 5.0, 4.0, 6.0, 9.0, 1.0][t % 7] + ((t * 37) % 11) as f64 * 0.1)
            .collect()
    }

    #[test]
    fn a_batch_yields_one_model_per_series_with_a_full_horizon_forecast() {
        let start = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        let inputs = vec![
            SeriesInput {
                key: "a".into(),
                start,
                y: weekly(300),
            },
            SeriesInput {
                key: "b".into(),
                start,
                y: vec![0.0, 1.0, 0.0, 0.0, 2.0],
            },
        ];
        let ticks = std::sync::atomic::AtomicUsize::new(0);
        let out = train_batch(&inputs, &|| {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(out.len(), 2);
        let a = out[0].as_ref().unwrap();
        assert_eq!(
            a.forecast["mean"].as_array().unwrap().len(),
            TRAINED_HORIZON as usize
        );
        assert_eq!(a.forecast["start"], "2026-08-28");
        assert!(a.backtest_mase.is_some(), "300 days leave backtest windows");
        assert!(!a.params["members"].as_array().unwrap().is_empty());
        let b = out[1].as_ref().unwrap();
        assert!(b.backtest_mase.is_none(), "five days leave no window");
        assert_eq!(ticks.load(std::sync::atomic::Ordering::Relaxed), 4);
    }

    #[test]
    fn backtest_accuracy_scores_each_window_against_what_followed() {
        let y = weekly(28 + 2 * TRAINED_HORIZON as usize);
        let h = TRAINED_HORIZON as usize;
        let perfect = vec![
            y[y.len() - h..].to_vec(),
            y[y.len() - 2 * h..y.len() - h].to_vec(),
        ];
        let (m, r, w) = backtest_accuracy(&y, &perfect);
        assert_eq!((m, r, w), (Some(0.0), Some(0.0), Some(0.0)));
        let off: Vec<Vec<f64>> = perfect
            .iter()
            .map(|p| p.iter().map(|v| v + 1.0).collect())
            .collect();
        let (m, _, w) = backtest_accuracy(&y, &off);
        assert!(m.unwrap() > 0.0 && w.unwrap() > 0.0);
    }
}
