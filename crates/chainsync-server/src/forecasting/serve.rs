//! The answer of `GET /api/stores/{store_id}/forecasts`: the product's recent history, the
//! active model's forecast cut to the asked horizon and level, and the model's accuracy.
//!
//! The model is the series' own active version, or the store default's (the store's total
//! forecast × the product's share of the store's sales over the 90 days up to the default's
//! `data_to`). Answers are cached per (model, query, local day) and reused while the series'
//! sales fingerprint (line count and latest time of its sales and returns since the earliest
//! day the answer reads) is unchanged: a new sale, a new training or an activation gives a
//! different key or fingerprint. The cache is per process and bounded (cleared when full).

use super::ledger;
use super::live;
use super::stored::StoredForecast;
use chainsync_domain::forecasting::{ForecastQuery, SHARE_WINDOW_DAYS, share};
use chainsync_domain::ids::{ModelId, ProductId, StoreId};
use chainsync_domain::reports::local_midnight_ms;
use chainsync_storage::forecasting::{self as store_fc, ModelRecord};
use chainsync_storage::{Conn, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use utoipa::ToSchema;

/// Entries kept before the cache starts over.
const CACHE_CAPACITY: usize = 20_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryDay {
    pub date: NaiveDate,
    /// Net quantity sold (sales minus returns, never negative), in the product's unit.
    pub quantity: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastDay {
    pub date: NaiveDate,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub model: String,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Backtest {
    pub mase: Option<f64>,
    pub rmsse: Option<f64>,
    pub wape: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Live {
    pub mase: Option<f64>,
    pub wape: Option<f64>,
    pub days: i64,
}

/// The model behind a served forecast.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastModel {
    pub id: ModelId,
    pub version: i64,
    /// `series` or `store_default`.
    pub scope: String,
    pub model_type: String,
    pub members: Vec<Member>,
    pub backtest: Backtest,
    /// `null` until at least one forecast day has an actual.
    pub live: Option<Live>,
    pub trained_at: DateTime<Utc>,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastAnswer {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub horizon: u32,
    pub level: u32,
    pub history: Vec<HistoryDay>,
    pub forecast: Vec<ForecastDay>,
    pub model: ForecastModel,
    /// True when this answer was computed earlier and nothing it depends on has changed.
    pub cached: bool,
}

pub fn scope_name(m: &ModelRecord) -> &'static str {
    if m.product_id.is_some() {
        "series"
    } else {
        "store_default"
    }
}

pub fn members(params: &Value) -> Vec<Member> {
    params
        .get("members")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| {
                    Some(Member {
                        model: m.get("model")?.as_str()?.to_owned(),
                        weight: m.get("weight")?.as_f64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn backtest(m: &ModelRecord) -> Backtest {
    Backtest {
        mase: m.backtest_mase,
        rmsse: m.backtest_rmsse,
        wape: m.backtest_wape,
    }
}

/// Stored live figures (`None` before any day counted).
pub fn stored_live(m: &ModelRecord) -> Option<Live> {
    (m.live_days > 0).then_some(Live {
        mase: m.live_mase,
        wape: m.live_wape,
        days: m.live_days,
    })
}

fn parse_day(s: &str) -> Result<NaiveDate, StorageError> {
    s.parse()
        .map_err(|_| StorageError::Corrupt(format!("model date {s:?}")))
}

type Key = (ModelId, ForecastQuery, NaiveDate);
/// The sales fingerprint an answer was computed under, its store, the answer.
type Entry = ((i64, i64), StoreId, Arc<ForecastAnswer>);

#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Cache {
    fn get(&self, key: &Key, fingerprint: (i64, i64)) -> Option<Arc<ForecastAnswer>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(f, _, _)| *f == fingerprint)
            .map(|(_, _, a)| a.clone())
    }

    fn put(&self, key: Key, fingerprint: (i64, i64), store: StoreId, answer: Arc<ForecastAnswer>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(key, (fingerprint, store, answer));
        }
    }

    /// Drops a store's entries (after training, activation or rollback).
    pub fn forget_store(&self, store: StoreId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, s, _)| *s != store);
        }
    }
}

