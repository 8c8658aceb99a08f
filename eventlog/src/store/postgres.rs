//! PostgreSQL backend. Appends are group-committed: concurrent appends share one statement, one
//! round trip, autocommit (see `pg_batch.rs`); see migration 0001 for how positions are derived
//! from transaction ids and why readers take the read horizon first and read below it in a later
//! statement (as `portal_read_all` does).

use super::batch::Append;
use super::pg_batch::{self, GroupCommit};
use super::{RawEvent, StoreOptions};
use crate::envelope::{AppendResult, Idempotency, NewEvent, RecordedEvent, StreamId, WireEvent};
use crate::error::StoreError;
use portal_domain::TenantId;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgRow};
use sqlx::{ConnectOptions, Connection, Row, migrate::Migrator};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

const COLUMNS: &str = "position, stream_id, version, event_id, event_type, schema_version, \
                       tenant, payload, metadata, recorded_at";

/// Most events one append may carry: the ordinal within the transaction has 16 bits.
pub const MAX_EVENTS_PER_APPEND: usize = 65_535;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    group: GroupCommit,
}

/// Least time between two commit notifications.
const NOTIFY_INTERVAL: std::time::Duration = std::time::Duration::from_millis(1);

/// Sends the commit hint (`NOTIFY portal_events`) after appends commit, from a background task
/// and outside the appending transaction, coalescing bursts into at most one notification per
/// [`NOTIFY_INTERVAL`] (a listener wakes at most that much later; under load the notifications
/// would otherwise compete with the appends for the same cores). Why not a trigger in the appending transaction (as before migration 0004): PostgreSQL
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
                tokio::time::sleep(NOTIFY_INTERVAL).await;
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
        let pool = super::pool::options::<sqlx::Postgres>()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps an existing pool (tests and benchmarks share one pool with their baselines). Must
    /// be called inside a Tokio runtime (it starts the commit notifier).
    pub fn from_pool(pool: PgPool) -> Self {
        let committed = CommitSignal::start(pool.clone());
        // Up to this many batches in flight at once: while some wait for their WAL flush
        // (PostgreSQL flushes concurrent commits together), the next one gathers. Measured on a
        // 2-core machine with a slow disk, 32 writers: 1 batch in flight reached 0.4 of plain
        // inserts' rate, 4 reached 0.9, 8 reached 1.0. How many are in flight follows the load
        // (`pg_batch::Window`): with few writers, fewer and fuller batches.
        let workers = (pool.options().get_max_connections() as usize / 2).clamp(1, 8);
        Self {
            group: GroupCommit::start(pool.clone(), workers, move || committed.signal()),
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
        let append = Append::new(tenant, stream, expected_version, events, idempotency)?;
        self.group.append(append).await
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
        let append = Append::new(tenant, stream, expected_version, events, None)?;
        pg_batch::append_alone(conn, &append).await
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

    pub async fn first_events(
        &self,
        streams: &[StreamId],
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let ids: Vec<&str> = streams.iter().map(StreamId::as_str).collect();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = ANY($1) AND version = 1"
        ))
        .bind(&ids)
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
