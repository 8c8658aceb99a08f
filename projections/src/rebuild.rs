//! Rebuild: replay the whole log into fresh tables and swap them in.
//!
//! 1. Every event from position 0 is applied in memory ([`Ctx`] without a database), one
//!    [`RowCache`] per projection: no per-event SQL, which is what makes a rebuild fast.
//! 2. The rows are bulk-loaded into `<table>__rebuild` copies (the live tables keep serving): on
//!    PostgreSQL with `COPY`, one task per projection, indexes built and planner statistics
//!    gathered (`ANALYZE`) there too; on SQLite with multi-row `INSERT`s, one projection after the
//!    other.
//! 3. Per projection, one transaction: lock the checkpoint row (so the live projector waits), apply
//!    the events committed since step 1 to the copies, drop the live tables, rename the copies
//!    (and their indexes, or create them on SQLite), replace the projection's dead letters, set
//!    checkpoint and schema.
//!
//! A rebuild reads the log only: it publishes nothing and sends no email. Rows planted by hand in a
//! live table are gone after it, since the tables are replaced, not patched.
//!
//! Hazard: an event that fails ([`ApplyError::Event`]) halfway through its changes keeps those
//! changes in memory (no per-event undo); projections should validate before they write. Such an
//! event is dead-lettered as in live mode.

use crate::accounts::Accounts;
use crate::ctx::{Ctx, RowCache};
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::prefetch::load_named;
use crate::projection::Projection;
use crate::store::{self, ReadDb, create_indexes, create_table, schema_of, table_name};
use portal_eventlog::{RecordedEvent, Store, StoreError};
use std::sync::Arc;
use std::time::Instant;
use tracing::{info, warn};

const SUFFIX: &str = "__rebuild";
const READ_BATCH: u32 = 5000;

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("event log: {0}")]
    Store(#[from] StoreError),
    #[error("read-model database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("rebuild task: {0}")]
    Task(String),
}

/// What a rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// Events read from the log.
    pub events: u64,
    /// Checkpoint of the rebuilt projections.
    pub position: i64,
    /// Rows written, per projection.
    pub rows: Vec<(String, usize)>,
    /// Events dead-lettered, per projection.
    pub dead_letters: Vec<(String, usize)>,
    /// Time spent replaying the log in memory, writing the copies, and swapping them in.
    pub replay: std::time::Duration,
    pub write: std::time::Duration,
    pub swap: std::time::Duration,
}

struct DeadLetter {
    event: RecordedEvent,
    error: String,
}

/// Rebuilds `projections` from position 0. `progress` is called with the number of events read
/// so far (use [`Store::count_after`] for the total).
pub async fn rebuild(
    store: &Store,
    db: &ReadDb,
    projections: &[Arc<dyn Projection>],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RebuildReport, RebuildError> {
    let list: Vec<&dyn Projection> = projections.iter().map(|p| p.as_ref()).collect();
    db.ensure(&list).await?;
    let mut caches: Vec<RowCache> = projections.iter().map(|_| RowCache::default()).collect();
    let mut dead: Vec<Vec<DeadLetter>> = projections.iter().map(|_| Vec::new()).collect();
    let mut report = RebuildReport::default();
    let started = Instant::now();
    // Reading and decoding run in their own task, a few pages ahead of applying: the two halves
    // of the work overlap (and use both cores) instead of taking turns.
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<Result<Vec<(RecordedEvent, Decoded)>, StoreError>>(4);
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut position = 0;
            loop {
                let page = match store.read_all(position, READ_BATCH).await {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                let Some(last) = page.last() else { return };
                position = last.position;
                let decoded = page
                    .into_iter()
                    .map(|e| {
                        let d = Decoded::of(&e);
                        (e, d)
                    })
                    .collect();
                if tx.send(Ok(decoded)).await.is_err() {
                    return;
                }
            }
        })
    };
    let mut position = 0;
    let accounts = Accounts::default();
    while let Some(page) = rx.recv().await {
        let page = page?;
        let Some((last, _)) = page.last() else {
            continue;
        };
        position = last.position;
        let pairs: Vec<_> = page.iter().map(|(r, d)| (r, d)).collect();
        let parts = accounts
            .partitions(db.partition_count(), &pairs, Some(store))
            .await?;
        for (k, (recorded, decoded)) in page.iter().enumerate() {
            for (i, p) in projections.iter().enumerate() {
                let mut ctx = Ctx::in_memory(&mut caches[i]);
                let event = Event {
                    recorded,
                    decoded,
                    partition: parts.by(p.partition_by())[k],
                };
                match p.apply(&mut ctx, event).await {
                    Ok(()) => {}
                    Err(e) if e.is_transient() => return Err(e.into()),
                    Err(e) => {
                        warn!(projection = p.name(), position = recorded.position, error = %e, "dead-lettering during rebuild");
                        dead[i].push(DeadLetter {
                            event: recorded.clone(),
                            error: e.to_string(),
                        });
                    }
                }
            }
        }
        report.events += page.len() as u64;
        progress(report.events);
    }
    let _ = reader.await;
    report.replay = started.elapsed();
    // The copies are written concurrently, one connection per projection: the database can use
    // more than one core while this process encodes the next rows. (SQLite has one writer at a
    // time: there they go one after the other, or a long write would make the others give up
    // waiting for the lock.)
    let phase = Instant::now();
    let rows: Vec<usize> = caches.iter().map(RowCache::len).collect();
    match db.backend() {
        crate::store::Backend::Postgres => {
            // Spawned, not merely joined: encoding the rows is CPU work, and joined futures
            // would all be polled on one thread.
            let tasks: Vec<_> = projections
                .iter()
                .zip(caches)
                .map(|(p, cache)| {
                    let (db, p) = (db.clone(), Arc::clone(p));
                    tokio::spawn(async move { write_copies(&db, p.as_ref(), cache).await })
                })
                .collect();
            for task in tasks {
                task.await
                    .map_err(|e| RebuildError::Task(e.to_string()))??;
            }
        }
        crate::store::Backend::Sqlite => {
            for (p, cache) in projections.iter().zip(caches) {
                write_copies(db, p.as_ref(), cache).await?;
            }
        }
    }
    report.write = phase.elapsed();
    let phase = Instant::now();
    for ((p, dead), rows) in projections.iter().zip(dead).zip(rows) {
        let tail_position = swap(store, db, p.as_ref(), position, &dead).await?;
        report.position = report.position.max(tail_position);
        report.rows.push((p.name().to_owned(), rows));
        report.dead_letters.push((p.name().to_owned(), dead.len()));
        info!(projection = p.name(), rows, "rebuilt");
    }
    report.swap = phase.elapsed();
    Ok(report)
}

