//! SQLite's one writer connection, and write transactions that share a commit.
//!
//! SQLite has one writer at a time. Inside one process every write transaction runs on one
//! connection that no read uses (so its page cache survives from one write to the next: a
//! connection's cache is dropped whenever another connection wrote), behind an async lock,
//! instead of all taking SQLite's lock at once and sleeping in its busy handler. Other
//! processes on the same file still wait through `busy_timeout`.
//!
//! **Grouped transactions.** A short write that may share its commit (a sale, a return, the
//! real-time relay's step) runs as a savepoint inside a batch transaction that stays open while
//! more such writes are queued for the lock: `BEGIN IMMEDIATE` by the first, `SAVEPOINT` /
//! `RELEASE` around each, one `COMMIT` for all. A commit writes every page the batch changed to
//! the write-ahead log once, so the pages the writes share (the newest leaves of the sales,
//! movements, mutations and events indexes) are written once per batch instead of once per
//! write, and `BEGIN` and `COMMIT` are paid once. Each write is still all or nothing: one that
//! fails rolls back to its savepoint and leaves the others' writes in the batch.
//!
//! Invariants:
//! - A grouped write's `commit` returns `Ok` only after the batch holding it committed; the
//!   caller acknowledges only then, as with a transaction of its own. If the batch fails to
//!   commit, every write in it gets the error (none was acknowledged).
//! - A batch is committed by the write that leaves no one queued for the lock, or that finds
//!   it holding [`MAX_MEMBERS`] writes or older than [`MAX_AGE`]; by a plain transaction before
//!   it begins; by a grouped write that rolls back; or, if the queued task went away without
//!   taking the lock, by a waiting member itself after [`ORPHAN_WAIT`] (and by a task of its
//!   own if that member's wait is cancelled, as is a dropped write's). So a batch never waits
//!   for work that is not grouped, and never stays open (holding SQLite's write lock) once no
//!   one is left to commit it.
//! - What a transaction dropped without commit or rollback left behind (its savepoint, or its
//!   whole transaction) is undone before the connection runs anything else.
//! - Code holding a write transaction never opens a second one in the same task (it would wait
//!   for itself).
//!
//! **Commit hook.** A [`CommitHook`] (the real-time relay installs one) runs inside every
//! transaction of the writer, grouped batch or plain, right before its `COMMIT`, in a savepoint
//! of its own: what it writes commits with the transaction, and if it fails only its own
//! writes are undone. It is told, under the writer's lock and so in commit order, whether the
//! transaction committed; a [`Durable`] handle then says when that commit is on disk. The
//! relay uses it to give an outbox event its channel offset in the commit that wrote the
//! event: one durable commit per event instead of two.
//!
//! **Round trips.** Every statement is a hand-off to sqlx's SQLite worker thread and back
//! (two context switches, serial under the lock), so the writer's own control statements
//! travel together: a batch's first member sends `BEGIN IMMEDIATE` with its `SAVEPOINT`; the
//! member that commits the batch sends its `RELEASE` with the hook's `SAVEPOINT`; a hook that
//! succeeded is released by the `COMMIT`'s own round trip. A write made only of statements
//! whose results nobody reads ([`Writer::write_grouped`], behind `Db::write_batch`) sends its
//! savepoint, its statements and its release as one text: one round trip for the whole write.

use crate::group_sync::GroupSync;
use sqlx::AnyConnection;
use sqlx::{Connection, Executor};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// The most writes one batch holds before it commits.
pub(crate) const MAX_MEMBERS: u32 = 64;
/// The oldest a batch gets before a member commits it: bounds what the first write of a busy
/// batch waits for its answer.
pub(crate) const MAX_AGE: Duration = Duration::from_millis(4);
/// How long a member waits for someone else to commit its batch before it takes the lock and
/// commits the batch itself (the task that was queued may have been cancelled).
pub(crate) const ORPHAN_WAIT: Duration = Duration::from_millis(20);

const SAVEPOINT: &str = "SAVEPOINT chainsync_grouped";
/// A batch's first member opens the batch and its own savepoint in one round trip.
const BEGIN_GROUPED: &str = "BEGIN IMMEDIATE; SAVEPOINT chainsync_grouped";
/// The member that commits its batch releases its savepoint and opens the hook's in one.
const RELEASE_INTO_HOOK: &str = "RELEASE chainsync_grouped; SAVEPOINT chainsync_hook";
const RELEASE: &str = "RELEASE chainsync_grouped";
const ROLLBACK_TO: &str = "ROLLBACK TO chainsync_grouped; RELEASE chainsync_grouped";
const HOOK_SAVEPOINT: &str = "SAVEPOINT chainsync_hook";
const HOOK_ROLLBACK_TO: &str = "ROLLBACK TO chainsync_hook; RELEASE chainsync_hook";
/// A hook that succeeded is released and the transaction committed in one round trip.
const HOOK_RELEASE_COMMIT: &str = "RELEASE chainsync_hook; COMMIT";

