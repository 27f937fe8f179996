//! Background checkpoints of SQLite's write-ahead log, so that copying pages into the database
//! file does not stop every write.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that crosses its threshold, on the
//! writer connection, with the write lock held: every write queued behind that commit waited
//! for thousands of pages to be copied and for the database file's `fsync`. That was the
//! checkout's p99 tail (docs/performance.md). Here a task with a connection of its own runs a
//! `PASSIVE` checkpoint every [`PERIOD`], copying pages while writes go on.
//!
//! A passive checkpoint cannot finish while writes keep appending frames, and the log restarts
//! from its beginning only after every frame in it was copied. So when the log holds
//! [`RESTART_AT`] frames or more, the task pauses writing (any open batch of grouped writes is
//! committed first) for one more pass: it copies only what was written during the pass just
//! made, and the next write restarts the log. The writer keeps SQLite's automatic checkpoint as
//! a backstop ([`BACKSTOP_PAGES`]), should this task ever stop.
//!
//! Invariant: writing is paused only for a pass over the frames written since the previous
//! pass, never for the whole log.

use crate::writer::WeakWriter;
use sqlx::{AnyConnection, Row};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the log is checkpointed while the database is being written.
pub(crate) const PERIOD: Duration = Duration::from_millis(100);
/// Frames in the log (4 KiB each) from which the checkpoint pauses writing to finish, so that the
/// log restarts instead of growing.
pub(crate) const RESTART_AT: i64 = 4_000;
/// SQLite's own automatic checkpoint on every connection, in pages: a backstop far above what
/// this task lets the log reach.
pub(crate) const BACKSTOP_PAGES: u32 = 100_000;

/// The log's state after a pass.
#[derive(Debug, Clone, Copy)]
struct Pass {
    /// Frames in the log.
    log: i64,
    /// Frames of it now copied into the database file.
    copied: i64,
}

async fn passive(conn: &mut AnyConnection) -> Result<Pass, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *conn)
        .await?;
    Ok(Pass {
        log: row.try_get(1)?,
        copied: row.try_get(2)?,
    })
}

/// Checkpoints the log of `writer`'s database on `conn` until the writer is closed or dropped.
pub(crate) fn spawn(mut conn: AnyConnection, writer: WeakWriter) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = Pass { log: 0, copied: 0 };
        loop {
            tick.tick().await;
            let Some(writer) = writer.upgrade() else {
                break;
            };
            if writer.is_closed() {
                break;
            }
            let mut pass = match passive(&mut conn).await {
                Ok(pass) => pass,
                Err(e) => {
                    tracing::warn!(error = %e, "background checkpoint of the SQLite log failed; SQLite's own checkpoint remains");
                    continue;
                }
            };
            if pass.log >= RESTART_AT {
                let paused = writer.pause().await;
                match passive(&mut conn).await {
                    Ok(last_pass) => pass = last_pass,
                    Err(e) => {
                        tracing::warn!(error = %e, "final checkpoint pass of the SQLite log failed")
                    }
                }
                drop(paused);
            }
            // Count the passes that had something to copy.
            if pass.copied > 0 && (pass.log, pass.copied) != (last.log, last.copied) {
                writer
                    .counters()
                    .checkpoints
                    .fetch_add(1, Ordering::Relaxed);
            }
            last = pass;
        }
        let _ = sqlx::Connection::close(conn).await;
    });
}
