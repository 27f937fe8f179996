//! The hub: which local connections listen to which channel, and fan-out of channel events to
//! them.
//!
//! Invariants:
//! - A frame is encoded once per event and shared by every subscriber (refcounted `Bytes`).
//! - Per channel the hub remembers the newest offset it forwarded and drops anything at or
//!   below it, so an event arriving twice (locally and back from Redis, or from a sweep) is
//!   forwarded once. Gaps are not the hub's to fill: each connection checks its own offsets
//!   and reads a gap from the database.
//! - Fan-out never waits: each connection's [`Listener`] writes the event to its socket at
//!   once or queues it (bounded); a connection whose queue is full is removed and told to
//!   close (slow consumer), so one stalled client cannot slow the others or grow memory.

use super::listener::{Delivery, Listener, Refused};
use chainsync_storage::realtime::ChannelEvent;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpStream;

#[derive(Debug, Default)]
struct ChannelState {
    epoch: Option<Arc<str>>,
    last: i64,
    listeners: Vec<Arc<Listener>>,
}

#[derive(Debug, Default)]
pub struct Hub {
    channels: Mutex<HashMap<Arc<str>, ChannelState>>,
    next_id: AtomicU64,
    connections: AtomicU64,
    slow_consumers: AtomicU64,
}

impl Hub {
    /// A new connection's listener, writing to `socket`.
    pub fn listener(&self, socket: Arc<TcpStream>, capacity: usize) -> Arc<Listener> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(Listener::new(id, socket, capacity))
    }

    /// A connection began serving; [`Hub::remove`] ends it.
    pub fn opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets a closed connection everywhere.
    pub fn remove(&self, listener: &Listener, channels: impl IntoIterator<Item = String>) {
        for channel in channels {
            self.unsubscribe(listener, &channel);
        }
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn subscribe(&self, listener: &Arc<Listener>, channel: &str) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let state = channels.entry(channel.into()).or_default();
        if !state.listeners.iter().any(|l| l.id == listener.id) {
            state.listeners.push(listener.clone());
        }
    }

    pub fn unsubscribe(&self, listener: &Listener, channel: &str) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = channels.get_mut(channel) {
            state.listeners.retain(|l| l.id != listener.id);
            if state.listeners.is_empty() {
                channels.remove(channel);
            }
        }
    }

    /// Channels with local listeners and the newest offset forwarded on each.
    pub fn channels(&self) -> Vec<(String, i64)> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .iter()
            .map(|(name, state)| (name.to_string(), state.last))
            .collect()
    }

    /// Forwards events (in offset order per channel) to the local listeners.
    pub fn publish(&self, events: &[ChannelEvent]) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for event in events {
            let Some(state) = channels.get_mut(event.channel.as_str()) else {
                continue;
            };
            let same_epoch = state.epoch.as_deref() == Some(event.epoch.as_str());
            if same_epoch && event.offset <= state.last {
                continue;
            }
            if !same_epoch {
                state.epoch = Some(event.epoch.as_str().into());
            }
            state.last = event.offset;
            let delivery = Arc::new(Delivery::from_event(event));
            state
                .listeners
                .retain(|listener| match listener.offer(&delivery) {
                    Ok(()) => true,
                    Err(Refused::Full) => {
                        self.slow_consumers.fetch_add(1, Ordering::Relaxed);
                        listener.kick();
                        false
                    }
                    Err(Refused::Closed) => false,
                });
        }
        channels.retain(|_, state| !state.listeners.is_empty());
    }

    /// Open connections on this process.
    pub fn connection_count(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Connections cut off for not reading, since start.
    pub fn slow_consumer_count(&self) -> u64 {
        self.slow_consumers.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::listener::Position;
    use super::super::listener::tests::socket_pair;
    use super::*;
    use bytes::Bytes;
    use tokio::io::AsyncReadExt;

    fn event(offset: i64) -> ChannelEvent {
        ChannelEvent {
            channel: "store:1".into(),
            epoch: "e1".into(),
            offset,
            event_id: format!("id{offset}"),
            body: "{}".into(),
            created_at: 0,
        }
    }

    #[tokio::test]
    async fn an_event_is_forwarded_once_to_every_listener_of_its_channel() {
        let hub = Hub::default();
        let mut clients = Vec::new();
        for _ in 0..3 {
            let (socket, client) = socket_pair().await;
            let listener = hub.listener(socket, 8);
            hub.subscribe(&listener, "store:1");
            let position = Position {
                epoch: "e1".into(),
                last: 0,
            };
            listener.set_position("store:1", position, Bytes::new());
            clients.push((listener, client));
        }
        // Offset 1 twice (say, locally and back from Redis): forwarded once.
        hub.publish(&[event(1), event(1), event(2)]);
        let frame = |offset| {
            super::super::frame::text(&super::super::protocol::event(
                "store:1", "e1", offset, "{}",
            ))
        };
        let expected = [frame(1), frame(2)].concat();
        for (listener, client) in &mut clients {
            let mut got = vec![0u8; expected.len()];
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(got, expected);
            assert_eq!(listener.position("store:1").unwrap().last, 2);
        }
        assert_eq!(hub.channels(), vec![("store:1".to_string(), 2)]);
    }

    #[tokio::test]
    async fn a_full_listener_is_cut_off_and_a_closed_one_forgotten() {
        let hub = Hub::default();
        let (socket, _full_client) = socket_pair().await;
        let full = hub.listener(socket, 2);
        hub.subscribe(&full, "store:1");
        let (socket, _gone_client) = socket_pair().await;
        let gone = hub.listener(socket, 8);
        hub.subscribe(&gone, "store:1");
        gone.close();
        // Not subscribed on the listener yet: events queue for its task, and the third finds
        // the queue full.
        hub.publish(&[event(1), event(2), event(3)]);
        assert!(full.is_kicked());
        assert!(!gone.is_kicked());
        assert_eq!(hub.slow_consumer_count(), 1);
        assert!(hub.channels().is_empty());
        assert_eq!(full.next_queued().await.map(|d| d.offset), Some(1));
        assert_eq!(full.next_queued().await.map(|d| d.offset), Some(2));
    }
}
