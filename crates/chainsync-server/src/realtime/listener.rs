//! One connection's state shared by the hub's fan-out and the connection's own task: its
//! subscriptions' offsets, the ordered write path to its socket, and the events only the task
//! can handle.
//!
//! Invariants (all under the one lock):
//! - Every byte bound for the socket goes through [`Listener::write`]: written at once when
//!   nothing is waiting, else appended to `unsent`, which only the connection task drains.
//!   Frames therefore never interleave and leave in the order they were written.
//! - A channel event is written only when its offset is its subscription's `last + 1` in the
//!   same epoch, and `last` moves in the same critical section: whichever side writes it (the
//!   hub's fan-out or the task's queue or gap fill), no event goes out twice or out of order.
//! - The fan-out writes an event itself when the task has nothing queued; anything it cannot
//!   settle alone (no subscription yet, a gap, a new epoch) it queues for the task, which may
//!   read the database. Both `queued` and the fan-out's share of `unsent` are bounded: a
//!   connection that stops reading is cut off (slow consumer), never waited for.
//!
//! Writing at fan-out is what makes a delivery cheap: one `write` of bytes encoded once per
//! event, with no task wake-up and no per-connection copy; the task wakes only when the
//! kernel's send buffer is full.

use bytes::Bytes;
use chainsync_storage::realtime::ChannelEvent;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// One event, ready to send.
#[derive(Debug)]
pub struct Delivery {
    pub channel: Arc<str>,
    pub epoch: Arc<str>,
    pub offset: i64,
    /// The whole WebSocket frame, the same bytes for every subscriber.
    pub frame: Bytes,
}

impl Delivery {
    pub fn from_event(e: &ChannelEvent) -> Delivery {
        Delivery {
            channel: e.channel.as_str().into(),
            epoch: e.epoch.as_str().into(),
            offset: e.offset,
            frame: super::frame::text(&super::protocol::event(
                &e.channel, &e.epoch, e.offset, &e.body,
            )),
        }
    }
}

/// A subscription's position: the epoch and the last offset sent.
#[derive(Debug, Clone)]
pub struct Position {
    pub epoch: Arc<str>,
    pub last: i64,
}

/// What became of an event offered on a subscription.
#[derive(Debug, PartialEq, Eq)]
pub enum Offered {
    /// Written (or at least queued for the socket, in order).
    Sent,
    /// At or below what was already sent, or the channel is not subscribed: nothing to do.
    Skipped,
    /// Offsets after `last` up to the event's are missing: fill them first.
    Gap { last: i64 },
    /// The channel's epoch changed: its history is gone.
    NewEpoch,
}

/// Why the hub could not hand an event over.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The client is not reading: cut it off.
    Full,
    /// The connection has gone.
    Closed,
}

#[derive(Debug, Default)]
struct State {
    /// Events for the task, in arrival order.
    queued: VecDeque<Arc<Delivery>>,
    subs: HashMap<Arc<str>, Position>,
    /// Bytes the socket has not taken yet, in order (the first may be a frame's tail).
    unsent: VecDeque<Bytes>,
    /// The task has gone: nothing is accepted any more.
    closed: bool,
    /// A write failed: the socket is unusable.
    failed: bool,
}

/// Queued events and unsent frames beyond this many slots are given back once drained.
const IDLE_SLOTS: usize = 16;
/// Frames passed to one `writev` at most.
const WRITEV_FRAMES: usize = 64;

#[derive(Debug)]
pub struct Listener {
    pub id: u64,
    socket: Arc<TcpStream>,
    state: Mutex<State>,
    capacity: usize,
    /// Something was queued for the task.
    queued: Notify,
    /// Bytes wait in `unsent` (or a write failed): the task should flush.
    unsent: Notify,
    kicked: AtomicBool,
    kick: Notify,
}

