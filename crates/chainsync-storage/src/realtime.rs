//! Channel histories for the real-time hub: per-channel epochs and contiguous offsets, kept in
//! the database so any server process can replay them, including after another one died.
//!
//! Terms: a **channel head** holds a channel's `epoch` (an opaque string fixed when the head is
//! created) and the last offset given out. A **channel event** is one event at one offset.
//! The **relay cursor** is the outbox [`Position`] the relay has turned into channel events.
//!
//! Invariants:
//! - Offsets of a channel are 1, 2, 3 ... without holes: only the relay appends, inside one
//!   transaction that also advances the relay cursor, and relays are serialised (SQLite's single
//!   writer; on PostgreSQL an advisory transaction lock, and the cursor update is conditional on
//!   the cursor it read, so a second relay can never commit the same outbox rows twice).
//! - History is pruned only from the front, so what remains of a channel is a contiguous range
//!   `first..=last_offset`.

use crate::batch::Batch;
use crate::events::Position;
use crate::sql::{Arg, Sql};
use crate::{Backend, Conn, StorageResult};
use chainsync_domain::ids::{OrgId, StoreId, UserId};
use sqlx::Row;
use std::collections::HashMap;

/// Key of the PostgreSQL advisory lock the relay holds while it works ("CSRELAY1").
const RELAY_LOCK: i64 = 0x4353_5245_4c41_5931;

/// Takes the relay lock for the current transaction; `false` when another process holds it.
/// On SQLite the write transaction itself is the lock.
pub async fn try_lock_relay(tx: &mut Conn, backend: Backend) -> StorageResult<bool> {
    match backend {
        Backend::Sqlite => Ok(true),
        Backend::Postgres => {
            let row = sqlx::query(
                "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END AS got",
            )
            .bind(RELAY_LOCK)
            .fetch_one(tx)
            .await?;
            Ok(row.try_get::<i32, _>("got")? == 1)
        }
    }
}

/// Where the relay is in the outbox.
pub async fn relay_cursor(conn: &mut Conn) -> StorageResult<Position> {
    let row = sqlx::query("SELECT outbox_tx, outbox_id FROM realtime_relay WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok(Position {
        tx: row.try_get("outbox_tx")?,
        id: row.try_get("outbox_id")?,
    })
}

/// Moves the relay cursor from `from` to `to`; `false` (change nothing, roll back) when the
/// cursor is no longer at `from` because another relay got there first.
pub async fn advance_relay(
    tx: &mut Conn,
    from: Position,
    to: Position,
    now: i64,
) -> StorageResult<bool> {
    let done = sqlx::query(
        "UPDATE realtime_relay SET outbox_tx = $1, outbox_id = $2, updated_at = $3 \
         WHERE id = 1 AND outbox_tx = $4 AND outbox_id = $5",
    )
    .bind(to.tx)
    .bind(to.id)
    .bind(now)
    .bind(from.tx)
    .bind(from.id)
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// SQLite only: queues the move of the relay cursor to `to` in `batch`, unconditionally.
/// Only for a relay that read the outbox with [`Appender::read_relay_batch`] in
/// the same write transaction (which no other writer can interleave with on SQLite).
pub fn queue_advance_relay(batch: &mut Batch, to: Position, now: i64) {
    let mut update = Sql::new("UPDATE realtime_relay SET outbox_tx = ");
    update
        .bind(Arg::Int(to.tx))
        .push(", outbox_id = ")
        .bind(Arg::Int(to.id))
        .push(", updated_at = ")
        .bind(Arg::Int(now))
        .push(" WHERE id = 1");
    batch.push(update);
}

/// A channel's identity and its newest offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub epoch: String,
    pub last_offset: i64,
}

/// The head of `channel`, if any event was ever appended or anyone subscribed.
pub async fn head(conn: &mut Conn, channel: &str) -> StorageResult<Option<Head>> {
    let row = sqlx::query("SELECT epoch, last_offset FROM channel_heads WHERE channel = $1")
        .bind(channel)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(Head {
            epoch: r.try_get("epoch")?,
            last_offset: r.try_get("last_offset")?,
        })
    })
    .transpose()
}

