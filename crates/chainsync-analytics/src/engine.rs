//! The whole forecasting pipeline over a panel of series, in parallel with rayon.
//!
//! Stages (each timed, see [`Timings`]):
//! 1. classify every series (smooth / erratic / intermittent / lumpy / zero);
//! 2. train the global model once per backtest origin and once on the full history;
//! 3. backtest every candidate model per series on `windows` rolling origins;
//! 4. fit the chosen models on the full history and combine them ([`ensemble`]): the 3 best
//!    when the backtest windows agree on the candidates' order, all of them equally when
//!    they do not;
//! 5. reconcile items with store and category totals ([`reconcile`]), forecasting those
//!    totals with the local-model ensemble.
//!
//! Determinism: every per-series computation is independent and results are collected in
//! input order; the global model sums its blocks in series order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::backtest::{WindowErrors, score_window, window_cuts};
use crate::classify::{DemandClass, classify};
use crate::ensemble::{Weight, choose_weights, combine, inverse_error_weights, rank_persistence};
use crate::error::ForecastError;
use crate::forecaster::{Forecaster, fit_predict};
use crate::models::ModelName;
use crate::models::global::{GlobalForecaster, GlobalModel, TrainedGlobal};
use crate::models::naive::SeasonalNaive;
use crate::models::weekday_shape::{Shaped, WeekdayProfile};
use crate::reconcile::{Group, reconcile};
use crate::series::{Forecast, Series};

/// One series of the panel with its place in the hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSeries {
    /// Series identifier (item × store).
    pub id: String,
    /// Store, if known.
    pub store: Option<String>,
    /// Category, if known.
    pub category: Option<String>,
    /// The history (regressors cover history + horizon).
    pub series: Series,
}

/// Which forecasts to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Backtest-weighted ensemble per series (the default).
    Ensemble,
    /// One model for every series (falls back to seasonal naive where it cannot fit).
    Single(ModelName),
}

/// Engine settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Days to forecast.
    pub horizon: usize,
    /// Central interval level, percent.
    pub level: f64,
    /// Rolling origins per series.
    pub windows: usize,
    /// Models kept per series.
    pub top_k: usize,
    /// Reconcile with store/category totals.
    pub reconcile: bool,
    /// Weight of the group's mean backtest score against the series' own (0..=1).
    pub group_share: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            horizon: 28,
            level: 80.0,
            windows: 2,
            top_k: 3,
            reconcile: true,
            group_share: GROUP_SHARE,
        }
    }
}

/// Default weight of group evidence in model choice (measured: docs/ai-models.md).
pub const GROUP_SHARE: f64 = 0.0;

/// Wall time per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Demand classification.
    pub classify: Duration,
    /// Global model training (all origins).
    pub global_training: Duration,
    /// Rolling-origin backtests.
    pub backtests: Duration,
    /// Final fits and ensemble combination.
    pub final_fits: Duration,
    /// Hierarchical reconciliation (including forecasting the totals).
    pub reconciliation: Duration,
}

impl Timings {
    /// Sum of all stages.
    pub fn total(&self) -> Duration {
        self.classify
            + self.global_training
            + self.backtests
            + self.final_fits
            + self.reconciliation
    }
}

/// Result for one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOutcome {
    /// The forecast.
    pub forecast: Forecast,
    /// Demand class of the history.
    pub class: DemandClass,
    /// Models used and their weights.
    pub weights: Vec<Weight>,
    /// The combination's forecasts on the backtest windows (window `i` ends `(i + 1)·horizon`
    /// days before the end of the history); empty for a single model or a short series.
    pub backtest: Vec<Vec<f64>>,
}

/// Result for a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelOutcome {
    /// One outcome per input series, in input order.
    pub series: Vec<SeriesOutcome>,
    /// Time per stage.
    pub timings: Timings,
}

/// Weekly seasonal strength below which a series counts as having no weekly pattern.
pub const WANDERING_MAX_SEASONAL: f64 = 0.3;
/// Backtest windows for a wandering series (see [`is_wandering`]).
pub const WANDERING_WINDOWS: usize = 6;

