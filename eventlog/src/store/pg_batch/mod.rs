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
use std::collections::{HashSet, VecDeque};
use tokio::sync::mpsc;

/// Most appends in one statement: enough to fill a WAL flush, small enough to keep the
/// statement's latency near a single append's.
const MAX_APPENDS: usize = 256;
/// Most events in one statement (each is a row; positions allow 65535).
const MAX_EVENTS: usize = 4096;

/// The gatherer: appends queue here; one dispatching task takes what is queued as batches and
/// runs each on a task of its own, several at once on different connections (see [`Window`]).
#[derive(Debug, Clone)]
pub(super) struct GroupCommit {
    queue: Queue,
}

impl GroupCommit {
    /// Starts the dispatching task on `pool`, with at most `workers` batches in flight; it ends
    /// when the last clone of this is dropped and every queued append has its answer.
    /// `committed` runs after every batch that wrote something.
    pub fn start(
        pool: PgPool,
        workers: usize,
        committed: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let (queue, rx) = Queue::new();
        tokio::spawn(dispatch(pool, rx, Window::new(workers), committed));
        Self { queue }
    }

    pub async fn append(&self, append: Append) -> Result<AppendResult, StoreError> {
        self.queue.append(append).await
    }
}

/// How many batches may be in flight, given how many are and how many appends wait.
///
/// A batch in flight holds a connection and, at its end, a WAL flush; appends queued meanwhile
/// ride the next batch. A second batch beside the first pays for its own statement and flush,
/// which is worth it only when enough appends wait to fill it: with few writers, starting every
/// append at once would make a batch of one per append, each with the full cost of a row, a
/// statement and a commit, and the log would fall behind PostgreSQL's own group commit of plain
/// inserts. So the window opens with the load: nothing in flight starts at once (a lone
/// writer never waits), and each further batch needs [`Window::STEP`] more appends waiting than
/// the one before.
#[derive(Debug, Clone, Copy)]
struct Window {
    most: usize,
}

impl Window {
    const STEP: usize = 4;

    fn new(most: usize) -> Self {
        Self { most: most.max(1) }
    }

    fn opens(self, in_flight: usize, waiting: usize) -> bool {
        waiting > 0 && in_flight < self.most && waiting >= in_flight * Self::STEP
    }
}

/// Takes appends from `rx` and starts batches as `window` allows, until the queue is closed
/// and drained and no batch is in flight.
async fn dispatch(
    pool: PgPool,
    mut rx: mpsc::UnboundedReceiver<Request>,
    window: Window,
    committed: impl Fn() + Send + Sync + 'static,
) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<bool>();
    let mut waiting: VecDeque<Request> = VecDeque::new();
    let mut in_flight = 0;
    let mut open = true;
    loop {
        while let Ok(r) = rx.try_recv() {
            waiting.push_back(r);
        }
        if window.opens(in_flight, waiting.len()) {
            let batch = take_batch(&mut waiting);
            let (pool, done) = (pool.clone(), done_tx.clone());
            in_flight += 1;
            tokio::spawn(async move {
                let mut finished = Finished { done, wrote: false };
                finished.wrote = run_rounds(&pool, batch).await;
            });
            continue;
        }
        if !open && waiting.is_empty() && in_flight == 0 {
            return;
        }
        tokio::select! {
            r = rx.recv(), if open => match r {
                Some(r) => waiting.push_back(r),
                None => open = false,
            },
            Some(wrote) = done_rx.recv() => {
                in_flight -= 1;
                if wrote {
                    committed();
                }
            }
        }
    }
}

/// Tells the dispatcher that a batch ended, and whether it wrote, when dropped: also when the
/// batch's task panicked or was cancelled, so a lost batch never keeps its place in the window
/// (the window would close for good once every place was lost).
struct Finished {
    done: mpsc::UnboundedSender<bool>,
    wrote: bool,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.done.send(self.wrote);
    }
}

/// The oldest waiting appends, within the limits of one statement.
fn take_batch(waiting: &mut VecDeque<Request>) -> Vec<Request> {
    let mut batch = Vec::new();
    let mut events = 0;
    while let Some(next) = waiting.front() {
        let n = next.append.events.len();
        if !batch.is_empty() && (batch.len() == MAX_APPENDS || events + n > MAX_EVENTS) {
            break;
        }
        events += n;
        batch.extend(waiting.pop_front());
    }
    batch
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_a_lone_append_at_once() {
        let window = Window::new(8);
        assert!(window.opens(0, 1));
        assert!(!window.opens(0, 0));
    }

    #[test]
    fn each_further_batch_needs_more_appends_waiting() {
        let window = Window::new(8);
        assert!(!window.opens(1, Window::STEP - 1));
        assert!(window.opens(1, Window::STEP));
        assert!(!window.opens(2, 2 * Window::STEP - 1));
        assert!(window.opens(2, 2 * Window::STEP));
    }

    #[test]
    fn the_window_never_exceeds_its_most() {
        let window = Window::new(2);
        assert!(!window.opens(2, 1000));
        assert!(
            Window::new(0).opens(0, 1),
            "at least one batch can always run"
        );
    }

    #[tokio::test]
    async fn a_batch_whose_task_panics_gives_its_place_back() {
        let (done, mut ended) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let _finished = Finished { done, wrote: false };
            panic!("the batch failed");
        });
        assert!(task.await.is_err());
        assert_eq!(ended.recv().await, Some(false));
    }

    fn request(events: usize) -> Request {
        let event = crate::NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "Noted".into(),
            schema_version: 1,
            payload: serde_json::json!({}),
            metadata: crate::Metadata::new(portal_domain::Actor::System),
        };
        let tenant = portal_domain::TenantId::parse("acme").unwrap();
        let stream = crate::StreamId::parse("note-1").unwrap();
        let append = Append::new(&tenant, &stream, 0, &vec![event; events], None).unwrap();
        Request {
            append,
            reply: tokio::sync::oneshot::channel().0,
        }
    }

    #[test]
    fn a_batch_takes_the_oldest_appends_within_the_statement_limits() {
        let mut waiting: VecDeque<_> = (0..MAX_APPENDS + 3).map(|_| request(1)).collect();
        assert_eq!(take_batch(&mut waiting).len(), MAX_APPENDS);
        assert_eq!(take_batch(&mut waiting).len(), 3);
        assert!(waiting.is_empty());

        let mut waiting: VecDeque<_> = [MAX_EVENTS - 1, 2, 1].map(request).into();
        assert_eq!(
            take_batch(&mut waiting).len(),
            1,
            "the second would pass the event limit"
        );
        assert_eq!(take_batch(&mut waiting).len(), 2);
    }

    #[test]
    fn an_append_larger_than_the_event_limit_still_gets_a_batch() {
        let mut waiting: VecDeque<_> = [MAX_EVENTS + 1, 1].map(request).into();
        assert_eq!(take_batch(&mut waiting).len(), 1);
        assert_eq!(take_batch(&mut waiting).len(), 1);
    }
}
