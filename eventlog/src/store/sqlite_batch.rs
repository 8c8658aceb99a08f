//! Group commit for SQLite appends: the one writer takes every append queued while it was busy
//! and commits them in one `BEGIN IMMEDIATE` transaction, so one WAL sync (the durability the
//! store promises: `synchronous = FULL`) carries many appends. No append is answered before the
//! transaction holding it committed.
//!
//! Each append runs inside its own savepoint (or is a single statement, atomic by itself): a
//! version conflict, a reused key or a refused row rolls back that append alone, the others of
//! the transaction commit. Positions follow commit order (one writer, `AUTOINCREMENT`), and
//! appends of one transaction take them in the order they were queued.

use super::batch::{Append, Queue, Request};
use crate::envelope::AppendResult;
use crate::error::StoreError;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Row, Sqlite, Transaction};
use std::sync::Arc;
use time::OffsetDateTime;

/// Most appends in one transaction.
const MAX_APPENDS: usize = 256;
/// Rows per `INSERT` (SQLite allows 32,766 bind parameters; an event row has 9).
const ROWS_PER_INSERT: usize = 500;

/// The queue in front of the writer (one task; it ends when the last clone is dropped).
#[derive(Debug, Clone)]
pub(super) struct GroupCommit {
    queue: Queue,
}

impl GroupCommit {
    /// `committed` runs after every transaction that wrote something; `gate` is the file's
    /// write gate (see `gate.rs`), held for each transaction.
    pub fn start(
        writer: SqlitePool,
        gate: Arc<tokio::sync::Mutex<()>>,
        committed: impl Fn() + Send + 'static,
    ) -> Self {
        let (queue, mut rx) = Queue::new();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // The gate first, then the batch: appends that arrive while another writer of
                // the file (a read model's batch, the notifier) holds the gate ride this
                // transaction instead of waiting for one more commit and WAL sync after it.
                let _turn = gate.lock().await;
                let mut batch = vec![first];
                while batch.len() < MAX_APPENDS {
                    match rx.try_recv() {
                        Ok(r) => batch.push(r),
                        Err(_) => break,
                    }
                }
                if run(&writer, batch).await {
                    committed();
                }
            }
        });
        Self { queue }
    }

    pub async fn append(&self, append: Append) -> Result<AppendResult, StoreError> {
        self.queue.append(append).await
    }
}

/// One transaction for `batch`; answers every request. Whether anything was written.
async fn run(writer: &SqlitePool, batch: Vec<Request>) -> bool {
    let mut tx = match writer.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            fail_all(batch, &e);
            return false;
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    for request in &batch {
        match in_savepoint(&mut tx, &request.append).await {
            Ok(result) => results.push(result),
            // The savepoints themselves failed: what the transaction holds is unknown, so none
            // of it may commit (dropping it rolls back).
            Err(e) => {
                fail_all(batch, &e);
                return false;
            }
        }
    }
    let wrote = results
        .iter()
        .any(|r| r.as_ref().is_ok_and(|r| !r.replayed));
    if wrote && let Err(e) = tx.commit().await {
        fail_all(batch, &e);
        return false;
    }
    for (request, result) in batch.into_iter().zip(results) {
        let _ = request.reply.send(result);
    }
    wrote
}

fn fail_all(batch: Vec<Request>, e: &sqlx::Error) {
    for request in batch {
        let _ = request
            .reply
            .send(Err(super::pg_batch::replicate(e).into()));
    }
}

/// One append between `SAVEPOINT` and `RELEASE`, rolled back to the savepoint when it fails.
/// `Err`: the savepoint could not be set, rolled back or released.
///
/// An append that writes with one statement (no key, at most [`ROWS_PER_INSERT`] events) needs
/// no savepoint: a refused statement leaves nothing behind in SQLite (its changes are backed out,
/// the transaction goes on), and everything before it only reads. That spares two of its four
/// round trips to the writer's thread, on the path every command without a key takes.
async fn in_savepoint(
    tx: &mut Transaction<'static, Sqlite>,
    append: &Append,
) -> Result<Result<AppendResult, StoreError>, sqlx::Error> {
    if append.idempotency.is_none() && append.events.len() <= ROWS_PER_INSERT {
        return Ok(append_one(tx, append).await);
    }
    sqlx::query("SAVEPOINT portal_append")
        .execute(&mut **tx)
        .await?;
    let result = append_one(tx, append).await;
    if result.is_err() {
        sqlx::query("ROLLBACK TO portal_append")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("RELEASE portal_append")
        .execute(&mut **tx)
        .await?;
    Ok(result)
}

async fn append_one(
    conn: &mut SqliteConnection,
    append: &Append,
) -> Result<AppendResult, StoreError> {
    if let Some(idem) = &append.idempotency
        && let Some(prior) = super::sqlite::find_idempotent(conn, &append.tenant, idem).await?
    {
        return Ok(prior);
    }
    let stream = append.stream.as_str();
    let current: i64 =
        sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?")
            .bind(stream)
            .fetch_one(&mut *conn)
            .await?;
    if current != append.expected {
        return Err(StoreError::VersionConflict {
            stream: stream.to_owned(),
            expected: append.expected,
            actual: Some(current),
        });
    }
    let now = OffsetDateTime::now_utc();
    let (mut first_position, mut last_position) = (i64::MAX, i64::MIN);
    let mut version = current;
    for chunk in append.events.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO events (stream_id, version, event_id, event_type, schema_version, \
                                 tenant, payload, metadata, recorded_at) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "" } else { ", " });
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }
        sql.push_str(" RETURNING position");
        let mut query = sqlx::query(&sql);
        for e in chunk {
            version += 1;
            query = query
                .bind(stream)
                .bind(version)
                .bind(e.id.to_string())
                .bind(&e.event_type)
                .bind(e.schema_version)
                .bind(append.tenant.as_str())
                .bind(&e.payload)
                .bind(&e.metadata)
                .bind(now);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let position: i64 = row.try_get(0)?;
            first_position = first_position.min(position);
            last_position = last_position.max(position);
        }
    }
    let result = AppendResult {
        stream_id: append.stream.clone(),
        first_version: current + 1,
        last_version: version,
        first_position,
        last_position,
        recorded_at: now,
        replayed: false,
    };
    if let Some(idem) = &append.idempotency {
        sqlx::query(
            "INSERT INTO idempotency_keys (tenant, key, fingerprint, stream_id, first_version, \
                 last_version, first_position, last_position, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(append.tenant.as_str())
        .bind(idem.key())
        .bind(idem.fingerprint())
        .bind(stream)
        .bind(result.first_version)
        .bind(result.last_version)
        .bind(result.first_position)
        .bind(result.last_position)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(result)
}
