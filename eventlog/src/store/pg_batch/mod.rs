//! Group commit for PostgreSQL appends: concurrent appends of this process are gathered into one
//! statement, so one transaction and one WAL flush carry many appends.
//!
//! Contract kept per append, as if it ran alone:
//! - its own expected-version check: a stream that moved fails that append alone
//!   ([`StoreError::VersionConflict`]), the others of the batch commit;
//! - its own idempotency key: a key already used replays its first result (or fails with
//!   [`StoreError::IdempotencyConflict`] on another fingerprint), in the same statement;
//! - atomic: all its events or none, in one contiguous run of versions.
//!
//! Positions: the whole batch is one autocommit statement, so one transaction id; each event's
//! position is that id × 65536 + its ordinal in the batch (migration 0001), hence at most
//! [`MAX_EVENTS_PER_APPEND`] events per batch. Readers' horizon logic is unchanged: a batch is
//! one transaction like any other.
//!
//! Hazards and how they are met:
//! - Two appends of one batch to the same stream (or with the same key) would read the same
//!   current version: the gatherer puts the later one into a following round.
//! - A concurrent writer elsewhere (another process, another batch) can take a version between
//!   our read and our insert: the unique index on (stream, version) then fails the whole
//!   statement, and nothing of it is committed. The batch is then retried one append per
//!   statement, so the loser gets its clear conflict and the others commit.
//! - Two concurrent batches touching the same two streams could wait on each other's index
//!   entries: rows are inserted in stream order, so waits never form a cycle.
//! - A failure that does not say the statement was refused (connection lost mid-statement) may
//!   or may not have committed: it is reported to every caller, never retried here.

mod statement;

pub(super) use statement::{append_alone, replicate};
use statement::{execute, single_error};

use super::batch::{Append, Queue, Request};
use super::postgres::MAX_EVENTS_PER_APPEND;

use crate::envelope::AppendResult;
use crate::error::StoreError;
use sqlx::postgres::PgPool;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};

/// Most appends in one statement: enough to fill a WAL flush, small enough to keep the
/// statement's latency near a single append's.
const MAX_APPENDS: usize = 256;
/// Most events in one statement (each is a row; positions allow 65535).
const MAX_EVENTS: usize = 4096;

/// The gatherer: appends queue here; a few worker tasks each take everything queued (up to the
/// limits) as one batch. Several batches may be in flight at once, on different connections.
#[derive(Debug, Clone)]
pub(super) struct GroupCommit {
    queue: Queue,
}

impl GroupCommit {
    /// Starts `workers` tasks on `pool`; they end when the last clone of this is dropped.
    /// `committed` runs after every batch that wrote something.
    pub fn start(
        pool: PgPool,
        workers: usize,
        committed: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let (queue, rx) = Queue::new();
        let rx = Arc::new(Mutex::new(rx));
        let committed = Arc::new(committed);
        for _ in 0..workers.max(1) {
            let (pool, rx, committed) = (pool.clone(), rx.clone(), committed.clone());
            tokio::spawn(async move {
                while let Some(batch) = gather(&rx).await {
                    if run_rounds(&pool, batch).await {
                        committed();
                    }
                }
            });
        }
        Self { queue }
    }

    pub async fn append(&self, append: Append) -> Result<AppendResult, StoreError> {
        self.queue.append(append).await
    }
}

/// Waits for one request, then takes whatever else is queued, within the limits. `None` when
/// the queue is closed.
async fn gather(rx: &Mutex<mpsc::UnboundedReceiver<Request>>) -> Option<Vec<Request>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut events = first.append.events.len();
    let mut batch = vec![first];
    while batch.len() < MAX_APPENDS && events < MAX_EVENTS {
        match rx.try_recv() {
            Ok(r) => {
                events += r.append.events.len();
                batch.push(r);
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Runs `batch` as statements of appends to distinct streams and keys, and of at most
/// [`MAX_EVENTS_PER_APPEND`] events; answers every request. Whether anything was written.
async fn run_rounds(pool: &PgPool, mut batch: Vec<Request>) -> bool {
    let mut wrote = false;
    while !batch.is_empty() {
        let mut streams = HashSet::new();
        let mut keys = HashSet::new();
        let mut events = 0;
        let (round, later): (Vec<_>, Vec<_>) = batch.into_iter().partition(|r| {
            let a = &r.append;
            let key = a
                .idempotency
                .as_ref()
                .map(|i| (a.tenant.clone(), i.key().to_owned()));
            let fits = events + a.events.len() <= MAX_EVENTS_PER_APPEND
                && !streams.contains(&a.stream)
                && key.as_ref().is_none_or(|k| !keys.contains(k));
            if fits {
                events += a.events.len();
                streams.insert(a.stream.clone());
                keys.extend(key);
            }
            fits
        });
        batch = later;
        wrote |= run_round(pool, round).await;
    }
    wrote
}

async fn run_round(pool: &PgPool, mut round: Vec<Request>) -> bool {
    // Stream order: concurrent batches take index entries in the same order (module docs).
    round.sort_by(|a, b| a.append.stream.cmp(&b.append.stream));
    let appends: Vec<&Append> = round.iter().map(|r| &r.append).collect();
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => {
            for request in round {
                let _ = request.reply.send(Err(replicate(&e).into()));
            }
            return false;
        }
    };
    let results = match execute(&mut conn, &appends).await {
        Ok(results) => results,
        // Refused as a whole: nothing committed. Alone, each append gets its own answer; one
        // after the other on this connection, so a refusal never takes more connections.
        Err(sqlx::Error::Database(_)) if round.len() > 1 => {
            let mut answers = Vec::with_capacity(round.len());
            for r in &round {
                answers.push(append_alone(&mut conn, &r.append).await);
            }
            answers
        }
        Err(e @ sqlx::Error::Database(_)) => {
            vec![single_error(&mut conn, &round[0].append, e).await]
        }
        Err(e) => round.iter().map(|_| Err(replicate(&e).into())).collect(),
    };
    let wrote = results
        .iter()
        .any(|r| r.as_ref().is_ok_and(|r| !r.replayed));
    for (request, result) in round.into_iter().zip(results) {
        let _ = request.reply.send(result);
    }
    wrote
}
