//! Configuration, layered: command-line flag, then `CHAINSYNC_*` environment variable (clap
//! reads both), then the optional TOML file (`--config`), then the built-in default.
//!
//! The database URL and the demo password are secrets: held as `SecretString`, printed only
//! redacted.

use crate::telemetry::LogFormat;
use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./chainsync-data";
pub const DEFAULT_DEMO_PASSWORD: &str = "chainsync-demo";

/// The optional TOML file. Every key is optional; unknown keys are an error (a typo should
/// not be silently ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<SecretString>,
    pub no_demo: Option<bool>,
    pub demo_password: Option<SecretString>,
    pub seed: Option<u64>,
    pub demo_scale: Option<crate::demo::DemoScale>,
    /// Days of demo sales history (see `--demo-history-days`).
    pub demo_history_days: Option<u32>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub trust_forwarded_for: Option<bool>,
    /// SQLite `synchronous` level: `full` (default, durable on power loss) or `normal`.
    pub sqlite_synchronous: Option<String>,
    pub access_token_ttl_secs: Option<i64>,
    /// How long a cached session is trusted, in milliseconds (0 to 10000; 0: read the session
    /// on every request). See `http::session_cache`.
    pub session_cache_ms: Option<u64>,
    pub max_connections: Option<u32>,
    /// Real-time: `in-process` or `redis`.
    pub bus: Option<String>,
    pub bus_url: Option<SecretString>,
    /// Real-time: the Redis pub/sub channel (one per deployment sharing a Redis).
    pub bus_channel: Option<String>,
    pub ws_history_secs: Option<u64>,
    pub ws_history_events: Option<i64>,
    pub ws_history_max_events: Option<i64>,
    pub outbox_retention_secs: Option<u64>,
    pub ws_send_queue: Option<usize>,
    /// Forecasts: `HH:MM` (local time of each store) or `off`.
    pub forecast_schedule: Option<String>,
    pub forecast_degradation_margin: Option<f64>,
    pub forecast_degradation_min_days: Option<u32>,
    pub forecast_max_concurrent_jobs: Option<usize>,
    pub forecast_accuracy_interval_secs: Option<u64>,
}

/// The forecast settings from flags (or their variables), then the file, then the defaults
/// (`chainsync serve` trains daily at 03:00 unless told otherwise).
pub fn forecast_settings(
    args: &crate::cli::ForecastArgs,
    file: &FileConfig,
) -> anyhow::Result<crate::forecasting::ForecastSettings> {
    use chainsync_domain::forecasting::{DegradationRule, TrainingSchedule};
    let defaults = crate::forecasting::ForecastSettings::default();
    let schedule = args
        .forecast_schedule
        .clone()
        .or_else(|| file.forecast_schedule.clone())
        .unwrap_or_else(|| crate::forecasting::settings::DEFAULT_SCHEDULE.to_owned());
    let schedule = TrainingSchedule::parse(&schedule).map_err(|e| anyhow::anyhow!(e.message))?;
    let degradation = DegradationRule::new(
        args.forecast_degradation_margin
            .or(file.forecast_degradation_margin)
            .unwrap_or(defaults.degradation.margin),
        args.forecast_degradation_min_days
            .or(file.forecast_degradation_min_days)
            .unwrap_or(defaults.degradation.min_days),
    )
    .map_err(|e| anyhow::anyhow!(e.message))?;
    let max_concurrent_jobs = args
        .forecast_max_concurrent_jobs
        .or(file.forecast_max_concurrent_jobs)
        .unwrap_or(defaults.max_concurrent_jobs);
    if !(1..=64).contains(&max_concurrent_jobs) {
        anyhow::bail!("forecast_max_concurrent_jobs must be between 1 and 64");
    }
    let interval = args
        .forecast_accuracy_interval_secs
        .or(file.forecast_accuracy_interval_secs)
        .unwrap_or(defaults.accuracy_interval.as_secs());
    if !(1..=86_400).contains(&interval) {
        anyhow::bail!("forecast_accuracy_interval_secs must be between 1 and 86400");
    }
    Ok(crate::forecasting::ForecastSettings {
        schedule,
        degradation,
        max_concurrent_jobs,
        accuracy_interval: std::time::Duration::from_secs(interval),
        ..defaults
    })
}

