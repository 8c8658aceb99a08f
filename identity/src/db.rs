//! [`Db`], the durable pool of the service's own tables: this crate's (login tokens, credentials,
//! sessions, rate limits, API tokens, server keys) and the notifier's (mail outbox, its
//! checkpoint), which share it.
//!
//! A pool of its own, separate from the read models' (which commit without waiting for the disk):
//! a consumed login token or a sent email must stay recorded after a crash. Reached through
//! sqlx's `Any` driver so that one SQL text serves PostgreSQL and SQLite; instants are Unix
//! milliseconds (`i64`) for the same reason ([`millis`], [`from_millis`]).

use portal_eventlog::store::{WriteTx, write_gate};
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Which database is behind the pool (for the few statements that differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A durable pool on the event store's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: the file's write gate (see `portal_eventlog::store::write_gate`).
    gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Db {
    /// Connects to `postgres://…` or `sqlite:…` (the tables come from the event store's
    /// migrations, which must have run).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let pool = portal_eventlog::store::pool::options::<sqlx::Any>()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let gate = (backend == Backend::Sqlite).then(|| write_gate(url));
        Ok(Self {
            pool,
            backend,
            gate,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction: `BEGIN IMMEDIATE` on SQLite, so that a transaction that reads before
    /// it writes takes the write lock first instead of failing with "database is locked" later,
    /// queued behind the file's other writers in this process.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        WriteTx::begin(&self.pool, self.gate.as_ref()).await
    }
}

/// An instant as stored in these tables: Unix milliseconds.
pub fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The inverse of [`millis`].
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
