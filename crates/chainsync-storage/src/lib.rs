//! ChainSync's storage: one implementation of every query, run on SQLite (the embedded
//! default, WAL mode) or PostgreSQL (for several server processes).
//!
//! Shape: [`Db`] owns a `sqlx::AnyPool`; one module per aggregate ([`orgs`], [`stores`],
//! [`catalog`], [`users`], [`auth`], [`audit`], [`terminals`], [`stock`], [`events`], [`sales`], [`returns`], [`shifts`],
//! [`customers`], [`transfers`], [`purchase_orders`], [`reports`], [`imports`], [`realtime`] (channel histories),
//! [`notifications`], [`forecasting`] (training jobs, the model registry)) holds the
//! queries, as free functions taking a connection so callers can compose them inside one
//! transaction (a change, its audit row and its domain events commit together). Each backend owns its dialect's migrations (`migrations/sqlite`,
//! `migrations/postgres`); the queries themselves are written once in the SQL both accept.
//!
//! Conventions (both backends): ids are UUIDv7 text; times are epoch milliseconds in UTC;
//! flags are 0/1 integers (the `Any` driver cannot decode SQLite booleans); money is integer
//! minor units; sums are `CAST(... AS BIGINT)` because PostgreSQL widens them to NUMERIC.

pub mod audit;
pub mod auth;
pub mod batch;
pub mod bulk;
pub mod catalog;
mod checkpoint;
pub mod customers;
mod db;
mod error;
pub mod events;
pub mod forecasting;
mod group_sync;
pub mod imports;
pub mod notifications;
pub mod orgs;
pub mod promotions;
pub mod purchase_orders;
pub mod realtime;
pub mod reports;
pub mod returns;
pub mod sales;
pub mod shifts;
mod sql;
pub mod stock;
pub mod stores;
pub mod terminals;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfers;
pub mod users;
mod writer;

pub use db::{Backend, Conn, Db, DbOptions, Tx};
pub use error::{StorageError, StorageResult};
pub use writer::{CommitHook, Durable, WriteStats};

/// Milliseconds since the Unix epoch, the storage's time representation.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Keyset pagination: the page and the cursor (an id) to continue after, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only proves there is more.
    pub fn from_overfetch(mut rows: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}
