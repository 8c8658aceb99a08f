//! [`Projector`]: every projection behind one checkpointed [`Handler`].
//!
//! Per batch, one transaction for all projections: lock their checkpoint rows (first statement:
//! `SELECT … FOR UPDATE` on PostgreSQL, and `BEGIN IMMEDIATE` on SQLite, so concurrent projectors
//! serialise and two `portal project` processes never apply an event twice), then per projection
//! skip events at or below its checkpoint, note a gap; load every row the new events will touch
//! ([`crate::prefetch`]: one `SELECT` per table, not one per event), apply the events through a
//! shared [`Ctx`] cache; finally flush the rows (one upsert and at most one delete per table),
//! move the checkpoints, commit. One commit (one WAL flush) per
//! batch, whatever the number of projections: that is what keeps commit-to-visible latency low.
//!
//! Poison events: an event a projection fails on ([`ApplyError::Event`]) is retried
//! [`MAX_ATTEMPTS`] times; then the batch is applied again without it for that projection, and
//! it is written to `projection_dead_letters` in the same transaction. Database errors are not
//! poison: the whole batch is retried later by the runner.

use crate::ctx::{Ctx, RowCache};
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::prefetch::load_named;
use crate::projection::Projection;
use crate::store::{self, Backend, ReadDb};
use portal_eventlog::Store;
use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned, catch_up};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use tracing::{error, instrument, warn};

/// Tries of one event before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 3;

/// The projections of this process and their database.
#[derive(Clone)]
pub struct Projector {
    db: ReadDb,
    projections: Arc<Vec<Arc<dyn Projection>>>,
    stats: Arc<Mutex<BatchStats>>,
}

/// What a projector's committed batches cost, summed since it was made: the statements that
/// load and write rows (locks, checkpoints and dead letters aside). Tests use it to prove that
/// a batch's statements do not grow with its events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchStats {
    pub batches: u64,
    pub events: u64,
    /// `SELECT`s of prefetched rows.
    pub prefetch_statements: u64,
    /// Rows loaded one `SELECT` each, because no projection named them in advance.
    pub single_loads: u64,
    /// Upserts and deletes of the flush.
    pub flush_statements: u64,
}

/// Result of one projection's transaction.
enum Outcome {
    Applied,
    Gap(i64),
}

impl Projector {
    pub fn new(db: ReadDb, projections: Vec<Arc<dyn Projection>>) -> Self {
        Self {
            db,
            projections: Arc::new(projections),
            stats: Arc::default(),
        }
    }

