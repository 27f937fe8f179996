//! The connection pool, backend detection, per-connection settings and migrations.
//!
//! SQLite settings, and why: WAL so readers never block the writer; `busy_timeout` so a
//! writer waits for the lock instead of failing; `foreign_keys` because SQLite leaves them
//! off; durable commits by default so an acknowledged commit survives power loss — the writer
//! connection commits with `synchronous=NORMAL` and waits for a group `fsync` of the WAL shared
//! with the commits around it (`group_sync`), the other connections keep `synchronous=FULL`
//! (configurable to NORMAL everywhere, which in WAL mode can lose the last commits on power loss
//! but never corrupts). Reads map the file (`mmap_size`, up to 1 GiB: a page read is a memory access, not
//! a `pread` system call, which a profile of checkout showed among its costs), each connection
//! keeps 16 MiB of pages (`cache_size`), and sorts spill to memory (`temp_store`). Write
//! transactions start with `BEGIN IMMEDIATE` so two writers never both read
//! and then deadlock on the upgrade.
//!
//! SQLite has one writer at a time: write transactions run on one connection of their own, in
//! turn (see `writer`, which also lets short writes share a commit).

use crate::checkpoint;
use crate::group_sync::GroupSync;
use crate::writer::{CommitHook, WriteStats, WriteTx, Writer};
use crate::{StorageError, StorageResult};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions};
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

/// A pooled connection or a transaction, as the query functions take them.
pub type Conn = AnyConnection;
/// A write transaction; dereferences to [`Conn`]. On SQLite it holds the writer connection
/// until it commits, rolls back or is dropped (which rolls it back).
pub struct Tx {
    inner: TxInner,
    /// SQLite: the group commit this transaction's commit waits for (see `group_sync`).
    durable: Option<Arc<GroupSync>>,
}

enum TxInner {
    Postgres(sqlx::Transaction<'static, sqlx::Any>),
    Sqlite(WriteTx),
}

impl Tx {
    /// Commits; returns once the commit is durable. On SQLite the writer is released as soon
    /// as the commit is written, before the wait for the disk, so the next write runs while
    /// this one's `fsync` (shared with other commits) completes.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Postgres(tx) => tx.commit().await,
            TxInner::Sqlite(tx) => {
                tx.commit().await?;
                if let Some(group) = self.durable {
                    group.durable().await?;
                }
                Ok(())
            }
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Postgres(tx) => tx.rollback().await,
            TxInner::Sqlite(tx) => tx.rollback().await,
        }
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("sqlite", &matches!(self.inner, TxInner::Sqlite(_)))
            .finish()
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match &self.inner {
            TxInner::Postgres(tx) => tx,
            TxInner::Sqlite(tx) => tx.conn_ref(),
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        match &mut self.inner {
            TxInner::Postgres(tx) => tx,
            TxInner::Sqlite(tx) => tx.conn(),
        }
    }
}

static MIGRATOR_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATOR_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a connection (sqlx's `Any` driver names it).
    pub fn of(conn: &crate::Conn) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    pub fn from_url(url: &str) -> StorageResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StorageError::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Options for [`Db::connect`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// SQLite only: `FULL` (default, durable on power loss) or `NORMAL`.
    pub sqlite_synchronous_full: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            sqlite_synchronous_full: true,
        }
    }
}

/// Pool settings shared by the read pool and SQLite's writer; `synchronous` is SQLite's
/// setting for the pool's connections.
fn pool_options(backend: Backend, synchronous: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        // A pooled SQLite connection is a file handle in this process: it cannot go stale,
        // so the ping sqlx sends on every acquire (a round trip to the connection's worker
        // thread, three per sale) buys nothing. A PostgreSQL connection can (a restarted
        // server, a dropped socket), so it keeps the check.
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite_pragmas(synchronous)))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
}

/// Every SQLite connection's settings (see the module header). The write-ahead log is
/// checkpointed by a background task (`checkpoint`), not inside the commit that crosses
/// SQLite's threshold; SQLite's own automatic checkpoint stays as a backstop far above it.
fn sqlite_pragmas(synchronous: &str) -> String {
    format!(
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; \
         PRAGMA foreign_keys=ON; PRAGMA synchronous={synchronous}; \
         PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384; \
         PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint={};",
        checkpoint::BACKSTOP_PAGES
    )
}

/// The database: a pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// SQLite: the one connection write transactions use (see `writer`).
    writer: Option<Writer>,
    /// SQLite with durable commits: the writer's group commit.
    durable: Option<Arc<GroupSync>>,
    backend: Backend,
}

