//! Errors of the store and of the executor.

use portal_domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version (someone else appended first).
    #[error("version conflict on {stream}: expected version {expected}, {}", describe_actual(*.actual))]
    VersionConflict {
        stream: String,
        expected: i64,
        /// `None` when a concurrent append won the race after our version check.
        actual: Option<i64>,
    },

    #[error("the idempotency key was already used for a different request")]
    IdempotencyConflict,

    #[error("an idempotency key has 1 to 200 printable ASCII characters")]
    InvalidIdempotencyKey,

    #[error("invalid stream id {0:?}")]
    InvalidStreamId(String),

    #[error("an append needs at least one event")]
    EmptyAppend,

    #[error("{0} events in one append; at most 65535")]
    TooManyEvents(usize),

    #[error("unsupported database URL {0:?}: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),

    #[error("cannot encode event: {0}")]
    Encode(#[source] serde_json::Error),

    #[error("stored event at position {position} is unreadable: {reason}")]
    Corrupt { position: i64, reason: String },

    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("no answer from the database server within {} s", .0.as_secs())]
    ConnectTimeout(std::time::Duration),

    /// The database cannot be reached (refused, gone, pool timed out or closed): transient, the
    /// API answers 503 with `Retry-After`.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),

    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_connection_failure(&e) {
            Self::Unavailable(e)
        } else {
            Self::Database(e)
        }
    }
}

/// Whether `e` means "no database to talk to" rather than "the database said no": a failed or
/// dropped connection, a pool that timed out or closed, or a server shutting down or refusing
/// connections. Such failures pass on their own, so callers answer "try again later".
pub fn is_connection_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Protocol(msg) => msg.contains("connection"),
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash
        // shutdown, cannot connect now), 53300 (too many connections).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

fn describe_actual(actual: Option<i64>) -> String {
    match actual {
        Some(v) => format!("the stream is at version {v}"),
        None => "a concurrent append got there first".to_owned(),
    }
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::VersionConflict { .. })
    }

    /// Whether the database could not be reached (see [`is_connection_failure`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::ConnectTimeout(_))
    }
}

/// Why a command could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The domain said no; the message is for the user.
    #[error(transparent)]
    Rejected(#[from] DomainError),

    /// Still conflicting after the bounded number of retries (the API answers 409).
    #[error(
        "{stream} kept changing while the command was applied ({attempts} attempts); try again"
    )]
    Conflict { stream: String, attempts: u32 },

    #[error("the idempotency key was already used for a different request")]
    IdempotencyConflict,

    #[error("cannot decode event {event_type} v{schema_version} at position {position}: {reason}")]
    Decode {
        position: i64,
        event_type: String,
        schema_version: i32,
        reason: String,
    },

    #[error(transparent)]
    Store(StoreError),
}

impl ExecuteError {
    /// Whether the database could not be reached: transient, answered 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_unavailable())
    }
}

impl From<StoreError> for ExecuteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::IdempotencyConflict => Self::IdempotencyConflict,
            other => Self::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_unavailable_and_refusals_are_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for e in [
            sqlx::Error::Io(refused),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert!(StoreError::from(e).is_unavailable());
        }
        for e in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
        ] {
            let e = StoreError::from(e);
            assert!(!e.is_unavailable(), "{e}");
            assert!(!ExecuteError::from(e).is_unavailable());
        }
        let e = ExecuteError::from(StoreError::from(sqlx::Error::PoolTimedOut));
        assert!(e.is_unavailable());
    }
}
