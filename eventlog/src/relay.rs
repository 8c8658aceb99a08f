//! The relay: the event log is the outbox. It tails the log in global order and publishes every
//! committed event to the bus, then stores its checkpoint, so an event is published at least once
//! and never skipped. A crash between publish and checkpoint republishes the last batch: JetStream
//! drops the duplicates by `Nats-Msg-Id` within its window and consumers skip them by position.
//!
//! Wakes on commit ([`crate::store::CommitListener`]), soon again while committed events are held
//! back by the read horizon, and polls slowly as a safety net. Publishes are pipelined, two
//! batches in flight (see [`relay_pass`]). On PostgreSQL one relay per checkpoint name runs at a
//! time (an advisory lock), so several `portal relay` processes are hot standbys, not duplicate
//! publishers.

use crate::bus::{Acks, EventBus, OutMessage};
use crate::error::StoreError;
use crate::metrics;
use crate::store::Store;
use crate::wire::{CloudEvent, subject_of};
use bytes::Bytes;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Checkpoint name; one per destination stream.
    pub name: String,
    pub subject_prefix: String,
    /// Events per read and publish batch.
    pub batch: u32,
    /// Safety-net poll interval when no commit is signalled.
    pub poll: Duration,
}

impl RelayConfig {
    pub fn new(name: impl Into<String>, subject_prefix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            subject_prefix: subject_prefix.into(),
            batch: 2000,
            poll: Duration::from_secs(1),
        }
    }
}