/// Statements that (re)create `p`'s empty copies, dropping any left by an interrupted rebuild.
fn fresh_copies(p: &dyn Projection) -> Vec<String> {
    p.tables()
        .iter()
        .flat_map(|t| {
            [
                format!("DROP TABLE IF EXISTS {}", table_name(t, SUFFIX)),
                create_table(t, SUFFIX),
            ]
        })
        .collect()
}

/// Rows from which a rebuilt table is analysed before it goes live (see [`write_copies`]).
pub const ANALYZE_MIN_ROWS: usize = 1_000;

async fn write_copies(
    db: &ReadDb,
    p: &dyn Projection,
    cache: RowCache,
) -> Result<(), RebuildError> {
    if let Some(pg) = db.copy_pool() {
        let mut tx = pg.begin().await?;
        for sql in fresh_copies(p) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        let written = store::copy_rows(&mut tx, cache, SUFFIX).await?;
        // The indexes are built here, in parallel with the other projections' copies, under
        // names of their own; the swap renames them (PostgreSQL can rename indexes).
        for t in p.tables() {
            for d in store::index_defs(t) {
                sqlx::query(&format!(
                    "CREATE INDEX {}{SUFFIX} ON {}{SUFFIX} {}",
                    d.name, t.name, d.body
                ))
                .execute(&mut *tx)
                .await?;
            }
            // Planner statistics, before the copy goes live: a freshly loaded table has none
            // until autovacuum gets to it, and without them PostgreSQL guesses a filter on one
            // customer selects few rows, so it fetches all of a big customer's orders through
            // `(tenant, customer_id)` and sorts them for the first page (measured on 100,000
            // orders, a quarter of them one customer's: 37 ms for the page instead of 0.3 ms
            // with statistics).
            //
            // Hazard: not for a small table. Statistics of a handful of rows say every tenant
            // is distinct, so `tenant = $1` looks unique and any `(tenant, …)` index serves the
            // projector's key lookups as well as the primary key: measured after a table grew
            // from 2 rows to 25,000 with autovacuum off, every lookup scanned the tenant's rows
            // (4.4 ms each), and live projection crawled. Without statistics the planner keeps
            // the primary key; autovacuum analyses the table once it has grown.
            if written.get(t.name).copied().unwrap_or(0) >= ANALYZE_MIN_ROWS {
                sqlx::query(&format!("ANALYZE {}{SUFFIX}", t.name))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for sql in fresh_copies(p) {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    store::flush(&mut tx, cache, SUFFIX).await?;
    tx.commit().await?;
    Ok(())
}

/// Catches the copies up past `position` and swaps them in; returns the new checkpoint.
async fn swap(
    store: &Store,
    db: &ReadDb,
    p: &dyn Projection,
    mut position: i64,
    dead: &[DeadLetter],
) -> Result<i64, RebuildError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE projection_checkpoints SET position = position WHERE name = $1")
        .bind(p.name())
        .execute(&mut *tx)
        .await?;
    let mut tail_dead = Vec::new();
    let accounts = Accounts::default();
    loop {
        let events = store.read_all(position, READ_BATCH).await?;
        let Some(last) = events.last() else { break };
        position = last.position;
        let mut cache = RowCache::default();
        let decoded: Vec<Decoded> = events.iter().map(Decoded::of).collect();
        let pairs: Vec<_> = events.iter().zip(&decoded).collect();
        let parts = accounts
            .partitions(db.partition_count(), &pairs, Some(store))
            .await?;
        let partition_of = |i: usize| parts.by(p.partition_by())[i];
        load_named(&mut tx, &mut cache, SUFFIX, |rows| {
            for (i, (recorded, decoded)) in events.iter().zip(&decoded).enumerate() {
                let partition = partition_of(i);
                p.prefetch(
                    &Event {
                        recorded,
                        decoded,
                        partition,
                    },
                    rows,
                );
            }
        })
        .await?;
        {
            let mut ctx = Ctx::new(&mut cache, Some(&mut *tx), SUFFIX);
            for (i, (recorded, decoded)) in events.iter().zip(&decoded).enumerate() {
                let event = Event {
                    recorded,
                    decoded,
                    partition: partition_of(i),
                };
                match p.apply(&mut ctx, event).await {
                    Ok(()) => {}
                    Err(e) if e.is_transient() => return Err(e.into()),
                    Err(e) => tail_dead.push(DeadLetter {
                        event: recorded.clone(),
                        error: e.to_string(),
                    }),
                }
            }
        }
        store::flush(&mut tx, cache, SUFFIX).await?;
    }
    for t in p.tables() {
        sqlx::query(&format!("DROP TABLE IF EXISTS {}", t.name))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "ALTER TABLE {} RENAME TO {}",
            table_name(t, SUFFIX),
            t.name
        ))
        .execute(&mut *tx)
        .await?;
        if db.backend() == crate::store::Backend::Postgres {
            for d in store::index_defs(t) {
                sqlx::query(&format!(
                    "ALTER INDEX IF EXISTS {n}{SUFFIX} RENAME TO {n}",
                    n = d.name
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        // Creates what is missing (every index on SQLite, none on PostgreSQL).
        for sql in create_indexes(t, db.backend()) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
    }
    sqlx::query("DELETE FROM projection_dead_letters WHERE projection = $1")
        .bind(p.name())
        .execute(&mut *tx)
        .await?;
    for d in dead.iter().chain(&tail_dead) {
        sqlx::query(
            "INSERT INTO projection_dead_letters \
             (projection, position, event_id, event_type, stream_id, error, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (projection, position) DO NOTHING",
        )
        .bind(p.name())
        .bind(d.event.position)
        .bind(d.event.event_id.to_string())
        .bind(d.event.event_type.as_str())
        .bind(d.event.stream_id.as_str())
        .bind(d.error.as_str())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE projection_checkpoints SET position = $2, schema = $3, updated_at = CURRENT_TIMESTAMP \
         WHERE name = $1",
    )
    .bind(p.name())
    .bind(position)
    .bind(schema_of(p, db.partition_count()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(position)
}

/// The projections whose stored schema differs from the code's (a version bump or new columns),
/// or that were never built over a non-empty log: they need a rebuild before they serve. A
/// never-built projection over an empty log is simply marked built.
pub async fn outdated(
    store: &Store,
    db: &ReadDb,
    projections: &[Arc<dyn Projection>],
) -> Result<Vec<Arc<dyn Projection>>, RebuildError> {
    let list: Vec<&dyn Projection> = projections.iter().map(|p| p.as_ref()).collect();
    db.ensure(&list).await?;
    let head = store.head_position().await?;
    let mut out = Vec::new();
    for p in projections {
        // Every partition's row: all built with the current schema, or the projection is
        // outdated.
        let rows: Vec<(i64, String)> = {
            use sqlx::Row as _;
            sqlx::query("SELECT position, schema FROM projection_checkpoints WHERE name = $1")
                .bind(p.name())
                .fetch_all(db.pool())
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?
        };
        let current = schema_of(p.as_ref(), db.partition_count());
        if rows.iter().all(|(_, schema)| *schema == current) {
            continue;
        }
        if head == 0
            && rows
                .iter()
                .all(|(position, schema)| schema.is_empty() && *position == 0)
        {
            sqlx::query(
                "UPDATE projection_checkpoints SET schema = $2 WHERE name = $1 AND position = 0",
            )
            .bind(p.name())
            .bind(current)
            .execute(db.pool())
            .await?;
            continue;
        }
        out.push(Arc::clone(p));
    }
    Ok(out)
}