/// Why there is no answer.
#[derive(Debug)]
pub enum ServeError {
    /// Nothing trained for the product nor a store default.
    NoActiveModel,
    Storage(StorageError),
}

impl From<StorageError> for ServeError {
    fn from(e: StorageError) -> Self {
        ServeError::Storage(e)
    }
}

/// The forecast of `product` in `store` (the caller has checked both belong to the caller's
/// organisation) and the model it came from.
pub async fn answer(
    conn: &mut Conn,
    cache: &Cache,
    store: StoreId,
    tz: Tz,
    product: ProductId,
    q: ForecastQuery,
) -> Result<(Arc<ForecastAnswer>, ModelRecord), ServeError> {
    let model = match store_fc::active_model(conn, store, Some(product)).await? {
        Some(m) => m,
        None => store_fc::active_model(conn, store, None)
            .await?
            .ok_or(ServeError::NoActiveModel)?,
    };
    let stored = StoredForecast::from_json(&model.forecast)
        .ok_or_else(|| StorageError::Corrupt(format!("forecast of model {}", model.id)))?;
    let today = chainsync_domain::reports::today(tz);
    let data_to = parse_day(&model.data_to)?;
    let history_from = today - chrono::Days::new(u64::from(q.history_days) - 1);
    let share_from = data_to - chrono::Days::new((SHARE_WINDOW_DAYS - 1) as u64);
    let read_from = history_from.min(stored.start).min(share_from);
    let fingerprint =
        store_fc::series_fingerprint(conn, store, product, local_midnight_ms(tz, read_from))
            .await?;
    let key = (model.id, q, today);
    if let Some(hit) = cache.get(&key, fingerprint) {
        let mut again = (*hit).clone();
        again.cached = true;
        return Ok((Arc::new(again), model));
    }

    let daily = ledger::daily(conn, store, tz, Some(product), read_from, today).await?;
    let empty = Default::default();
    let series = daily.get(&product.to_string()).unwrap_or(&empty);
    let history = ledger::dense(series, history_from, today)
        .into_iter()
        .enumerate()
        .map(|(i, quantity)| HistoryDay {
            date: history_from + chrono::Days::new(i as u64),
            quantity,
        })
        .collect();
    let (scale, live) = if model.product_id.is_some() {
        let live = live::measure(&model, series, today).map(|l| Live {
            mase: l.mase,
            wape: l.wape,
            days: i64::from(l.days),
        });
        (1.0, live)
    } else {
        // The store default: the product's share of the store over the share window.
        let store_daily = ledger::daily(conn, store, tz, None, share_from, data_to).await?;
        let store_sold: f64 = ledger::store_total(&store_daily).values().sum();
        let product_sold: f64 = ledger::dense(series, share_from, data_to).iter().sum();
        (share(product_sold, store_sold), stored_live(&model))
    };
    let forecast = stored
        .points(q.horizon as usize, scale, f64::from(q.level))
        .into_iter()
        .map(|p| ForecastDay {
            date: p.date,
            mean: p.mean,
            lo: p.lo,
            hi: p.hi,
        })
        .collect();
    let answer = Arc::new(ForecastAnswer {
        store_id: store,
        product_id: product,
        horizon: q.horizon,
        level: q.level,
        history,
        forecast,
        model: ForecastModel {
            id: model.id,
            version: model.version,
            scope: scope_name(&model).to_owned(),
            model_type: model.model_type.clone(),
            members: members(&model.params),
            backtest: backtest(&model),
            live,
            trained_at: crate::http::common::time(model.trained_at),
            data_from: parse_day(&model.data_from)?,
            data_to,
        },
        cached: false,
    });
    cache.put(key, fingerprint, store, answer.clone());
    Ok((answer, model))
}
