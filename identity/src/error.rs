//! [`IdentityError`]: what can go wrong in the identity tables and around them.

/// A failure of this crate's storage or of the work it does for it (hashing, keys).
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The database refused or could not be reached; callers tell a lost connection apart with
    /// [`portal_eventlog::error::is_connection_failure`] (see [`IdentityError::db`]).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Hashing a password failed (argon2 refused its input or parameters).
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The blocking task that hashed or verified a password panicked or was cancelled.
    #[error("the password task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A stored server key is not what this build writes (hex of the key's length).
    #[error("the stored server key {0:?} is malformed")]
    MalformedKey(&'static str),
}

impl IdentityError {
    /// The database error behind this one, if any.
    pub fn db(&self) -> Option<&sqlx::Error> {
        match self {
            Self::Db(e) => Some(e),
            _ => None,
        }
    }
}
