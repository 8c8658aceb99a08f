//! PostgreSQL backend. An append is one statement ([`APPEND`]), one round trip, autocommit; see
//! migration 0001 for how positions are derived from transaction ids and why readers take the
//! read horizon first and read below it in a later statement (as `portal_read_all` does).

use super::{RawEvent, StoreOptions};
use crate::envelope::{AppendResult, Idempotency, NewEvent, RecordedEvent, StreamId, WireEvent};
use crate::error::StoreError;
use portal_domain::TenantId;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgExecutor, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Connection, Row, migrate::Migrator};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

const COLUMNS: &str = "position, stream_id, version, event_id, event_type, schema_version, \
                       tenant, payload, metadata, recorded_at";

/// Most events one append may carry: the ordinal within the transaction has 16 bits.
pub const MAX_EVENTS_PER_APPEND: usize = 65_535;

/// The append, in one statement. It inserts nothing when the stream is not at `$3` (then
/// `first_position` is NULL and `current_version` tells where the stream is); with a key (`$9`)
/// it also records the result under that key. Positions: migration 0001.
const APPEND: &str = "
WITH cur AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $2
), ins AS (
    INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version,
                        tenant, payload, metadata, recorded_at)
    SELECT pg_current_xact_id()::text::bigint * 65536 + u.ord, $2, cur.v + u.ord, u.id, u.typ,
           u.sv, $1, u.payload, u.meta, now()
      FROM cur, unnest($4::uuid[], $5::text[], $6::integer[], $7::json[], $8::json[])
                WITH ORDINALITY AS u(id, typ, sv, payload, meta, ord)
     WHERE cur.v = $3
    RETURNING position, version, recorded_at
), idem AS (
    INSERT INTO idempotency_keys (tenant, key, fingerprint, stream_id, first_version,
                                  last_version, first_position, last_position, recorded_at)
    SELECT $1, $9, $10, $2, min(version), max(version), min(position), max(position),
           max(recorded_at)
      FROM ins HAVING count(*) > 0 AND $9::text IS NOT NULL
)
SELECT min(position) AS first_position, max(position) AS last_position,
       min(version) AS first_version, max(version) AS last_version,
       max(recorded_at) AS recorded_at, false AS replayed,
       (SELECT v FROM cur) AS current_version
  FROM ins";

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    committed: CommitSignal,
}

/// Sends the commit hint (`NOTIFY portal_events`) after appends commit, from a background task
/// and outside the appending transaction, coalescing bursts into one notification per round
/// trip. Why not a trigger in the appending transaction (as before migration 0004): PostgreSQL
/// holds one cluster-wide lock from a notifying transaction's pre-commit until its commit
/// record is flushed, so every append would wait for every other append's WAL flush and group
/// commit could not happen (measured here with pgbench: 2,877 → 1,095 appends/s). A
/// notify-only transaction writes no WAL, so it holds that lock only for a moment.
///
/// Hazard: an append through [`PgStore::append_in_transaction`] commits when its caller
/// commits, unseen here; listeners then find it on their slow poll (a hint, never the data).
#[derive(Debug, Clone)]
struct CommitSignal(tokio::sync::mpsc::Sender<()>);

impl CommitSignal {
    /// Starts the notifying task; it ends when the last clone of the store is dropped.
    fn start(pool: PgPool) -> Self {
        // Capacity 1: a commit while a notification is pending needs no second one; a commit
        // while one is being sent queues exactly one more, sent after ours committed.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        tokio::spawn(async move {
            while rx.recv().await.is_some() {
                let sent = sqlx::query("SELECT pg_notify($1, '')")
                    .bind(super::COMMIT_CHANNEL)
                    .execute(&pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "cannot send the commit notification");
                }
            }
        });
        Self(tx)
    }

    fn signal(&self) {
        // Full: a notification is already pending. Closed: the runtime is shutting down.
        let _ = self.0.try_send(());
    }
}

impl PgStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect: PgConnectOptions = url.parse()?;
        // One direct connection first: a pool would report an unreachable server or a wrong
        // password only as "pool timed out", hiding the reason the operator needs.
        match tokio::time::timeout(options.acquire_timeout, connect.connect()).await {
            Err(_) => return Err(StoreError::ConnectTimeout(options.acquire_timeout)),
            Ok(Err(e)) => return Err(e.into()),
            Ok(Ok(probe)) => {
                let _ = probe.close().await;
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps an existing pool (tests and benchmarks share one pool with their baselines). Must
    /// be called inside a Tokio runtime (it starts the commit notifier).
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            committed: CommitSignal::start(pool.clone()),
            pool,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn append(
        &self,
        tenant: &TenantId,
        stream: &StreamId,
        expected_version: i64,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<AppendResult, StoreError> {
        // A keyed retry returns the first result; a concurrent retry with the same key can still
        // win between this check and our insert, and the second round then replays its result.
        for _ in 0..2 {
            if let Some(idem) = idempotency
                && let Some(prior) = self.find_idempotent(tenant, idem).await?
            {
                return Ok(prior);
            }
            let result = run_append(
                &self.pool,
                tenant,
                stream,
                expected_version,
                events,
                idempotency,
            )
            .await;
            match result {
                Ok(r) if !r.replayed => {
                    self.committed.signal();
                    return Ok(r);
                }
                Err(StoreError::Database(e))
                    if is_unique_violation(&e, "idempotency_keys_pkey") =>
                {
                    continue;
                }
                other => return other,
            }
        }
        Err(StoreError::IdempotencyConflict)
    }

    /// Appends inside a transaction the caller holds open, without an idempotency key.
    /// Contract: the append must be the first write of that transaction and its only append
    /// (positions come from the transaction id, see migration 0001). Readers do not see the
    /// events, nor any appended after them, until the transaction ends. The conformance suite
    /// uses it to hold commits back and prove that readers never skip.
    pub async fn append_in_transaction(
        &self,
        conn: &mut PgConnection,
        tenant: &TenantId,
        stream: &StreamId,
        expected_version: i64,
        events: &[NewEvent],
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        run_append(conn, tenant, stream, expected_version, events, None).await
    }

    pub async fn find_idempotent(
        &self,
        tenant: &TenantId,
        idempotency: &Idempotency,
    ) -> Result<Option<AppendResult>, StoreError> {
        let row = sqlx::query(
            "SELECT fingerprint, stream_id, first_position, last_position, first_version, \
                    last_version, recorded_at, true AS replayed \
               FROM idempotency_keys WHERE tenant = $1 AND key = $2",
        )
        .bind(tenant.as_str())
        .bind(idempotency.key())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("fingerprint")? != idempotency.fingerprint() {
            return Err(StoreError::IdempotencyConflict);
        }
        let stream = StreamId::parse(&row.try_get::<String, _>("stream_id")?)?;
        append_result(&stream, &row).map(Some)
    }

    pub async fn read_stream(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version"
        ))
        .bind(stream.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_row).collect()
    }

    pub async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let below = self.read_horizon().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE position > $1 AND position < $2 \
             ORDER BY position LIMIT $3"
        ))
        .bind(after_position)
        .bind(below)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_row).collect()
    }
}

