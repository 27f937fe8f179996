//! Real-time delivery: the WebSocket hub. Reading guide, in order:
//!
//! 1. [`protocol`]: the frames on the wire (`docs/websocket-protocol.md` is their contract).
//! 2. [`relay`]: outbox → channel events with contiguous offsets (in the database) → bus.
//! 3. [`bus`] (with [`redis`]): carries committed batches to every process; may lose messages.
//! 4. [`hub`]: local fan-out to connections; [`listener`]: one connection's shared state, which
//!    writes an event's frame ([`frame`], encoded once) straight to its socket or queues it
//!    (bounded) for the connection's task.
//! 5. [`upgrade`]: the opening handshake; [`connection`]: one socket: auth already done,
//!    subscriptions, resume, gap fill, limits (with [`cache`], so thousands of sockets of one
//!    session re-check it with one query).
//!
//! The guarantee — a subscriber sees every offset of a channel exactly once, in order, or an
//! explicit `reset` — rests on the database alone: the bus and the hub only make it fast.
//! Background tasks started here: the relay loop, the bus listener with its periodic sweep
//! (catches events a lossy bus dropped), and the history pruner.

pub mod bus;
pub mod cache;
pub mod connection;
pub mod frame;
pub mod hub;
pub mod listener;
pub mod protocol;
pub mod redis;
pub mod relay;
pub mod settings;
pub mod upgrade;

use bus::{Bus, Received};
use chainsync_storage::events;
use chainsync_storage::realtime as history;
use chainsync_storage::{Db, now_ms};
use hub::Hub;
use settings::RealtimeSettings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Notify, broadcast};

/// Events the sweep reads per channel at most; older gaps are filled by each connection.
const SWEEP_TAIL: i64 = 200;

#[derive(Debug)]
pub struct Realtime {
    pub settings: RealtimeSettings,
    pub hub: Hub,
    pub bus: Arc<Bus>,
    pub caches: cache::Caches,
    poke: Arc<Notify>,
    shutting_down: AtomicBool,
    shutdown: Notify,
    /// The background tasks, aborted by [`Realtime::stop`].
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Realtime {
    pub fn new(settings: RealtimeSettings) -> Realtime {
        let bus = Arc::new(Bus::new(&settings.bus));
        Realtime {
            settings,
            hub: Hub::default(),
            bus,
            caches: cache::Caches::default(),
            poke: Arc::new(Notify::new()),
            shutting_down: AtomicBool::new(false),
            shutdown: Notify::new(),
            tasks: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Starts the relay, the bus listener and the pruner on the current runtime.
    pub fn start(self: &Arc<Self>, db: &Db) {
        let mut tasks = Vec::new();
        tasks.extend(self.bus.start());
        tasks.push(tokio::spawn(relay::run(
            db.clone(),
            self.bus.clone(),
            self.poke.clone(),
            self.settings.relay_poll,
        )));
        let me = self.clone();
        let listen_db = db.clone();
        tasks.push(tokio::spawn(async move { me.listen(listen_db).await }));
        let me = self.clone();
        let prune_db = db.clone();
        tasks.push(tokio::spawn(
            async move { me.prune_forever(prune_db).await },
        ));
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(tasks);
    }

    /// Stops the background tasks (after the server stopped serving), releasing their
    /// database connections.
    pub fn stop(&self) {
        self.begin_shutdown();
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }

    /// Wakes the relay: something may have been written to the outbox.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Tells every connection to ask its client to reconnect elsewhere, and close.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        self.shutdown.notify_waiters();
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Completes when the server begins shutting down.
    pub async fn shutting_down(&self) {
        loop {
            let notified = self.shutdown.notified();
            if self.is_shutting_down() {
                return;
            }
            notified.await;
        }
    }

    async fn listen(self: Arc<Self>, db: Db) {
        let mut rx = self.bus.receiver();
        let mut sweep = tokio::time::interval(self.settings.sweep);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let lost = tokio::select! {
                received = rx.recv() => match received {
                    Ok(Received::Events(events)) => {
                        self.hub.publish(&events);
                        false
                    }
                    Ok(Received::MaybeLost) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = sweep.tick() => true,
            };
            if lost && let Err(e) = self.sweep(&db).await {
                tracing::warn!(error = %e, "real-time sweep failed");
            }
        }
    }

    /// Compares local channels with the database heads and forwards what the bus missed.
    async fn sweep(&self, db: &Db) -> chainsync_storage::StorageResult<()> {
        let local = self.hub.channels();
        if local.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = local.iter().map(|(c, _)| c.clone()).collect();
        let mut conn = db.conn().await?;
        let heads = history::heads_of(&mut conn, &names).await?;
        for (channel, head) in heads {
            let forwarded = local
                .iter()
                .find(|(c, _)| *c == channel)
                .map_or(0, |(_, last)| *last);
            if head.last_offset > forwarded {
                let from = (forwarded + 1).max(head.last_offset - SWEEP_TAIL + 1);
                let events = history::read_range(
                    &mut conn,
                    &channel,
                    &head.epoch,
                    from,
                    head.last_offset,
                    SWEEP_TAIL as u32,
                )
                .await?;
                self.hub.publish(&events);
            }
        }
        Ok(())
    }

    /// Deletes history beyond the window now (the pruner does it every minute); returns the
    /// number of events deleted.
    pub async fn prune_now(&self, db: &Db) -> chainsync_storage::StorageResult<u64> {
        let older_than = now_ms() - self.settings.history_age.as_millis() as i64;
        let mut conn = db.conn().await?;
        history::prune(
            &mut conn,
            older_than,
            self.settings.history_events,
            self.settings.history_max_events,
        )
        .await
    }

    /// Deletes relayed domain events older than the outbox retention, a batch per statement
    /// so a large backlog never holds the write lock for long; returns how many.
    pub async fn prune_outbox_now(&self, db: &Db) -> chainsync_storage::StorageResult<u64> {
        let older_than = now_ms() - self.settings.outbox_age.as_millis() as i64;
        let relayed = history::relay_cursor(&mut *db.conn().await?).await?;
        let mut total = 0;
        loop {
            // Each batch is a write transaction of its own, on the writer connection (SQLite),
            // so checkouts queue behind one batch at most.
            let mut tx = db.begin_write().await?;
            let n = events::prune_relayed(&mut tx, db.backend(), relayed, older_than).await?;
            tx.commit().await?;
            total += n;
            if n < events::PRUNE_BATCH as u64 {
                return Ok(total);
            }
            // Let checkouts waiting for the write lock in between.
            tokio::task::yield_now().await;
        }
    }

    async fn prune_forever(self: Arc<Self>, db: Db) {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            log_pruning("channel history", self.prune_now(&db).await);
            log_pruning("relayed outbox events", self.prune_outbox_now(&db).await);
        }
    }
}

fn log_pruning(what: &str, result: chainsync_storage::StorageResult<u64>) {
    match result {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "pruned {what}"),
        Err(e) => tracing::warn!(error = %e, "pruning {what} failed"),
    }
}
