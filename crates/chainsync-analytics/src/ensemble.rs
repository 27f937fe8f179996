//! Per-series model choice and inverse-error weighting.
//!
//! From the backtest scores of the candidate models of a series, the `top_k` best are kept
//! and weighted by `1/score`; the ensemble forecast is the weighted mean of their forecasts,
//! and its interval the weighted mean of their bounds (quantile averaging). A model with a
//! zero score (perfect in backtests, e.g. a constant series) takes all the weight.

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

/// Weighted combination of member forecasts (same horizon each).
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
    for (w, f) in members {
        let w = w / total;
        for i in 0..h {
            out.mean[i] += w * f.mean[i];
            out.lo[i] += w * f.lo[i];
            out.hi[i] += w * f.hi[i];
        }
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

    #[test]
    fn combination_is_weighted_mean() {
        let a = Forecast {
            mean: vec![10.0],
            lo: vec![5.0],
            hi: vec![15.0],
        };
        let b = Forecast {
            mean: vec![20.0],
            lo: vec![10.0],
            hi: vec![30.0],
        };
        let c = combine(&[(0.75, a), (0.25, b)]).unwrap();
        assert_eq!(c.mean, vec![12.5]);
        assert_eq!(c.lo, vec![6.25]);
    }
}
