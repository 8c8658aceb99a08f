//! Errors of projections and read-model queries.

/// Why a projection could not apply an event.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The read-model database failed: transient, the batch is retried later.
    #[error("read-model database: {0}")]
    Db(#[from] sqlx::Error),
    /// A stored row no longer decodes (its shape changed without a projection version bump).
    #[error("read-model row {table}/{key} does not decode: {reason}")]
    CorruptRow {
        table: &'static str,
        key: String,
        reason: String,
    },
    /// This event cannot be applied (it does not decode, or contradicts the read model). Retried a
    /// few times, then dead-lettered so that the projection goes on.
    #[error("{0}")]
    Event(String),
    /// The event log could not be read (an account lookup): transient, as [`Self::Db`].
    #[error("event log: {0}")]
    Log(String),
}

impl ApplyError {
    /// Whether retrying later may succeed without anything changing (database trouble).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Db(_) | Self::Log(_))
    }
}

/// A read-model query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database cannot be reached: transient (503 at the API).
    #[error("read-model database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("read-model database: {0}")]
    Db(sqlx::Error),
    #[error("read-model row does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("invalid cursor")]
    InvalidCursor,
}

impl From<sqlx::Error> for QueryError {
    fn from(e: sqlx::Error) -> Self {
        if portal_eventlog::error::is_connection_failure(&e) {
            Self::Unavailable(e)
        } else {
            Self::Db(e)
        }
    }
}