/// The real-time settings from flags (or their variables), then the file, then the defaults.
pub fn realtime_settings(
    args: &crate::cli::RealtimeArgs,
    file: &FileConfig,
) -> anyhow::Result<crate::realtime::settings::RealtimeSettings> {
    use crate::realtime::settings::{BusKind, DEFAULT_BUS_CHANNEL, RealtimeSettings};
    let defaults = RealtimeSettings::default();
    let kind = args
        .bus
        .clone()
        .or_else(|| file.bus.clone())
        .unwrap_or_else(|| "in-process".into());
    let url = args
        .bus_url
        .clone()
        .or_else(|| file.bus_url.as_ref().map(|u| u.expose_secret().to_owned()));
    let channel = args
        .bus_channel
        .clone()
        .or_else(|| file.bus_channel.clone());
    let bus = match (kind.as_str(), url) {
        ("in-process", None) if channel.is_some() => {
            anyhow::bail!("--bus-channel is only for --bus redis")
        }
        ("in-process", None) => BusKind::InProcess,
        ("in-process", Some(_)) => anyhow::bail!("--bus-url is only for --bus redis"),
        ("redis", Some(url)) => {
            crate::realtime::redis::validate_url(&url)
                .map_err(|e| anyhow::anyhow!("--bus-url: {e}"))?;
            let channel = channel.unwrap_or_else(|| DEFAULT_BUS_CHANNEL.into());
            if channel.is_empty()
                || channel.len() > 200
                || channel.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                anyhow::bail!(
                    "--bus-channel must be 1 to 200 characters without spaces, not {channel:?}"
                );
            }
            BusKind::Redis { url, channel }
        }
        ("redis", None) => anyhow::bail!("--bus redis needs --bus-url redis://HOST:PORT"),
        (other, _) => anyhow::bail!("--bus must be in-process or redis, not {other:?}"),
    };
    let history_events = args
        .ws_history_events
        .or(file.ws_history_events)
        .unwrap_or(defaults.history_events);
    let history_max_events = args
        .ws_history_max_events
        .or(file.ws_history_max_events)
        .unwrap_or(defaults.history_max_events);
    if history_events < 1 || history_max_events < history_events {
        anyhow::bail!("ws_history_events must be at least 1 and at most ws_history_max_events");
    }
    let send_queue = args
        .ws_send_queue
        .or(file.ws_send_queue)
        .unwrap_or(defaults.send_queue);
    if !(16..=1_000_000).contains(&send_queue) {
        anyhow::bail!("ws_send_queue must be between 16 and 1000000");
    }
    // Ages are subtracted from "now" in milliseconds: a bound keeps that far from overflow.
    const TEN_YEARS_SECS: u64 = 10 * 366 * 24 * 3600;
    let history_secs = args
        .ws_history_secs
        .or(file.ws_history_secs)
        .unwrap_or(defaults.history_age.as_secs());
    let outbox_secs = args
        .outbox_retention_secs
        .or(file.outbox_retention_secs)
        .unwrap_or(defaults.outbox_age.as_secs());
    if history_secs > TEN_YEARS_SECS || outbox_secs > TEN_YEARS_SECS {
        anyhow::bail!("ws_history_secs and outbox_retention_secs must be at most ten years");
    }
    Ok(RealtimeSettings {
        bus,
        history_age: std::time::Duration::from_secs(history_secs),
        history_events,
        history_max_events,
        send_queue,
        outbox_age: std::time::Duration::from_secs(outbox_secs),
        ..defaults
    })
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }
}

/// Where the data lives, resolved.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub data_dir: PathBuf,
    pub url: SecretString,
    /// True when no URL was given: the embedded SQLite file in the data directory.
    pub is_default: bool,
    pub sqlite_synchronous_full: bool,
    pub max_connections: u32,
}

impl DatabaseConfig {
    pub fn resolve(
        data_dir: Option<PathBuf>,
        url: Option<String>,
        file: &FileConfig,
    ) -> anyhow::Result<DatabaseConfig> {
        let data_dir = data_dir
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let explicit = url
            .map(SecretString::from)
            .or_else(|| file.database_url.clone());
        let synchronous = file
            .sqlite_synchronous
            .as_deref()
            .unwrap_or("full")
            .to_ascii_lowercase();
        if synchronous != "full" && synchronous != "normal" {
            anyhow::bail!("sqlite_synchronous must be \"full\" or \"normal\"");
        }
        let (url, is_default) = match explicit {
            Some(url) => (url, false),
            None => {
                let file = data_dir.join("chainsync.db");
                (
                    SecretString::from(format!("sqlite://{}", file.display())),
                    true,
                )
            }
        };
        Ok(DatabaseConfig {
            data_dir,
            url,
            is_default,
            sqlite_synchronous_full: synchronous == "full",
            max_connections: file.max_connections.unwrap_or(8).clamp(1, 256),
        })
    }

    pub fn url(&self) -> &str {
        self.url.expose_secret()
    }

    /// Creates the data directory when the database lives in it.
    pub fn prepare(&self) -> anyhow::Result<()> {
        if self.url().starts_with("sqlite:") {
            std::fs::create_dir_all(&self.data_dir)
                .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::settings::BusKind;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        realtime: crate::cli::RealtimeArgs,
    }

    fn bus(flags: &[&str]) -> anyhow::Result<BusKind> {
        let args =
            Flags::try_parse_from(std::iter::once("chainsync").chain(flags.iter().copied()))?;
        Ok(realtime_settings(&args.realtime, &FileConfig::default())?.bus)
    }

    #[test]
    fn each_deployment_on_a_shared_redis_can_have_its_own_channel() {
        let url = "redis://127.0.0.1:6379";
        assert_eq!(
            bus(&["--bus", "redis", "--bus-url", url]).unwrap(),
            BusKind::Redis {
                url: url.into(),
                channel: "chainsync:realtime:v1".into()
            }
        );
        assert_eq!(
            bus(&[
                "--bus",
                "redis",
                "--bus-url",
                url,
                "--bus-channel",
                "staging"
            ])
            .unwrap(),
            BusKind::Redis {
                url: url.into(),
                channel: "staging".into()
            }
        );
        for bad in ["", "two words", &"x".repeat(201)] {
            let err = bus(&["--bus", "redis", "--bus-url", url, "--bus-channel", bad]);
            assert!(err.is_err(), "{bad:?}");
        }
        assert!(bus(&["--bus-channel", "staging"]).is_err());
    }
}
