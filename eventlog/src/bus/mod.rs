//! The bus that fans committed events out: NATS JetStream in production, an in-process broadcast
//! in embedded mode. Both serve the [`EventBus`] trait, so the relay and the subscription runner do
//! not know which one they drive.
//!
//! Contract: `publish` returns only when every message of the batch is stored by the bus (for
//! JetStream: acknowledged), in batch order; `send` puts a batch on the wire in order and hands
//! back its [`Acks`], so that a publisher may send the next batch while they are on their way; a subscription delivers messages at least once, in
//! publish order except after redeliveries. Neither guarantees completeness: consumers detect
//! gaps with `previousposition` and read the log itself (see [`crate::subscription`]).

use bytes::Bytes;
use futures::StreamExt;
use std::future::Future;
use std::time::Duration;
use tokio::sync::broadcast;

pub mod nats;

pub use nats::{NatsBus, NatsConfig};

/// One event ready to publish.
#[derive(Debug, Clone)]
pub struct OutMessage {
    pub subject: String,
    /// `Nats-Msg-Id`: the event id, so JetStream drops duplicates within its window.
    pub msg_id: String,
    /// `Nats-Expected-Last-Msg-Id`: the id of the message that must be the stream's last one, or
    /// the bus refuses this message ([`BusError::OutOfOrder`]). The relay chains every message to
    /// the one before it, so that a stale tail of a failed batch (sent by the client after a
    /// reconnect) can never be stored after the events it should precede.
    pub expected_last_id: Option<String>,
    pub body: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("JetStream stream setup: {0}")]
    Setup(String),
    #[error("publish: {0}")]
    Publish(String),
    /// The stream's last message was not the expected one (see [`OutMessage::expected_last_id`]).
    #[error("publish refused, out of order: {0}")]
    OutOfOrder(String),
    #[error("subscription: {0}")]
    Subscribe(String),
}

/// The acknowledgements of a batch sent with [`EventBus::send`], still to come.
#[must_use = "a batch is only stored once its acknowledgements are awaited"]
pub struct Acks(Vec<async_nats::jetstream::context::PublishAckFuture>);

impl Acks {
    /// Waits for every acknowledgement, in order: `Ok` once the bus stored the whole batch.
    pub async fn wait(self) -> Result<(), BusError> {
        for ack in self.0 {
            ack.await.map_err(|e| match e.kind() {
                // Duplicates are answered as duplicates before this check (nats-server ≥ 2.9),
                // so a republished batch passes; only a message after the wrong one fails.
                async_nats::jetstream::context::PublishErrorKind::WrongLastMessageId => {
                    BusError::OutOfOrder(e.to_string())
                }
                _ => BusError::Publish(e.to_string()),
            })?;
        }
        Ok(())
    }
}

/// Publishing and subscribing, whatever the transport.
pub trait EventBus: Send + Sync {
    /// Sends `batch` in order, all in flight at once, without waiting for the acknowledgements:
    /// nothing is known to be stored until [`Acks::wait`] returns `Ok`. Batches sent one after
    /// the other on one bus reach it in that order.
    fn send(&self, batch: Vec<OutMessage>) -> impl Future<Output = Result<Acks, BusError>> + Send;
    /// Publishes `batch` pipelined (all in flight at once) and waits for every acknowledgement.
    fn publish(&self, batch: Vec<OutMessage>) -> impl Future<Output = Result<(), BusError>> + Send {
        async move { self.send(batch).await?.wait().await }
    }
    /// A durable subscription named `consumer`: processes using the same name share its messages.
    fn subscribe(
        &self,
        consumer: &str,
    ) -> impl Future<Output = Result<Subscription, BusError>> + Send;
}

/// Either bus, chosen at start by configuration.
#[derive(Debug, Clone)]
pub enum Bus {
    Nats(Box<NatsBus>),
    Memory(MemoryBus),
}

impl Bus {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Nats(_) => "nats",
            Self::Memory(_) => "in-process",
        }
    }
}

impl EventBus for Bus {
    async fn send(&self, batch: Vec<OutMessage>) -> Result<Acks, BusError> {
        match self {
            Self::Nats(b) => b.send(batch).await,
            Self::Memory(b) => b.send(batch).await,
        }
    }
    async fn subscribe(&self, consumer: &str) -> Result<Subscription, BusError> {
        match self {
            Self::Nats(b) => b.subscribe(consumer).await,
            Self::Memory(b) => b.subscribe(consumer).await,
        }
    }
}

