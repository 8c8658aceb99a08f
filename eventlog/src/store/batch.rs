//! What both backends' group commits share: an append encoded by its caller's task (so that
//! encoding runs on many tasks, not on the one that writes), and the queue that hands appends to
//! the writing task and their answers back.

use super::postgres::MAX_EVENTS_PER_APPEND;
use crate::envelope::{AppendResult, Idempotency, NewEvent, StreamId};
use crate::error::StoreError;
use portal_domain::TenantId;
use tokio::sync::{mpsc, oneshot};

/// One append, its events already encoded as JSON text.
pub(crate) struct Append {
    pub tenant: TenantId,
    pub stream: StreamId,
    pub expected: i64,
    pub events: Vec<Encoded>,
    pub idempotency: Option<Idempotency>,
}

pub(crate) struct Encoded {
    pub id: uuid::Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: String,
    pub metadata: String,
}

impl Append {
    pub(crate) fn new(
        tenant: &TenantId,
        stream: &StreamId,
        expected: i64,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<Self, StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        if events.len() > MAX_EVENTS_PER_APPEND {
            return Err(StoreError::TooManyEvents(events.len()));
        }
        let events = events
            .iter()
            .map(|e| {
                Ok(Encoded {
                    id: e.event_id,
                    event_type: e.event_type.clone(),
                    schema_version: e.schema_version,
                    payload: serde_json::to_string(&e.payload).map_err(StoreError::Encode)?,
                    metadata: serde_json::to_string(&e.metadata).map_err(StoreError::Encode)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Self {
            tenant: tenant.clone(),
            stream: stream.clone(),
            expected,
            events,
            idempotency: idempotency.cloned(),
        })
    }
}

/// An append waiting for its batch, and where its answer goes.
pub(crate) struct Request {
    pub append: Append,
    pub reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

/// The sending end of the queue; the writing task ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Queue(mpsc::UnboundedSender<Request>);

impl Queue {
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Request>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    /// Queues `append` and waits for the answer of the batch that carried it.
    pub(crate) async fn append(&self, append: Append) -> Result<AppendResult, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(Request { append, reply })
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
    }
}
