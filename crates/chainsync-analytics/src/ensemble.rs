//! Per-series model choice and inverse-error weighting.
//!
//! From the backtest scores of the candidate models of a series, the `top_k` best are kept
//! and weighted by `1/score`; the ensemble forecast of each day is the weighted *median* of
//! their forecasts for that day, with that member's interval. A median ignores one wild
//! member (a trend model extrapolating a random walk, say) where a mean follows it; measured
//! against the weighted mean it was better or equal on four of five datasets
//! (docs/ai-models.md). A model with a zero score (perfect in backtests, e.g. a constant
//! series) takes all the weight.
//!
//! Choosing the best models is only worth it when being best persists: when the backtest
//! windows do not agree on which candidates are better ([`rank_persistence`] ≤ 0), the
//! ranking is noise, and [`choose_weights`] gives every candidate the same weight instead —
//! the equal-weight median of all of them (Aiolfi & Timmermann 2006: select or trim only
//! when relative performance persists; otherwise the "forecast combination puzzle", equal
//! weights beating estimated ones, applies).

use crate::error::ForecastError;
use crate::models::ModelName;
use crate::series::Forecast;

/// A model's share in a series' ensemble.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight {
    /// The model.
    pub model: ModelName,
    /// Its weight (weights of a series sum to 1).
    pub weight: f64,
}

/// Picks the `top_k` lowest scores and weights them by inverse score. Ties are broken by
/// model order, so the result is deterministic.
pub fn inverse_error_weights(scores: &[(ModelName, f64)], top_k: usize) -> Vec<Weight> {
    let mut sorted: Vec<(ModelName, f64)> = scores
        .iter()
        .copied()
        .filter(|(_, s)| s.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    sorted.truncate(top_k.max(1));
    if sorted.is_empty() {
        return Vec::new();
    }
    if sorted[0].1 <= 1e-12 {
        return vec![Weight {
            model: sorted[0].0,
            weight: 1.0,
        }];
    }
    let total: f64 = sorted.iter().map(|(_, s)| 1.0 / s).sum();
    sorted
        .iter()
        .map(|&(model, s)| Weight {
            model,
            weight: (1.0 / s) / total,
        })
        .collect()
}

/// Agreement of the backtest windows on the order of the candidates: the Spearman rank
/// correlation of the candidates' scores between two windows, averaged over every pair of
/// windows. `window_scores[m][w]` is candidate `m`'s score on window `w` (lower is better).
/// `None` with fewer than 3 candidates or 2 windows, where an order says nothing. Ties get
/// their mean rank.
pub fn rank_persistence(window_scores: &[Vec<f64>]) -> Option<f64> {
    let windows = window_scores.iter().map(Vec::len).min()?;
    if window_scores.len() < 3 || windows < 2 {
        return None;
    }
    let ranks: Vec<Vec<f64>> = (0..windows)
        .map(|w| mean_ranks(&window_scores.iter().map(|s| s[w]).collect::<Vec<_>>()))
        .collect();
    let mut sum = 0.0;
    let mut pairs = 0.0;
    for a in 0..windows {
        for b in a + 1..windows {
            sum += correlation(&ranks[a], &ranks[b]);
            pairs += 1.0;
        }
    }
    Some(sum / pairs)
}

/// Ranks (0-based) with ties sharing their mean rank.
fn mean_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]].total_cmp(&v[order[i]]).is_eq() {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    ranks
}

/// Pearson correlation; 0 when either side is constant (no order to agree on).
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let ma = crate::stats::mean(a);
    let mb = crate::stats::mean(b);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va > 0.0 && vb > 0.0 {
        cov / (va * vb).sqrt()
    } else {
        0.0
    }
}

/// The weights of a series' ensemble: the `top_k` best by inverse score
/// ([`inverse_error_weights`]) when the windows agree on the candidates' order
/// (`persistence` > 0, or unknown), otherwise equal weights on every scored candidate. A
/// perfect model (zero score) takes all the weight either way.
pub fn choose_weights(
    scores: &[(ModelName, f64)],
    persistence: Option<f64>,
    top_k: usize,
) -> Vec<Weight> {
    let selected = inverse_error_weights(scores, top_k);
    let finite: Vec<ModelName> = scores
        .iter()
        .filter(|(_, s)| s.is_finite())
        .map(|&(m, _)| m)
        .collect();
    let no_persistence = persistence.is_some_and(|p| p <= 0.0);
    if !no_persistence || selected.len() <= 1 {
        return selected;
    }
    let w = 1.0 / finite.len() as f64;
    finite
        .into_iter()
        .map(|model| Weight { model, weight: w })
        .collect()
}

