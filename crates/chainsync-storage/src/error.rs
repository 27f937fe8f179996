//! Storage errors: what callers need to decide a response, with the database error kept as the
//! cause for the logs.

/// An error from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A uniqueness rule was broken; the string names the constraint (e.g. `users_email_key`).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// The database URL or configuration cannot be used.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// Stored data that does not parse (a bug or a hand-edited row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            // PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: t.col".
            let name = db
                .constraint()
                .map(str::to_owned)
                .unwrap_or_else(|| db.message().to_owned());
            return StorageError::Conflict(name);
        }
        StorageError::Database(err)
    }
}

impl StorageError {
    /// True when the conflict is about the given constraint (named the same on both
    /// backends: PostgreSQL by name, SQLite by the columns in its message).
    pub fn is_conflict_on(&self, constraint: &str, sqlite_columns: &str) -> bool {
        matches!(self, StorageError::Conflict(c) if c == constraint || c.contains(sqlite_columns))
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(what.to_string())
}