    /// Counters of the batches committed so far.
    pub fn stats(&self) -> BatchStats {
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn db(&self) -> &ReadDb {
        &self.db
    }

    pub fn projections(&self) -> &[Arc<dyn Projection>] {
        &self.projections
    }

    /// Creates missing tables and checkpoint rows.
    pub async fn ensure(&self) -> Result<(), sqlx::Error> {
        let list: Vec<&dyn Projection> = self.projections.iter().map(|p| p.as_ref()).collect();
        self.db.ensure(&list).await
    }

    /// Feeds every projection from its checkpoint to the head of `store`'s log.
    pub async fn apply_log(
        &self,
        store: &Store,
    ) -> Result<u64, portal_eventlog::subscription::CatchUpError> {
        catch_up(store, self, 2000).await
    }

    /// Checkpoint of every projection, by name.
    pub async fn checkpoints(&self) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT name, position, schema FROM projection_checkpoints ORDER BY name")
                .fetch_all(self.db.pool())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    #[instrument(skip_all, fields(events = events.len()))]
    async fn handle_all(
        &self,
        events: &[Positioned],
        decoded: &[Decoded],
    ) -> Result<Outcome, ApplyError> {
        // (projection, position) → (attempts, last error)
        let mut failures: HashMap<(&'static str, i64), (u32, String)> = HashMap::new();
        loop {
            let skip: HashSet<(&'static str, i64)> = failures
                .iter()
                .filter(|(_, (n, _))| *n >= MAX_ATTEMPTS)
                .map(|(k, _)| *k)
                .collect();
            match self.try_apply(events, decoded, &skip, &failures).await? {
                Ok(outcome) => return Ok(outcome),
                Err((projection, position, reason)) => {
                    let entry = failures
                        .entry((projection, position))
                        .or_insert((0, String::new()));
                    entry.0 += 1;
                    entry.1 = reason.clone();
                    warn!(projection, position, attempt = entry.0, error = %reason, "projection failed on an event");
                    if entry.0 >= MAX_ATTEMPTS {
                        error!(projection, position, error = %reason, "dead-lettering the event; the projection goes on");
                    }
                }
            }
        }
    }

    /// Locks every projection's checkpoint row; returns name → position.
    async fn lock_checkpoints(
        &self,
        tx: &mut sqlx::AnyConnection,
    ) -> Result<HashMap<String, i64>, ApplyError> {
        let mut sql = format!(
            "SELECT name, position FROM projection_checkpoints WHERE name IN ({}) ORDER BY name",
            placeholders(1, self.projections.len())
        );
        if self.db.backend() == Backend::Postgres {
            sql.push_str(" FOR UPDATE");
        }
        let mut query = sqlx::query(&sql);
        for p in self.projections.iter() {
            query = query.bind(p.name());
        }
        let rows = query.fetch_all(&mut *tx).await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?);
        }
        Ok(out)
    }

    /// One transaction. `Ok(Err((projection, position, reason)))`: that event failed and
    /// everything was rolled back.
    #[allow(clippy::type_complexity)]
    async fn try_apply(
        &self,
        events: &[Positioned],
        decoded: &[Decoded],
        skip: &HashSet<(&'static str, i64)>,
        failures: &HashMap<(&'static str, i64), (u32, String)>,
    ) -> Result<Result<Outcome, (&'static str, i64, String)>, ApplyError> {
        let mut tx = self.db.begin().await?;
        let checkpoints = self.lock_checkpoints(&mut tx).await?;
        let mut cache = RowCache::default();
        let mut gap: Option<i64> = None;
        let mut advanced: Vec<&'static str> = Vec::new();
        let mut dead: Vec<(&'static str, &Positioned)> = Vec::new();
        // Each projection with the index of its first new event.
        let mut plan: Vec<(&Arc<dyn Projection>, usize)> = Vec::new();
        for projection in self.projections.iter() {
            let name = projection.name();
            let checkpoint = *checkpoints.get(name).ok_or_else(|| {
                ApplyError::Event(format!("no checkpoint row for projection {name}"))
            })?;
            let Some(first_new) = events.iter().position(|p| p.event.position > checkpoint) else {
                continue;
            };
            if events[first_new].previous > checkpoint {
                gap = Some(gap.map_or(checkpoint, |g| g.min(checkpoint)));
                continue;
            }
            plan.push((projection, first_new));
        }
        let prefetch_statements = load_named(&mut tx, &mut cache, "", |rows| {
            for (projection, first_new) in &plan {
                for (p, d) in events[*first_new..].iter().zip(&decoded[*first_new..]) {
                    let event = Event {
                        recorded: &p.event,
                        decoded: d,
                    };
                    projection.prefetch(&event, rows);
                }
            }
        })
        .await?;
        for (projection, first_new) in plan {
            let name = projection.name();
            let failure = {
                let mut ctx = Ctx::new(&mut cache, Some(&mut *tx), "");
                let mut failure = None;
                for (p, d) in events[first_new..].iter().zip(&decoded[first_new..]) {
                    let position = p.event.position;
                    if skip.contains(&(name, position)) {
                        dead.push((name, p));
                        continue;
                    }
                    let event = Event {
                        recorded: &p.event,
                        decoded: d,
                    };
                    match projection.apply(&mut ctx, event).await {
                        Ok(()) => {}
                        Err(e) if e.is_transient() => return Err(e),
                        Err(e) => {
                            failure = Some((name, position, e.to_string()));
                            break;
                        }
                    }
                }
                failure
            };
            if let Some(failure) = failure {
                tx.rollback().await?;
                return Ok(Err(failure));
            }
            advanced.push(name);
        }
        if advanced.is_empty() {
            tx.rollback().await?;
            return Ok(Ok(gap.map_or(Outcome::Applied, Outcome::Gap)));
        }
        let single_loads = cache.single_loads();
        let flushed = store::flush(&mut tx, cache, "").await?;
        for (name, p) in dead {
            let (attempts, reason) = failures
                .get(&(name, p.event.position))
                .cloned()
                .unwrap_or_default();
            sqlx::query(
                "INSERT INTO projection_dead_letters \
                 (projection, position, event_id, event_type, stream_id, error, attempts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (projection, position) DO NOTHING",
            )
            .bind(name)
            .bind(p.event.position)
            .bind(p.event.event_id.to_string())
            .bind(p.event.event_type.as_str())
            .bind(p.event.stream_id.as_str())
            .bind(reason)
            .bind(i64::from(attempts))
            .execute(&mut *tx)
            .await?;
        }
        let last = events.last().map_or(0, |p| p.event.position);
        let sql = format!(
            "UPDATE projection_checkpoints SET position = $1, updated_at = CURRENT_TIMESTAMP \
             WHERE name IN ({})",
            placeholders(2, advanced.len())
        );
        let mut query = sqlx::query(&sql).bind(last);
        for name in &advanced {
            query = query.bind(*name);
        }
        query.execute(&mut *tx).await?;
        tx.commit().await?;
        let mut stats = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
        stats.batches += 1;
        stats.events += events.len() as u64;
        stats.prefetch_statements += prefetch_statements as u64;
        stats.single_loads += single_loads as u64;
        stats.flush_statements += flushed as u64;
        Ok(Ok(gap.map_or(Outcome::Applied, Outcome::Gap)))
    }
}

/// `$first, $first+1, …`: `n` numbered placeholders for an `IN (…)` list.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Handler for Projector {
    fn name(&self) -> &str {
        "projections"
    }

    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        let mine: HashSet<&str> = self.projections.iter().map(|p| p.name()).collect();
        let all = self.checkpoints().await?;
        Ok(all
            .iter()
            .filter(|(name, _, _)| mine.contains(name.as_str()))
            .map(|(_, position, _)| *position)
            .min()
            .unwrap_or(0))
    }

    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        let decoded: Vec<Decoded> = events.iter().map(|p| Decoded::of(&p.event)).collect();
        Ok(match self.handle_all(events, &decoded).await? {
            Outcome::Applied => Handled::Applied,
            Outcome::Gap(checkpoint) => Handled::Gap { checkpoint },
        })
    }
}
