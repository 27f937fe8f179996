//! What every request handler shares: the database, the signing keys, the settings that shape
//! the API, the metrics registry and the real-time hub. Cheap to clone (one `Arc`).

use crate::security::tokens::KeyRing;
use crate::telemetry::Metrics;
use chainsync_storage::Db;
use std::sync::Arc;

/// Settings the HTTP layer reads on requests.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Where the web app's files come from (embedded unless a test says otherwise).
    pub web: crate::web::WebSource,
    /// The WebSocket hub's bus, history window and limits.
    pub realtime: crate::realtime::settings::RealtimeSettings,
    /// Forecast training schedule, degradation rule, concurrency.
    pub forecast: crate::forecasting::ForecastSettings,
    /// How long the sale path trusts a cached catalog entry that this process did not change
    /// (another server's changes); zero turns the cache off.
    pub pricing_cache_ttl: std::time::Duration,
    /// How long authentication trusts a cached session (user, roles, revocation) that this
    /// process did not change (another server's or the command line's changes); zero turns
    /// the cache off.
    pub session_cache_ttl: std::time::Duration,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            trust_forwarded_for: false,
            max_body_bytes: 256 * 1024,
            web: crate::web::WebSource::default(),
            realtime: crate::realtime::settings::RealtimeSettings::default(),
            forecast: crate::forecasting::ForecastSettings::default(),
            pricing_cache_ttl: crate::retail::pricing_cache::DEFAULT_TTL,
            session_cache_ttl: crate::http::session_cache::DEFAULT_TTL,
        }
    }
}

#[derive(Debug)]
pub struct App {
    pub db: Db,
    pub keys: KeyRing,
    pub settings: ApiSettings,
    pub metrics: Metrics,
    /// The WebSocket hub, its relay and its bus.
    pub realtime: Arc<crate::realtime::Realtime>,
    /// Forecast training jobs, the scheduler, the accuracy watcher and the forecast cache.
    pub forecasting: Arc<crate::forecasting::Forecasting>,
    /// The catalog sales are priced with, between sales.
    pub pricing_cache: crate::retail::pricing_cache::PricingCache,
    /// What authentication loads, between requests of a session.
    pub session_cache: crate::http::session_cache::SessionCache,
}

pub type AppState = Arc<App>;