/// Work that runs in every write transaction of the writer right before its `COMMIT` (see
/// the module header). Its methods run while the writer's lock is held: they must not open a
/// transaction of the [`crate::Db`] (it would wait for itself) and should be short.
pub trait CommitHook: Send + Sync {
    /// Runs inside the transaction about to commit, after every write in it, in a savepoint
    /// of its own. An error undoes only the hook's writes; the transaction still commits.
    fn before_commit<'c>(
        &'c self,
        conn: &'c mut AnyConnection,
    ) -> Pin<Box<dyn Future<Output = crate::StorageResult<()>> + Send + 'c>>;
    /// The transaction whose `before_commit` succeeded committed; `durable` says when the
    /// commit is on disk.
    fn committed(&self, durable: Durable);
    /// The transaction whose `before_commit` succeeded did not commit (or the hook's own
    /// writes were undone): nothing it wrote exists.
    fn abandoned(&self);
}

/// When a commit reported to a [`CommitHook`] is on disk.
#[derive(Debug)]
pub struct Durable {
    group: Option<Arc<GroupSync>>,
    ticket: u64,
}

impl Durable {
    /// Returns once the commit is durable: at once without group commit (the commit itself
    /// waited for the disk, or durability was turned off).
    pub async fn wait(self) -> std::io::Result<()> {
        match self.group {
            Some(group) => group.wait(self.ticket).await,
            None => Ok(()),
        }
    }
}

/// The outcome of a batch's `COMMIT`, shared with every write in it.
type Outcome = Option<Result<(), Arc<str>>>;

/// What the writer has committed since the process started (for `/metrics`): an average
/// batch is `grouped_writes / grouped_commits`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Commits of a transaction of its own.
    pub plain_commits: u64,
    /// Commits of a batch of grouped writes.
    pub grouped_commits: u64,
    /// Grouped writes committed (in those batches).
    pub grouped_writes: u64,
    /// Background checkpoint passes that copied pages into the database file.
    pub checkpoints: u64,
}

/// What the writer's handles share outside the lock.
#[derive(Default)]
pub(crate) struct Counters {
    /// Tasks waiting for the lock (a grouped write defers its commit while one is).
    queued: AtomicUsize,
    plain_commits: AtomicU64,
    grouped_commits: AtomicU64,
    grouped_writes: AtomicU64,
    pub(crate) checkpoints: AtomicU64,
    /// [`Writer::close`] ran.
    closed: std::sync::atomic::AtomicBool,
}

/// The writer connection behind its lock. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Writer {
    state: Arc<Mutex<State>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("queued", &self.counters.queued.load(Ordering::Relaxed))
            .finish()
    }
}

struct State {
    conn: Option<AnyConnection>,
    counters: Arc<Counters>,
    batch: Option<Batch>,
    /// The id the next batch takes.
    next_batch: u64,
    /// What a transaction dropped without commit or rollback left to undo.
    undo: Option<Undo>,
    hook: Option<Arc<dyn CommitHook>>,
    /// Group commit, when commits wait for a shared `fsync` (for the hook's [`Durable`]).
    durable: Option<Arc<GroupSync>>,
}

#[derive(Clone, Copy)]
enum Undo {
    Savepoint,
    Transaction,
}

struct Batch {
    id: u64,
    members: u32,
    /// Members that released their savepoint (their writes are in the batch).
    released: u64,
    opened: Instant,
    outcome: watch::Sender<Outcome>,
}

/// Counts a task as queued for the lock until it gets it or is cancelled.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn closed() -> sqlx::Error {
    sqlx::Error::PoolClosed
}

