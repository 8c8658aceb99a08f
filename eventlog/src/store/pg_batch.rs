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

use super::postgres::MAX_EVENTS_PER_APPEND;

use crate::envelope::{AppendResult, Idempotency, NewEvent, StreamId};
use crate::error::StoreError;
use portal_domain::TenantId;
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Most appends in one statement: enough to fill a WAL flush, small enough to keep the
/// statement's latency near a single append's.
const MAX_APPENDS: usize = 256;
/// Most events in one statement (each is a row; positions allow 65535).
const MAX_EVENTS: usize = 4096;

/// The batched append, in one statement (see the module docs). Appends are rows of `a`; events
/// rows of `u` pointing at their append (`app`) with their rank in it (`n`). An append with a
/// known key is answered from `prior` and inserts nothing; one whose stream is not at its
/// expected version inserts nothing and reports the stream's version.
const APPEND_BATCH: &str = "
WITH a AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
                  WITH ORDINALITY AS a(tenant, stream, expected, key, fp, idx)
), prior AS (
    SELECT a.idx, k.fingerprint, k.stream_id, k.first_version, k.last_version,
           k.first_position, k.last_position, k.recorded_at
      FROM a JOIN idempotency_keys k ON k.tenant = a.tenant AND k.key = a.key
), cur AS (
    SELECT a.idx, a.tenant, a.stream, a.expected, a.key, a.fp,
           (SELECT coalesce(max(e.version), 0) FROM events e WHERE e.stream_id = a.stream) AS v
      FROM a WHERE NOT EXISTS (SELECT FROM prior p WHERE p.idx = a.idx)
), ins AS (
    INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version,
                        tenant, payload, metadata, recorded_at)
    SELECT pg_current_xact_id()::text::bigint * 65536 + u.ord, c.stream, c.v + u.n, u.id, u.typ,
           u.sv, c.tenant, u.payload::json, u.meta::json, now()
      FROM unnest($6::bigint[], $7::bigint[], $8::uuid[], $9::text[], $10::integer[],
                  $11::text[], $12::text[])
               WITH ORDINALITY AS u(app, n, id, typ, sv, payload, meta, ord)
      JOIN cur c ON c.idx = u.app AND c.v = c.expected
     ORDER BY u.ord
    RETURNING stream_id, position, version, recorded_at
), done AS (
    SELECT stream_id, min(position) AS first_position, max(position) AS last_position,
           min(version) AS first_version, max(version) AS last_version,
           max(recorded_at) AS recorded_at
      FROM ins GROUP BY stream_id
), idem AS (
    INSERT INTO idempotency_keys (tenant, key, fingerprint, stream_id, first_version,
                                  last_version, first_position, last_position, recorded_at)
    SELECT c.tenant, c.key, c.fp, c.stream, d.first_version, d.last_version, d.first_position,
           d.last_position, d.recorded_at
      FROM cur c JOIN done d ON d.stream_id = c.stream
     WHERE c.key IS NOT NULL
)
SELECT a.idx, c.v AS current_version,
       d.first_position, d.last_position, d.first_version, d.last_version, d.recorded_at,
       p.fingerprint AS prior_fingerprint, p.stream_id AS prior_stream,
       p.first_version AS prior_first_version, p.last_version AS prior_last_version,
       p.first_position AS prior_first_position, p.last_position AS prior_last_position,
       p.recorded_at AS prior_recorded_at
  FROM a LEFT JOIN cur c ON c.idx = a.idx
         LEFT JOIN done d ON d.stream_id = a.stream AND c.v = c.expected
         LEFT JOIN prior p ON p.idx = a.idx
 ORDER BY a.idx";

/// One append, its events already encoded as JSON text (by the caller's task, not the batch's).
pub(super) struct Append {
    pub tenant: TenantId,
    pub stream: StreamId,
    pub expected: i64,
    pub events: Vec<Encoded>,
    pub idempotency: Option<Idempotency>,
}

pub(super) struct Encoded {
    id: uuid::Uuid,
    event_type: String,
    schema_version: i32,
    payload: String,
    metadata: String,
}

