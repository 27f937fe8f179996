//! Logs and metrics.
//!
//! Logs: `tracing`, human-readable or JSON (`--log-format json`), one span per request carrying
//! its `request_id` (also returned in the `x-request-id` header) so every line of a request can
//! be found. Secrets are never logged: the Authorization header is marked sensitive and the
//! database URL is printed without its password.
//!
//! Metrics: a Prometheus registry per server instance (so tests can run many in one process),
//! with request counts and latency histograms by method, route template and status, and the
//! forecast trainer's progress ([`ForecastMetrics`]).

use chainsync_storage::WriteStats;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. `RUST_LOG` overrides `level`.
pub fn init_logging(format: LogFormat, level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,tower_http=info")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    drop(result);
}

/// The server's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pub forecast: ForecastMetrics,
    /// SQLite's writer: commits by `kind` (`plain`, `grouped`), copied from the storage's
    /// counters when the metrics are read.
    sqlite_commits: IntCounterVec,
    sqlite_grouped_writes: IntCounter,
    sqlite_checkpoints: IntCounter,
    /// Serialises those copies, so two concurrent scrapes never add the same delta twice.
    sqlite_copy: Arc<Mutex<()>>,
    /// Sales priced from the pricing cache (`result="hit"`) or after reading the catalog
    /// (`result="miss"`).
    pub pricing_cache_lookups: IntCounterVec,
    /// Requests authenticated from the session cache (`result="hit"`) or after reading the
    /// session (`result="miss"`).
    pub session_cache_lookups: IntCounterVec,
}

/// The forecast trainer and server (docs/forecasts.md, "Running it in production").
#[derive(Debug, Clone)]
pub struct ForecastMetrics {
    /// Jobs running in this process.
    pub jobs_running: IntGauge,
    /// Series of the running job per store: `state` is `total`, `done` or `failed`.
    pub job_series: IntGaugeVec,
    /// Series trained, by `outcome` (`ok` or `failed`).
    pub series_trained: IntCounterVec,
    /// Wall time of finished jobs, by `status`.
    pub job_seconds: HistogramVec,
    /// Forecasts served, by `cached` (`true` or `false`).
    pub served: IntCounterVec,
    /// Models that became degraded.
    pub degraded: IntCounterVec,
}