impl State {
    fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        self.conn.as_mut().ok_or_else(closed)
    }

    async fn run(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        self.conn()?.execute(sqlx::raw_sql(sql)).await.map(|_| ())
    }

    /// Undoes what a dropped transaction left behind.
    async fn settle(&mut self) {
        match self.undo.take() {
            None => {}
            Some(Undo::Savepoint) => {
                if let Err(e) = self.run(ROLLBACK_TO).await {
                    // The batch itself is broken (SQLite rolled it back, or the savepoint
                    // never opened): end it, failing its members, rather than commit it.
                    self.abort_batch(&e).await;
                }
            }
            Some(Undo::Transaction) => {
                // "No transaction is active" is fine: nothing left to undo.
                let _ = self.run("ROLLBACK").await;
            }
        }
    }

    /// Runs the commit hook, if any, in the transaction about to commit, then commits;
    /// `hook_savepoint_open` says the caller already opened the hook's savepoint (which it
    /// does only when a hook is installed). Returns the commit's outcome.
    ///
    /// A hook that succeeded has its savepoint released by the `COMMIT`'s own round trip
    /// ([`HOOK_RELEASE_COMMIT`]): should that `RELEASE` fail, the `COMMIT` does not run and
    /// the whole transaction fails, hook included — all or nothing, as for any failed commit.
    async fn hook_and_commit(&mut self, hook_savepoint_open: bool) -> Result<(), sqlx::Error> {
        let hook = self.hook.clone();
        let ran_hook = match hook {
            Some(hook) => self.run_hook(hook, hook_savepoint_open).await,
            None => None,
        };
        let result = self
            .run(if ran_hook.is_some() {
                HOOK_RELEASE_COMMIT
            } else {
                "COMMIT"
            })
            .await;
        self.after_commit(ran_hook, result.is_ok());
        result
    }

    /// Runs `hook` in its own savepoint (opened here unless `savepoint_open`); returns it when
    /// its writes are in the transaction, the savepoint still open for the `COMMIT` to release
    /// (it must then hear how the commit went).
    async fn run_hook(
        &mut self,
        hook: Arc<dyn CommitHook>,
        savepoint_open: bool,
    ) -> Option<Arc<dyn CommitHook>> {
        if !savepoint_open && let Err(e) = self.run(HOOK_SAVEPOINT).await {
            tracing::warn!(error = %e, "the commit hook's savepoint failed; committing without it");
            return None;
        }
        let ran = match self.conn() {
            Ok(conn) => hook.before_commit(conn).await,
            Err(e) => Err(e.into()),
        };
        match ran {
            Ok(()) => Some(hook),
            Err(e) => {
                tracing::warn!(error = ?e, "the commit hook failed; its writes are undone, the transaction commits without them");
                hook.abandoned();
                let _ = self.run(HOOK_ROLLBACK_TO).await;
                None
            }
        }
    }

    /// Tells the hook that ran in this transaction how its `COMMIT` went.
    fn after_commit(&self, hook: Option<Arc<dyn CommitHook>>, committed: bool) {
        let Some(hook) = hook else { return };
        if committed {
            hook.committed(Durable {
                group: self.durable.clone(),
                ticket: self.durable.as_ref().map_or(0, |group| group.register()),
            });
        } else {
            hook.abandoned();
        }
    }

    /// Commits the open batch, if any, and tells its members; returns the outcome.
    async fn commit_batch(&mut self) -> Result<(), sqlx::Error> {
        self.commit_batch_with(false).await
    }

    /// [`State::commit_batch`]; `hook_savepoint_open` as in [`State::hook_and_commit`].
    async fn commit_batch_with(&mut self, hook_savepoint_open: bool) -> Result<(), sqlx::Error> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        // Should this future be dropped before `COMMIT` returns (a cancelled request), the
        // next lock holder rolls back what is left open; the members were not answered.
        self.undo = Some(Undo::Transaction);
        let result = self.hook_and_commit(hook_savepoint_open).await;
        self.undo = None;
        match result {
            Ok(()) => {
                self.counters
                    .grouped_commits
                    .fetch_add(1, Ordering::Relaxed);
                self.counters
                    .grouped_writes
                    .fetch_add(batch.released, Ordering::Relaxed);
                batch.outcome.send_replace(Some(Ok(())));
                Ok(())
            }
            Err(e) => {
                let _ = self.run("ROLLBACK").await;
                batch
                    .outcome
                    .send_replace(Some(Err(Arc::from(e.to_string()))));
                Err(e)
            }
        }
    }

    async fn abort_batch(&mut self, cause: &sqlx::Error) {
        let _ = self.run("ROLLBACK").await;
        if let Some(batch) = self.batch.take() {
            batch
                .outcome
                .send_replace(Some(Err(Arc::from(cause.to_string()))));
        }
    }
}

