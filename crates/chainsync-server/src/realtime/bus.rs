//! The event bus between server processes: the relay publishes each batch of channel events
//! it committed; every process's hub receives them.
//!
//! The bus is allowed to lose messages (Redis pub/sub is at most once, a lagging broadcast
//! receiver skips): it only makes delivery fast. Completeness comes from the database — each
//! connection fills offset gaps from it, and each process periodically compares its channels
//! with the database heads (the sweep) to catch a lost tail.
//!
//! Kinds: in-process (`tokio::sync::broadcast`, one process) and Redis pub/sub (many). A batch
//! published by a process reaches its own hub directly (no round trip); on Redis it also comes
//! back to it, where the hub's offset check drops it.

use super::redis;
use super::settings::BusKind;
use chainsync_storage::realtime::ChannelEvent;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireEvent {
    channel: String,
    epoch: String,
    offset: i64,
    event_id: String,
    body: String,
    created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireBatch {
    /// The publishing process, so it can skip its own messages.
    origin: String,
    events: Vec<WireEvent>,
}

/// What a process's bus listener receives.
#[derive(Debug, Clone)]
pub enum Received {
    Events(Arc<Vec<ChannelEvent>>),
    /// Messages may have been lost (lagged receiver, reconnected subscriber): sweep now.
    MaybeLost,
}

// One bus per process, so the Redis variant's size costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Bus {
    InProcess {
        tx: broadcast::Sender<Received>,
    },
    Redis {
        origin: String,
        publisher: redis::Publisher,
        url: String,
        /// The pub/sub channel of this deployment.
        channel: String,
        /// Local fan-out of what the subscriber task receives.
        tx: broadcast::Sender<Received>,
    },
}

impl Bus {
    pub fn new(kind: &BusKind) -> Bus {
        let (tx, _) = broadcast::channel(4096);
        match kind {
            BusKind::InProcess => Bus::InProcess { tx },
            BusKind::Redis { url, channel } => Bus::Redis {
                origin: uuid::Uuid::now_v7().simple().to_string(),
                publisher: redis::Publisher::new(url.clone()),
                url: url.clone(),
                channel: channel.clone(),
                tx,
            },
        }
    }

    /// Starts the background subscriber of a remote bus.
    pub fn start(&self) -> Option<tokio::task::JoinHandle<()>> {
        if let Bus::Redis {
            origin,
            url,
            channel,
            tx,
            ..
        } = self
        {
            let origin = origin.clone();
            let tx = tx.clone();
            return Some(redis::spawn_subscriber(
                url.clone(),
                channel.clone(),
                move |message| match message {
                    redis::Incoming::Message(payload) => {
                        match serde_json::from_slice::<WireBatch>(&payload) {
                            Ok(batch) if batch.origin == origin => {}
                            Ok(batch) => {
                                let events = batch
                                    .events
                                    .into_iter()
                                    .map(|e| ChannelEvent {
                                        channel: e.channel,
                                        epoch: e.epoch,
                                        offset: e.offset,
                                        event_id: e.event_id,
                                        body: e.body,
                                        created_at: e.created_at,
                                    })
                                    .collect();
                                let _ = tx.send(Received::Events(Arc::new(events)));
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "ignoring a malformed bus message")
                            }
                        }
                    }
                    redis::Incoming::Reconnected => {
                        let _ = tx.send(Received::MaybeLost);
                    }
                },
            ));
        }
        None
    }

    /// What this process's hub listens to.
    pub fn receiver(&self) -> broadcast::Receiver<Received> {
        match self {
            Bus::InProcess { tx } | Bus::Redis { tx, .. } => tx.subscribe(),
        }
    }

    /// Publishes a committed batch: to the local hub at once, and to the other processes.
    pub async fn publish(&self, events: Vec<ChannelEvent>) {
        if events.is_empty() {
            return;
        }
        match self {
            Bus::InProcess { tx } => {
                let _ = tx.send(Received::Events(Arc::new(events)));
            }
            Bus::Redis {
                origin,
                publisher,
                channel,
                tx,
                ..
            } => {
                let batch = WireBatch {
                    origin: origin.clone(),
                    events: events
                        .iter()
                        .map(|e| WireEvent {
                            channel: e.channel.clone(),
                            epoch: e.epoch.clone(),
                            offset: e.offset,
                            event_id: e.event_id.clone(),
                            body: e.body.clone(),
                            created_at: e.created_at,
                        })
                        .collect(),
                };
                let _ = tx.send(Received::Events(Arc::new(events)));
                match serde_json::to_vec(&batch) {
                    Ok(payload) => {
                        if let Err(e) = publisher.publish(channel, &payload).await {
                            // The others recover the batch from the database in their sweep.
                            tracing::warn!(error = %e, "publishing to Redis failed");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "encoding a bus batch"),
                }
            }
        }
    }
}
