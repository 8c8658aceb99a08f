//! SQLite backend (embedded mode). All writes go through a pool of one connection and run in
//! `BEGIN IMMEDIATE` transactions, so appends are serialised and positions follow commit order;
//! concurrent appends share one transaction (group commit, `sqlite_batch.rs`). Reads use a
//! separate pool and WAL snapshots, so they never block the writer.

use super::batch::Append;
use super::sqlite_batch::GroupCommit;
use super::{RawEvent, StoreOptions};
use crate::envelope::{AppendResult, Idempotency, NewEvent, RecordedEvent, StreamId, WireEvent};
use crate::error::StoreError;
use portal_domain::TenantId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, migrate::Migrator};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

const COLUMNS: &str = "position, stream_id, version, event_id, event_type, schema_version, \
                       tenant, payload, metadata, recorded_at";

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// Bumped after every committed append: the in-process commit signal (one process owns an
    /// embedded store, so nothing outside it can append).
    commits: Arc<watch::Sender<u64>>,
    group: GroupCommit,
    gate: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // The log is the source of truth: survive power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = super::pool::options::<sqlx::Sqlite>()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout.max(Duration::from_secs(30)))
            .connect_with(connect.clone())
            .await?;
        let reader = super::pool::options::<sqlx::Sqlite>()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        let commits = Arc::new(watch::Sender::new(0_u64));
        let gate = super::write_gate(url);
        let signal = commits.clone();
        Ok(Self {
            group: GroupCommit::start(writer.clone(), gate.clone(), move || {
                signal.send_modify(|n| *n = n.wrapping_add(1));
            }),
            writer,
            reader,
            commits,
            gate,
        })
    }

    /// The pool that serialises writes; other tables of the embedded database must be written
    /// through it too, or they will meet `SQLITE_BUSY`.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// The file's write gate (see `gate.rs`): taken by every write transaction on it.
    pub fn write_gate(&self) -> &Arc<tokio::sync::Mutex<()>> {
        &self.gate
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// A receiver that changes after every committed append of this process.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.writer).await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
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

    pub async fn find_idempotent(
        &self,
        tenant: &TenantId,
        idempotency: &Idempotency,
    ) -> Result<Option<AppendResult>, StoreError> {
        let mut conn = self.reader.acquire().await?;
        find_idempotent(&mut conn, tenant, idempotency).await
    }

    pub async fn read_stream(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = ? ORDER BY version"
        ))
        .bind(stream.as_str())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(decode_row).collect()
    }

    pub async fn first_events(
        &self,
        streams: &[StreamId],
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if streams.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; streams.len()].join(", ");
        let sql =
            format!("SELECT {COLUMNS} FROM events WHERE stream_id IN ({marks}) AND version = 1");
        let mut query = sqlx::query(&sql);
        for s in streams {
            query = query.bind(s.as_str());
        }
        let rows = query.fetch_all(&self.reader).await?;
        rows.iter().map(decode_row).collect()
    }

    pub async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
        ))
        .bind(after_position)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(decode_row).collect()
    }
}

impl SqliteStore {
    pub async fn read_all_wire(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<WireEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
        ))
        .bind(after_position)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.try_get("position")?;
                let event_id: &str = row.try_get("event_id")?;
                let event_id = event_id.parse().map_err(|e| StoreError::Corrupt {
                    position,
                    reason: format!("event id: {e}"),
                })?;
                super::wire_event(
                    position,
                    row.try_get("stream_id")?,
                    row.try_get("version")?,
                    event_id,
                    row.try_get("event_type")?,
                    row.try_get("schema_version")?,
                    row.try_get("tenant")?,
                    row.try_get("payload")?,
                    row.try_get("metadata")?,
                    row.try_get("recorded_at")?,
                )
            })
            .collect()
    }
}

pub(super) async fn find_idempotent(
    conn: &mut sqlx::SqliteConnection,
    tenant: &TenantId,
    idempotency: &Idempotency,
) -> Result<Option<AppendResult>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, stream_id, first_version, last_version, first_position, \
                last_position, recorded_at FROM idempotency_keys WHERE tenant = ? AND key = ?",
    )
    .bind(tenant.as_str())
    .bind(idempotency.key())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<String, _>("fingerprint")? != idempotency.fingerprint() {
        return Err(StoreError::IdempotencyConflict);
    }
    Ok(Some(AppendResult {
        stream_id: StreamId::parse(&row.try_get::<String, _>("stream_id")?)?,
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        first_position: row.try_get("first_position")?,
        last_position: row.try_get("last_position")?,
        recorded_at: row.try_get("recorded_at")?,
        replayed: true,
    }))
}

fn decode_row(row: &SqliteRow) -> Result<RecordedEvent, StoreError> {
    let position: i64 = row.try_get("position")?;
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    let event_id: String = row.try_get("event_id")?;
    let payload: String = row.try_get("payload")?;
    let metadata: String = row.try_get("metadata")?;
    RawEvent {
        position,
        stream_id: row.try_get("stream_id")?,
        version: row.try_get("version")?,
        event_id: event_id
            .parse()
            .map_err(|e| corrupt(format!("event id: {e}")))?,
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        tenant: row.try_get("tenant")?,
        payload: serde_json::from_str(&payload).map_err(|e| corrupt(format!("payload: {e}")))?,
        metadata: serde_json::from_str(&metadata).map_err(|e| corrupt(format!("metadata: {e}")))?,
        recorded_at: row.try_get("recorded_at")?,
    }
    .into_recorded()
}