/// A series that wanders like a random walk: its level fails the KPSS stationarity test at
/// 5 %, it has little weekly pattern (strength < [`WANDERING_MAX_SEASONAL`]), and its daily
/// changes are not anti-correlated (lag-1 autocorrelation of the differences > −0.2; noise
/// around a moving level — a Poisson seller with a yearly cycle — differences to ≈ −0.5):
/// prices, macro figures. For these the weekly models copy noise forward; the candidates are
/// the random walks and ETS and ARIMA, judged on more windows ([`WANDERING_WINDOWS`]) because
/// one month of a random walk is weak evidence.
pub fn is_wandering(y: &[f64]) -> bool {
    use crate::models::arima::{KPSS_CRITICAL, kpss_statistic, seasonal_strength};
    if y.len() < 8 * 7 {
        return false;
    }
    let d: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    let m = crate::stats::mean(&d);
    let var: f64 = d.iter().map(|v| (v - m) * (v - m)).sum();
    let lag1: f64 = d.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum();
    let autocorrelation = if var > 0.0 { lag1 / var } else { -1.0 };
    autocorrelation > -0.2
        && seasonal_strength(y) < WANDERING_MAX_SEASONAL
        && kpss_statistic(y) > KPSS_CRITICAL
}

/// Candidate models for a series of demand class `class`; `wandering` from [`is_wandering`].
pub fn candidates_for(class: DemandClass, wandering: bool) -> &'static [ModelName] {
    use ModelName::*;
    if wandering && !class.is_sporadic() && class != DemandClass::Zero {
        &[Naive, Drift, Ets, Arima, Theta, ThetaLog]
    } else {
        candidates(class)
    }
}

/// Candidate models for a demand class.
pub fn candidates(class: DemandClass) -> &'static [ModelName] {
    use ModelName::*;
    if class.is_sporadic() {
        &[Croston, Sba, Tsb, Global]
    } else if class == DemandClass::Zero {
        &[SeasonalNaive]
    } else {
        // The intermittent family stays in: on a smooth series TSB is simple exponential
        // smoothing of the level, which wins on spiky series where weekly models chase noise.
        &[
            SeasonalNaive,
            Linear,
            Ets,
            Arima,
            Prophet,
            Croston,
            Sba,
            Tsb,
            Global,
            Theta,
            ThetaLog,
        ]
    }
}

/// Models fitted on aggregated totals (no global model: too few series to train one).
const TOTAL_CANDIDATES: [ModelName; 5] = [
    ModelName::SeasonalNaive,
    ModelName::Linear,
    ModelName::Ets,
    ModelName::Arima,
    ModelName::Prophet,
];

/// Global models: one per backtest origin (index k-1) and one on the full history.
#[derive(Debug, Default)]
struct Globals {
    per_window: Vec<Option<Arc<TrainedGlobal>>>,
    full: Option<Arc<TrainedGlobal>>,
}

fn train_globals(panel: &[PanelSeries], horizon: usize, windows: usize) -> Globals {
    let model = GlobalModel::default();
    let per_window = (1..=windows)
        .map(|k| {
            let cut: Vec<Series> = panel
                .iter()
                .filter(|p| p.series.len() > k * horizon)
                .map(|p| p.series.truncated(p.series.len() - k * horizon, horizon))
                .collect();
            let refs: Vec<&Series> = cut.iter().collect();
            model.train(&refs).ok().map(Arc::new)
        })
        .collect();
    let refs: Vec<&Series> = panel.iter().map(|p| &p.series).collect();
    Globals {
        per_window,
        full: model.train(&refs).ok().map(Arc::new),
    }
}

/// The forecaster of `name`; the flat intermittent models are shaped by `profile`, the
/// weekday profile of the series' group at the same origin.
fn forecaster(
    name: ModelName,
    global: Option<&Arc<TrainedGlobal>>,
    profile: Option<WeekdayProfile>,
) -> Option<Box<dyn Forecaster>> {
    match (name, profile) {
        (ModelName::Global, _) => {
            global.map(|g| Box::new(GlobalForecaster::new(Arc::clone(g))) as Box<dyn Forecaster>)
        }
        (other, Some(profile)) if other.is_intermittent() => other
            .local()
            .map(|m| Box::new(Shaped::new(m, profile)) as Box<dyn Forecaster>),
        (other, _) => other.local(),
    }
}

/// Weekday profiles of a group per origin: index 0 for the full history, `k` for the origin
/// `k·horizon` days before the end (the backtest windows).
type OriginProfiles = Vec<Option<WeekdayProfile>>;

