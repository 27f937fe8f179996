//! Property tests: whatever the history (length 1 to 150 days, zeros, spikes, constant runs,
//! negative returns), every model and the ensemble forecast exactly `horizon` finite days
//! with `0 <= lo <= mean <= hi`, and never panic.

use chainsync_analytics::engine::{EngineConfig, Method, PanelSeries, run_panel};
use chainsync_analytics::{ModelName, Series};
use chrono::NaiveDate;
use proptest::prelude::*;

/// 12 cases in CI (each runs the whole pipeline); `PROPTEST_CASES=500` for a deeper search.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

fn history() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            4 => Just(0.0),
            4 => 0.0f64..20.0,
            1 => 0.0f64..5000.0,
            1 => -3.0f64..0.0,
        ],
        1..150,
    )
}

fn check(series: &[Vec<f64>], method: Method, horizon: usize) {
    let start = NaiveDate::from_ymd_opt(2024, 2, 27).unwrap();
    let panel: Vec<PanelSeries> = series
        .iter()
        .enumerate()
        .map(|(i, y)| PanelSeries {
            id: i.to_string(),
            store: Some("s".into()),
            category: None,
            series: Series::new(start, y.clone()),
        })
        .collect();
    let cfg = EngineConfig {
        horizon,
        ..EngineConfig::default()
    };
    let out = run_panel(&panel, &cfg, method, &|| {}).unwrap();
    for o in &out.series {
        let f = &o.forecast;
        assert_eq!(
            (f.mean.len(), f.lo.len(), f.hi.len()),
            (horizon, horizon, horizon)
        );
        for d in 0..horizon {
            assert!(
                f.mean[d].is_finite() && f.hi[d].is_finite(),
                "{method:?}: {f:?}"
            );
            assert!(
                0.0 <= f.lo[d] && f.lo[d] <= f.mean[d] && f.mean[d] <= f.hi[d],
                "{method:?}: {f:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn ensemble_forecasts_are_well_formed(a in history(), b in history(), horizon in 1usize..35) {
        check(&[a, b], Method::Ensemble, horizon);
    }

    #[test]
    fn every_model_forecasts_are_well_formed(a in history(), b in history(), horizon in 1usize..35) {
        for m in ModelName::ALL {
            check(&[a.clone(), b.clone()], Method::Single(m), horizon);
        }
    }
}
