//! The outbox relay: turns committed domain events into channel events with contiguous
//! offsets and per-recipient notifications, then publishes them on the bus.
//!
//! Every process runs a relay loop, but only one works at a time (see
//! `chainsync_storage::realtime`): one step is one write transaction that takes the relay lock,
//! reads the outbox after the relay cursor (commit-safe order), appends one event to the
//! store's channel (or the organisation's, for events without a store), stores a notification
//! and appends it to the recipient's user channel when their preferences want it, advances the
//! cursor and commits. Only then is the batch published, so nothing uncommitted is ever sent,
//! and a crash between commit and publish loses nothing: subscribers find the events in the
//! database (gap fill and sweep).
//!
//! On SQLite the same work runs inside the commit that writes the events (see [`Inline`]):
//! the loop then only catches what a commit's hook could not relay.

use super::bus::Bus;
use chainsync_domain::ids::{OrgId, StoreId};
use chainsync_domain::realtime::{Channel, Decision, Preferences, Recipient, classify};
use chainsync_storage::batch::Batch;
use chainsync_storage::events::{self, EventRecord, Position};
use chainsync_storage::notifications::{self, NotificationRecord};
use chainsync_storage::realtime::{self as history, Appender, ChannelEvent};
use chainsync_storage::{
    Backend, CommitHook, Conn, Db, Durable, StorageError, StorageResult, now_ms,
};
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// Outbox rows read per step.
const BATCH: u32 = 500;

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Relayed this many outbox events (0: the outbox is drained).
    Relayed(usize),
    /// The commit hook relayed (and publishes) what was pending: look again.
    Advanced,
    /// Another process holds the relay lock or moved the cursor first.
    Busy,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The recipients of one organisation and their preferences, loaded once per batch.
struct Audience {
    people: Vec<(Recipient, Preferences)>,
}

async fn audience_of(conn: &mut chainsync_storage::Conn, org: OrgId) -> StorageResult<Audience> {
    let people = history::recipients(conn, org)
        .await?
        .into_iter()
        .map(|row| {
            // A document that no longer parses counts as no preferences (the defaults).
            let prefs: Preferences = row
                .preferences
                .as_deref()
                .and_then(|body| serde_json::from_str(body).ok())
                .unwrap_or_default();
            (
                Recipient {
                    user_id: row.user_id,
                    is_org_admin: row.is_org_admin,
                    managed: row.managed,
                },
                prefs,
            )
        })
        .collect();
    Ok(Audience { people })
}

/// The relay cursor when the outbox holds an event after it, read on a pool connection: the
/// relay looks before taking the write lock, since most polls find nothing and on SQLite a
/// write transaction makes every writer wait for it.
async fn pending_after(db: &Db) -> StorageResult<Option<Position>> {
    let mut conn = db.conn().await?;
    let cursor = history::relay_cursor(&mut conn).await?;
    let next = events::read_after(&mut conn, db.backend(), cursor, 1).await?;
    Ok((!next.is_empty()).then_some(cursor))
}

/// One relay step; the caller publishes the returned events after it returns.
pub async fn step(db: &Db) -> StorageResult<(Step, Vec<ChannelEvent>)> {
    if pending_after(db).await?.is_none() {
        return Ok((Step::Relayed(0), Vec::new()));
    }
    let mut tx = db.begin_grouped_write().await?;
    match relay_pending(&mut tx, db.backend()).await? {
        Pending::Busy => {
            tx.rollback().await?;
            Ok((Step::Busy, Vec::new()))
        }
        Pending::Relayed(0, _) => {
            tx.rollback().await?;
            Ok((Step::Relayed(0), Vec::new()))
        }
        Pending::Relayed(n, out) => {
            tx.commit().await?;
            Ok((Step::Relayed(n), out))
        }
    }
}

/// What [`relay_pending`] did.
enum Pending {
    /// Relayed this many outbox events into these channel events (0: nothing was pending,
    /// nothing was written).
    Relayed(usize, Vec<ChannelEvent>),
    /// Another process holds the relay lock or moved the cursor first: roll back.
    Busy,
}