/// The weekday profiles each series is shaped with: its store's total when it belongs to a
/// store of several series, else its category's, else the total of every series ending on
/// the same day; none at all (an empty list) for a series alone in all three.
fn group_profiles(
    panel: &[PanelSeries],
    horizon: usize,
    origins: usize,
) -> Vec<Arc<OriginProfiles>> {
    static EVERYONE: String = String::new();
    let mut out: Vec<Option<Arc<OriginProfiles>>> = vec![None; panel.len()];
    // The first grouping that covers a series wins: store, then category, then the panel.
    let groupings = [
        groups_by(panel, |p| p.store.as_ref()),
        groups_by(panel, |p| p.category.as_ref()),
        groups_by(panel, |_| Some(&EVERYONE)),
    ];
    for groups in &groupings {
        for (members, end) in groups {
            if members.iter().all(|&i| out[i].is_some()) {
                continue;
            }
            let total = aggregate(panel, members, *end);
            let profiles: OriginProfiles = (0..=origins)
                .map(|k| {
                    let n = total.len().checked_sub(k * horizon)?;
                    WeekdayProfile::from_history(&total.truncated(n, 0))
                })
                .collect();
            let profiles = Arc::new(profiles);
            for &i in members {
                if out[i].is_none() {
                    out[i] = Some(Arc::clone(&profiles));
                }
            }
        }
    }
    let none = Arc::new(OriginProfiles::new());
    out.into_iter()
        .map(|p| p.unwrap_or_else(|| Arc::clone(&none)))
        .collect()
}

/// Backtest scores of `models` on one series.
fn backtest_scores(
    series: &Series,
    models: &[ModelName],
    globals: &Globals,
    profiles: &[Option<WeekdayProfile>],
    horizon: usize,
    windows: usize,
    kept_paths: usize,
) -> Backtest {
    let cuts = window_cuts(series.len(), horizon, windows);
    let mut out = Backtest::default();
    let Some(&earliest) = cuts.last() else {
        return out;
    };
    for &name in models {
        let mut errors = WindowErrors::default();
        let mut per_window = Vec::with_capacity(cuts.len());
        let mut complete = true;
        let mut paths = Vec::with_capacity(cuts.len());
        for (i, &cut) in cuts.iter().enumerate() {
            let global = globals.per_window.get(i).and_then(Option::as_ref);
            let profile = profiles.get(i + 1).copied().flatten();
            let Some(model) = forecaster(name, global, profile) else {
                complete = false;
                break;
            };
            match score_window(model.as_ref(), series, cut, horizon) {
                Some(f) => {
                    errors.add(&series.y[cut..cut + horizon], &f);
                    let mut window = WindowErrors::default();
                    window.add(&series.y[cut..cut + horizon], &f);
                    per_window.push(window);
                    paths.push(f);
                }
                None => {
                    complete = false;
                    break;
                }
            }
        }
        // A model that forecast exactly what an earlier candidate did on every window (on a
        // series that sells every day, TSB is Croston: both smooth the daily size) is the
        // same model here; counting it twice would give it two votes in the median.
        let kept = &paths[..paths.len().min(kept_paths)];
        let duplicate = complete && out.paths.values().any(|p| same_paths(p, kept));
        if complete
            && !duplicate
            && let Some(score) = errors.score(&series.y[..earliest])
        {
            out.scores.push((name, score));
            let scale_history = &series.y[..earliest];
            out.window_scores.insert(
                name,
                per_window
                    .iter()
                    .map(|w| w.score(scale_history).unwrap_or(f64::INFINITY))
                    .collect(),
            );
            // Later stages (reconciliation) read the same windows for every series.
            paths.truncate(kept_paths);
            out.paths.insert(name, paths);
        }
    }
    out
}

/// True when two models' window forecasts agree to rounding on every day.
fn same_paths(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(u, v)| (u - v).abs() <= 1e-9 * (1.0 + u.abs().max(v.abs())))
        })
}

/// Backtest evidence of one series.
#[derive(Debug, Default)]
struct Backtest {
    /// Score per model that could be scored on every window.
    scores: Vec<(ModelName, f64)>,
    /// Forecast per model and window (window `i` ends `(i + 1)·horizon` days before the end).
    paths: BTreeMap<ModelName, Vec<Vec<f64>>>,
    /// Score per model on each window separately (all scored windows, the same scale).
    window_scores: BTreeMap<ModelName, Vec<f64>>,
}

impl Backtest {
    /// Whether the windows agree on the order of `models` ([`rank_persistence`]).
    fn persistence(&self, models: &[(ModelName, f64)]) -> Option<f64> {
        let per_model: Option<Vec<Vec<f64>>> = models
            .iter()
            .map(|(m, _)| self.window_scores.get(m).cloned())
            .collect();
        rank_persistence(&per_model?)
    }

