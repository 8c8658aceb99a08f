//! The relay: the event log is the outbox. It tails the log in global order and publishes every
//! committed event to the bus, then stores its checkpoint, so an event is published at least once
//! and never skipped. A crash between publish and checkpoint republishes the last batch: JetStream
//! drops the duplicates by `Nats-Msg-Id` within its window and consumers skip them by position.
//!
//! Wakes on commit ([`crate::store::CommitListener`]) and polls slowly as a safety net. Publishes
//! are pipelined per batch. On PostgreSQL one relay per checkpoint name runs at a time (an
//! advisory lock), so several `portal relay` processes are hot standbys, not duplicate publishers.

use crate::bus::{EventBus, OutMessage};
use crate::error::StoreError;
use crate::metrics;
use crate::store::Store;
use crate::wire::{CloudEvent, subject_of};
use bytes::Bytes;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};

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
    while !cancel.is_cancelled() {
        let outcome = tokio::select! {
            r = relay_pass(&store, &bus, &config, checkpoint) => r,
            () = cancel.cancelled() => return,
        };
        match outcome {
            Ok(last) if last > checkpoint => {
                checkpoint = last;
                backoff = Duration::from_millis(100);
            }
            Ok(_) => {
                tokio::select! {
                    _ = listener.wait(config.poll) => {}
                    () = cancel.cancelled() => {}
                }
            }
            Err(e) => {
                metrics::add(&metrics::RELAY_FAILURES, 1);
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

/// A batch read and encoded, ready to publish.
struct Prepared {
    messages: Vec<OutMessage>,
    last: Option<i64>,
}

async fn prepare(store: &Store, config: &RelayConfig, after: i64) -> Result<Prepared, RelayError> {
    let events = store.read_all_wire(after, config.batch).await?;
    let mut previous = after;
    let mut messages = Vec::with_capacity(events.len());
    for e in &events {
        let body = serde_json::to_vec(&CloudEvent::from_wire(e, previous))?;
        previous = e.position;
        messages.push(OutMessage {
            subject: subject_of(
                &config.subject_prefix,
                &e.tenant,
                &e.stream_id,
                &e.event_type,
            ),
            msg_id: e.event_id.to_string(),
            body: Bytes::from(body),
        });
    }
    Ok(Prepared {
        messages,
        last: events.last().map(|e| e.position),
    })
}

/// Publishes everything after `checkpoint` up to the head of the log and returns the new
/// checkpoint (= `checkpoint` when there was nothing new).
///
/// Pipelined: while one batch's acknowledgements are awaited, the next batch is read and encoded
/// and the previous batch's checkpoint is stored. A checkpoint is only ever stored for a batch
/// whose every message was acknowledged, and batches go out strictly in log order.
pub async fn relay_pass<B: EventBus>(
    store: &Store,
    bus: &B,
    config: &RelayConfig,
    checkpoint: i64,
) -> Result<i64, RelayError> {
    let mut saved = checkpoint;
    let mut acked: Option<i64> = None;
    let mut current = prepare(store, config, checkpoint).await?;
    while let Some(last) = current.last {
        let n = current.messages.len() as u64;
        let save = async {
            match acked {
                Some(p) => store.save_relay_checkpoint(&config.name, p).await,
                None => Ok(()),
            }
        };
        // Reading and encoding run on another worker thread: they are CPU work that would
        // otherwise delay the publishing futures polled by this task.
        let next = {
            let (store, config) = (store.clone(), config.clone());
            tokio::spawn(async move { prepare(&store, &config, last).await })
        };
        let (published, stored) =
            tokio::join!(bus.publish(std::mem::take(&mut current.messages)), save);
        let next = next.await.map_err(|e| RelayError::Task(e.to_string()))?;
        stored?;
        if let Some(p) = acked.take() {
            saved = p;
        }
        published?;
        metrics::add(&metrics::RELAY_PUBLISHED, n);
        metrics::RELAY_POSITION.store(last, Ordering::Relaxed);
        acked = Some(last);
        current = next?;
    }
    if let Some(p) = acked {
        store.save_relay_checkpoint(&config.name, p).await?;
        saved = p;
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