/// Relays up to [`BATCH`] outbox events after the cursor inside `tx`, a write transaction.
///
/// On SQLite the write transaction is the relay's lock (see `Appender::read_relay_batch`):
/// the cursor and the channels' heads are read with the events and the cursor is moved with
/// the step's other writes. On PostgreSQL the relay takes an advisory lock and moves the cursor
/// only from where it read it, since other processes' relays run concurrently.
async fn relay_pending(tx: &mut Conn, backend: Backend) -> StorageResult<Pending> {
    let mut appender = Appender::default();
    let (cursor, batch) = match backend {
        // The events and their channels' heads in one statement.
        Backend::Sqlite => (None, appender.read_relay_batch(&mut *tx, BATCH).await?),
        Backend::Postgres => {
            if !history::try_lock_relay(&mut *tx, backend).await? {
                return Ok(Pending::Busy);
            }
            let cursor = history::relay_cursor(&mut *tx).await?;
            let batch = events::read_after(&mut *tx, backend, cursor, BATCH).await?;
            // Every head the batch needs in one query, unless it touches one channel only
            // (then the append's own read is the one query).
            let mut channels: Vec<String> = batch
                .iter()
                .map(|record| event_channel(record).to_string())
                .collect();
            channels.sort_unstable();
            channels.dedup();
            if channels.len() > 1 {
                appender.preload(&mut *tx, &channels).await?;
            }
            (Some(cursor), batch)
        }
    };
    let Some(last) = batch.last().map(|e| e.position) else {
        return Ok(Pending::Relayed(0, Vec::new()));
    };
    let now = now_ms();
    // Notifications and channel rows are only written, never read back in the step: they
    // go to the database together, in one round trip.
    let mut out = Vec::with_capacity(batch.len());
    let mut notes = Vec::new();
    let mut audiences: HashMap<OrgId, Audience> = HashMap::new();
    for record in &batch {
        relay_one(
            &mut *tx,
            record,
            now,
            &mut appender,
            &mut notes,
            &mut audiences,
            &mut out,
        )
        .await?;
    }
    let mut writes = Batch::new();
    notifications::push_inserts(&mut writes, &notes, backend)?;
    match cursor {
        None => {
            history::queue_advance_relay(&mut writes, last, now);
            appender.finish(&mut *tx, writes).await?;
        }
        Some(cursor) => {
            appender.finish(&mut *tx, writes).await?;
            if !history::advance_relay(&mut *tx, cursor, last, now).await? {
                return Ok(Pending::Busy);
            }
        }
    }
    Ok(Pending::Relayed(batch.len(), out))
}

/// The relay as the SQLite writer's commit hook: every write transaction relays the outbox
/// events it wrote (and any still pending) before its `COMMIT`, so an event's channel offset
/// is made in the commit that makes the event — one durable commit instead of two, and no
/// hand-off to the relay loop. The channel events go to [`publish_inline`] in commit order
/// (the hook hears of commits under the writer's lock), which publishes each batch once its
/// commit is on disk, never before.
#[derive(Debug)]
pub struct Inline {
    /// What the transaction being committed relayed, until it is known to have committed.
    pending: Mutex<Vec<ChannelEvent>>,
    committed: mpsc::UnboundedSender<(Durable, Vec<ChannelEvent>)>,
}

impl Inline {
    /// The hook, and the receiver [`publish_inline`] takes.
    pub fn new() -> (
        Arc<Inline>,
        mpsc::UnboundedReceiver<(Durable, Vec<ChannelEvent>)>,
    ) {
        let (committed, rx) = mpsc::unbounded_channel();
        (
            Arc::new(Inline {
                pending: Mutex::new(Vec::new()),
                committed,
            }),
            rx,
        )
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<ChannelEvent>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl CommitHook for Inline {
    fn before_commit<'c>(
        &'c self,
        conn: &'c mut Conn,
    ) -> Pin<Box<dyn Future<Output = StorageResult<()>> + Send + 'c>> {
        Box::pin(async move {
            match relay_pending(conn, Backend::Sqlite).await? {
                Pending::Relayed(_, out) => {
                    *self.pending() = out;
                    Ok(())
                }
                // The transaction holds SQLite's write lock and read the cursor itself, so
                // another relay cannot move it; if one did, the loop relays later.
                Pending::Busy => Err(StorageError::Conflict("realtime_relay cursor moved".into())),
            }
        })
    }