    /// The weighted ensemble's forecast per window (empty without windows).
    fn ensemble_paths(&self, weights: &[Weight]) -> Vec<Vec<f64>> {
        let used: Vec<(&Vec<Vec<f64>>, f64)> = weights
            .iter()
            .filter_map(|w| self.paths.get(&w.model).map(|p| (p, w.weight)))
            .collect();
        let total: f64 = used.iter().map(|(_, w)| w).sum();
        let Some((first, _)) = used.first() else {
            return Vec::new();
        };
        (0..first.len())
            .map(|i| {
                (0..first[i].len())
                    .map(|d| used.iter().map(|(p, w)| w * p[i][d]).sum::<f64>() / total)
                    .collect()
            })
            .collect()
    }
}

/// Mean backtest score of each model over the series of a group (sporadic or not): the
/// evidence of many similar series is steadier than two windows of one series.
fn group_scores(
    classes: &[DemandClass],
    scores: &[Vec<(ModelName, f64)>],
) -> BTreeMap<bool, BTreeMap<ModelName, f64>> {
    let mut sums: BTreeMap<bool, BTreeMap<ModelName, (f64, usize)>> = BTreeMap::new();
    for (class, own) in classes.iter().zip(scores) {
        for &(m, s) in own {
            let e = sums
                .entry(class.is_sporadic())
                .or_default()
                .entry(m)
                .or_default();
            e.0 += s;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(g, ms)| {
            (
                g,
                ms.into_iter()
                    .map(|(m, (s, n))| (m, s / n as f64))
                    .collect(),
            )
        })
        .collect()
}

/// `(1 − share)·own + share·group` for every model the series itself could be scored on.
fn blend_scores(
    own: &[(ModelName, f64)],
    group: Option<&BTreeMap<ModelName, f64>>,
    share: f64,
) -> Vec<(ModelName, f64)> {
    own.iter()
        .map(|&(m, s)| {
            let g = group.and_then(|g| g.get(&m)).copied().unwrap_or(s);
            (m, (1.0 - share) * s + share * g)
        })
        .collect()
}

/// Fits `weights`' models on the full history and combines them; models that fail are
/// dropped, and seasonal naive stands in if none is left.
fn final_forecast(
    series: &Series,
    weights: &[Weight],
    global: Option<&Arc<TrainedGlobal>>,
    profile: Option<WeekdayProfile>,
    cfg: &EngineConfig,
) -> Result<(Forecast, Vec<Weight>), ForecastError> {
    let mut members = Vec::new();
    let mut used = Vec::new();
    for w in weights {
        if let Some(model) = forecaster(w.model, global, profile)
            && let Ok(f) = fit_predict(model.as_ref(), series, cfg.horizon, cfg.level)
        {
            members.push((w.weight, f));
            used.push(*w);
        }
    }
    if members.is_empty() {
        let f = fit_predict(&SeasonalNaive::weekly(), series, cfg.horizon, cfg.level)?;
        return Ok((
            f,
            vec![Weight {
                model: ModelName::SeasonalNaive,
                weight: 1.0,
            }],
        ));
    }
    let total: f64 = used.iter().map(|w| w.weight).sum();
    for w in &mut used {
        w.weight /= total;
    }
    Ok((combine(&members)?, used))
}

/// Runs the pipeline. `tick` is called once per series per stage (backtests, final fits),
/// for a progress bar of `2 × panel.len()` steps.
pub fn run_panel(
    panel: &[PanelSeries],
    cfg: &EngineConfig,
    method: Method,
    tick: &(dyn Fn() + Sync),
) -> Result<PanelOutcome, ForecastError> {
    crate::series::z_for_level(cfg.level)?;
    for p in panel {
        p.series.check_regressors(cfg.horizon)?;
    }
    let mut timings = Timings::default();

    let t = Instant::now();
    let classes: Vec<DemandClass> = panel.par_iter().map(|p| classify(&p.series.y)).collect();
    timings.classify = t.elapsed();

    let needs_global = match method {
        Method::Ensemble => true,
        Method::Single(m) => m == ModelName::Global,
    };
    let t = Instant::now();
    let windows = if method == Method::Ensemble {
        cfg.windows
    } else {
        0
    };
    let globals = if needs_global {
        train_globals(panel, cfg.horizon, windows)
    } else {
        Globals::default()
    };
    timings.global_training = t.elapsed();

    let t = Instant::now();
    let profiles = group_profiles(panel, cfg.horizon, cfg.windows.max(WANDERING_WINDOWS));
    let profiles_of = |i: usize| profiles[i].as_slice();
    let backtests: Vec<Backtest> = panel
        .par_iter()
        .zip(&classes)
        .enumerate()
        .map(|(i, (p, class))| {
            let s = match method {
                Method::Single(_) => Backtest::default(),
                Method::Ensemble => {
                    let wandering = is_wandering(&p.series.y);
                    let windows = if wandering {
                        cfg.windows.max(WANDERING_WINDOWS)
                    } else {
                        cfg.windows
                    };
                    backtest_scores(
                        &p.series,
                        candidates_for(*class, wandering),
                        &globals,
                        profiles_of(i),
                        cfg.horizon,
                        windows,
                        cfg.windows,
                    )
                }
            };
            tick();
            s
        })
        .collect();
    let weights: Vec<Vec<Weight>> = match method {
        Method::Single(m) => vec![
            vec![Weight {
                model: m,
                weight: 1.0
            }];
            panel.len()
        ],
        Method::Ensemble => {
            let scores: Vec<Vec<(ModelName, f64)>> =
                backtests.iter().map(|b| b.scores.clone()).collect();
            let pooled = group_scores(&classes, &scores);
            scores
                .iter()
                .zip(&classes)
                .zip(&backtests)
                .map(|((own, class), bt)| {
                    let blended =
                        blend_scores(own, pooled.get(&class.is_sporadic()), cfg.group_share);
                    choose_weights(&blended, bt.persistence(&blended), cfg.top_k)
                })
                .collect()
        }
    };
    timings.backtests = t.elapsed();

    let t = Instant::now();
    let finals: Vec<Result<(Forecast, Vec<Weight>), ForecastError>> = panel
        .par_iter()
        .zip(&weights)
        .enumerate()
        .map(|(i, (p, w))| {
            let profile = profiles_of(i).first().copied().flatten();
            let r = final_forecast(&p.series, w, globals.full.as_ref(), profile, cfg);
            tick();
            r
        })
        .collect();
    let mut series = Vec::with_capacity(panel.len());
    for ((r, class), bt) in finals.into_iter().zip(&classes).zip(&backtests) {
        let (forecast, weights) = r?;
        let backtest = bt.ensemble_paths(&weights);
        series.push(SeriesOutcome {
            forecast,
            class: *class,
            weights,
            backtest,
        });
    }
    timings.final_fits = t.elapsed();

    let t = Instant::now();
    if cfg.reconcile {
        reconcile_panel(panel, &mut series, cfg)?;
    }
    timings.reconciliation = t.elapsed();
    Ok(PanelOutcome { series, timings })
}

/// Sums member histories on a common calendar ending at `end`.
fn aggregate(panel: &[PanelSeries], members: &[usize], end: NaiveDate) -> Series {
    let start = members
        .iter()
        .map(|&i| panel[i].series.start)
        .min()
        .unwrap_or(end);
    let days = (end - start).num_days() as usize + 1;
    let mut y = vec![0.0; days];
    for &i in members {
        let s = &panel[i].series;
        let offset = (s.start - start).num_days() as usize;
        for (t, v) in s.y.iter().enumerate() {
            y[offset + t] += v;
        }
    }
    Series::new(start, y)
}

/// Forecasts a total with the local-model ensemble.
fn forecast_total(
    total: &Series,
    cfg: &EngineConfig,
) -> Result<(Forecast, Vec<Vec<f64>>), ForecastError> {
    let globals = Globals::default();
    let bt = backtest_scores(
        total,
        &TOTAL_CANDIDATES,
        &globals,
        &[],
        cfg.horizon,
        cfg.windows,
        cfg.windows,
    );
    let weights = inverse_error_weights(&bt.scores, cfg.top_k);
    let (forecast, used) = final_forecast(total, &weights, None, None, cfg)?;
    Ok((forecast, bt.ensemble_paths(&used)))
}

/// Relative backtest gain a share must show over leaving the items alone (measured on the
/// comparison datasets: below this, the chosen shares did not hold up on the holdout).
const MIN_RECONCILE_GAIN: f64 = 0.05;

/// Shares of the group's own forecast tried when reconciling; 0 keeps the items' sum.
const OWN_SHARES: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Chooses how much the group's own forecast should move its total, by backtest, judged
/// where it matters — on the items: for each share, the items' window forecasts are scaled
/// to the blended total and their absolute errors, each divided by the item's naive scale
/// (as MASE does), are summed; the smallest sum wins (ties: the smaller share). Without
/// windows shared by the group and all its members, items are left as they are.
fn own_share(
    panel: &[PanelSeries],
    members: &[usize],
    own: &[Vec<f64>],
    member_paths: &[&[Vec<f64>]],
    horizon: usize,
) -> f64 {
    let windows = member_paths
        .iter()
        .map(|m| m.len())
        .min()
        .unwrap_or(0)
        .min(own.len());
    if windows == 0 {
        return 0.0;
    }
    let scales: Vec<f64> = members
        .iter()
        .map(|&i| {
            let y = &panel[i].series.y;
            crate::metrics::naive_mae_scale(&y[..y.len() - windows * horizon], 7).unwrap_or(1.0)
        })
        .collect();
    let mut best = (f64::INFINITY, 0.0);
    let mut untouched = f64::INFINITY;
    for share in OWN_SHARES {
        let mut err = 0.0;
        for (w, own_path) in own.iter().enumerate().take(windows) {
            for d in 0..horizon {
                let bottom_up: f64 = member_paths.iter().map(|m| m[w][d]).sum();
                let target = share * own_path[d].max(0.0) + (1.0 - share) * bottom_up;
                let ratio = if bottom_up > 0.0 {
                    target / bottom_up
                } else {
                    1.0
                };
                for ((&i, path), scale) in members.iter().zip(member_paths).zip(&scales) {
                    let y = &panel[i].series.y;
                    let actual = y[y.len() - (w + 1) * horizon + d];
                    err += (ratio * path[w][d] - actual).abs() / scale;
                }
            }
        }
        if share == 0.0 {
            untouched = err;
        }
        if err < best.0 - 1e-9 {
            best = (err, share);
        }
    }
    // Two windows are thin evidence: moving the items needs a clear gain.
    if best.0 < untouched * (1.0 - MIN_RECONCILE_GAIN) {
        best.1
    } else {
        0.0
    }
}

fn groups_by(
    panel: &[PanelSeries],
    key: impl Fn(&PanelSeries) -> Option<&String>,
) -> Vec<(Vec<usize>, NaiveDate)> {
    let mut map: BTreeMap<(String, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (i, p) in panel.iter().enumerate() {
        if let Some(k) = key(p)
            && !p.series.is_empty()
        {
            let end = p.series.date(p.series.len() - 1);
            map.entry((k.clone(), end)).or_default().push(i);
        }
    }
    // A total of one item is the item itself: nothing to reconcile.
    map.into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|((_, end), m)| (m, end))
        .collect()
}

/// Reconciles item forecasts with store totals and category totals. Items are grouped by
/// (store, last date) and (category, last date): only items whose forecasts cover the same
/// days can be summed. [`run_panel`] calls it when `cfg.reconcile` is set; it is public so
/// an evaluation can score the same forecasts with and without it.
pub fn reconcile_panel(
    panel: &[PanelSeries],
    out: &mut [SeriesOutcome],
    cfg: &EngineConfig,
) -> Result<(), ForecastError> {
    let store_groups = groups_by(panel, |p| p.store.as_ref());
    let category_groups = groups_by(panel, |p| p.category.as_ref());
    if store_groups.is_empty() && category_groups.is_empty() {
        return Ok(());
    }
    let out_paths: Vec<Vec<Vec<f64>>> = out.iter().map(|o| o.backtest.clone()).collect();
    let build = |groups: &[(Vec<usize>, NaiveDate)]| -> Result<Vec<Group>, ForecastError> {
        groups
            .par_iter()
            .map(|(members, end)| {
                let series = aggregate(panel, members, *end);
                let (total, own_paths) = forecast_total(&series, cfg)?;
                let paths: Vec<&[Vec<f64>]> =
                    members.iter().map(|&i| out_paths[i].as_slice()).collect();
                Ok(Group {
                    members: members.clone(),
                    total: total.mean,
                    own_share: own_share(panel, members, &own_paths, &paths, cfg.horizon),
                })
            })
            .collect()
    };
    let stores = build(&store_groups)?;
    let categories = build(&category_groups)?;
    let mut means: Vec<Vec<f64>> = out.iter().map(|o| o.forecast.mean.clone()).collect();
    let ratios = reconcile(&mut means, &stores, &categories);
    for ((o, m), r) in out.iter_mut().zip(means).zip(ratios) {
        for (d, ratio) in r.iter().enumerate().take(m.len()) {
            o.forecast.lo[d] *= ratio;
            o.forecast.hi[d] *= ratio;
        }
        o.forecast.mean = m;
        o.forecast = o.forecast.clone().clamped();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testdata::{day0, intermittent, weekly_pattern};

    fn panel() -> Vec<PanelSeries> {
        (0..6)
            .map(|i| {
                let series = if i % 2 == 0 {
                    weekly_pattern(200, 3.0, i)
                } else {
                    intermittent(200, 0.2, i)
                };
                PanelSeries {
                    id: format!("s{i}"),
                    store: Some(format!("store{}", i % 2)),
                    category: Some(format!("cat{}", i % 3)),
                    series,
                }
            })
            .collect()
    }

    #[test]
    fn ensemble_is_deterministic_and_nonnegative() {
        let p = panel();
        let cfg = EngineConfig {
            horizon: 14,
            ..EngineConfig::default()
        };
        let a = run_panel(&p, &cfg, Method::Ensemble, &|| {}).unwrap();
        let b = run_panel(&p, &cfg, Method::Ensemble, &|| {}).unwrap();
        assert_eq!(a.series, b.series);
        for o in &a.series {
            assert_eq!(o.forecast.len(), 14);
            assert!(
                o.forecast
                    .lo
                    .iter()
                    .zip(&o.forecast.mean)
                    .all(|(l, m)| *l >= 0.0 && l <= m)
            );
            assert!((o.weights.iter().map(|w| w.weight).sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn random_walks_without_a_weekly_pattern_are_wandering_and_weekly_series_are_not() {
        use crate::models::testdata::weekly_pattern;
        let mut level = 500.0;
        let mut x: u64 = 7;
        let walk: Vec<f64> = (0..600)
            .map(|_| {
                // A small LCG: uniform steps in [-5, 5).
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                level += ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 10.0;
                level
            })
            .collect();
        assert!(is_wandering(&walk));
        assert!(!is_wandering(&weekly_pattern(600, 3.0, 1).y));
        assert!(!is_wandering(&walk[..30]), "too short to judge");
        // Noise around a slowly moving level is not a random walk, though KPSS rejects it.
        let cycle: Vec<f64> = (0..600)
            .map(|t| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 10.0;
                20.0 + 8.0 * (t as f64 * std::f64::consts::TAU / 365.0).sin() + noise
            })
            .collect();
        assert!(!is_wandering(&cycle));
        assert_eq!(
            candidates_for(DemandClass::Smooth, true),
            &[
                ModelName::Naive,
                ModelName::Drift,
                ModelName::Ets,
                ModelName::Arima,
                ModelName::Theta,
                ModelName::ThetaLog
            ]
        );
        assert_eq!(
            candidates_for(DemandClass::Intermittent, true),
            candidates(DemandClass::Intermittent)
        );
    }

    #[test]
    fn intermittent_items_take_their_stores_week() {
        use crate::models::testdata::intermittent_weekly;
        let item = |i: u64, series: Series| PanelSeries {
            id: format!("item-{i}"),
            store: Some("s".into()),
            category: None,
            series,
        };
        let mut p: Vec<PanelSeries> = (0..3)
            .map(|i| item(i, weekly_pattern(210, 3.0, i)))
            .collect();
        p.extend((3..9).map(|i| item(i, intermittent_weekly(210, 0.2, i))));
        let cfg = EngineConfig {
            horizon: 14,
            reconcile: false,
            ..EngineConfig::default()
        };
        let out = run_panel(&p, &cfg, Method::Single(ModelName::Sba), &|| {}).unwrap();
        // Day 210 is a Monday (day0 is one): forecast day 5 is a Saturday (index 1.5 vs 0.7).
        let (mondays, saturdays): (f64, f64) = out.series[3..]
            .iter()
            .map(|o| (o.forecast.mean[0], o.forecast.mean[5]))
            .fold((0.0, 0.0), |(m, s), (a, b)| (m + a, s + b));
        assert!(saturdays > 1.4 * mondays, "{saturdays} vs {mondays}");

        // Alone, the same item has no group to learn a week from: a flat forecast.
        let alone = vec![item(3, intermittent_weekly(210, 0.2, 3))];
        let out = run_panel(&alone, &cfg, Method::Single(ModelName::Sba), &|| {}).unwrap();
        let f = &out.series[0].forecast.mean;
        assert!(f.iter().all(|v| (v - f[0]).abs() < 1e-12));
    }

    #[test]
    fn a_model_identical_to_another_gets_no_second_vote() {
        // Sales every day: TSB's sale probability stays 1 and it smooths the size as Croston
        // does, so their backtest forecasts are the same numbers.
        let series = weekly_pattern(200, 3.0, 7);
        let bt = backtest_scores(
            &series,
            &[ModelName::Croston, ModelName::Tsb, ModelName::Sba],
            &Globals::default(),
            &[],
            14,
            2,
            2,
        );
        let models: Vec<ModelName> = bt.scores.iter().map(|(m, _)| *m).collect();
        assert_eq!(models, vec![ModelName::Croston, ModelName::Sba]);
    }

    #[test]
    fn windows_that_agree_on_the_order_keep_the_three_best() {
        // A steep trend with a weekly pattern: the models that follow the trend beat the flat
        // ones on both windows, so the order persists and selection stands.
        let series = crate::models::testdata::trend_weekly(200, 0.5, 2.0, 3);
        let bt = backtest_scores(
            &series,
            candidates(DemandClass::Smooth),
            &Globals::default(),
            &[],
            14,
            2,
            2,
        );
        let persistence = bt.persistence(&bt.scores).unwrap();
        assert!(persistence > 0.5, "{persistence}");
        assert_eq!(choose_weights(&bt.scores, Some(persistence), 3).len(), 3);
    }

    #[test]
    fn intermittent_series_get_intermittent_models() {
        let p = panel();
        let cfg = EngineConfig {
            horizon: 14,
            reconcile: false,
            ..EngineConfig::default()
        };
        let out = run_panel(&p, &cfg, Method::Ensemble, &|| {}).unwrap();
        for o in out.series.iter().filter(|o| o.class.is_sporadic()) {
            assert!(
                o.weights
                    .iter()
                    .all(|w| candidates(o.class).contains(&w.model))
            );
            assert!(
                o.weights
                    .iter()
                    .all(|w| !matches!(w.model, ModelName::Arima | ModelName::Ets))
            );
        }
    }

    /// Two items whose last 14 days (two windows of 7) are known.
    fn two_items() -> (Vec<PanelSeries>, Vec<Vec<Vec<f64>>>) {
        let panel: Vec<PanelSeries> = (0..2)
            .map(|i| PanelSeries {
                id: i.to_string(),
                store: Some("s".into()),
                category: None,
                series: weekly_pattern(70, 2.0, 40 + i),
            })
            .collect();
        // Window w covers days 70 − 7(w+1) .. 70 − 7w.
        let truth: Vec<Vec<Vec<f64>>> = panel
            .iter()
            .map(|p| {
                (0..2)
                    .map(|w| p.series.y[63 - 7 * w..70 - 7 * w].to_vec())
                    .collect()
            })
            .collect();
        (panel, truth)
    }

    #[test]
    fn accurate_items_keep_their_forecasts() {
        let (panel, truth) = two_items();
        let own: Vec<Vec<f64>> = (0..2).map(|_| vec![500.0; 7]).collect();
        let paths: Vec<&[Vec<f64>]> = truth.iter().map(Vec::as_slice).collect();
        assert_eq!(own_share(&panel, &[0, 1], &own, &paths, 7), 0.0);
    }

    #[test]
    fn a_better_total_pulls_biased_items() {
        let (panel, truth) = two_items();
        // Items forecast half of what sold; the store's own forecast is exact.
        let halved: Vec<Vec<Vec<f64>>> = truth
            .iter()
            .map(|t| {
                t.iter()
                    .map(|w| w.iter().map(|v| v / 2.0).collect())
                    .collect()
            })
            .collect();
        let own: Vec<Vec<f64>> = (0..2)
            .map(|w| (0..7).map(|d| truth[0][w][d] + truth[1][w][d]).collect())
            .collect();
        let paths: Vec<&[Vec<f64>]> = halved.iter().map(Vec::as_slice).collect();
        assert_eq!(own_share(&panel, &[0, 1], &own, &paths, 7), 1.0);
    }

    #[test]
    fn tiny_and_empty_histories_do_not_crash() {
        let p: Vec<PanelSeries> = [vec![3.0], vec![0.0; 14], (0..14).map(f64::from).collect()]
            .into_iter()
            .enumerate()
            .map(|(i, y)| PanelSeries {
                id: i.to_string(),
                store: None,
                category: None,
                series: Series::new(day0(), y),
            })
            .collect();
        let out = run_panel(&p, &EngineConfig::default(), Method::Ensemble, &|| {}).unwrap();
        assert_eq!(out.series[0].forecast.mean, vec![3.0; 28]);
        assert!(out.series[1].forecast.mean.iter().all(|v| *v == 0.0));
        assert!(out.series[2].forecast.mean.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn reconciliation_keeps_the_scale_of_the_bottom_up_sum() {
        let p = panel();
        let cfg = EngineConfig {
            horizon: 7,
            ..EngineConfig::default()
        };
        let rec = run_panel(&p, &cfg, Method::Ensemble, &|| {}).unwrap();
        let raw = run_panel(
            &p,
            &EngineConfig {
                reconcile: false,
                ..cfg.clone()
            },
            Method::Ensemble,
            &|| {},
        )
        .unwrap();
        // Reconciliation changes something but keeps the scale of the bottom-up sum.
        let sum = |o: &PanelOutcome| {
            o.series
                .iter()
                .map(|s| s.forecast.mean.iter().sum::<f64>())
                .sum::<f64>()
        };
        assert!((sum(&rec) / sum(&raw) - 1.0).abs() < 0.3);
    }
}
