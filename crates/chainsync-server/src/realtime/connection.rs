//! One WebSocket connection, after authentication: subscriptions, resume, live delivery,
//! heartbeats and limits.
//!
//! Per subscription the connection keeps `(epoch, last)`: the offset of the last event it sent
//! on that channel. Every event it sends has offset `last + 1`; an event at or below `last` is a
//! duplicate and dropped; an event above `last + 1` means a gap, filled from the database before
//! the event is sent (or answered with `reset` when the gap's events were pruned). This is what
//! makes delivery exact whatever the bus does.
//!
//! Subscribe order (no gap, no duplicate between history and live): register with the hub
//! first, so live events start queueing; then read the head and the history from the database
//! and send them; queued live events at or below what was sent are then dropped as duplicates.
//!
//! The subscriptions' positions live in the [`Listener`], shared with the hub: the hub writes
//! the next event of a settled subscription straight to the socket, and this task handles the
//! rest (replies, replays, gaps, new epochs) under the same next-offset rule, so the two never
//! send an event twice or out of order. Bytes the socket does not take at once wait in the
//! listener; this task flushes them, and a flush that does not complete within the write
//! timeout ends the connection (the client can resume).

use super::frame;
use super::listener::{Delivery, Listener, Offered, Position};
use super::protocol::{self, ClientMessage, Resume, close};
use super::upgrade::WsIo;
use crate::state::AppState;
use chainsync_domain::access::Principal;
use chainsync_domain::ids::UserId;
use chainsync_domain::realtime::{Channel, Refusal, may_subscribe};
use chainsync_storage::realtime as history;
use chainsync_storage::{StorageResult, auth as auth_store, now_ms, users};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, error::CapacityError};

/// Largest history page read at once during a replay.
const REPLAY_PAGE: u32 = 500;
/// A send that takes longer than this means the client is not reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Who is connected, as checked when the socket opened.
#[derive(Debug, Clone)]
pub struct Identity {
    pub principal: Principal,
    /// The session (refresh-token family) the ticket belongs to, and when it was issued.
    pub sid: uuid::Uuid,
    pub iat_ms: i64,
}

/// A token bucket for client messages.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

