//! Settings of the real-time hub, with the defaults the protocol document states.

use std::time::Duration;

/// Which event bus wakes the other server processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusKind {
    /// One process: a `tokio::sync::broadcast` channel.
    InProcess,
    /// Redis pub/sub at `url` (`redis://host:port`), on the pub/sub `channel`; for several
    /// processes. Pub/sub ignores Redis database numbers, so deployments that share a Redis
    /// are kept apart by the channel alone.
    Redis { url: String, channel: String },
}

/// The Redis pub/sub channel when none is configured.
pub const DEFAULT_BUS_CHANNEL: &str = "chainsync:realtime:v1";

#[derive(Debug, Clone)]
pub struct RealtimeSettings {
    pub bus: BusKind,
    /// History kept per channel: at least this long ...
    pub history_age: Duration,
    /// ... and at least this many of the newest events, whichever keeps more ...
    pub history_events: i64,
    /// ... but never more than this many events per channel.
    pub history_max_events: i64,
    /// Relayed domain events are deleted from the outbox once this old (kept a while for
    /// inspection; nothing reads them after the relay).
    pub outbox_age: Duration,
    /// Lifetime of a WebSocket ticket.
    pub ticket_ttl_secs: i64,
    /// The server sends a ping this often; a client silent for `idle_timeout` is dropped.
    pub heartbeat: Duration,
    pub idle_timeout: Duration,
    /// Largest client frame accepted, in bytes.
    pub max_message_bytes: usize,
    /// Frames waiting for one connection before it counts as a slow consumer: bounds both the
    /// events queued for its task and the frames its socket has not taken yet.
    pub send_queue: usize,
    /// Client messages per second per connection (sustained) and burst.
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// Channels one connection may subscribe to.
    pub max_subscriptions: usize,
    /// How often a connection re-checks its session (deactivation, logout, lost rights).
    pub recheck: Duration,
    /// The relay's fallback poll of the outbox (it is also woken by writes in this process).
    pub relay_poll: Duration,
    /// How often each process compares its channels with the database heads, to recover
    /// events a lossy bus dropped.
    pub sweep: Duration,
}

impl Default for RealtimeSettings {
    fn default() -> Self {
        RealtimeSettings {
            bus: BusKind::InProcess,
            history_age: Duration::from_secs(600),
            history_events: 10_000,
            history_max_events: 100_000,
            outbox_age: Duration::from_secs(24 * 3600),
            ticket_ttl_secs: 60,
            heartbeat: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(60),
            max_message_bytes: 16 * 1024,
            send_queue: 1024,
            rate_per_sec: 20,
            rate_burst: 40,
            max_subscriptions: 200,
            recheck: Duration::from_secs(30),
            relay_poll: Duration::from_millis(100),
            sweep: Duration::from_secs(2),
        }
    }
}