impl Writer {
    /// The writer on `conn`; `durable` is the group commit its commits wait for, if any.
    pub(crate) fn new(conn: AnyConnection, durable: Option<Arc<GroupSync>>) -> Writer {
        let counters = Arc::new(Counters::default());
        Writer {
            state: Arc::new(Mutex::new(State {
                conn: Some(conn),
                counters: counters.clone(),
                batch: None,
                next_batch: 0,
                undo: None,
                hook: None,
                durable,
            })),
            counters,
        }
    }

    /// Installs (or with `None` removes) the hook every later commit runs.
    pub(crate) async fn set_hook(&self, hook: Option<Arc<dyn CommitHook>>) {
        self.state.lock().await.hook = hook;
    }

    async fn lock(&self) -> OwnedMutexGuard<State> {
        self.counters.queued.fetch_add(1, Ordering::SeqCst);
        let _queued = Queued(&self.counters.queued);
        let mut guard = self.state.clone().lock_owned().await;
        drop(_queued);
        guard.settle().await;
        guard
    }

    /// A write transaction of its own (`BEGIN IMMEDIATE`), after committing any open batch.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let mut guard = self.lock().await;
        // The batch's members are waiting for their answer; they must not wait for this
        // transaction, which may be long.
        let _ = guard.commit_batch().await;
        guard.undo = Some(Undo::Transaction);
        guard.run("BEGIN IMMEDIATE").await?;
        Ok(self.tx(guard, None))
    }

    /// A write that shares its commit with the writes queued around it (see the module header).
    pub(crate) async fn begin_grouped(&self) -> Result<WriteTx, sqlx::Error> {
        let mut guard = self.lock().await;
        if guard.batch.is_none() {
            // Whichever of the two statements failed, rolling back leaves nothing behind.
            guard.undo = Some(Undo::Transaction);
            guard.run(BEGIN_GROUPED).await?;
            let id = guard.next_batch;
            guard.next_batch += 1;
            guard.batch = Some(Batch {
                id,
                members: 0,
                released: 0,
                opened: Instant::now(),
                outcome: watch::Sender::new(None),
            });
        } else {
            guard.undo = Some(Undo::Savepoint);
            if let Err(e) = guard.run(SAVEPOINT).await {
                // No savepoint was made: end the batch for the writes already in it.
                guard.undo = None;
                let _ = guard.commit_batch().await;
                return Err(e);
            }
        }
        let batch = guard.batch.as_mut().expect("a batch is open");
        batch.members += 1;
        let id = batch.id;
        Ok(self.tx(guard, Some(id)))
    }

    /// A grouped write made only of `writes` (statements whose results nobody reads), sent with
    /// its savepoint and its release as **one** round trip instead of three: `[BEGIN
    /// IMMEDIATE;] SAVEPOINT; <writes>; RELEASE[; SAVEPOINT hook]`. Returns once the batch
    /// holding it committed, as [`WriteTx::commit`] does.
    ///
    /// If the text fails part-way, where it stopped is found as after a failed release: a
    /// `ROLLBACK TO` that succeeds undoes this write alone (the savepoint was still open) and
    /// the batch is committed for the others; one that fails means the savepoint never opened
    /// or was already released, and the batch is rolled back and failed, this write with it.
    pub(crate) async fn write_grouped(&self, writes: crate::sql::Sql) -> Result<(), sqlx::Error> {
        let mut guard = self.lock().await;
        let opening = guard.batch.is_none();
        if opening {
            let id = guard.next_batch;
            guard.next_batch += 1;
            guard.batch = Some(Batch {
                id,
                members: 0,
                released: 0,
                opened: Instant::now(),
                outcome: watch::Sender::new(None),
            });
        }
        let batch = guard.batch.as_mut().expect("a batch is open");
        batch.members += 1;
        let id = batch.id;
        let commit_now = self.counters.queued.load(Ordering::SeqCst) == 0
            || batch.members >= MAX_MEMBERS
            || batch.opened.elapsed() >= MAX_AGE;
        let hook_next = commit_now && guard.hook.is_some();
        let (text, args) = writes.into_parts();
        let text = format!(
            "{}{SAVEPOINT};\n{text};\n{}",
            if opening { "BEGIN IMMEDIATE; " } else { "" },
            if hook_next {
                RELEASE_INTO_HOOK
            } else {
                RELEASE
            },
        );
        // Dropped before the text returns (a cancelled request), the next lock holder finds
        // out what ran, as below, and a task of its own commits the batch for the others (as
        // for a dropped `WriteTx`).
        guard.undo = Some(Undo::Savepoint);
        let mut on_cancel = CommitOnDrop(Some(self.clone()));
        let ran = crate::sql::Sql::from_parts(text, args)
            .build()
            .execute(guard.conn()?)
            .await;
        on_cancel.0 = None;
        guard.undo = None;
        if let Err(e) = ran {
            match guard.run(ROLLBACK_TO).await {
                // Only this write is undone; end the batch for the writes already in it.
                Ok(()) => {
                    let _ = guard.commit_batch().await;
                }
                Err(_) => guard.abort_batch(&e).await,
            }
            return Err(e);
        }
        let batch = guard.batch.as_mut().ok_or_else(closed)?;
        batch.released += 1;
        if commit_now {
            return guard.commit_batch_with(hook_next).await;
        }
        self.await_batch(guard, id).await
    }

    /// Waits, without the lock, for batch `id` (which holds a released write of the caller) to
    /// be committed by another member; commits it itself if no one did within
    /// [`ORPHAN_WAIT`].
    async fn await_batch(&self, guard: OwnedMutexGuard<State>, id: u64) -> Result<(), sqlx::Error> {
        let mut outcome = guard.batch.as_ref().ok_or_else(closed)?.outcome.subscribe();
        drop(guard);
        // If this wait is cancelled (the request went away, the server is stopping), the batch
        // must still be committed by someone: its write lock would otherwise stay held.
        let mut on_cancel = CommitOnDrop(Some(self.clone()));
        if tokio::time::timeout(ORPHAN_WAIT, outcome.wait_for(Option::is_some))
            .await
            .is_err()
        {
            // No one committed the batch in time: the queued task may have gone away.
            let mut guard = self.lock().await;
            if guard.batch.as_ref().map(|b| b.id) == Some(id) {
                on_cancel.0 = None;
                return guard.commit_batch().await;
            }
        }
        let result = outcome.wait_for(Option::is_some).await.map(|o| o.clone());
        on_cancel.0 = None;
        let result = result.map_err(|_| closed())?;
        result.expect("waited for an outcome").map_err(|message| {
            sqlx::Error::Protocol(format!("the grouped commit failed: {message}"))
        })
    }

    fn tx(&self, mut guard: OwnedMutexGuard<State>, batch: Option<u64>) -> WriteTx {
        // From here the transaction's own commit, rollback or drop decides what is undone.
        guard.undo = None;
        WriteTx {
            guard: Some(guard),
            batch,
            writer: self.clone(),
        }
    }

    pub(crate) fn stats(&self) -> WriteStats {
        WriteStats {
            plain_commits: self.counters.plain_commits.load(Ordering::Relaxed),
            grouped_commits: self.counters.grouped_commits.load(Ordering::Relaxed),
            grouped_writes: self.counters.grouped_writes.load(Ordering::Relaxed),
            checkpoints: self.counters.checkpoints.load(Ordering::Relaxed),
        }
    }

    /// Stops all writing until the returned guard is dropped: commits any open batch and holds
    /// the lock (the checkpointer's last pass runs with no write in flight).
    pub(crate) async fn pause(&self) -> Paused {
        let mut guard = self.lock().await;
        let _ = guard.commit_batch().await;
        Paused { _guard: guard }
    }

    /// True once [`Writer::close`] ran.
    pub(crate) fn is_closed(&self) -> bool {
        self.counters.closed.load(Ordering::Relaxed)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A handle that does not keep the writer alive.
    pub(crate) fn downgrade(&self) -> WeakWriter {
        WeakWriter {
            state: Arc::downgrade(&self.state),
            counters: self.counters.clone(),
        }
    }

    /// Commits any open batch, empties the log into the database file and closes the
    /// connection.
    pub(crate) async fn close(&self) {
        self.counters.closed.store(true, Ordering::Relaxed);
        let mut guard = self.state.lock().await;
        guard.settle().await;
        let _ = guard.commit_batch().await;
        if let Some(mut conn) = guard.conn.take() {
            // Copy the whole log into the database file and empty it, so that a process that
            // wrote a lot and exits (`seed-demo`, an import) leaves no log for the next start
            // to copy before anything else: the full demo seed left 950 MB of it. A reader
            // still in a transaction makes the checkpoint wait for it: wait briefly, never for
            // the whole busy timeout (the log then stays, and the next start copies it).
            if let Err(e) =
                sqlx::raw_sql("PRAGMA busy_timeout=200; PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut conn)
                    .await
            {
                tracing::warn!(error = %e, "closing checkpoint of the SQLite log failed; the next start copies it");
            }
            let _ = conn.close().await;
        }
    }
}

/// Commits the writer's open batch from a task of its own when dropped while armed: any lock
/// holder may commit a batch, since every write in it has released its savepoint.
struct CommitOnDrop(Option<Writer>);

impl Drop for CommitOnDrop {
    fn drop(&mut self) {
        if let (Some(writer), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(async move {
                let _ = writer.lock().await.commit_batch().await;
            });
        }
    }
}

/// Writing is paused while this lives (see [`Writer::pause`]).
pub(crate) struct Paused {
    _guard: OwnedMutexGuard<State>,
}

/// A [`Writer`] that may have been dropped.
pub(crate) struct WeakWriter {
    state: std::sync::Weak<Mutex<State>>,
    counters: Arc<Counters>,
}

impl WeakWriter {
    pub(crate) fn upgrade(&self) -> Option<Writer> {
        Some(Writer {
            state: self.state.upgrade()?,
            counters: self.counters.clone(),
        })
    }
}

/// A write transaction on the writer connection; holds the lock until it commits, rolls back
/// or is dropped (dropping it rolls it back).
pub(crate) struct WriteTx {
    guard: Option<OwnedMutexGuard<State>>,
    /// The batch this write belongs to, when grouped.
    batch: Option<u64>,
    writer: Writer,
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        self.guard
            .as_mut()
            .and_then(|g| g.conn.as_mut())
            .expect("a live write transaction has the connection")
    }

    pub(crate) fn conn_ref(&self) -> &AnyConnection {
        self.guard
            .as_ref()
            .and_then(|g| g.conn.as_ref())
            .expect("a live write transaction has the connection")
    }

    /// Commits: returns once this write is committed (with its batch, when grouped).
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let mut guard = self.guard.take().ok_or_else(closed)?;
        let Some(id) = self.batch else {
            // As in `commit_batch`: dropped before `COMMIT` returns, the next lock holder
            // rolls back.
            guard.undo = Some(Undo::Transaction);
            let result = guard.hook_and_commit(false).await;
            return match result {
                Ok(()) => {
                    guard.undo = None;
                    guard.counters.plain_commits.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Err(e) => {
                    guard.undo = Some(Undo::Transaction);
                    Err(e)
                }
            };
        };
        let batch = guard.batch.as_ref().ok_or_else(closed)?;
        let commit_now = self.writer.counters.queued.load(Ordering::SeqCst) == 0
            || batch.members >= MAX_MEMBERS
            || batch.opened.elapsed() >= MAX_AGE;
        // The member that commits opens the hook's savepoint in its release's round trip. If
        // that fails, the settle's `ROLLBACK TO` finds which part ran: the member's savepoint
        // still there (its write is undone alone) or not (the batch is ended and failed).
        let hook_next = commit_now && guard.hook.is_some();
        if let Err(e) = guard
            .run(if hook_next {
                RELEASE_INTO_HOOK
            } else {
                RELEASE
            })
            .await
        {
            guard.undo = Some(Undo::Savepoint);
            return Err(e);
        }
        let batch = guard.batch.as_mut().ok_or_else(closed)?;
        batch.released += 1;
        if commit_now {
            return guard.commit_batch_with(hook_next).await;
        }
        self.writer.await_batch(guard, id).await
    }

    /// Rolls this write back (only its savepoint, when grouped).
    pub(crate) async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let mut guard = self.guard.take().ok_or_else(closed)?;
        let (undo, sql) = match self.batch {
            Some(_) => (Undo::Savepoint, ROLLBACK_TO),
            None => (Undo::Transaction, "ROLLBACK"),
        };
        if let Err(e) = guard.run(sql).await {
            guard.undo = Some(undo);
            return Err(e);
        }
        // Members of the batch may be waiting for its commit, and a queued write may never come
        // (cancelled while it waited): end the batch now rather than leave it to one.
        if self.batch.is_some() {
            let _ = guard.commit_batch().await;
        }
        Ok(())
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        guard.undo = Some(if self.batch.is_some() {
            Undo::Savepoint
        } else {
            Undo::Transaction
        });
        drop(guard);
        // Undo it now rather than when the next write comes, which may be a while: an open
        // transaction holds SQLite's write lock against other processes.
        drop(CommitOnDrop(Some(self.writer.clone())));
    }
}
