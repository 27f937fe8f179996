//! Per-series model choice and inverse-error weighting.
//!
//! From the backtest scores of the candidate models of a series, the `top_k` best are kept
//! and weighted by `1/score`; the ensemble forecast of each day is the weighted *median* of
//! their forecasts for that day, with that member's interval. A median ignores one wild
//! member (a trend model extrapolating a random walk, say) where a mean follows it; measured
//! against the weighted mean it was better or equal on four of five datasets
//! (docs/ai-models.md). A model with a zero score (perfect in backtests, e.g. a constant
//! series) takes all the weight.

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