    fn committed(&self, durable: Durable) {
        let out = std::mem::take(&mut *self.pending());
        if !out.is_empty() {
            // The receiver is gone only when real-time stopped: the events are in the
            // database, where subscribers find them.
            let _ = self.committed.send((durable, out));
        }
    }

    fn abandoned(&self) {
        self.pending().clear();
    }
}

/// Publishes what the commit hook relayed, in commit order, each batch once its commit is
/// durable.
pub async fn publish_inline(
    mut committed: mpsc::UnboundedReceiver<(Durable, Vec<ChannelEvent>)>,
    bus: Arc<Bus>,
) {
    while let Some((durable, events)) = committed.recv().await {
        match durable.wait().await {
            Ok(()) => bus.publish(events).await,
            // Not durable, so not sent: the server acknowledges no write any more either.
            Err(e) => {
                tracing::error!(error = %e, "relayed events not published: their commit could not be made durable")
            }
        }
    }
}

/// The channel an outbox event goes to: its store's, or the organisation's for events
/// without a store.
fn event_channel(record: &EventRecord) -> Channel {
    match record.store_id {
        Some(store) => Channel::Store(store),
        None => Channel::Org(record.org_id),
    }
}

async fn relay_one(
    tx: &mut chainsync_storage::Conn,
    record: &EventRecord,
    now: i64,
    appender: &mut Appender,
    notes: &mut Vec<NotificationRecord>,
    audiences: &mut HashMap<OrgId, Audience>,
    out: &mut Vec<ChannelEvent>,
) -> StorageResult<()> {
    let c = classify(&record.kind, &record.payload);
    let event_id = uuid::Uuid::now_v7().to_string();
    // Announcements name their store in the payload; other events in the outbox row.
    let store: Option<StoreId> = record.store_id;
    let mut body = json!({
        "id": event_id,
        "type": c.event_type.as_str(),
        "kind": record.kind,
        "priority": c.priority.as_str(),
        "title": c.title,
        "message": c.message,
        "data": record.payload,
        "store_id": store,
        "time": rfc3339(record.created_at),
    });
    let channel = event_channel(record);
    out.push(
        appender
            .append(
                tx,
                &channel.to_string(),
                record.org_id,
                &event_id,
                &body.to_string(),
                now,
            )
            .await?,
    );

    if c.audience == chainsync_domain::realtime::Audience::Nobody {
        return Ok(());
    }
    let audience = match audiences.entry(record.org_id) {
        std::collections::hash_map::Entry::Occupied(found) => found.into_mut(),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(audience_of(&mut *tx, record.org_id).await?)
        }
    };
    let at = chrono::DateTime::from_timestamp_millis(record.created_at).unwrap_or_default();
    for (recipient, prefs) in &audience.people {
        if !recipient.in_audience(c.audience, store) {
            continue;
        }
        let Decision::Notify { push } = prefs.decide(c.event_type, c.priority, store, at) else {
            continue;
        };
        let notification = NotificationRecord {
            id: uuid::Uuid::now_v7().to_string(),
            org_id: record.org_id,
            user_id: recipient.user_id,
            event_id: event_id.clone(),
            event_type: c.event_type.as_str().into(),
            kind: record.kind.clone(),
            priority: c.priority.as_str().into(),
            title: c.title.clone(),
            message: c.message.clone(),
            data: record.payload.to_string(),
            store_id: store,
            push,
            created_at: record.created_at,
            read_at: None,
        };
        body["notification"] = json!({
            "id": notification.id,
            "push": push,
            "browser": push && prefs.browser_notifications && c.priority == chainsync_domain::realtime::Priority::Critical,
        });
        notes.push(notification);
        out.push(
            appender
                .append(
                    tx,
                    &Channel::User(recipient.user_id).to_string(),
                    record.org_id,
                    &event_id,
                    &body.to_string(),
                    now,
                )
                .await?,
        );
    }
    Ok(())
}

