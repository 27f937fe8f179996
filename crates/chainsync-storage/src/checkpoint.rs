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
//! A pass runs only once the log holds [`PASS_AT`] frames not yet copied (or, when writes
//! are rare, [`IDLE_PASS`] after the last one): a pass that copies the whole log makes the next
//! write restart it, and restarting writes a new log header and `fsync`s it inside that write's
//! `COMMIT`, with the write lock held (0.75–2 ms here). Passing every [`PERIOD`] whatever the
//! log held made almost every commit of a lightly loaded server a restart: the real-time
//! path's floor (docs/performance.md, "Real-time"). The task reads how many frames are
//! waiting from the wal-index header in the `-shm` file, whose layout SQLite documents
//! (<https://www.sqlite.org/walformat.html>, "The WAL-Index Header"); if it cannot, it passes
//! every [`PERIOD`] as before.
//!
//! Invariant: writing is paused only for a pass over the frames written since the previous
//! pass, never for the whole log.

use crate::writer::WeakWriter;
use sqlx::{AnyConnection, Row};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How often the log is checkpointed while the database is being written.
pub(crate) const PERIOD: Duration = Duration::from_millis(100);
/// Frames in the log (4 KiB each) from which the checkpoint pauses writing to finish, so that the
/// log restarts instead of growing.
pub(crate) const RESTART_AT: i64 = 4_000;
/// SQLite's own automatic checkpoint on every connection, in pages: a backstop far above what
/// this task lets the log reach.
pub(crate) const BACKSTOP_PAGES: u32 = 100_000;
/// Frames waiting in the log (4 KiB each) from which a pass runs at the next tick.
pub(crate) const PASS_AT: u32 = 1_000;
/// When fewer frames wait, the longest the task leaves them before a pass.
pub(crate) const IDLE_PASS: Duration = Duration::from_secs(10);

/// Frames in the log not yet copied into the database file, from the wal-index header at the
/// start of `shm`: `mxFrame` (the last valid frame) at byte 16 and `nBackfill` (frames
/// copied) at byte 96, both in native byte order. `None` when the file cannot be read. The
/// header may be read while a writer updates it: the figure only decides when to pass.
fn waiting_frames(shm: &Path) -> Option<u32> {
    let mut header = [0u8; 100];
    std::fs::File::open(shm)
        .ok()?
        .read_exact(&mut header)
        .ok()?;
    let word = |at: usize| {
        u32::from_ne_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    Some(word(16).saturating_sub(word(96)))
}

/// The `-shm` file of the database file `database`.
pub(crate) fn shm_of(database: &Path) -> PathBuf {
    let mut shm = database.as_os_str().to_owned();
    shm.push("-shm");
    PathBuf::from(shm)
}

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

/// Checkpoints the log of `writer`'s database (the file `database`) on `conn` until the
/// writer is closed or dropped.
pub(crate) fn spawn(mut conn: AnyConnection, writer: WeakWriter, database: &Path) {
    let shm = shm_of(database);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = Pass { log: 0, copied: 0 };
        let mut last_pass = Instant::now();
        loop {
            tick.tick().await;
            let Some(writer) = writer.upgrade() else {
                break;
            };
            if writer.is_closed() {
                break;
            }
            let due = match waiting_frames(&shm) {
                Some(0) => false,
                Some(waiting) => waiting >= PASS_AT || last_pass.elapsed() >= IDLE_PASS,
                None => true,
            };
            if !due {
                continue;
            }
            last_pass = Instant::now();
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// The offsets read from the wal-index header are SQLite's: frames written show as waiting,
    /// and a checkpoint that copies them all leaves none.
    #[tokio::test]
    async fn waiting_frames_follow_writes_and_checkpoints() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x TEXT);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let before = waiting_frames(&shm_of(&file)).expect("the -shm file is readable");
        for _ in 0..20 {
            sqlx::query("INSERT INTO t (x) VALUES ($1)")
                .bind("y".repeat(3000))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let after = waiting_frames(&shm_of(&file)).unwrap();
        // Each insert commits at least one page of its own (3,000 bytes to a 4 KiB page).
        assert!(after >= before + 20, "{before} -> {after}");
        let pass = passive(&mut conn).await.unwrap();
        assert_eq!(
            pass.log, pass.copied,
            "a lone connection's pass copies everything"
        );
        assert_eq!(i64::from(after), pass.log);
        assert_eq!(waiting_frames(&shm_of(&file)), Some(0));
        assert_eq!(waiting_frames(&dir.path().join("missing-shm")), None);
    }
}