impl PgStore {
    /// The position below which every event is committed or will never be (see
    /// `portal_read_horizon()` in migration 0001).
    ///
    /// Readers take it in one statement and read the rows in a *later* statement (a later
    /// snapshot, in which every transaction below the horizon has ended): never both in one
    /// statement, whose snapshot could predate a commit the horizon already counts as ended. This
    /// is what `portal_read_all()` does inside the database; doing it from here instead spares
    /// the function's result materialisation, several times slower for large pages.
    async fn read_horizon(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT portal_read_horizon()::text::bigint * 65536")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn read_all_wire(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<WireEvent>, StoreError> {
        let below = self.read_horizon().await?;
        let rows = sqlx::query(
            "SELECT position, stream_id, version, event_id, event_type, schema_version, tenant, \
                    payload::text AS payload, metadata::text AS metadata, recorded_at \
               FROM events WHERE position > $1 AND position < $2 ORDER BY position LIMIT $3",
        )
        .bind(after_position)
        .bind(below)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let metadata: &str = row.try_get("metadata")?;
                super::wire_event(
                    row.try_get("position")?,
                    row.try_get("stream_id")?,
                    row.try_get("version")?,
                    row.try_get("event_id")?,
                    row.try_get("event_type")?,
                    row.try_get("schema_version")?,
                    row.try_get("tenant")?,
                    row.try_get("payload")?,
                    metadata,
                    row.try_get("recorded_at")?,
                )
            })
            .collect()
    }
}

/// Runs [`APPEND`] once on `executor`.
async fn run_append<'e>(
    executor: impl PgExecutor<'e>,
    tenant: &TenantId,
    stream: &StreamId,
    expected_version: i64,
    events: &[NewEvent],
    idempotency: Option<&Idempotency>,
) -> Result<AppendResult, StoreError> {
    if events.len() > MAX_EVENTS_PER_APPEND {
        return Err(StoreError::TooManyEvents(events.len()));
    }
    let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
    let types: Vec<_> = events.iter().map(|e| e.event_type.as_str()).collect();
    let versions: Vec<_> = events.iter().map(|e| e.schema_version).collect();
    let payloads: Vec<_> = events.iter().map(|e| e.payload.clone()).collect();
    let metadata = events
        .iter()
        .map(|e| serde_json::to_value(&e.metadata))
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::Encode)?;

    let row = sqlx::query(APPEND)
        .bind(tenant.as_str())
        .bind(stream.as_str())
        .bind(expected_version)
        .bind(&ids)
        .bind(&types)
        .bind(&versions)
        .bind(&payloads)
        .bind(&metadata)
        .bind(idempotency.map(Idempotency::key))
        .bind(idempotency.map(Idempotency::fingerprint))
        .fetch_one(executor)
        .await
        .map_err(|e| {
            // A concurrent append took the version after our snapshot read it.
            if is_unique_violation(&e, "events_stream_version_unique") {
                StoreError::VersionConflict {
                    stream: stream.to_string(),
                    expected: expected_version,
                    actual: None,
                }
            } else {
                e.into()
            }
        })?;
    if row.try_get::<Option<i64>, _>("first_position")?.is_none() {
        return Err(StoreError::VersionConflict {
            stream: stream.to_string(),
            expected: expected_version,
            actual: row.try_get("current_version")?,
        });
    }
    append_result(stream, &row)
}

fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}

fn append_result(stream: &StreamId, row: &PgRow) -> Result<AppendResult, StoreError> {
    Ok(AppendResult {
        stream_id: stream.clone(),
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        first_position: row.try_get("first_position")?,
        last_position: row.try_get("last_position")?,
        recorded_at: row.try_get("recorded_at")?,
        replayed: row.try_get("replayed")?,
    })
}

fn decode_row(row: &PgRow) -> Result<RecordedEvent, StoreError> {
    RawEvent {
        position: row.try_get("position")?,
        stream_id: row.try_get("stream_id")?,
        version: row.try_get("version")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        tenant: row.try_get("tenant")?,
        payload: row.try_get("payload")?,
        metadata: row.try_get("metadata")?,
        recorded_at: row.try_get("recorded_at")?,
    }
    .into_recorded()
}