impl Append {
    pub fn new(
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

struct Request {
    append: Append,
    reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

/// The gatherer: appends queue here; a few worker tasks each take everything queued (up to the
/// limits) as one batch. Several batches may be in flight at once, on different connections.
#[derive(Debug, Clone)]
pub(super) struct GroupCommit {
    queue: mpsc::UnboundedSender<Request>,
}

impl GroupCommit {
    /// Starts `workers` tasks on `pool`; they end when the last clone of this is dropped.
    /// `committed` runs after every batch that wrote something.
    pub fn start(
        pool: PgPool,
        workers: usize,
        committed: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
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
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Request { append, reply })
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
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

/// One append in a statement of its own, on `conn` (after its batch was refused, or inside a
/// caller's transaction).
pub(super) async fn append_alone(
    conn: &mut PgConnection,
    append: &Append,
) -> Result<AppendResult, StoreError> {
    match execute(conn, &[append]).await {
        Ok(mut results) => results.pop().unwrap_or(Err(StoreError::EmptyAppend)),
        Err(e) => single_error(conn, append, e).await,
    }
}

/// The answer to a statement of one append that failed with `e`.
async fn single_error(
    conn: &mut PgConnection,
    append: &Append,
    e: sqlx::Error,
) -> Result<AppendResult, StoreError> {
    let conflict = || StoreError::VersionConflict {
        stream: append.stream.to_string(),
        expected: append.expected,
        actual: None,
    };
    let version_taken = is_unique_violation(&e, "events_stream_version_unique");
    let key_taken = is_unique_violation(&e, "idempotency_keys_pkey");
    if version_taken && append.idempotency.is_none() {
        // A concurrent append took the version after our statement read it.
        return Err(conflict());
    }
    if version_taken || key_taken {
        // A concurrent append got there first; when it was a retry of this one (same key), its
        // result is ours, which the statement finds now that it has committed.
        return match execute(conn, &[append]).await {
            Ok(mut results) => results.pop().unwrap_or(Err(StoreError::EmptyAppend)),
            Err(e) if is_unique_violation(&e, "events_stream_version_unique") => Err(conflict()),
            Err(e) if is_unique_violation(&e, "idempotency_keys_pkey") => {
                Err(StoreError::IdempotencyConflict)
            }
            Err(e) => Err(e.into()),
        };
    }
    Err(e.into())
}

fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}

/// A copy of `e` for each caller of a failed batch (sqlx errors are not `Clone`), keeping what
/// [`crate::error::is_connection_failure`] looks at.
pub(super) fn replicate(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// Runs [`APPEND_BATCH`] for `appends` (distinct streams and keys, in stream order): one result
/// per append, in order; `Err` when the statement as a whole failed.
async fn execute(
    conn: &mut PgConnection,
    appends: &[&Append],
) -> Result<Vec<Result<AppendResult, StoreError>>, sqlx::Error> {
    let n = appends.len();
    let (mut tenants, mut streams, mut expected, mut keys, mut fps) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let total: usize = appends.iter().map(|a| a.events.len()).sum();
    let (mut apps, mut ranks, mut ids, mut types, mut svs, mut payloads, mut metas) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    for (idx, a) in (1_i64..).zip(appends) {
        tenants.push(a.tenant.as_str());
        streams.push(a.stream.as_str());
        expected.push(a.expected);
        keys.push(a.idempotency.as_ref().map(Idempotency::key));
        fps.push(a.idempotency.as_ref().map(Idempotency::fingerprint));
        for (rank, e) in (1_i64..).zip(&a.events) {
            apps.push(idx);
            ranks.push(rank);
            ids.push(e.id);
            types.push(e.event_type.as_str());
            svs.push(e.schema_version);
            payloads.push(e.payload.as_str());
            metas.push(e.metadata.as_str());
        }
    }
    let rows = sqlx::query(APPEND_BATCH)
        .bind(&tenants)
        .bind(&streams)
        .bind(&expected)
        .bind(&keys)
        .bind(&fps)
        .bind(&apps)
        .bind(&ranks)
        .bind(&ids)
        .bind(&types)
        .bind(&svs)
        .bind(&payloads)
        .bind(&metas)
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() != n {
        return Err(sqlx::Error::Protocol(format!(
            "a batch of {n} appends answered {} rows",
            rows.len()
        )));
    }
    Ok(appends
        .iter()
        .zip(&rows)
        .map(|(a, row)| outcome(a, row))
        .collect())
}

fn outcome(append: &Append, row: &PgRow) -> Result<AppendResult, StoreError> {
    if let Some(fingerprint) = row.try_get::<Option<String>, _>("prior_fingerprint")? {
        let same = append
            .idempotency
            .as_ref()
            .is_some_and(|i| i.fingerprint() == fingerprint);
        if !same {
            return Err(StoreError::IdempotencyConflict);
        }
        let stream: String = row.try_get("prior_stream")?;
        return Ok(AppendResult {
            stream_id: StreamId::parse(&stream)?,
            first_version: row.try_get("prior_first_version")?,
            last_version: row.try_get("prior_last_version")?,
            first_position: row.try_get("prior_first_position")?,
            last_position: row.try_get("prior_last_position")?,
            recorded_at: row.try_get("prior_recorded_at")?,
            replayed: true,
        });
    }
    let Some(first_position) = row.try_get::<Option<i64>, _>("first_position")? else {
        return Err(StoreError::VersionConflict {
            stream: append.stream.to_string(),
            expected: append.expected,
            actual: row.try_get("current_version")?,
        });
    };
    Ok(AppendResult {
        stream_id: append.stream.clone(),
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        first_position,
        last_position: row.try_get("last_position")?,
        recorded_at: row.try_get("recorded_at")?,
        replayed: false,
    })
}
