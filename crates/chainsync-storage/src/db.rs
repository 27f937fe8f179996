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
//! SQLite has one writer at a time. Inside one process, write transactions queue on an async
//! gate (a one-permit semaphore) before `BEGIN IMMEDIATE`, instead of all taking the lock at
//! once and sleeping in SQLite's busy handler (which sleeps in growing steps and made the tail
//! latency of concurrent sales ten times the median). Other processes on the same file still
//! wait through `busy_timeout`. Write transactions run on a connection of their own that no
//! read uses, so its page cache survives from one write to the next (a connection's cache is
//! dropped whenever another connection wrote). Invariant: code holding a write transaction never
//! opens a second one in the same task (it would wait for itself).

use crate::group_sync::GroupSync;
use crate::{StorageError, StorageResult};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions};
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

/// A pooled connection or a transaction, as the query functions take them.
pub type Conn = AnyConnection;
/// A transaction; dereferences to [`Conn`]. On SQLite it holds the process's write gate until
/// it commits, rolls back or is dropped.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedSemaphorePermit>,
    /// SQLite: the group commit this transaction's commit waits for (see `group_sync`).
    durable: Option<Arc<GroupSync>>,
}

impl Tx {
    /// Commits; returns once the commit is durable. On SQLite the write gate is released as
    /// soon as the commit is written, before the wait for the disk, so the next write runs
    /// while this one's `fsync` (shared with other commits) completes.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Tx {
            inner,
            _gate: gate,
            durable,
        } = self;
        inner.commit().await?;
        drop(gate);
        if let Some(group) = durable {
            group.durable().await?;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("gated", &self._gate.is_some())
            .finish()
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
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
                    let pragmas = format!(
                        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; \
                         PRAGMA foreign_keys=ON; PRAGMA synchronous={synchronous}; \
                         PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384; \
                         PRAGMA temp_store=MEMORY;"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
}

/// The database: a pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// SQLite: the one connection write transactions use (see [`Db::connect`]).
    writer_pool: Option<AnyPool>,
    /// SQLite with durable commits: the writer's group commit.
    durable: Option<Arc<GroupSync>>,
    backend: Backend,
    /// SQLite's in-process write gate (see the module header).
    writer: std::sync::Arc<tokio::sync::Semaphore>,
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
        let (writer_pool, durable) = match backend {
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
                let writer = pool_options(backend, writer_synchronous)
                    .max_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(connect_options)
                    .await?;
                (Some(writer), durable)
            }
            Backend::Postgres => (None, None),
        };
        Ok(Db {
            pool,
            writer_pool,
            durable,
            backend,
            writer: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
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

    /// A transaction that will write: takes SQLite's write lock up front.
    pub async fn begin_write(&self) -> StorageResult<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let gate = self
                    .writer
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| StorageError::Config(e.to_string()))?;
                Tx {
                    inner: self
                        .writer_pool
                        .as_ref()
                        .unwrap_or(&self.pool)
                        .begin_with("BEGIN IMMEDIATE")
                        .await?,
                    _gate: Some(gate),
                    durable: self.durable.clone(),
                }
            }
            Backend::Postgres => Tx {
                inner: self.pool.begin().await?,
                _gate: None,
                durable: None,
            },
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.writer_pool {
            writer.close().await;
        }
        self.pool.close().await;
    }
}