impl Db {
    /// Connects (creating the SQLite file if needed) without migrating.
    pub async fn connect(url: &str, options: &DbOptions) -> StorageResult<Db> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        // Statement logging at INFO would print every query; keep it for slow ones only.
        let connect_options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StorageError::Config(e.to_string()))?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let synchronous = if options.sqlite_synchronous_full {
            "FULL"
        } else {
            "NORMAL"
        };
        let pool = pool_options(backend, synchronous)
            .max_connections(options.max_connections)
            .connect_with(connect_options.clone())
            .await?;
        // SQLite: write transactions run on one connection of their own, kept open for the
        // life of the process. A connection's page cache is thrown away whenever another
        // connection has written since its last transaction; with writes spread over the pool,
        // every write started cold and re-read the B-tree pages it touched. The one writer is
        // the only connection that writes, so its cache stays warm. When every commit must be
        // durable, the writer commits with `synchronous=NORMAL` and the commit waits for a
        // shared `fsync` of the WAL instead (group commit, see `group_sync`).
        let (writer, durable) = match backend {
            Backend::Sqlite => {
                let file = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| StorageError::Config(e.to_string()))?
                    .get_filename()
                    .to_owned();
                let on_disk = !file.as_os_str().is_empty() && file.as_os_str() != ":memory:";
                let durable =
                    (options.sqlite_synchronous_full && on_disk).then(|| GroupSync::new(&file));
                let writer_synchronous = if durable.is_some() {
                    "NORMAL"
                } else {
                    synchronous
                };
                let mut conn = connect_options.connect().await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite_pragmas(writer_synchronous)))
                    .execute(&mut conn)
                    .await?;
                let writer = Writer::new(conn, durable.clone());
                if on_disk {
                    let mut conn = connect_options.connect().await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite_pragmas(synchronous)))
                        .execute(&mut conn)
                        .await?;
                    checkpoint::spawn(conn, writer.downgrade(), &file);
                }
                (Some(writer), durable)
            }
            Backend::Postgres => (None, None),
        };
        Ok(Db {
            pool,
            writer,
            durable,
            backend,
        })
    }

    /// Applies this backend's pending migrations.
    pub async fn migrate(&self) -> StorageResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &MIGRATOR_SQLITE,
            Backend::Postgres => &MIGRATOR_POSTGRES,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> StorageResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction that will write: on SQLite it takes the writer (and SQLite's write lock)
    /// up front, after committing any batch of grouped writes.
    pub async fn begin_write(&self) -> StorageResult<Tx> {
        self.begin(false).await
    }

    /// A short write transaction that may share its commit with the writes queued around it
    /// (SQLite; see `writer`). Its `commit` still returns only once it is committed and
    /// durable, and a rollback undoes only its own writes. Only for transactions that do
    /// nothing slow while open: the writes in its batch wait for it. On PostgreSQL it is
    /// [`Db::begin_write`].
    pub async fn begin_grouped_write(&self) -> StorageResult<Tx> {
        self.begin(true).await
    }

    /// A short write made only of `writes` (statements whose results nobody reads: see
    /// `batch`), committed and durable when this returns `Ok`, all or nothing. One round trip
    /// instead of three or more: on SQLite a grouped write whose savepoint, statements and
    /// release travel together (see `writer`); on PostgreSQL one statement (the writes as
    /// `WITH` parts) in a transaction of its own, instead of `BEGIN`, the writes and `COMMIT`.
    pub async fn write_batch(&self, writes: crate::batch::Batch) -> StorageResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        match &self.writer {
            Some(writer) => {
                writer.write_grouped(writes.into_sqlite_text()).await?;
                if let Some(group) = &self.durable {
                    group.durable().await.map_err(sqlx::Error::from)?;
                }
            }
            None => {
                writes.execute(&mut *self.conn().await?).await?;
            }
        }
        Ok(())
    }

    async fn begin(&self, grouped: bool) -> StorageResult<Tx> {
        Ok(match &self.writer {
            Some(writer) => Tx {
                inner: TxInner::Sqlite(if grouped {
                    writer.begin_grouped().await?
                } else {
                    writer.begin().await?
                }),
                durable: self.durable.clone(),
            },
            None => Tx {
                inner: TxInner::Postgres(self.pool.begin().await?),
                durable: None,
            },
        })
    }

    /// SQLite: installs the hook that runs in every write transaction right before it commits
    /// (see `writer`), replacing any earlier one; `None` removes it. Returns `false` on
    /// PostgreSQL, which has no single writer to run it.
    pub async fn set_commit_hook(&self, hook: Option<Arc<dyn CommitHook>>) -> bool {
        match &self.writer {
            Some(writer) => {
                writer.set_hook(hook).await;
                true
            }
            None => false,
        }
    }

    /// SQLite: what the writer connection has committed so far; `None` on PostgreSQL.
    pub fn write_stats(&self) -> Option<WriteStats> {
        self.writer.as_ref().map(Writer::stats)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Closes the database; on SQLite the writer empties the log into the database file
    /// first, unless a reader is still in a transaction.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }
}
