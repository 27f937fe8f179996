//! Group commit for SQLite's writer connection: acknowledged commits are durable, with one
//! `fsync` of the write-ahead log shared by every commit that finished while the previous one
//! ran.
//!
//! The writer connection runs with `synchronous=NORMAL`, so `COMMIT` appends the transaction's
//! frames to the WAL without waiting for the disk and the write gate is free for the next
//! transaction at once. [`GroupSync::durable`] then waits until an `fsync` of the WAL that
//! started after this commit has finished; the first waiter to find no `fsync` running starts
//! one, and it covers every commit made before it started. Linux flushes a file's dirty pages
//! on `fsync` whichever descriptor wrote them, so syncing the WAL by its path covers the frames
//! SQLite wrote. A WAL that no longer exists was checkpointed into the database file, which
//! SQLite syncs itself, so there is nothing left to make durable.
//!
//! Invariant: [`GroupSync::durable`] returns `Ok` only after every commit that called it has
//! been followed by a completed `fsync` of the WAL; the caller acknowledges the write only
//! then, which is what `synchronous=FULL` guaranteed one `fsync` per commit.
//!
//! The difference from `synchronous=FULL`: a commit is visible to other connections' reads
//! from `COMMIT` on, up to one `fsync` (about a millisecond) before it is durable. A power cut
//! in that window can lose a write that a report already showed but whose writer was never
//! answered (a till resends it; sales are idempotent). Nothing derived from it by another write
//! can outlive it: a later commit's `fsync` covers every frame written before it, so the
//! real-time relay, which publishes only after its own durable commit, never sends an event
//! whose source could be lost. A `kill -9` loses nothing: the frames are in the kernel.
//!
//! A failed `fsync` fails its commits and every later one until the process restarts (see
//! `poisoned`): after such a failure a later `fsync` could succeed without the data being on
//! disk, so success would no longer mean durable.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::watch;

/// An `fsync` of the WAL slower than this is logged: every commit waiting for it (and every
/// event waiting to be published) waited that long, and the cause is below the server (the
/// disk, or other writes the file system flushes with it).
const SLOW_SYNC: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Debug)]
pub(crate) struct GroupSync {
    wal: PathBuf,
    state: Mutex<State>,
    /// The number of commits known durable; waiters watch it grow.
    synced: watch::Sender<u64>,
    /// `fsync`s run so far (fewer than commits when commits share them).
    syncs: AtomicU64,
    /// An `fsync` failed. After a failed `fsync` Linux may mark the unwritten pages clean, so a
    /// later `fsync` can succeed without the data being on disk; like PostgreSQL, nothing is
    /// acknowledged as durable after that until the process restarts (SQLite then recovers
    /// from the WAL).
    poisoned: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// Commits that asked for durability so far (each takes the next number).
    committed: u64,
    /// An `fsync` is running.
    running: bool,
}

impl GroupSync {
    /// Group commit for the SQLite database file `database` (its WAL is `<database>-wal`).
    pub(crate) fn new(database: &std::path::Path) -> Arc<GroupSync> {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        Arc::new(GroupSync {
            wal: PathBuf::from(wal),
            state: Mutex::new(State::default()),
            synced: watch::Sender::new(0),
            syncs: AtomicU64::new(0),
            poisoned: AtomicBool::new(false),
        })
    }

    /// Returns once the commit that just finished on the writer connection is on disk.
    pub(crate) async fn durable(self: &Arc<Self>) -> std::io::Result<()> {
        let ticket = self.register();
        self.wait(ticket).await
    }