/// Creates the head of `channel` at offset 0 if it does not exist (the epoch must be fixed
/// before a subscriber can be told it), and returns it.
pub async fn ensure_head(
    conn: &mut Conn,
    channel: &str,
    org: OrgId,
    now: i64,
) -> StorageResult<Head> {
    if let Some(head) = head(&mut *conn, channel).await? {
        return Ok(head);
    }
    sqlx::query(
        "INSERT INTO channel_heads (channel, org_id, epoch, last_offset, created_at) \
         VALUES ($1, $2, $3, 0, $4) ON CONFLICT (channel) DO NOTHING",
    )
    .bind(channel)
    .bind(org.to_string())
    .bind(uuid::Uuid::now_v7().simple().to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    head(conn, channel)
        .await?
        .ok_or_else(|| crate::error::corrupt("channel head vanished after insert"))
}

/// One event at one offset of one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelEvent {
    pub channel: String,
    pub epoch: String,
    pub offset: i64,
    pub event_id: String,
    /// The event object as clients receive it (JSON text).
    pub body: String,
    pub created_at: i64,
}

/// Appends events to channels within the relay's transaction, keeping each channel's head in
/// memory for the batch. The rows are written in [`Appender::finish`], with the new heads, as
/// one statement batch.
#[derive(Debug, Default)]
pub struct Appender {
    heads: HashMap<String, Head>,
    /// `(channel, offset, event id, body, time)` of every appended event, in order.
    rows: Vec<(String, i64, String, String, i64)>,
}

/// Channel events per `INSERT` (5 values each: far below both backends' bind limits).
const ROWS_PER_INSERT: usize = 500;

impl Appender {
    /// Loads the heads of `channels` that exist in one query, so that appending to them needs
    /// no query of its own: a relay step touching 200 store channels made 200 of them, each a
    /// network round trip on PostgreSQL and a hand-off to the connection's thread on SQLite.
    pub async fn preload(&mut self, tx: &mut Conn, channels: &[String]) -> StorageResult<()> {
        if channels.is_empty() {
            return Ok(());
        }
        // One fixed text whatever the number of channels, so it stays prepared.
        let names = serde_json::to_string(channels).map_err(crate::error::corrupt)?;
        let sql = match crate::Backend::of(tx) {
            crate::Backend::Postgres => {
                "SELECT channel, epoch, last_offset FROM channel_heads \
                 WHERE channel IN (SELECT jsonb_array_elements_text($1::jsonb))"
            }
            crate::Backend::Sqlite => {
                "SELECT channel, epoch, last_offset FROM channel_heads \
                 WHERE channel IN (SELECT value FROM json_each($1))"
            }
        };
        let rows = sqlx::query(sql).bind(names).fetch_all(&mut *tx).await?;
        for r in rows {
            self.heads.insert(
                r.try_get("channel")?,
                Head {
                    epoch: r.try_get("epoch")?,
                    last_offset: r.try_get("last_offset")?,
                },
            );
        }
        Ok(())
    }