/// The in-process bus of embedded mode: a broadcast channel. Nothing is durable; a subscriber that
/// lags behind loses messages and catches up from the log, as after any gap.
#[derive(Debug, Clone)]
pub struct MemoryBus {
    tx: broadcast::Sender<Bytes>,
}

/// Messages the in-process bus keeps for slow subscribers: about two seconds of a busy carrier's
/// events (1,000 a second) and four of a subscriber's batches. The channel holds its latest
/// messages for good (a slot is freed only when overwritten), so this is memory the process
/// keeps: about 1.5 kB a message.
pub const MEMORY_BUS_CAPACITY: usize = 2048;

impl Default for MemoryBus {
    fn default() -> Self {
        Self::new(MEMORY_BUS_CAPACITY)
    }
}

impl MemoryBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: broadcast::Sender::new(capacity.max(16)),
        }
    }
}

impl EventBus for MemoryBus {
    async fn send(&self, batch: Vec<OutMessage>) -> Result<Acks, BusError> {
        for m in batch {
            // No receiver is fine: consumers catch up from the log when they start.
            let _ = self.tx.send(m.body);
        }
        // Stored (in the channel) as sent: nothing to wait for.
        Ok(Acks(Vec::new()))
    }
    async fn subscribe(&self, _consumer: &str) -> Result<Subscription, BusError> {
        Ok(Subscription::Memory(self.tx.subscribe()))
    }
}

/// A message received, with its acknowledgement handle.
pub struct Delivery {
    pub body: Bytes,
    ack: Option<async_nats::jetstream::Message>,
}

impl Delivery {
    /// Confirms processing; JetStream will not redeliver.
    pub async fn ack(self) {
        if let Some(m) = self.ack
            && let Err(e) = m.ack().await
        {
            tracing::debug!(error = %e, "ack failed; the message will be redelivered and skipped");
        }
    }
    /// Asks for redelivery after `delay`.
    pub async fn nak(self, delay: Duration) {
        if let Some(m) = self.ack {
            let _ = m
                .ack_with(async_nats::jetstream::AckKind::Nak(Some(delay)))
                .await;
        }
    }
}

/// An open subscription.
pub enum Subscription {
    Nats(Box<async_nats::jetstream::consumer::pull::Stream>),
    Memory(broadcast::Receiver<Bytes>),
}

impl Subscription {
    /// Waits up to `wait` for a first message, then takes whatever else is already there, up to
    /// `max`. An empty batch means nothing arrived in time (or messages were lost: the caller
    /// checks the log either way).
    pub async fn next_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut out = Vec::new();
        match self {
            Self::Memory(rx) => {
                match tokio::time::timeout(wait, rx.recv()).await {
                    Err(_) => return Ok(out),
                    Ok(Ok(body)) => out.push(Delivery { body, ack: None }),
                    Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                        tracing::debug!(
                            missed = n,
                            "in-process subscriber lagged; will catch up from the log"
                        );
                        return Ok(out);
                    }
                    Ok(Err(broadcast::error::RecvError::Closed)) => {
                        return Err(BusError::Subscribe("in-process bus closed".into()));
                    }
                }
                while out.len() < max {
                    match rx.try_recv() {
                        Ok(body) => out.push(Delivery { body, ack: None }),
                        Err(_) => break,
                    }
                }
            }
            Self::Nats(stream) => {
                let first = match tokio::time::timeout(wait, stream.next()).await {
                    Err(_) => return Ok(out),
                    Ok(None) => return Err(BusError::Subscribe("consumer stream ended".into())),
                    Ok(Some(Err(e))) => return Err(BusError::Subscribe(e.to_string())),
                    Ok(Some(Ok(m))) => m,
                };
                out.push(Delivery {
                    body: first.payload.clone(),
                    ack: Some(first),
                });
                while out.len() < max {
                    match futures::FutureExt::now_or_never(stream.next()) {
                        Some(Some(Ok(m))) => out.push(Delivery {
                            body: m.payload.clone(),
                            ack: Some(m),
                        }),
                        Some(Some(Err(e))) => {
                            tracing::debug!(error = %e, "consumer stream hiccup");
                            break;
                        }
                        _ => break,
                    }
                }
            }
        }
        Ok(out)
    }
}