impl ForecastMetrics {
    fn new(registry: &Registry) -> Self {
        let defined = |e: prometheus::Error| -> ! { unreachable!("static metric definition: {e}") };
        let m = ForecastMetrics {
            jobs_running: IntGauge::new(
                "forecast_jobs_running",
                "Forecast training jobs running in this process",
            )
            .unwrap_or_else(|e| defined(e)),
            job_series: IntGaugeVec::new(
                Opts::new(
                    "forecast_job_series",
                    "Series of the store's running (or last) training job, by state",
                ),
                &["store_id", "state"],
            )
            .unwrap_or_else(|e| defined(e)),
            series_trained: IntCounterVec::new(
                Opts::new(
                    "forecast_series_trained_total",
                    "Series trained, by outcome",
                ),
                &["outcome"],
            )
            .unwrap_or_else(|e| defined(e)),
            job_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "forecast_job_duration_seconds",
                    "Wall time of forecast training jobs, by final status",
                )
                .buckets(vec![
                    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
                ]),
                &["status"],
            )
            .unwrap_or_else(|e| defined(e)),
            served: IntCounterVec::new(
                Opts::new("forecast_served_total", "Forecasts served, by cache use"),
                &["cached"],
            )
            .unwrap_or_else(|e| defined(e)),
            degraded: IntCounterVec::new(
                Opts::new(
                    "forecast_models_degraded_total",
                    "Models whose live accuracy fell below their backtest by the margin",
                ),
                &["store_id"],
            )
            .unwrap_or_else(|e| defined(e)),
        };
        for collector in [
            Box::new(m.jobs_running.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(m.job_series.clone()),
            Box::new(m.series_trained.clone()),
            Box::new(m.job_seconds.clone()),
            Box::new(m.served.clone()),
            Box::new(m.degraded.clone()),
        ] {
            registry
                .register(collector)
                .unwrap_or_else(|e| unreachable!("registered once: {e}"));
        }
        m
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method, route and status",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let sqlite_commits = IntCounterVec::new(
            Opts::new(
                "sqlite_commits_total",
                "Commits of SQLite's writer connection, by kind: plain (a transaction of its own) or grouped (a batch of short writes)",
            ),
            &["kind"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let sqlite_grouped_writes = IntCounter::new(
            "sqlite_grouped_writes_total",
            "Short writes (sales, returns, relay steps) committed in SQLite batches (per grouped commit: the average batch); 0 on PostgreSQL",
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let sqlite_checkpoints = IntCounter::new(
            "sqlite_checkpoints_total",
            "Background checkpoint passes that copied SQLite's write-ahead log into the database file; 0 on PostgreSQL",
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let pricing_cache_lookups = IntCounterVec::new(
            Opts::new(
                "pricing_cache_lookups_total",
                "Sales priced from the in-memory catalog cache (hit) or after reading the catalog (miss)",
            ),
            &["result"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let session_cache_lookups = IntCounterVec::new(
            Opts::new(
                "session_cache_lookups_total",
                "Requests authenticated from the in-memory session cache (hit) or after reading the session (miss)",
            ),
            &["result"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(pricing_cache_lookups.clone()),
            Box::new(session_cache_lookups.clone()),
            Box::new(sqlite_checkpoints.clone()),
            Box::new(latency.clone()),
            Box::new(sqlite_commits.clone()),
            Box::new(sqlite_grouped_writes.clone()),
        ] {
            registry
                .register(collector)
                .unwrap_or_else(|e| unreachable!("registered once: {e}"));
        }
        let forecast = ForecastMetrics::new(&registry);
        Metrics {
            registry,
            requests,
            latency,
            forecast,
            sqlite_commits,
            sqlite_grouped_writes,
            sqlite_checkpoints,
            sqlite_copy: Arc::default(),
            pricing_cache_lookups,
            session_cache_lookups,
        }
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Brings the SQLite writer's counters up to `stats` (they only grow).
    pub fn record_sqlite_writes(&self, stats: WriteStats) {
        let _one_at_a_time = self.sqlite_copy.lock().unwrap_or_else(|e| e.into_inner());
        let catch_up = |counter: &IntCounter, total: u64| {
            counter.inc_by(total.saturating_sub(counter.get()));
        };
        catch_up(
            &self.sqlite_commits.with_label_values(&["plain"]),
            stats.plain_commits,
        );
        catch_up(
            &self.sqlite_commits.with_label_values(&["grouped"]),
            stats.grouped_commits,
        );
        catch_up(&self.sqlite_grouped_writes, stats.grouped_writes);
        catch_up(&self.sqlite_checkpoints, stats.checkpoints);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A database URL safe to print: the password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_database_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/cs"),
            "postgres://app:***@db:5432/cs"
        );
        assert_eq!(redact_url("sqlite:///var/cs.db"), "sqlite:///var/cs.db");
    }

    #[test]
    fn requests_appear_in_the_exposition() {
        let metrics = Metrics::new();
        metrics.observe("GET", "/api/stores", 200, Duration::from_millis(3));
        let text = metrics.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/stores",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("http_request_duration_seconds_bucket"));
    }

    #[test]
    fn sqlite_write_counters_follow_the_storage_totals() {
        let metrics = Metrics::new();
        let stats = |plain, grouped, writes| WriteStats {
            plain_commits: plain,
            grouped_commits: grouped,
            grouped_writes: writes,
            checkpoints: plain + 1,
        };
        metrics.record_sqlite_writes(stats(2, 3, 10));
        metrics.record_sqlite_writes(stats(2, 3, 10));
        metrics.record_sqlite_writes(stats(5, 4, 17));
        assert!(metrics.render().contains("sqlite_checkpoints_total 6"));
        let text = metrics.render();
        assert!(
            text.contains(r#"sqlite_commits_total{kind="plain"} 5"#),
            "{text}"
        );
        assert!(
            text.contains(r#"sqlite_commits_total{kind="grouped"} 4"#),
            "{text}"
        );
        assert!(text.contains("sqlite_grouped_writes_total 17"), "{text}");
    }
}