    /// SQLite only: up to `limit` events after the relay cursor (`realtime_relay`), the cursor
    /// read by the same statement, and the heads of the channels those events go to, as
    /// [`Appender::preload`] would load them: **one** statement, because the relay's commit
    /// hook runs in every write transaction and each statement there is a hand-off to the
    /// connection's thread under the write lock. Inside a write transaction, which holds
    /// SQLite's one write lock from `BEGIN IMMEDIATE`, no one else can move the cursor or
    /// commit an event until it ends, so the relay needs neither a separate cursor read nor a
    /// conditional cursor update (see [`queue_advance_relay`]).
    ///
    /// An event goes to its store's channel (`store:<id>`), or to its organisation's
    /// (`org:<id>`) when it names no store: the channel names of `chainsync_domain`'s
    /// `Channel`, spelled out in SQL here (a test holds the two together). A channel with no
    /// head yet is not loaded; [`Appender::append`] creates it.
    pub async fn read_relay_batch(
        &mut self,
        tx: &mut Conn,
        limit: u32,
    ) -> StorageResult<Vec<crate::events::EventRecord>> {
        // The limit is in the text, not bound: see `Sql::limit` (this runs in every commit).
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT e.id, 0 AS tx_xid, e.org_id, e.store_id, e.kind, e.payload, e.created_at, \
             h.channel AS head_channel, h.epoch AS head_epoch, h.last_offset AS head_offset \
             FROM domain_events e LEFT JOIN channel_heads h ON h.channel = \
             CASE WHEN e.store_id IS NULL THEN 'org:' || e.org_id ELSE 'store:' || e.store_id END \
             WHERE e.id > (SELECT outbox_id FROM realtime_relay WHERE id = 1) ORDER BY e.id LIMIT {limit}"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            // Every event of a channel carries the same head: keep the first, and never one
            // this appender already holds (it may have appended past the database's).
            if let Some(channel) = row.try_get::<Option<String>, _>("head_channel")?
                && !self.heads.contains_key(&channel)
            {
                let head = Head {
                    epoch: row.try_get("head_epoch")?,
                    last_offset: row.try_get("head_offset")?,
                };
                self.heads.insert(channel, head);
            }
            events.push(crate::events::record_from_row(row)?);
        }
        Ok(events)
    }

    /// Appends `body` to `channel` at the next offset (written by [`Appender::finish`]).
    pub async fn append(
        &mut self,
        tx: &mut Conn,
        channel: &str,
        org: OrgId,
        event_id: &str,
        body: &str,
        now: i64,
    ) -> StorageResult<ChannelEvent> {
        if !self.heads.contains_key(channel) {
            let head = ensure_head(&mut *tx, channel, org, now).await?;
            self.heads.insert(channel.to_owned(), head);
        }
        let head = self
            .heads
            .get_mut(channel)
            .ok_or_else(|| crate::error::corrupt("head missing"))?;
        head.last_offset += 1;
        self.rows.push((
            channel.to_owned(),
            head.last_offset,
            event_id.to_owned(),
            body.to_owned(),
            now,
        ));
        Ok(ChannelEvent {
            channel: channel.to_owned(),
            epoch: head.epoch.clone(),
            offset: head.last_offset,
            event_id: event_id.to_owned(),
            body: body.to_owned(),
            created_at: now,
        })
    }

    /// Writes the appended events and the new heads, after whatever `batch` already holds.
    ///
    /// On SQLite: one batch, events in multi-row inserts. On PostgreSQL: fixed-text
    /// statements run one after another — every event in one insert and every head in one
    /// update, their rows passed as one JSON parameter (`jsonb_to_recordset`) — because a
    /// statement whose text changed with the number of rows would be parsed and planned
    /// afresh (measured: publishing ~6 % slower as one varying statement), while fixed texts
    /// stay prepared on the connection.
    pub async fn finish(self, tx: &mut Conn, mut batch: Batch) -> StorageResult<()> {
        let postgres = crate::Backend::of(tx) == crate::Backend::Postgres;
        if postgres {
            push_postgres_rows(&mut batch, &self.rows, &self.heads)?;
            batch.execute_each(tx).await?;
            return Ok(());
        }
        for chunk in self.rows.chunks(ROWS_PER_INSERT) {
            let mut insert = Sql::new(
                "INSERT INTO channel_events (channel, seq, event_id, body, created_at) VALUES ",
            );
            for (n, (channel, seq, event_id, body, at)) in chunk.iter().enumerate() {
                insert.bind_row(
                    n == 0,
                    [
                        Arg::Text(channel.clone()),
                        Arg::Int(*seq),
                        Arg::Text(event_id.clone()),
                        Arg::Text(body.clone()),
                        Arg::Int(*at),
                    ],
                );
            }
            batch.push(insert);
        }
        for (channel, head) in self.heads {
            let mut update = Sql::new("UPDATE channel_heads SET last_offset = ");
            update
                .bind(Arg::Int(head.last_offset))
                .push(" WHERE channel = ")
                .bind(Arg::Text(channel));
            batch.push(update);
        }
        batch.execute(tx).await?;
        Ok(())
    }
}

/// PostgreSQL: the appended events as one insert and the new heads as one update, each with
/// its rows as one JSON parameter.
fn push_postgres_rows(
    batch: &mut Batch,
    rows: &[(String, i64, String, String, i64)],
    heads: &HashMap<String, Head>,
) -> StorageResult<()> {
    if !rows.is_empty() {
        let events: Vec<serde_json::Value> = rows
            .iter()
            .map(|(channel, seq, event_id, body, at)| {
                serde_json::json!({ "channel": channel, "seq": seq, "event_id": event_id, "body": body, "created_at": at })
            })
            .collect();
        let mut insert = Sql::new(
            "INSERT INTO channel_events (channel, seq, event_id, body, created_at) \
             SELECT channel, seq, event_id, body, created_at FROM jsonb_to_recordset(",
        );
        insert
            .bind(Arg::Text(
                serde_json::to_string(&events).map_err(crate::error::corrupt)?,
            ))
            .push(
                "::jsonb) AS r(channel TEXT, seq BIGINT, event_id TEXT, body TEXT, created_at BIGINT)",
            );
        batch.push(insert);
    }
    if !heads.is_empty() {
        let moved: Vec<serde_json::Value> = heads
            .iter()
            .map(|(channel, head)| serde_json::json!({ "channel": channel, "last_offset": head.last_offset }))
            .collect();
        let mut update = Sql::new(
            "UPDATE channel_heads AS h SET last_offset = r.last_offset \
             FROM jsonb_to_recordset(",
        );
        update
            .bind(Arg::Text(
                serde_json::to_string(&moved).map_err(crate::error::corrupt)?,
            ))
            .push("::jsonb) AS r(channel TEXT, last_offset BIGINT) WHERE h.channel = r.channel");
        batch.push(update);
    }
    Ok(())
}

