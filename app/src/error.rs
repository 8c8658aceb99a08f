//! [`Error`]: why a use case did not happen. Interfaces map it to their own answers (the api
//! crate to problem documents and statuses, the CLI to messages); nothing here knows HTTP.

use portal_domain::{DomainError, FieldError};
use portal_eventlog::ExecuteError;
use portal_projections::QueryError;
use std::error::Error as StdError;

pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed input: every problem at once, named like the input's fields.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The domain refused the command (its kind says whether a rule, a conflict, …).
    #[error(transparent)]
    Rejected(DomainError),
    /// Absent, or not in the principal's scope: never "forbidden" for another customer's or
    /// tenant's ids, so their existence does not leak.
    #[error("not found")]
    NotFound,
    /// Known to the principal, but not theirs to do.
    #[error("{0}")]
    Forbidden(String),
    /// A request the rules refuse as it stands, with a message for the user (not a field's).
    #[error("{0}")]
    Refused(String),
    /// A clash with the current state: a version conflict that outlived the retries, an
    /// idempotency key reused with other content, a change of something that is not changeable.
    #[error("{0}")]
    Conflict(String),
    /// A database cannot be reached: transient, the same request may simply be tried again.
    #[error(transparent)]
    Unavailable(BoxError),
    /// Everything else; the cause is for the log, not for the user.
    #[error(transparent)]
    Internal(BoxError),
}

impl Error {
    /// One field error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl Into<BoxError>) -> Self {
        Self::Internal(e.into())
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        Self::Rejected(e)
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<ExecuteError> for Error {
    fn from(e: ExecuteError) -> Self {
        match e {
            ExecuteError::Rejected(d) => Self::Rejected(d),
            e @ ExecuteError::Conflict { .. } => Self::Conflict(e.to_string()),
            // The key names one request; the same key with another body is a clash with that
            // request, not invalid input.
            e @ ExecuteError::IdempotencyConflict => Self::Conflict(e.to_string()),
            e if e.is_unavailable() => Self::Unavailable(e.into()),
            other => Self::internal(other),
        }
    }
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::InvalidCursor => Self::field(
                "after",
                "is not a cursor of this list; start from the first page",
            ),
            e @ QueryError::Unavailable(_) => Self::Unavailable(e.into()),
            other => Self::internal(other),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if portal_eventlog::error::is_connection_failure(&e) {
            Self::Unavailable(e.into())
        } else {
            Self::internal(e)
        }
    }
}