    /// Registers the commit that just finished on the writer connection; [`GroupSync::wait`]
    /// with the ticket returns once it is on disk. Registering under the writer's lock, right
    /// after `COMMIT`, lets a waiter that is not the committing task share the `fsync` of the
    /// commits around it.
    pub(crate) fn register(&self) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.committed += 1;
        state.committed
    }

    /// Returns once the commit registered as `ticket` is on disk.
    pub(crate) async fn wait(self: &Arc<Self>, ticket: u64) -> std::io::Result<()> {
        let mut synced = self.synced.subscribe();
        loop {
            if self.poisoned.load(Ordering::Acquire) {
                return Err(std::io::Error::other(
                    "an earlier fsync of the WAL failed: writes cannot be made durable until the server restarts",
                ));
            }
            if *synced.borrow_and_update() >= ticket {
                return Ok(());
            }
            let lead = {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                if state.running {
                    None
                } else {
                    state.running = true;
                    // Every commit numbered up to here finished before this sync starts.
                    Some(state.committed)
                }
            };
            match lead {
                Some(covered) => {
                    // Hands the lead back even when this future is dropped mid-sync (a client
                    // that disconnected): the others must not wait for a sync nobody runs.
                    let lead = Lead(self);
                    let wal = self.wal.clone();
                    let started = std::time::Instant::now();
                    let result = tokio::task::spawn_blocking(move || sync_file(&wal))
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                    let took = started.elapsed();
                    if took >= SLOW_SYNC {
                        tracing::warn!(
                            ms = took.as_millis() as u64,
                            wal = %self.wal.display(),
                            "slow fsync of the SQLite WAL: the commits waiting for it waited as long"
                        );
                    }
                    match &result {
                        Ok(()) => {
                            self.syncs.fetch_add(1, Ordering::Relaxed);
                            self.synced.send_modify(|s| *s = (*s).max(covered));
                        }
                        Err(e) => {
                            tracing::error!(error = %e, wal = %self.wal.display(), "fsync of the SQLite WAL failed: no write will be acknowledged until the server restarts");
                            self.poisoned.store(true, Ordering::Release);
                        }
                    }
                    // Wakes the others: done, or failed for good.
                    drop(lead);
                    result?;
                }
                None => {
                    if synced.changed().await.is_err() {
                        return Err(std::io::Error::other("group sync stopped"));
                    }
                }
            }
        }
    }
}

/// The running sync's lead: released (and the waiters woken) when dropped.
struct Lead<'a>(&'a GroupSync);

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .running = false;
        self.0.synced.send_modify(|_| {});
    }
}

fn sync_file(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(file) => file.sync_data(),
        // Checkpointed and removed: its content is in the database file, synced by SQLite.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_waiter_returns_after_a_sync_and_syncs_are_shared() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        let group = GroupSync::new(&db);
        let waiters: Vec<_> = (0..64)
            .map(|_| {
                let group = group.clone();
                tokio::spawn(async move { group.durable().await })
            })
            .collect();
        for waiter in waiters {
            waiter.await.unwrap().unwrap();
        }
        assert_eq!(*group.synced.borrow(), 64, "every commit is covered");
        let syncs = group.syncs.load(Ordering::Relaxed);
        // 64 commits arrive within microseconds of each other; an fsync takes far longer, so
        // all but the first few wait for a shared one.
        assert!((1..=32).contains(&syncs), "{syncs} syncs for 64 commits");
        assert!(!group.state.lock().unwrap().running);
    }

    #[tokio::test]
    async fn a_missing_wal_has_nothing_left_to_sync() {
        let dir = tempfile::tempdir().unwrap();
        let group = GroupSync::new(&dir.path().join("gone.db"));
        group.durable().await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_sync_fails_this_commit_and_every_later_one() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the WAL should be: opening it for writing fails.
        std::fs::create_dir(dir.path().join("x.db-wal")).unwrap();
        let group = GroupSync::new(&dir.path().join("x.db"));
        assert!(group.durable().await.is_err());
        assert_eq!(*group.synced.borrow(), 0);
        // The WAL is writable again, but pages lost by the failed fsync may now look clean:
        // nothing is acknowledged as durable any more.
        std::fs::remove_dir(dir.path().join("x.db-wal")).unwrap();
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        assert!(group.durable().await.is_err());
    }
}
