//! Live accuracy: each active model's stored training-time forecast against what then sold.
//!
//! The days counted run from the model's first forecast day (`data_to + 1`) through yesterday,
//! plus today once the series has sold something today (so a sale shows at once, and a quiet
//! morning is not scored as a day of zero sales). The MASE scale is the one stored with the
//! model (its training history's, as the backtest's).
//!
//! [`refresh_store`] runs on a timer (the accuracy watcher) and stores the figures; a model
//! becoming degraded raises `model.degraded` (a high `system_alert`) in the same transaction,
//! once: it is raised again only after the model has recovered and degraded anew.

use super::ledger;
use super::stored::StoredForecast;
use chainsync_domain::forecasting::{DegradationRule, LiveAccuracy, live_accuracy};
use chainsync_domain::ids::StoreId;
use chainsync_storage::forecasting::{self, LiveFigures, ModelRecord};
use chainsync_storage::{Db, StorageResult, events, now_ms, reports};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_json::json;
use std::collections::BTreeMap;

/// Live accuracy of `model` given the series' net sales per day (`None` before any day counts).
pub fn measure(
    model: &ModelRecord,
    actual: &BTreeMap<NaiveDate, f64>,
    today: NaiveDate,
) -> Option<LiveAccuracy> {
    let stored = StoredForecast::from_json(&model.forecast)?;
    let sold_today = actual.get(&today).is_some_and(|q| *q > 0.0);
    let last = if sold_today { today } else { today.pred_opt()? };
    if last < stored.start {
        return None;
    }
    let actuals = ledger::dense(actual, stored.start, last);
    live_accuracy(&stored.mean, &actuals, model.mase_scale)
}

/// The figures to store for a measurement under `rule`.
pub fn figures(
    model: &ModelRecord,
    live: Option<&LiveAccuracy>,
    rule: &DegradationRule,
) -> LiveFigures {
    LiveFigures {
        mase: live.and_then(|l| l.mase),
        wape: live.and_then(|l| l.wape),
        days: live.map_or(0, |l| i64::from(l.days)),
        degraded: rule.is_degraded(model.backtest_mase, live),
    }
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

/// Recomputes and stores the live accuracy of every active model of `store`; returns the
/// models that became degraded.
pub async fn refresh_store(
    db: &Db,
    store: StoreId,
    tz: Tz,
    rule: &DegradationRule,
) -> StorageResult<Vec<ModelRecord>> {
    let mut conn = db.conn().await?;
    let models = forecasting::active_models(&mut conn, store).await?;
    let Some(first) = models
        .iter()
        .filter_map(|m| StoredForecast::from_json(&m.forecast).map(|f| f.start))
        .min()
    else {
        return Ok(Vec::new());
    };
    let today = chainsync_domain::reports::today(tz);
    if first > today {
        return Ok(Vec::new());
    }
    let daily = ledger::daily(&mut conn, store, tz, None, first, today).await?;
    let total = ledger::store_total(&daily);
    let empty = BTreeMap::new();
    let mut changes = Vec::new();
    for m in &models {
        let actual = match m.product_id {
            Some(p) => daily.get(&p.to_string()).unwrap_or(&empty),
            None => &total,
        };
        let live = measure(m, actual, today);
        let f = figures(m, live.as_ref(), rule);
        if !(same(f.mase, m.live_mase) && same(f.wape, m.live_wape))
            || f.days != m.live_days
            || f.degraded != m.degraded
        {
            changes.push((m.clone(), f));
        }
    }
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = changes
        .iter()
        .filter_map(|(m, _)| m.product_id.map(|p| p.to_string()))
        .collect();
    let labels = reports::product_labels(&mut conn, &ids).await?;
    drop(conn);
    let now = now_ms();
    let mut newly = Vec::new();
    let mut tx = db.begin_write().await?;
    for (m, f) in &changes {
        forecasting::update_live(&mut tx, m.id, f).await?;
        if f.degraded && !m.degraded {
            let name = m
                .product_id
                .and_then(|p| labels.get(&p.to_string()).map(|l| l.name.clone()))
                .unwrap_or_else(|| "the store default".to_owned());
            events::append(
                &mut tx,
                m.org_id,
                Some(store),
                "model.degraded",
                &json!({
                    "model_id": m.id, "version": m.version, "product_id": m.product_id,
                    "product_name": name, "live_mase": f.mase, "backtest_mase": m.backtest_mase,
                    "live_days": f.days, "previous_model_id": m.previous_model_id,
                }),
                now,
            )
            .await?;
            newly.push(m.clone());
        }
    }
    tx.commit().await?;
    Ok(newly)
}
