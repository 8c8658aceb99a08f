//! [`Store`]: the event log over one of two backends. Both keep the same contract:
//! - `append` writes all events of one call atomically at the stream's next versions, or nothing;
//!   it fails with [`StoreError::VersionConflict`] when the stream is not at `expected_version`;
//!   with an idempotency key, a retry returns the first result and writes nothing, and the same
//!   key with another fingerprint fails with [`StoreError::IdempotencyConflict`].
//! - `read_all(after, limit)` returns committed events in increasing position and never passes an
//!   event that could still commit below a position it returned (no skipped events).
//! - the database refuses UPDATE and DELETE on events.

mod batch;
mod follow;
mod gate;
mod pg_batch;
pub mod pool;
mod postgres;
mod sqlite;
mod sqlite_batch;
pub mod statistics;

use crate::envelope::{AppendResult, Idempotency, NewEvent, RecordedEvent, StreamId, WireEvent};
use crate::error::StoreError;
use portal_domain::TenantId;
use std::time::Duration;
use tracing::instrument;

pub use follow::{COMMIT_CHANNEL, CommitListener};
pub use gate::{WriteTx, write_gate};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Connection settings shared by both backends.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long to wait for a connection (also bounds the first connect to an unreachable server).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The event log. Cheap to clone (pools inside).
#[derive(Debug, Clone)]
pub enum Store {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` (a `sqlite:` URL creates the file if missing).
    /// Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(PgStore::connect(url, options).await?))
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(SqliteStore::connect(url, options).await?))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Applies the embedded migrations of this backend (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::Postgres(s) => s.migrate().await,
            Self::Sqlite(s) => s.migrate().await,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Postgres(s) => s.ping().await,
            Self::Sqlite(s) => s.ping().await,
        }
    }

    /// Appends `events` to `stream` if it is at `expected_version` (0 = the stream must not exist).
    #[instrument(skip_all, fields(backend = self.backend(), stream = %stream, expected_version, count = events.len()))]
    pub async fn append(
        &self,
        tenant: &TenantId,
        stream: &StreamId,
        expected_version: i64,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        let result = match self {
            Self::Postgres(s) => {
                s.append(tenant, stream, expected_version, events, idempotency)
                    .await
            }
            Self::Sqlite(s) => {
                s.append(tenant, stream, expected_version, events, idempotency)
                    .await
            }
        }?;
        if !result.replayed {
            crate::metrics::add(&crate::metrics::EVENTS_APPENDED, events.len() as u64);
        }
        Ok(result)
    }

    /// The first result stored under an idempotency key of `tenant`, if the key was used; fails
    /// with [`StoreError::IdempotencyConflict`] when it was used with another fingerprint.
    pub async fn find_idempotent(
        &self,
        tenant: &TenantId,
        idempotency: &Idempotency,
    ) -> Result<Option<AppendResult>, StoreError> {
        match self {
            Self::Postgres(s) => s.find_idempotent(tenant, idempotency).await,
            Self::Sqlite(s) => s.find_idempotent(tenant, idempotency).await,
        }
    }

    /// All events of one stream in version order.
    pub async fn read_stream(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        match self {
            Self::Postgres(s) => s.read_stream(stream).await,
            Self::Sqlite(s) => s.read_stream(stream).await,
        }
    }

    /// Up to `limit` committed events after `after_position`, in increasing position.
    pub async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        match self {
            Self::Postgres(s) => s.read_all(after_position, limit).await,
            Self::Sqlite(s) => s.read_all(after_position, limit).await,
        }
    }
}

impl Store {
    /// The first event (version 1) of each of `streams` that has one, in no particular order:
    /// what a stream is about (an order's customer, say) when later events do not repeat it.
    pub async fn first_events(
        &self,
        streams: &[StreamId],
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut out = Vec::with_capacity(streams.len());
        for chunk in streams.chunks(500) {
            out.extend(match self {
                Self::Postgres(s) => s.first_events(chunk).await?,
                Self::Sqlite(s) => s.first_events(chunk).await?,
            });
        }
        Ok(out)
    }

    /// Like [`Store::read_all`], with payloads left as JSON text (see [`WireEvent`]).
    pub async fn read_all_wire(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<WireEvent>, StoreError> {
        match self {
            Self::Postgres(s) => s.read_all_wire(after_position, limit).await,
            Self::Sqlite(s) => s.read_all_wire(after_position, limit).await,
        }
    }
}

/// Builds a [`WireEvent`] from text columns (both backends).
#[allow(clippy::too_many_arguments)]
pub(crate) fn wire_event(
    position: i64,
    stream_id: &str,
    version: i64,
    event_id: uuid::Uuid,
    event_type: String,
    schema_version: i32,
    tenant: &str,
    payload: String,
    metadata: &str,
    recorded_at: time::OffsetDateTime,
) -> Result<WireEvent, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    Ok(WireEvent {
        position,
        stream_id: StreamId::parse(stream_id).map_err(|e| corrupt(e.to_string()))?,
        version,
        event_id,
        event_type,
        schema_version,
        tenant: TenantId::parse(tenant).map_err(|e| corrupt(e.to_string()))?,
        payload: serde_json::value::RawValue::from_string(payload)
            .map_err(|e| corrupt(format!("payload: {e}")))?,
        metadata: serde_json::from_str(metadata).map_err(|e| corrupt(format!("metadata: {e}")))?,
        recorded_at,
    })
}

/// Row shape shared by both backends' readers before conversion.
pub(crate) struct RawEvent {
    pub position: i64,
    pub stream_id: String,
    pub version: i64,
    pub event_id: uuid::Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub tenant: String,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
    pub recorded_at: time::OffsetDateTime,
}

impl RawEvent {
    pub(crate) fn into_recorded(self) -> Result<RecordedEvent, StoreError> {
        let position = self.position;
        let corrupt = |reason: String| StoreError::Corrupt { position, reason };
        Ok(RecordedEvent {
            position,
            stream_id: StreamId::parse(&self.stream_id).map_err(|e| corrupt(e.to_string()))?,
            version: self.version,
            event_id: self.event_id,
            event_type: self.event_type,
            schema_version: self.schema_version,
            tenant: TenantId::parse(&self.tenant).map_err(|e| corrupt(e.to_string()))?,
            payload: self.payload,
            metadata: serde_json::from_value(self.metadata)
                .map_err(|e| corrupt(format!("metadata: {e}")))?,
            recorded_at: self.recorded_at,
        })
    }
}