/// The loop's step when the commit hook relays: a grouped write with nothing of its own,
/// whose commit runs the hook, when the outbox holds something (a write committed before the
/// hook was installed, one from another process, or one whose hook failed). An error when the
/// hook relayed nothing (it failed again; the writer logged why), so the loop backs off
/// instead of committing empty writes in a tight loop.
async fn step_through_hook(db: &Db) -> StorageResult<(Step, Vec<ChannelEvent>)> {
    let Some(before) = pending_after(db).await? else {
        return Ok((Step::Relayed(0), Vec::new()));
    };
    db.begin_grouped_write().await?.commit().await?;
    if history::relay_cursor(&mut *db.conn().await?).await? == before {
        return Err(StorageError::Conflict(
            "the commit hook relayed nothing; the relay loop will retry".into(),
        ));
    }
    Ok((Step::Advanced, Vec::new()))
}

/// Runs the relay until the process ends: woken by local writes (`poke`) and by a poll. On
/// SQLite it first installs [`Inline`] as the writer's commit hook and leaves the publishing
/// to [`publish_inline`]; the loop then only catches up.
pub async fn run(db: Db, bus: Arc<Bus>, poke: Arc<Notify>, poll: Duration) {
    let (inline, committed) = Inline::new();
    let hooked = db.set_commit_hook(Some(inline)).await;
    // In this task, so that stopping the relay stops the publishing too.
    let publisher = async {
        if hooked {
            publish_inline(committed, bus.clone()).await;
        }
    };
    tokio::join!(publisher, relay_loop(&db, &bus, &poke, poll, hooked));
}

async fn relay_loop(db: &Db, bus: &Bus, poke: &Notify, poll: Duration, hooked: bool) {
    loop {
        if hooked {
            // Commits relay their own events; pokes would only cost the loop a read each.
            tokio::time::sleep(poll).await;
        } else {
            tokio::select! {
                () = poke.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
        let mut busy_retries = 0;
        loop {
            let stepped = if hooked {
                step_through_hook(db).await
            } else {
                step(db).await
            };
            match stepped {
                Ok((Step::Relayed(0), _)) => break,
                Ok((Step::Advanced, _)) => {}
                Ok((Step::Relayed(_), events)) => bus.publish(events).await,
                Ok((Step::Busy, _)) => {
                    // Another process is relaying; it may have read the outbox before our
                    // write committed, so try again shortly rather than wait for the poll.
                    busy_retries += 1;
                    if busy_retries > 20 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "relay step failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chainsync_storage::testing::{TestBackend, fresh_db, insert_org};

    /// A commit hook that always fails, as a broken relay would.
    struct Failing;

    impl CommitHook for Failing {
        fn before_commit<'c>(
            &'c self,
            _conn: &'c mut Conn,
        ) -> Pin<Box<dyn Future<Output = StorageResult<()>> + Send + 'c>> {
            Box::pin(async { Err(StorageError::Conflict("broken on purpose".into())) })
        }
        fn committed(&self, _durable: Durable) {}
        fn abandoned(&self) {}
    }

    #[tokio::test]
    async fn the_loops_step_through_the_hook_backs_off_when_it_relays_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_db(TestBackend::Sqlite, dir.path()).await;
        let org = insert_org(&db, "R").await;
        assert!(db.set_commit_hook(Some(Arc::new(Failing))).await);
        let mut tx = db.begin_write().await.unwrap();
        events::append(&mut tx, org.id, None, "test.event", &json!({}), now_ms())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The event is pending and the hook cannot relay it: an error (the loop sleeps), not
        // progress (the loop would commit empty writes as fast as it could).
        assert!(step_through_hook(&db).await.is_err());

        let (inline, _published) = Inline::new();
        db.set_commit_hook(Some(inline)).await;
        assert_eq!(step_through_hook(&db).await.unwrap().0, Step::Advanced);
        assert_eq!(step_through_hook(&db).await.unwrap().0, Step::Relayed(0));
    }
}