impl Listener {
    /// A listener on `socket` whose fan-out queues hold `capacity` items each.
    pub fn new(id: u64, socket: Arc<TcpStream>, capacity: usize) -> Listener {
        Listener {
            id,
            socket,
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
            queued: Notify::new(),
            unsent: Notify::new(),
            kicked: AtomicBool::new(false),
            kick: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The hub's fan-out: writes the event if it is the next one on a settled subscription
    /// and the task has nothing queued; else queues it for the task. Never waits.
    pub fn offer(&self, delivery: &Arc<Delivery>) -> Result<(), Refused> {
        let mut state = self.lock();
        if state.closed || state.failed {
            return Err(Refused::Closed);
        }
        if state.queued.is_empty()
            && let Some(position) = state.subs.get_mut(&*delivery.channel)
            && position.epoch == delivery.epoch
        {
            if delivery.offset <= position.last {
                return Ok(());
            }
            if delivery.offset == position.last + 1 {
                position.last = delivery.offset;
                return self.write_locked(&mut state, delivery.frame.clone(), true);
            }
        }
        if state.queued.len() >= self.capacity {
            return Err(Refused::Full);
        }
        state.queued.push_back(delivery.clone());
        drop(state);
        // One waiter (the task): a permit is stored if it is not waiting, so none is lost.
        self.queued.notify_one();
        Ok(())
    }

    /// The task: offers an event (queued, replayed from the database, or live) under the same
    /// rule as the fan-out.
    pub fn offer_event(&self, channel: &str, epoch: &str, offset: i64, frame: Bytes) -> Offered {
        let mut state = self.lock();
        let Some(position) = state.subs.get_mut(channel) else {
            return Offered::Skipped;
        };
        if *position.epoch != *epoch {
            return Offered::NewEpoch;
        }
        if offset <= position.last {
            return Offered::Skipped;
        }
        if offset > position.last + 1 {
            return Offered::Gap {
                last: position.last,
            };
        }
        position.last = offset;
        // The task's own writes are not bounded here: it waits for them to drain instead.
        let _ = self.write_locked(&mut state, frame, false);
        Offered::Sent
    }

    /// Sets a subscription's position and writes `frame` (its `subscribed` or `reset`) in one
    /// step, so no event of that channel can go out before it.
    pub fn set_position(&self, channel: &str, position: Position, frame: Bytes) {
        let mut state = self.lock();
        state.subs.insert(channel.into(), position);
        let _ = self.write_locked(&mut state, frame, false);
    }

    /// Ends a subscription, writing `frame` (its `unsubscribed`) if given; `false` when it did
    /// not exist.
    pub fn end_subscription(&self, channel: &str, frame: Option<Bytes>) -> bool {
        let mut state = self.lock();
        let existed = state.subs.remove(channel).is_some();
        if existed && let Some(frame) = frame {
            let _ = self.write_locked(&mut state, frame, false);
        }
        existed
    }

    pub fn position(&self, channel: &str) -> Option<Position> {
        self.lock().subs.get(channel).cloned()
    }

    pub fn subscription_count(&self) -> usize {
        self.lock().subs.len()
    }

    pub fn channels(&self) -> Vec<String> {
        self.lock().subs.keys().map(|c| c.to_string()).collect()
    }

    /// The task: writes a frame that belongs to no channel (hello, replies, pings, and
    /// tungstenite's control frames), in order with everything else.
    pub fn write(&self, frame: Bytes) -> io::Result<()> {
        let mut state = self.lock();
        if state.failed {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let _ = self.write_locked(&mut state, frame, false);
        Ok(())
    }

    fn write_locked(&self, state: &mut State, frame: Bytes, bounded: bool) -> Result<(), Refused> {
        if state.failed {
            return Err(Refused::Closed);
        }
        if !state.unsent.is_empty() {
            if bounded && state.unsent.len() >= self.capacity {
                return Err(Refused::Full);
            }
            state.unsent.push_back(frame);
            return Ok(());
        }
        match self.socket.try_write(&frame) {
            Ok(n) if n == frame.len() => return Ok(()),
            Ok(n) => state.unsent.push_back(frame.slice(n..)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => state.unsent.push_back(frame),
            Err(_) => state.failed = true,
        }
        // The task flushes the rest once the socket can take it (or ends on the failure).
        self.unsent.notify_one();
        if state.failed {
            Err(Refused::Closed)
        } else {
            Ok(())
        }
    }

    /// Writes what is unsent, waiting for the socket as needed; ready when nothing is left.
    /// Only the connection task calls this (the socket keeps one waker per direction).
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            {
                let mut state = self.lock();
                if state.failed {
                    return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
                }
                if state.unsent.is_empty() {
                    if state.unsent.capacity() > IDLE_SLOTS {
                        state.unsent = VecDeque::new();
                    }
                    return Poll::Ready(Ok(()));
                }
                let slices: Vec<io::IoSlice<'_>> = state
                    .unsent
                    .iter()
                    .take(WRITEV_FRAMES)
                    .map(|b| io::IoSlice::new(b))
                    .collect();
                match self.socket.try_write_vectored(&slices) {
                    Ok(written) => {
                        drop(slices);
                        consume(&mut state.unsent, written);
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => {
                        state.failed = true;
                        return Poll::Ready(Err(e));
                    }
                }
            }
            ready!(self.socket.poll_write_ready(cx))?;
        }
    }

    /// Completes when there may be bytes to flush.
    pub async fn unsent(&self) {
        self.unsent.notified().await;
    }

    /// Sends FIN after everything written so far has gone.
    pub fn shutdown_write(&self) -> io::Result<()> {
        crate::net::shutdown_write(&self.socket)
    }

    /// The next event queued for the task, in order. Cancel-safe: an event is only taken
    /// when returned. `None` once the connection is closed.
    pub async fn next_queued(&self) -> Option<Arc<Delivery>> {
        loop {
            {
                let mut state = self.lock();
                if let Some(delivery) = state.queued.pop_front() {
                    if state.queued.is_empty() && state.queued.capacity() > IDLE_SLOTS {
                        state.queued = VecDeque::new();
                    }
                    return Some(delivery);
                }
                if state.closed {
                    return None;
                }
            }
            self.queued.notified().await;
        }
    }

    /// The task has gone: refuse everything and free what was held.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.queued = VecDeque::new();
        state.unsent = VecDeque::new();
        state.subs = HashMap::new();
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

    pub fn kick(&self) {
        self.kicked.store(true, Ordering::Release);
        self.kick.notify_waiters();
    }
}

/// Drops `written` bytes from the front of `unsent`.
fn consume(unsent: &mut VecDeque<Bytes>, mut written: usize) {
    while written > 0 {
        let Some(front) = unsent.front_mut() else {
            return;
        };
        if written >= front.len() {
            written -= front.len();
            unsent.pop_front();
        } else {
            let _ = front.split_to(written);
            written = 0;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::future::poll_fn;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A connected pair: the server's shared socket and the client's.
    pub(crate) async fn socket_pair() -> (Arc<TcpStream>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (server, _) = accepted.unwrap();
        // Writable readiness comes from the reactor's first event; wait for it like a fresh
        // connection's first write would.
        server.writable().await.unwrap();
        (Arc::new(server), client.unwrap())
    }

    fn delivery(offset: i64, text: &str) -> Arc<Delivery> {
        Arc::new(Delivery {
            channel: "store:1".into(),
            epoch: "e1".into(),
            offset,
            frame: Bytes::copy_from_slice(text.as_bytes()),
        })
    }

    fn position(last: i64) -> Position {
        Position {
            epoch: "e1".into(),
            last,
        }
    }

    async fn read_exactly(client: &mut TcpStream, n: usize) -> String {
        let mut buf = vec![0u8; n];
        client.read_exact(&mut buf).await.unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[tokio::test]
    async fn the_next_event_on_a_settled_subscription_goes_straight_to_the_socket() {
        let (socket, mut client) = socket_pair().await;
        let listener = Listener::new(1, socket, 8);
        listener.set_position("store:1", position(4), Bytes::from_static(b"[sub]"));
        assert_eq!(listener.offer(&delivery(5, "[5]")), Ok(()));
        // A duplicate and a stale event change nothing.
        assert_eq!(listener.offer(&delivery(5, "[5]")), Ok(()));
        assert_eq!(listener.offer(&delivery(3, "[3]")), Ok(()));
        assert_eq!(read_exactly(&mut client, 8).await, "[sub][5]");
        assert_eq!(listener.position("store:1").unwrap().last, 5);
        // Nothing was left for the task.
        let queued =
            tokio::time::timeout(std::time::Duration::from_millis(20), listener.next_queued())
                .await;
        assert!(queued.is_err());
    }

    #[tokio::test]
    async fn what_the_fan_out_cannot_settle_waits_in_order_for_the_task() {
        let (socket, mut client) = socket_pair().await;
        let listener = Listener::new(1, socket, 8);
        // Not subscribed yet: queued.
        listener.offer(&delivery(1, "[1]")).unwrap();
        listener.set_position("store:1", position(1), Bytes::from_static(b"[sub]"));
        // A gap: queued, and so is the event after it although it would be next after the
        // gap, because the task has something queued.
        listener.offer(&delivery(3, "[3]")).unwrap();
        listener.offer(&delivery(4, "[4]")).unwrap();
        let first = listener.next_queued().await.unwrap();
        assert_eq!(
            listener.offer_event("store:1", "e1", first.offset, first.frame.clone()),
            Offered::Skipped
        );
        let gap = listener.next_queued().await.unwrap();
        assert_eq!(
            listener.offer_event("store:1", "e1", gap.offset, gap.frame.clone()),
            Offered::Gap { last: 1 }
        );
        // The task fills offset 2 from history, then sends what was queued.
        let filled = Bytes::from_static(b"[2]");
        assert_eq!(
            listener.offer_event("store:1", "e1", 2, filled),
            Offered::Sent
        );
        assert_eq!(
            listener.offer_event("store:1", "e1", 3, gap.frame.clone()),
            Offered::Sent
        );
        let next = listener.next_queued().await.unwrap();
        assert_eq!(
            listener.offer_event("store:1", "e2", next.offset, next.frame.clone()),
            Offered::NewEpoch
        );
        assert_eq!(
            listener.offer_event("store:1", "e1", next.offset, next.frame.clone()),
            Offered::Sent
        );
        assert_eq!(read_exactly(&mut client, 14).await, "[sub][2][3][4]");
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_fills_the_bounded_buffer_and_is_refused() {
        let (socket, mut client) = socket_pair().await;
        // Small kernel buffers, so the socket stops taking bytes soon.
        socket2::SockRef::from(&*socket)
            .set_send_buffer_size(4096)
            .unwrap();
        let listener = Listener::new(1, socket, 4);
        listener.set_position("store:1", position(0), Bytes::new());
        let big = "x".repeat(64 * 1024);
        let mut offset = 0;
        let refused = loop {
            offset += 1;
            assert!(offset < 10_000, "the socket never filled");
            match listener.offer(&delivery(offset, &big)) {
                Ok(()) => {}
                Err(refused) => break refused,
            }
        };
        assert_eq!(refused, Refused::Full);
        // What was accepted still arrives whole and in order once the client reads.
        let sent = (offset - 1) as usize;
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            while all.len() < sent * big.len() {
                let n = client.read(&mut buf).await.unwrap();
                assert!(n > 0);
                all.extend_from_slice(&buf[..n]);
            }
            all.len()
        });
        poll_fn(|cx| listener.poll_flush(cx)).await.unwrap();
        assert_eq!(reader.await.unwrap(), sent * 64 * 1024);
    }

    #[tokio::test]
    async fn a_closed_listener_refuses_and_forgets() {
        let (socket, _client) = socket_pair().await;
        let listener = Listener::new(1, socket, 4);
        listener.set_position("store:1", position(0), Bytes::new());
        listener.close();
        assert_eq!(listener.offer(&delivery(1, "[1]")), Err(Refused::Closed));
        assert_eq!(listener.subscription_count(), 0);
        assert!(listener.next_queued().await.is_none());
    }

    #[test]
    fn consume_drops_whole_frames_then_a_prefix() {
        let mut unsent: VecDeque<Bytes> = ["abc", "de", "fgh"]
            .into_iter()
            .map(|s| Bytes::from_static(s.as_bytes()))
            .collect();
        consume(&mut unsent, 6);
        assert_eq!(unsent, [Bytes::from_static(b"gh")]);
    }
}