/// Weighted median of member forecasts, day by day (members have the same horizon): the
/// member whose forecast is reached when the weights, in order of the forecasts, first sum
/// to half; its interval comes along.
pub fn combine(members: &[(f64, Forecast)]) -> Result<Forecast, ForecastError> {
    let Some((_, first)) = members.first() else {
        return Err(ForecastError::Unavailable(
            "ensemble has no member forecast".into(),
        ));
    };
    let h = first.len();
    let total: f64 = members.iter().map(|(w, _)| w).sum();
    let mut out = Forecast {
        mean: vec![0.0; h],
        lo: vec![0.0; h],
        hi: vec![0.0; h],
    };
    let mut order: Vec<usize> = (0..members.len()).collect();
    for d in 0..h {
        // Ties keep member order, so the choice is deterministic.
        order.sort_by(|&a, &b| {
            members[a].1.mean[d]
                .total_cmp(&members[b].1.mean[d])
                .then(a.cmp(&b))
        });
        let mut acc = 0.0;
        let mut chosen = order[order.len() - 1];
        for &k in &order {
            acc += members[k].0 / total;
            if acc >= 0.5 - 1e-12 {
                chosen = k;
                break;
            }
        }
        let f = &members[chosen].1;
        out.mean[d] = f.mean[d];
        out.lo[d] = f.lo[d];
        out.hi[d] = f.hi[d];
    }
    Ok(out.clamped())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_models_get_most_weight() {
        let w = inverse_error_weights(
            &[
                (ModelName::Linear, 2.0),
                (ModelName::Ets, 1.0),
                (ModelName::Arima, 4.0),
                (ModelName::Prophet, 8.0),
            ],
            3,
        );
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].model, ModelName::Ets);
        assert!((w.iter().map(|x| x.weight).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((w[0].weight / w[1].weight - 2.0).abs() < 1e-12);
    }

    #[test]
    fn windows_that_agree_persist_and_windows_that_disagree_do_not() {
        // Scores of four models on two windows.
        let same = [
            vec![1.0, 1.1],
            vec![2.0, 2.2],
            vec![3.0, 3.3],
            vec![4.0, 4.4],
        ];
        assert!((rank_persistence(&same).unwrap() - 1.0).abs() < 1e-12);
        let reversed = [
            vec![1.0, 4.0],
            vec![2.0, 3.0],
            vec![3.0, 2.0],
            vec![4.0, 1.0],
        ];
        assert!((rank_persistence(&reversed).unwrap() + 1.0).abs() < 1e-12);
        // Too little to order: two models, or one window.
        assert_eq!(rank_persistence(&[vec![1.0, 2.0], vec![2.0, 1.0]]), None);
        assert_eq!(rank_persistence(&[vec![1.0], vec![2.0], vec![3.0]]), None);
    }

    #[test]
    fn without_persistence_every_candidate_gets_the_same_weight() {
        let scores = [
            (ModelName::Linear, 2.0),
            (ModelName::Ets, 1.0),
            (ModelName::Arima, 4.0),
            (ModelName::Prophet, 8.0),
            (ModelName::Theta, 3.0),
        ];
        // The windows agree: the 3 best, by inverse score, as before.
        assert_eq!(
            choose_weights(&scores, Some(0.6), 3),
            inverse_error_weights(&scores, 3)
        );
        assert_eq!(
            choose_weights(&scores, None, 3),
            inverse_error_weights(&scores, 3)
        );
        // They do not: all five, equally.
        let w = choose_weights(&scores, Some(-0.1), 3);
        assert_eq!(w.len(), 5);
        assert!(w.iter().all(|x| (x.weight - 0.2).abs() < 1e-12));
        // A perfect model still takes everything.
        let perfect = [
            (ModelName::Linear, 0.0),
            (ModelName::Ets, 1.0),
            (ModelName::Arima, 2.0),
            (ModelName::Theta, 3.0),
        ];
        assert_eq!(choose_weights(&perfect, Some(-1.0), 3).len(), 1);
    }

    #[test]
    fn perfect_model_takes_everything() {
        let w = inverse_error_weights(&[(ModelName::Linear, 0.0), (ModelName::Ets, 1.0)], 3);
        assert_eq!(
            w,
            vec![Weight {
                model: ModelName::Linear,
                weight: 1.0
            }]
        );
    }

    fn flat(v: f64) -> Forecast {
        Forecast {
            mean: vec![v, v],
            lo: vec![v - 1.0, v - 1.0],
            hi: vec![v + 1.0, v + 1.0],
        }
    }

    #[test]
    fn one_wild_member_does_not_move_the_median() {
        let c = combine(&[(0.35, flat(10.0)), (0.35, flat(12.0)), (0.3, flat(500.0))]).unwrap();
        assert_eq!(c.mean, vec![12.0, 12.0]);
        assert_eq!(c.hi, vec![13.0, 13.0]);
    }

    #[test]
    fn a_majority_weight_decides() {
        let c = combine(&[(0.2, flat(1.0)), (0.7, flat(50.0)), (0.1, flat(60.0))]).unwrap();
        assert_eq!(c.mean, vec![50.0, 50.0]);
    }
}
