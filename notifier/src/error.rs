//! [`NotifierError`]: what can go wrong in the event handler and the sender.

use crate::message::MessageError;
use crate::transport::MailError;

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Minting a login token failed (its text names the cause, e.g. `database: …`).
    #[error(transparent)]
    Identity(#[from] portal_identity::IdentityError),
    #[error("event log: {0}")]
    Log(#[from] portal_eventlog::ExecuteError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error("the recipient is not a valid email address")]
    Recipient,
    /// A row of the notifier's own tables cannot be read back.
    #[error("unreadable value in {0}")]
    Corrupt(&'static str),
    #[error("outbox context: {0}")]
    Context(#[from] serde_json::Error),
}
