//! The forecast a model made at training time, as stored in `ai_models.forecast`, and how a
//! served forecast is cut from it: the first `horizon` days, scaled (for the store default's
//! share of a product), at the asked interval level.
//!
//! Only the [`TRAINED_LEVEL`](chainsync_domain::forecasting::TRAINED_LEVEL) interval is stored.
//! Another level is derived assuming normal errors: σ = (hi − mean) / z₈₀ from the upper
//! half-width (the lower one may have been clamped at zero), then mean ± z·σ, clamped at zero.
//! For the models whose own intervals are not normal (the Croston family's empirical
//! quantiles) this is an approximation; docs/forecasts.md says so.

use chainsync_analytics::series::z_for_level;
use chrono::NaiveDate;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct StoredForecast {
    pub start: NaiveDate,
    pub level: f64,
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// One served day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub date: NaiveDate,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl StoredForecast {
    pub fn from_json(v: &Value) -> Option<Self> {
        let nums = |k: &str| -> Option<Vec<f64>> {
            v.get(k)?.as_array()?.iter().map(Value::as_f64).collect()
        };
        Some(StoredForecast {
            start: v.get("start")?.as_str()?.parse().ok()?,
            level: v.get("level")?.as_f64()?,
            mean: nums("mean")?,
            lo: nums("lo")?,
            hi: nums("hi")?,
        })
    }

    /// The first `horizon` days × `scale` at `level` percent.
    pub fn points(&self, horizon: usize, scale: f64, level: f64) -> Vec<Point> {
        let z_stored = z_for_level(self.level).unwrap_or(1.2816);
        let z = z_for_level(level).unwrap_or(z_stored);
        let n = horizon
            .min(self.mean.len())
            .min(self.lo.len())
            .min(self.hi.len());
        (0..n)
            .map(|i| {
                let mean = self.mean[i] * scale;
                let (lo, hi) = if (level - self.level).abs() < 1e-9 {
                    (self.lo[i] * scale, self.hi[i] * scale)
                } else {
                    let sigma = ((self.hi[i] - self.mean[i]) * scale / z_stored).max(0.0);
                    ((mean - z * sigma).max(0.0), mean + z * sigma)
                };
                Point {
                    date: self.start + chrono::Days::new(i as u64),
                    mean: round(mean),
                    lo: round(lo.min(mean)),
                    hi: round(hi.max(mean)),
                }
            })
            .collect()
    }
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> StoredForecast {
        StoredForecast::from_json(&json!({
            "start": "2026-11-26", "level": 80,
            "mean": [10.0, 2.0, 0.0], "lo": [7.4369, 0.0, 0.0], "hi": [12.5631, 4.5631, 0.0]
        }))
        .unwrap()
    }

    #[test]
    fn the_stored_level_is_served_as_stored_and_cut_to_the_horizon() {
        let p = stored().points(2, 1.0, 80.0);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].date.to_string(), "2026-11-27");
        assert_eq!((p[0].lo, p[0].mean, p[0].hi), (7.437, 10.0, 12.563));
    }

    #[test]
    fn other_levels_widen_or_narrow_around_the_mean_and_never_go_negative() {
        let wide = stored().points(3, 1.0, 95.0);
        let narrow = stored().points(3, 1.0, 50.0);
        // σ = 2.5631 / 1.2816 ≈ 2: 95 % is ±3.92, 50 % ±1.35.
        assert!((wide[0].hi - 13.92).abs() < 0.01, "{:?}", wide[0]);
        assert!((narrow[0].lo - 8.65).abs() < 0.01, "{:?}", narrow[0]);
        assert_eq!(wide[1].lo, 0.0);
        assert_eq!((wide[2].lo, wide[2].mean, wide[2].hi), (0.0, 0.0, 0.0));
    }

    #[test]
    fn a_share_scales_mean_and_interval() {
        let p = stored().points(1, 0.5, 80.0);
        assert_eq!((p[0].lo, p[0].mean, p[0].hi), (3.718, 5.0, 6.282));
    }
}