/// Runs until `cancel`. Errors (database or bus down) are logged and retried with backoff.
#[instrument(skip_all, fields(relay = %config.name))]
pub async fn run_relay<B: EventBus>(
    store: Store,
    bus: B,
    config: RelayConfig,
    cancel: CancellationToken,
) {
    let _leader = tokio::select! {
        l = leadership(&store, &config.name, &cancel) => l,
        () = cancel.cancelled() => return,
    };
    let mut listener = store.commit_listener().await;
    let mut backoff = Duration::from_millis(100);
    let mut checkpoint = loop {
        match store.relay_checkpoint(&config.name).await {
            Ok(c) => break c,
            Err(e) => {
                warn!(error = %e, "relay cannot read its checkpoint; retrying");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = cancel.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    };
    info!(checkpoint, "relay started");
    // The id of the last event published, to chain the next one to (unknown at start and after a
    // failure: the first message of such a pass goes unchained, see `relay_pass`).
    let mut last_id: Option<Uuid> = None;
    let mut refusals = 0u32;
    while !cancel.is_cancelled() {
        let chain = if refusals >= MAX_REFUSALS {
            // Something else publishes into the stream (a misconfiguration): chaining would be
            // refused forever. One pass without it, then back to chaining.
            warn!(
                refusals,
                "the stream's last message is not the relay's; publishing one pass unchained"
            );
            Chain::Off
        } else {
            last_id.map_or(Chain::Start, Chain::After)
        };
        let outcome = tokio::select! {
            r = relay_pass(&store, &bus, &config, checkpoint, chain) => r,
            () = cancel.cancelled() => return,
        };
        match outcome {
            Ok(passed) if passed.checkpoint > checkpoint => {
                checkpoint = passed.checkpoint;
                last_id = passed.last_id;
                refusals = 0;
                backoff = Duration::from_millis(100);
            }
            Ok(_) => {
                tokio::select! {
                    _ = listener.wait_after(&store, checkpoint, config.poll) => {}
                    () = cancel.cancelled() => {}
                }
            }
            Err(e) => {
                metrics::add(&metrics::RELAY_FAILURES, 1);
                last_id = None;
                if matches!(e, RelayError::Bus(crate::bus::BusError::OutOfOrder(_))) {
                    refusals += 1;
                }
                warn!(error = %e, checkpoint, "relay batch failed; retrying from the checkpoint");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = cancel.cancelled() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                // Batches acknowledged before the failure may have moved it.
                if let Ok(c) = store.relay_checkpoint(&config.name).await {
                    checkpoint = c;
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
    #[error("encode: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("relay task: {0}")]
    Task(String),
}

/// Consecutive out-of-order refusals after which one pass is published unchained.
const MAX_REFUSALS: u32 = 3;

/// How a pass chains its messages (`Nats-Expected-Last-Msg-Id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// The first message must follow this event id; every later one its predecessor.
    After(Uuid),
    /// The first message goes unchained, every later one follows its predecessor.
    Start,
    /// No expectations at all.
    Off,
}

/// What a pass published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passed {
    /// The new checkpoint (the old one when there was nothing new).
    pub checkpoint: i64,
    /// The id of the last event published, if any.
    pub last_id: Option<Uuid>,
}

/// A batch read and encoded, ready to publish.
struct Prepared {
    messages: Vec<OutMessage>,
    last: Option<(i64, Uuid)>,
}

async fn prepare(
    store: &Store,
    config: &RelayConfig,
    after: i64,
    mut previous_id: Option<Uuid>,
    chained: bool,
) -> Result<Prepared, RelayError> {
    let events = store.read_all_wire(after, config.batch).await?;
    let mut previous = after;
    let mut messages = Vec::with_capacity(events.len());
    for e in &events {
        let body = encode(e, previous)?;
        previous = e.position;
        messages.push(OutMessage {
            subject: subject_of(
                &config.subject_prefix,
                &e.tenant,
                &e.stream_id,
                &e.event_type,
            ),
            msg_id: e.event_id.to_string(),
            expected_last_id: if chained {
                previous_id.map(|id| id.to_string())
            } else {
                None
            },
            body: Bytes::from(body),
        });
        previous_id = Some(e.event_id);
    }
    Ok(Prepared {
        messages,
        last: events.last().map(|e| (e.position, e.event_id)),
    })
}

/// Room for a message's attributes beside its payload (ids, type, subject, time, positions):
/// about 450 bytes, so most messages are written without growing their buffer.
const ATTRIBUTES_BYTES: usize = 512;

/// One event's message body, in a buffer of its own size. Hazard: a body outlives its batch (the
/// in-process bus keeps the latest thousands, JetStream's client buffers a batch), and a buffer
/// grown by doubling would keep up to twice its length for as long.
fn encode(e: &crate::envelope::WireEvent, previous: i64) -> Result<Vec<u8>, serde_json::Error> {
    let mut body = Vec::with_capacity(e.payload.get().len() + ATTRIBUTES_BYTES);
    serde_json::to_writer(&mut body, &CloudEvent::from_wire(e, previous))?;
    body.shrink_to_fit();
    Ok(body)
}

/// Publishes everything after `checkpoint` up to the head of the log.
///
/// Pipelined: batch *k* is sent while the acknowledgements of batch *k − 1* are on their way,
/// and batch *k + 1* is read and encoded meanwhile; once *k − 1* is acknowledged its checkpoint
/// is stored. So the bus always has about two batches in flight, and neither reading nor the
/// checkpoint write ever stalls it. A checkpoint is only ever stored for a batch whose every
/// message was acknowledged, after every earlier batch was (acknowledgements are awaited in
/// order), and batches go out strictly in log order on one connection.
///
/// Order in the stream, also across NATS failures: every message expects its predecessor to be
/// the stream's last message. When a connection drops mid-batch, the client resends what it still
/// buffered after reconnecting; those messages expect an event the server never got, so they are
/// refused instead of being stored ahead of it, and the retry from the checkpoint republishes in
/// order (what was stored is dropped as a duplicate before the check). The same holds for a
/// batch sent behind one that fails: its first message expects the failed batch's last, so none
/// of it is stored ahead. The first message after a failure or at start goes unchained
/// ([`Chain::Start`]): it cannot be stale, since stale messages of the failed attempt precede it
/// on the same connection.
pub async fn relay_pass<B: EventBus>(
    store: &Store,
    bus: &B,
    config: &RelayConfig,
    checkpoint: i64,
    chain: Chain,
) -> Result<Passed, RelayError> {
    let chained = chain != Chain::Off;
    let first_previous = match chain {
        Chain::After(id) => Some(id),
        Chain::Start | Chain::Off => None,
    };
    let mut saved = Passed {
        checkpoint,
        last_id: first_previous,
    };
    // The batch sent last: its acknowledgements, last event and size.
    let mut in_flight: Option<(Acks, (i64, Uuid), u64)> = None;
    let mut current = prepare(store, config, checkpoint, first_previous, chained).await?;
    while let Some((last, last_id)) = current.last {
        // Reading and encoding run on another worker thread: they are CPU work that would
        // otherwise delay the publishing futures polled by this task.
        let next = {
            let (store, config) = (store.clone(), config.clone());
            tokio::spawn(
                async move { prepare(&store, &config, last, Some(last_id), chained).await },
            )
        };
        let n = current.messages.len() as u64;
        let acks = bus.send(std::mem::take(&mut current.messages)).await?;
        let next = match in_flight.replace((acks, (last, last_id), n)) {
            Some((previous, (p, id), count)) => {
                previous.wait().await?;
                metrics::add(&metrics::RELAY_PUBLISHED, count);
                let (stored, next) =
                    tokio::join!(store.save_relay_checkpoint(&config.name, p), next);
                stored?;
                saved = Passed {
                    checkpoint: p,
                    last_id: Some(id),
                };
                next
            }
            None => next.await,
        };
        current = next.map_err(|e| RelayError::Task(e.to_string()))??;
    }
    if let Some((acks, (p, id), count)) = in_flight {
        acks.wait().await?;
        metrics::add(&metrics::RELAY_PUBLISHED, count);
        store.save_relay_checkpoint(&config.name, p).await?;
        saved = Passed {
            checkpoint: p,
            last_id: Some(id),
        };
    }
    Ok(saved)
}

/// On PostgreSQL, holds an advisory lock for the relay's name on a dedicated connection for as
/// long as the returned guard lives; waits while another process holds it.
///
/// Hazard: if that connection dies the lock is gone while this relay goes on; a standby may then
/// publish too. That costs duplicates (dropped by `Nats-Msg-Id`, skipped by position), not order.
async fn leadership(
    store: &Store,
    name: &str,
    cancel: &CancellationToken,
) -> Option<sqlx::PgConnection> {
    let Store::Postgres(pg) = store else {
        return None;
    };
    let mut announced = false;
    loop {
        let attempt = async {
            let mut conn = pg.pool().acquire().await?;
            let got: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext('portal-relay-' || $1))")
                    .bind(name)
                    .fetch_one(&mut *conn)
                    .await?;
            // Detached: the session (and its lock) ends when the guard drops, not back in the pool.
            Ok::<_, sqlx::Error>(got.then(|| conn.detach()))
        };
        match attempt.await {
            Ok(Some(conn)) => return Some(conn),
            Ok(None) if !announced => {
                info!("another relay holds the lock; standing by");
                announced = true;
            }
            Ok(None) => {}
            Err(e) => warn!(error = %e, "relay cannot take its lock; retrying"),
        }
        if cancel.is_cancelled() {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Metadata, StreamId, WireEvent};
    use portal_domain::{Actor, TenantId};

    fn wire(payload: &str) -> WireEvent {
        WireEvent {
            position: 7 * 65536 + 1,
            stream_id: StreamId::parse("order-1").unwrap(),
            version: 1,
            event_id: Uuid::now_v7(),
            event_type: "OrderSubmitted".into(),
            schema_version: 1,
            tenant: TenantId::parse("acme").unwrap(),
            payload: serde_json::value::RawValue::from_string(payload.to_owned()).unwrap(),
            metadata: Metadata::new(Actor::System),
            recorded_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn bodies_are_the_cloudevent_in_buffers_of_their_own_size() {
        let long = format!(r#"{{"note":"{}"}}"#, "x".repeat(5000));
        for payload in [r#"{"order_id":"o-1"}"#, long.as_str()] {
            let e = wire(payload);
            let body = encode(&e, 42).unwrap();
            assert_eq!(
                body,
                serde_json::to_vec(&CloudEvent::from_wire(&e, 42)).unwrap()
            );
            assert_eq!(body.capacity(), body.len(), "no spare room kept");
        }
    }
}
