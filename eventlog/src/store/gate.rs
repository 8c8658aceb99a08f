//! One writer at a time per SQLite file, queued inside the process.
//!
//! Embedded mode writes one SQLite file through several pools: the event log's writer, the
//! read models', the identity and notifier tables'. SQLite lets one transaction write at a
//! time; a second `BEGIN IMMEDIATE` waits in SQLite's busy handler, which sleeps in steps of up
//! to 100 ms, so every collision between an append and a projector batch cost a request tens of
//! milliseconds. Every write transaction on a SQLite file therefore first takes that file's
//! gate ([`write_gate`]), a fair async mutex: writers queue in the process and start the moment
//! the previous one commits. One process owns an embedded database, so a gate per process is a
//! gate per file. PostgreSQL needs none ([`WriteTx::begin`] takes no gate there).

use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::OwnedMutexGuard;

type Gate = Arc<tokio::sync::Mutex<()>>;

/// The gate of the SQLite file of `url` (`sqlite://path`, `sqlite:path?options`), the same for
/// every pool of this process on that file.
pub fn write_gate(url: &str) -> Gate {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Gate>>> = OnceLock::new();
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
    let mut gates = GATES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    gates.entry(path).or_default().clone()
}

/// A write transaction holding its file's gate (SQLite) until it ends. Derefs to the
/// connection, like a [`Transaction`].
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// `BEGIN IMMEDIATE` behind `gate` (SQLite), or a plain `BEGIN` (PostgreSQL: `gate` `None`).
    pub async fn begin(pool: &AnyPool, gate: Option<&Gate>) -> Result<Self, sqlx::Error> {
        match gate {
            Some(gate) => {
                let guard = gate.clone().lock_owned().await;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Self {
                    tx,
                    _gate: Some(guard),
                })
            }
            None => Ok(Self {
                tx: pool.begin().await?,
                _gate: None,
            }),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
