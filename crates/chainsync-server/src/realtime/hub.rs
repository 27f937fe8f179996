//! The hub: which local connections listen to which channel, and fan-out of channel events to
//! them.
//!
//! Invariants:
//! - A frame is serialised once per event and shared by every subscriber (a refcounted
//!   `Utf8Bytes`).
//! - Per channel the hub remembers the newest offset it forwarded and drops anything at or
//!   below it, so an event arriving twice (locally and back from Redis, or from a sweep) is
//!   forwarded once. Gaps are not the hub's to fill: each connection checks its own offsets
//!   and reads a gap from the database.
//! - Fan-out never waits: a connection whose bounded queue is full is removed and told to
//!   close (slow consumer), so one stalled client cannot slow the others or grow memory.

use axum::extract::ws::Utf8Bytes;
use chainsync_storage::realtime::ChannelEvent;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::Notify;

/// One event, ready to send.
#[derive(Debug)]
pub struct Delivery {
    pub channel: Arc<str>,
    pub epoch: Arc<str>,
    pub offset: i64,
    pub frame: Utf8Bytes,
}

impl Delivery {
    pub fn from_event(e: &ChannelEvent) -> Delivery {
        Delivery {
            channel: e.channel.as_str().into(),
            epoch: e.epoch.as_str().into(),
            offset: e.offset,
            frame: super::protocol::event(&e.channel, &e.epoch, e.offset, &e.body).into(),
        }
    }
}

/// The hub's handle on one connection.
///
/// Its send queue is a plain bounded `VecDeque` behind a mutex rather than a
/// `tokio::sync::mpsc` channel: an mpsc channel allocates its shared state (cache-padded) and
/// a first block of 32 slots when created, close to 1 KiB for every connection even when idle;
/// this queue allocates nothing until an event is queued, and gives its memory back once
/// drained after a burst.
#[derive(Debug)]
pub struct Listener {
    pub id: u64,
    queue: Mutex<Queue>,
    capacity: usize,
    ready: Notify,
    kicked: AtomicBool,
    kick: Notify,
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Arc<Delivery>>,
    /// The connection has gone: nothing is queued any more.
    closed: bool,
}

/// Why an event could not be queued.
enum Refused {
    Full,
    Closed,
}

/// A drained queue keeps at most this many slots; a larger one (after a burst) is freed.
const IDLE_QUEUE_SLOTS: usize = 16;

impl Listener {
    fn try_send(&self, delivery: &Arc<Delivery>) -> Result<(), Refused> {
        {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.closed {
                return Err(Refused::Closed);
            }
            if queue.items.len() >= self.capacity {
                return Err(Refused::Full);
            }
            queue.items.push_back(delivery.clone());
        }
        // One reader: a permit is stored if it is not waiting, so no wake-up is lost.
        self.ready.notify_one();
        Ok(())
    }

    /// Was this connection cut off for not reading?
    pub fn is_kicked(&self) -> bool {
        self.kicked.load(Ordering::Acquire)
    }

    /// Completes once the connection has been cut off.
    pub async fn kicked(&self) {
        loop {
            let notified = self.kick.notified();
            if self.is_kicked() {
                return;
            }
            notified.await;
        }
    }

    fn kick(&self) {
        self.kicked.store(true, Ordering::Release);
        self.kick.notify_waiters();
    }
}

/// The connection's end of its send queue. Dropping it closes the queue.
#[derive(Debug)]
pub struct Inbox {
    listener: Arc<Listener>,
}

impl Inbox {
    /// The next queued event, in order. Cancel-safe: an event is only taken when returned.
    pub async fn recv(&mut self) -> Option<Arc<Delivery>> {
        loop {
            {
                let mut queue = self
                    .listener
                    .queue
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if let Some(delivery) = queue.items.pop_front() {
                    if queue.items.is_empty() && queue.items.capacity() > IDLE_QUEUE_SLOTS {
                        queue.items = VecDeque::new();
                    }
                    return Some(delivery);
                }
                if queue.closed {
                    return None;
                }
            }
            self.listener.ready.notified().await;
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let mut queue = self
            .listener
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        queue.closed = true;
        queue.items = VecDeque::new();
    }
}

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
    /// A new connection's listener and the queue it reads.
    pub fn listener(&self, capacity: usize) -> (Arc<Listener>, Inbox) {
        let listener = Arc::new(Listener {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            queue: Mutex::new(Queue::default()),
            capacity: capacity.max(1),
            ready: Notify::new(),
            kicked: AtomicBool::new(false),
            kick: Notify::new(),
        });
        self.connections.fetch_add(1, Ordering::Relaxed);
        let inbox = Inbox {
            listener: listener.clone(),
        };
        (listener, inbox)
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
                .retain(|listener| match listener.try_send(&delivery) {
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
    use super::*;
    use std::time::Duration;

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
    async fn the_queue_is_fifo_bounded_and_cuts_off_a_full_listener() {
        let hub = Hub::default();
        let (listener, mut inbox) = hub.listener(2);
        hub.subscribe(&listener, "store:1");
        hub.publish(&[event(1), event(2)]);
        assert_eq!(inbox.recv().await.map(|d| d.offset), Some(1));
        hub.publish(&[event(3), event(4)]);
        // 2 and 3 fill the queue; 4 finds it full: the listener is cut off and forgotten.
        assert!(listener.is_kicked());
        assert_eq!(hub.slow_consumer_count(), 1);
        assert!(hub.channels().is_empty());
        assert_eq!(inbox.recv().await.map(|d| d.offset), Some(2));
        assert_eq!(inbox.recv().await.map(|d| d.offset), Some(3));
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_and_a_dropped_one_closes_the_queue() {
        let hub = Arc::new(Hub::default());
        let (listener, mut inbox) = hub.listener(8);
        hub.subscribe(&listener, "store:1");
        // Nothing queued: a receive waits (and giving up on it loses nothing) ...
        let waited = tokio::time::timeout(Duration::from_millis(20), inbox.recv()).await;
        assert!(waited.is_err());
        // ... until an event arrives.
        let publisher = hub.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            publisher.publish(&[event(1)]);
        });
        let got = tokio::time::timeout(Duration::from_secs(5), inbox.recv()).await;
        assert_eq!(got.ok().flatten().map(|d| d.offset), Some(1));
        task.await.expect("publisher");
        // The connection goes: its queue refuses events and the hub forgets it, no cut-off.
        drop(inbox);
        hub.publish(&[event(2)]);
        assert!(hub.channels().is_empty());
        assert!(!listener.is_kicked());
        assert_eq!(hub.slow_consumer_count(), 0);
    }
}
