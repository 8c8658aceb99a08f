//! A handler's place in the log, kept in a checkpoint table (`notifier_checkpoints`,
//! `webhook_checkpoints`: `name` → `position`) and moved in the transaction that writes what the
//! handled events asked for.
//!
//! Contract of a batch: [`Checkpoint::begin`] creates the row if missing and locks it (`FOR
//! UPDATE` on PostgreSQL; SQLite's write transaction is exclusive), so handlers of the same name
//! in several processes take turns; it says which of the offered events are new, or that there
//! is a gap between the checkpoint and them (the caller catches up from the log).
//! [`Checkpoint::advance`] then records the last handled position in the same transaction.

use portal_eventlog::subscription::Positioned;
use portal_identity::db::{Backend, Db};
use sqlx::Row as _;

/// A checkpoint row: its table and name.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    table: &'static str,
    name: String,
}

/// Where a batch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Every offered event was handled already.
    Done,
    /// Events between the checkpoint and the first offered one are missing.
    Gap { checkpoint: i64 },
    /// Handle the events from this index on; `checkpoint` is where the handler stood.
    From { index: usize, checkpoint: i64 },
}

impl Checkpoint {
    /// The row `name` of `table` (a table of this crate's migrations).
    pub fn new(table: &'static str, name: impl Into<String>) -> Self {
        Self {
            table,
            name: name.into(),
        }
    }

    /// The position of the last event handled (0 before the first).
    pub async fn position(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT position FROM {} WHERE name = $1",
            self.table
        ))
        .bind(&self.name)
        .fetch_optional(db.pool())
        .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    /// Moves the checkpoint outside a batch (e.g. to 0 for a replay).
    pub async fn set(&self, db: &Db, position: i64) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "INSERT INTO {} (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            self.table
        ))
        .bind(&self.name)
        .bind(position)
        .execute(db.pool())
        .await?;
        Ok(())
    }

    /// Locks the row in `tx` and says where the batch `events` starts.
    pub async fn begin(
        &self,
        tx: &mut sqlx::AnyConnection,
        backend: Backend,
        events: &[Positioned],
    ) -> Result<Start, sqlx::Error> {
        // The row exists before it is locked, so concurrent handlers serialise on it.
        sqlx::query(&format!(
            "INSERT INTO {} (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            self.table
        ))
        .bind(&self.name)
        .execute(&mut *tx)
        .await?;
        let mut select = format!("SELECT position FROM {} WHERE name = $1", self.table);
        if backend == Backend::Postgres {
            select.push_str(" FOR UPDATE");
        }
        let checkpoint: i64 = sqlx::query(&select)
            .bind(&self.name)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        Ok(
            match events.iter().position(|p| p.event.position > checkpoint) {
                None => Start::Done,
                Some(index) if events[index].previous > checkpoint => Start::Gap { checkpoint },
                Some(index) => Start::From { index, checkpoint },
            },
        )
    }

    /// Records `last` as handled, in the batch's transaction.
    pub async fn advance(
        &self,
        tx: &mut sqlx::AnyConnection,
        last: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "UPDATE {} SET position = $1 WHERE name = $2",
            self.table
        ))
        .bind(last)
        .bind(&self.name)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