enum Flow {
    Continue,
    Close(u16, &'static str),
}

struct Connection {
    state: AppState,
    identity: Identity,
    listener: Arc<Listener>,
    socket: WebSocketStream<WsIo>,
}

/// Serves one upgraded socket until it closes.
pub async fn run(
    socket: WebSocketStream<WsIo>,
    listener: Arc<Listener>,
    state: AppState,
    identity: Identity,
) {
    state.realtime.hub.opened();
    let mut conn = Connection {
        state: state.clone(),
        identity,
        listener: listener.clone(),
        socket,
    };
    let mut outcome = conn.serve().await;
    if listener.is_kicked() {
        outcome = Some((
            close::SLOW_CONSUMER,
            "send queue full: reconnect and resume",
        ));
    }
    state.realtime.hub.remove(&listener, listener.channels());
    if let Some((code, reason)) = outcome {
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        let sent = tokio::time::timeout(Duration::from_secs(1), async {
            conn.socket.send(Message::Close(Some(frame))).await.is_ok()
                && flush_all(&listener).await
        })
        .await;
        if matches!(sent, Ok(true)) {
            // Keep reading until the client answers the close (or a short while), so it can
            // read everything before the close frame without its own writes (pongs) failing on
            // a socket we already dropped.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(message)) = conn.socket.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
    }
    listener.close();
}

impl Connection {
    /// Sends a text frame that belongs to no channel; `false` when the socket failed, the
    /// client stopped reading for the write timeout, or the hub cut this connection off
    /// meanwhile.
    async fn send(&mut self, text: String) -> bool {
        self.listener.write(frame::text(&text)).is_ok() && flush(&self.listener).await
    }

    /// The main loop; returns the close frame to send, if any.
    async fn serve(&mut self) -> Option<(u16, &'static str)> {
        // Borrowed from a handle of our own (not cloned): this future lives as long as the
        // connection, so everything it holds is paid for by every idle connection.
        let realtime = self.state.realtime.clone();
        let settings = &realtime.settings;
        let hello = protocol::hello(
            &self.listener.id.to_string(),
            &self.identity.principal.user_id.to_string(),
            settings.heartbeat.as_secs(),
            settings.max_message_bytes,
        );
        if !self.send(hello).await {
            return None;
        }
        let mut bucket = Bucket {
            tokens: f64::from(settings.rate_burst),
            rate: f64::from(settings.rate_per_sec),
            burst: f64::from(settings.rate_burst),
            at: Instant::now(),
        };
        let mut refused = 0u32;
        let mut last_heard = Instant::now();
        let mut heartbeat = tokio::time::interval(settings.heartbeat);
        heartbeat.reset();
        let mut recheck = tokio::time::interval(settings.recheck);
        recheck.reset();
        let listener = self.listener.clone();
        loop {
            tokio::select! {
                biased;
                () = realtime.shutting_down() => {
                    let _ = self.send(protocol::reconnect("server_shutdown", 0)).await;
                    return Some((close::GOING_AWAY, "server shutting down: reconnect and resume"));
                }
                () = listener.kicked() => {
                    return Some((close::SLOW_CONSUMER, "send queue full: reconnect and resume"));
                }
                () = listener.unsent() => {
                    if !flush(&self.listener).await {
                        return None;
                    }
                }
                delivery = listener.next_queued() => {
                    let delivery = delivery?;
                    match self.deliver(&delivery).await {
                        Ok(true) => {}
                        Ok(false) => return None,
                        Err(e) => {
                            tracing::warn!(error = %e, "real-time delivery failed");
                            return Some((close::INTERNAL, "internal error: reconnect and resume"));
                        }
                    }
                }
                message = self.socket.next() => {
                    last_heard = Instant::now();
                    let flow = match message {
                        None | Some(Ok(Message::Close(_))) => return None,
                        Some(Err(WsError::Capacity(
                            CapacityError::MessageTooLong { .. } | CapacityError::TooManyHeaders,
                        ))) => return Some((close::TOO_BIG, "message too big")),
                        Some(Err(_)) => return None,
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Flow::Continue,
                        Some(Ok(message)) => {
                            if bucket.take() {
                                refused = 0;
                                // Boxed: subscribing reads the database, and that future is
                                // large; inline, every idle connection would carry its space.
                                Box::pin(self.handle(message)).await
                            } else {
                                refused += 1;
                                if refused > settings.rate_burst {
                                    Flow::Close(close::POLICY, "too many messages")
                                } else {
                                    let frame = protocol::error("rate_limited", "too many messages: slow down", None, None);
                                    if self.send(frame).await { Flow::Continue } else { return None }
                                }
                            }
                        }
                    };
                    match flow {
                        Flow::Continue => {}
                        Flow::Close(code, reason) => return Some((code, reason)),
                    }
                }
                _ = heartbeat.tick() => {
                    let idle_at = last_heard + settings.idle_timeout;
                    let now = Instant::now();
                    if now >= idle_at {
                        return Some((close::IDLE, "idle timeout"));
                    }
                    if self.listener.write(frame::ping()).is_err() || !flush(&self.listener).await {
                        return None;
                    }
                    // Wake at the idle deadline when it comes before the next ping, so the
                    // timeout is the documented one, not rounded up to a heartbeat (no extra
                    // timer per connection: the heartbeat's own is moved).
                    if idle_at < now + settings.heartbeat {
                        heartbeat.reset_at(idle_at.into());
                    }
                }
                _ = recheck.tick() => {
                    // Boxed for the same reason as `handle`: rare, and it reads the database.
                    match Box::pin(self.recheck()).await {
                        Ok(true) => {}
                        Ok(false) => return Some((close::SESSION_ENDED, "session ended: sign in again")),
                        Err(e) => tracing::warn!(error = %e, "re-checking a WebSocket session failed"),
                    }
                }
            }
        }
    }

    /// Handles one client message (after the rate limit).
    async fn handle(&mut self, message: Message) -> Flow {
        let text = match message {
            Message::Text(text) => text,
            _ => {
                let frame =
                    protocol::error("unsupported_frame", "send JSON in text frames", None, None);
                return self.flow(frame).await;
            }
        };
        let frame = match protocol::parse(&text) {
            Err(invalid) => protocol::error(
                "invalid_message",
                &invalid.message,
                None,
                invalid.id.as_deref(),
            ),
            Ok(ClientMessage::Ping { id }) => protocol::pong(id.as_deref()),
            Ok(ClientMessage::Unsubscribe { channel, id }) => {
                let reply = frame::text(&protocol::unsubscribed(
                    &channel,
                    "requested",
                    id.as_deref(),
                ));
                if self.listener.end_subscription(&channel, Some(reply)) {
                    self.state
                        .realtime
                        .hub
                        .unsubscribe(&self.listener, &channel);
                    return self.flow_flushed().await;
                } else {
                    protocol::error(
                        "not_subscribed",
                        "this connection is not subscribed to that channel",
                        Some(&channel),
                        id.as_deref(),
                    )
                }
            }
            Ok(ClientMessage::Subscribe {
                channel,
                resume,
                id,
            }) => match self.subscribe(&channel, resume, id.as_deref()).await {
                Ok(Some(frame)) => frame,
                Ok(None) => return Flow::Continue,
                Err(e) => {
                    tracing::warn!(error = %e, "subscribe failed");
                    self.listener.end_subscription(&channel, None);
                    self.state
                        .realtime
                        .hub
                        .unsubscribe(&self.listener, &channel);
                    protocol::error(
                        "internal_error",
                        "the subscription failed: try again",
                        Some(&channel),
                        id.as_deref(),
                    )
                }
            },
        };
        self.flow(frame).await
    }

    async fn flow(&mut self, frame: String) -> Flow {
        if self.send(frame).await {
            Flow::Continue
        } else {
            Flow::Close(close::NORMAL, "")
        }
    }

    async fn flow_flushed(&mut self) -> Flow {
        if flush(&self.listener).await {
            Flow::Continue
        } else {
            Flow::Close(close::NORMAL, "")
        }
    }

    /// Subscribes (and replays); returns the error frame to send when the subscription is
    /// refused, `None` when it sent its answer (and any replay) itself.
    async fn subscribe(
        &mut self,
        name: &str,
        resume: Option<Resume>,
        id: Option<&str>,
    ) -> StorageResult<Option<String>> {
        let settings = &self.state.realtime.settings;
        let Some(channel) = Channel::parse(name) else {
            return Ok(Some(protocol::error(
                "invalid_channel",
                "channels are store:<id>, user:<id> or org:<id>",
                Some(name),
                id,
            )));
        };
        if self.listener.position(name).is_some() {
            return Ok(Some(protocol::error(
                "already_subscribed",
                "this connection is already subscribed to that channel",
                Some(name),
                id,
            )));
        }
        if self.listener.subscription_count() >= settings.max_subscriptions {
            return Ok(Some(protocol::error(
                "too_many_subscriptions",
                &format!(
                    "at most {} channels per connection",
                    settings.max_subscriptions
                ),
                Some(name),
                id,
            )));
        }
        if let Some(refusal) = refusal(&self.state, &self.identity.principal, channel).await? {
            let (code, message) = match refusal {
                Refusal::NotFound => ("channel_not_found", "no such channel"),
                Refusal::Forbidden => ("forbidden", "your role may not read this channel"),
            };
            return Ok(Some(protocol::error(code, message, Some(name), id)));
        }
        // Live events queue from here on; the history read below can only overlap them.
        let hub = &self.state.realtime.hub;
        hub.subscribe(&self.listener, name);
        let mut db = self.state.db.conn().await?;
        let head =
            history::ensure_head(&mut db, name, self.identity.principal.org_id, now_ms()).await?;
        // Whether the history still holds the first event the client missed: if not, the
        // answer is a lone `reset`, not a `subscribed` that a reset then contradicts. (Pruning
        // between this read and the replay could still cut it short; `fill` answers that.)
        let missed_is_stored = match &resume {
            Some(r) if r.epoch == head.epoch && r.offset >= 0 && r.offset < head.last_offset => {
                let next = r.offset + 1;
                !history::read_range(&mut db, name, &head.epoch, next, next, 1)
                    .await?
                    .is_empty()
            }
            _ => true,
        };
        drop(db);
        let start = match resume {
            None => None,
            Some(r) if r.epoch != head.epoch => Some("epoch_changed"),
            Some(r) if r.offset < 0 || r.offset > head.last_offset => Some("unknown_offset"),
            Some(_) if !missed_is_stored => Some("beyond_history"),
            Some(r) => {
                let frame = protocol::subscribed(name, &head.epoch, r.offset, head.last_offset, id);
                self.settle(name, &head.epoch, r.offset, frame);
                if !flush(&self.listener).await {
                    return Ok(None);
                }
                if !self.fill(name, head.last_offset).await? {
                    // The history no longer reaches back to the client's offset.
                    let frame =
                        protocol::reset(name, &head.epoch, head.last_offset, "beyond_history", id);
                    self.settle(name, &head.epoch, head.last_offset, frame);
                    flush(&self.listener).await;
                }
                return Ok(None);
            }
        };
        let frame = match start {
            None => protocol::subscribed(name, &head.epoch, head.last_offset, head.last_offset, id),
            Some(reason) => protocol::reset(name, &head.epoch, head.last_offset, reason, id),
        };
        self.settle(name, &head.epoch, head.last_offset, frame);
        flush(&self.listener).await;
        Ok(None)
    }

    /// Moves a subscription to `last` in `epoch` and tells the client with `frame` (its
    /// `subscribed` or `reset`) in one step, so no event of the channel goes out before it.
    fn settle(&self, channel: &str, epoch: &str, last: i64, frame: String) {
        let position = Position {
            epoch: epoch.into(),
            last,
        };
        self.listener
            .set_position(channel, position, frame::text(&frame));
    }

    /// Sends the channel's stored events after the subscription's `last` up to `to`. Returns
    /// `false` when the next needed offset is no longer stored (pruned).
    async fn fill(&mut self, name: &str, to: i64) -> StorageResult<bool> {
        loop {
            let Some(position) = self.listener.position(name) else {
                return Ok(true);
            };
            if position.last >= to {
                return Ok(true);
            }
            let (from, epoch) = (position.last + 1, position.epoch);
            let mut db = self.state.db.conn().await?;
            let page = history::read_range(&mut db, name, &epoch, from, to, REPLAY_PAGE).await?;
            drop(db);
            if page.first().map(|e| e.offset) != Some(from) {
                return Ok(false);
            }
            for event in page {
                let frame = frame::text(&protocol::event(name, &epoch, event.offset, &event.body));
                // The hub may have sent some of these meanwhile: those are skipped.
                match self.listener.offer_event(name, &epoch, event.offset, frame) {
                    Offered::Sent | Offered::Skipped => {}
                    // The channel was recreated or unsubscribed meanwhile: stop here.
                    Offered::Gap { .. } | Offered::NewEpoch => return Ok(true),
                }
            }
            // Wait for the page to leave before reading the next: memory stays bounded.
            if !flush(&self.listener).await {
                return Ok(true);
            }
        }
    }

    /// Sends a queued live event exactly once, in order; `Ok(false)` when the socket is gone.
    async fn deliver(&mut self, delivery: &Delivery) -> StorageResult<bool> {
        let channel: &str = &delivery.channel;
        loop {
            let offered = self.listener.offer_event(
                channel,
                &delivery.epoch,
                delivery.offset,
                delivery.frame.clone(),
            );
            match offered {
                Offered::Sent | Offered::Skipped => return Ok(true),
                Offered::NewEpoch => {
                    // The channel was recreated (its history lost): the client must reload.
                    let (epoch, offset) = (&delivery.epoch, delivery.offset);
                    let frame = protocol::reset(channel, epoch, offset, "epoch_changed", None);
                    self.settle(channel, epoch, offset, frame);
                    return Ok(true);
                }
                Offered::Gap { last } => {
                    // A gap is rare and filling it reads the database: boxed, so the common
                    // path's future (held by every connection between events) stays small.
                    if !Box::pin(self.fill(channel, delivery.offset - 1)).await? {
                        let (epoch, offset) = (&delivery.epoch, delivery.offset);
                        let frame = protocol::reset(channel, epoch, offset, "beyond_history", None);
                        self.settle(channel, epoch, offset, frame);
                        return Ok(true);
                    }
                    if self.listener.position(channel).map(|p| p.last) == Some(last) {
                        // The fill sent nothing (the socket went): stop.
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Reloads the user: `false` when the session has ended. Drops subscriptions the user
    /// lost the right to read.
    async fn recheck(&mut self) -> StorageResult<bool> {
        let key = (
            self.identity.principal.user_id,
            self.identity.sid,
            self.identity.iat_ms,
        );
        let caches = &self.state.realtime.caches;
        // Shared by every connection of this session, for half a re-check interval.
        let ttl = self.state.realtime.settings.recheck / 2;
        let principal = match caches.session(&key, ttl) {
            Some(answer) => answer,
            None => {
                let answer = load_principal(&self.state, &self.identity).await?;
                caches.remember_session(key, answer.clone(), ttl);
                answer
            }
        };
        let Some(principal) = principal else {
            return Ok(false);
        };
        self.identity.principal = principal;
        for name in self.listener.channels() {
            let Some(channel) = Channel::parse(&name) else {
                continue;
            };
            if refusal(&self.state, &self.identity.principal, channel)
                .await?
                .is_some()
            {
                let frame = frame::text(&protocol::unsubscribed(&name, "forbidden", None));
                self.listener.end_subscription(&name, Some(frame));
                self.state.realtime.hub.unsubscribe(&self.listener, &name);
                if !flush(&self.listener).await {
                    return Ok(true);
                }
            }
        }
        Ok(true)
    }
}

/// Waits until the socket has taken everything written so far; `false` when it failed, the
/// client stopped reading for the write timeout, or the hub cut the connection off meanwhile.
async fn flush(listener: &Listener) -> bool {
    let flushed = tokio::time::timeout(WRITE_TIMEOUT, async {
        tokio::select! {
            flushed = std::future::poll_fn(|cx| listener.poll_flush(cx)) => flushed.is_ok(),
            () = listener.kicked() => false,
        }
    });
    matches!(flushed.await, Ok(true))
}

/// Like [`flush`], also once the hub has cut the connection off (to send the close frame).
async fn flush_all(listener: &Listener) -> bool {
    std::future::poll_fn(|cx| listener.poll_flush(cx))
        .await
        .is_ok()
}

/// Why `principal` may not read `channel`, if they may not.
async fn refusal(
    state: &AppState,
    principal: &Principal,
    channel: Channel,
) -> StorageResult<Option<Refusal>> {
    let store_org = match channel {
        Channel::Store(store) => {
            state
                .realtime
                .caches
                .store_of_org(&state.db, principal.org_id, store)
                .await?
        }
        _ => None,
    };
    Ok(may_subscribe(principal, channel, store_org).err())
}

/// The user behind a connection, reloaded: `None` when deactivated, logged out, or their
/// tokens were revoked since the ticket was issued.
pub async fn load_principal(
    state: &AppState,
    identity: &Identity,
) -> StorageResult<Option<Principal>> {
    let user_id: UserId = identity.principal.user_id;
    let mut db = state.db.conn().await?;
    let Some(user) = users::get_any_org(&mut db, user_id).await? else {
        return Ok(None);
    };
    if !user.active
        || user.org_id != identity.principal.org_id
        || identity.iat_ms < user.tokens_valid_after
        || auth_store::family_revoked(&mut db, identity.sid).await?
    {
        return Ok(None);
    }
    let memberships = users::memberships_of(&mut db, user.id).await?;
    Ok(Some(Principal {
        user_id: user.id,
        org_id: user.org_id,
        is_org_admin: user.is_org_admin,
        memberships,
    }))
}

#[cfg(test)]
mod tests {
    /// The size of the future an async fn returns, without calling it.
    fn future_size<A, B, C, D, F: Future>(_: &impl Fn(A, B, C, D) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every open connection holds its `run` future for its whole life, so its size is memory
    /// per idle connection. Database reads (subscribe, re-check, gap fill) are boxed to keep
    /// them out of it; this guards against one creeping back in. In a debug build (where
    /// `cargo test` measures it) the future was 2,784 bytes with them inline and is 1,864
    /// bytes with them boxed.
    #[test]
    fn the_connection_future_stays_small() {
        let size = future_size(&super::run);
        println!("connection future: {size} bytes");
        assert!(size <= 2 * 1024, "the connection future is {size} bytes");
    }
}