/// Events of `channel` with offsets in `from..=to`, in order, at most `limit`.
pub async fn read_range(
    conn: &mut Conn,
    channel: &str,
    epoch: &str,
    from: i64,
    to: i64,
    limit: u32,
) -> StorageResult<Vec<ChannelEvent>> {
    // The limit is in the text, not bound: see `Sql::limit`.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT seq, event_id, body, created_at FROM channel_events \
         WHERE channel = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT {limit}"
    )))
    .bind(channel)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChannelEvent {
                channel: channel.to_owned(),
                epoch: epoch.to_owned(),
                offset: r.try_get("seq")?,
                event_id: r.try_get("event_id")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Newest offsets of these channels (channels without a head are left out).
pub async fn heads_of(conn: &mut Conn, channels: &[String]) -> StorageResult<Vec<(String, Head)>> {
    let mut out = Vec::with_capacity(channels.len());
    for chunk in channels.chunks(200) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT channel, epoch, last_offset FROM channel_heads WHERE channel IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for channel in chunk {
            query = query.bind(channel);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.push((
                r.try_get("channel")?,
                Head {
                    epoch: r.try_get("epoch")?,
                    last_offset: r.try_get("last_offset")?,
                },
            ));
        }
    }
    Ok(out)
}

/// Deletes history that is both older than `older_than` and beyond the newest `keep_events` of
/// its channel, and anything beyond the newest `max_events` whatever its age. Returns the
/// number of rows deleted.
pub async fn prune(
    conn: &mut Conn,
    older_than: i64,
    keep_events: i64,
    max_events: i64,
) -> StorageResult<u64> {
    let done = sqlx::query(
        "DELETE FROM channel_events WHERE \
           (created_at < $1 AND seq <= (SELECT h.last_offset - $2 FROM channel_heads h WHERE h.channel = channel_events.channel)) \
           OR seq <= (SELECT h.last_offset - $3 FROM channel_heads h WHERE h.channel = channel_events.channel)",
    )
    .bind(older_than)
    .bind(keep_events)
    .bind(max_events)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Someone who may receive notifications in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    pub user_id: UserId,
    pub is_org_admin: bool,
    /// The stores they manage.
    pub managed: Vec<StoreId>,
    /// Their saved notification preferences (JSON), if they saved any.
    pub preferences: Option<String>,
}

/// The people who may receive notifications in `org`: active admins and managers, with the
/// stores they manage and their saved preferences, in one statement.
pub async fn recipients(conn: &mut Conn, org: OrgId) -> StorageResult<Vec<RecipientRow>> {
    let rows = sqlx::query(
        "SELECT u.id, u.is_org_admin, m.store_id, p.body AS preferences FROM users u \
         LEFT JOIN memberships m ON m.user_id = u.id AND m.role = 'manager' \
         LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.org_id = u.org_id \
         WHERE u.org_id = $1 AND u.active = 1 AND (u.is_org_admin = 1 OR m.store_id IS NOT NULL) \
         ORDER BY u.id",
    )
    .bind(org.to_string())
    .fetch_all(conn)
    .await?;
    let mut out: Vec<RecipientRow> = Vec::new();
    for r in &rows {
        let id: UserId = r
            .try_get::<String, _>("id")?
            .parse()
            .map_err(crate::error::corrupt)?;
        let admin = r.try_get::<i64, _>("is_org_admin")? == 1;
        let store: Option<StoreId> = r
            .try_get::<Option<String>, _>("store_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(crate::error::corrupt)?;
        match out.last_mut() {
            Some(last) if last.user_id == id => last.managed.extend(store),
            _ => out.push(RecipientRow {
                user_id: id,
                is_org_admin: admin,
                managed: store.into_iter().collect(),
                preferences: r.try_get("preferences")?,
            }),
        }
    }
    Ok(out)
}
