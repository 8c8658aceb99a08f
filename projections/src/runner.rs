//! [`Projector`]: every projection behind one checkpointed [`Handler`].
//!
//! Per batch, one transaction for all projections: lock the checkpoint rows of every projection
//! in the partitions this process owns now (first statement: `SELECT … FOR UPDATE` on
//! PostgreSQL, and `BEGIN IMMEDIATE` on SQLite, so two processes applying the same partition
//! serialise and never apply an event twice, while processes owning other partitions go on; see
//! [`crate::partitions`]), then per projection and owned partition skip events at or below its
//! checkpoint and note a gap; load every row the new events will touch ([`crate::prefetch`]: one
//! `SELECT` per table, not one per event), apply the events of the owned partitions through a
//! shared [`Ctx`] cache; finally flush the rows (one upsert and at most one delete per table),
//! move every owned partition's checkpoint to the batch's end, commit. One commit (one WAL
//! flush) per batch, whatever the number of projections and partitions: that is what keeps
//! commit-to-visible latency low.
//!
//! Poison events: an event a projection fails on ([`ApplyError::Event`]) is retried
//! [`MAX_ATTEMPTS`] times; then the batch is applied again without it for that projection, and
//! it is written to `projection_dead_letters` in the same transaction. Database errors are not
//! poison: the whole batch is retried later by the runner.

use crate::accounts::Accounts;
use crate::checkpoints;
use crate::ctx::{Ctx, RowCache};
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::partitions::Partitions;
use crate::prefetch::load_named;
use crate::projection::Projection;
use crate::store::{self, ReadDb};
use portal_eventlog::Store;
use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned, catch_up};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use tracing::{error, instrument, warn};

/// Tries of one event before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 3;

/// Events per read when the projector catches up from the log: each batch is one transaction of
/// multi-row upserts, so larger batches mean fewer, fuller statements (about 8 MB of decoded
/// events held per batch).
pub const CATCH_UP_BATCH: u32 = 2000;

/// The projections of this process and their database.
#[derive(Clone)]
pub struct Projector {
    db: ReadDb,
    projections: Arc<Vec<Arc<dyn Projection>>>,
    partitions: Partitions,
    accounts: Accounts,
    /// The log, for the accounts of streams whose events do not name them (partitioned only).
    log: Option<Store>,
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
    /// A projector that applies every partition of `db` (one process, or one partition).
    pub fn new(db: ReadDb, projections: Vec<Arc<dyn Projection>>) -> Self {
        let count = db.partition_count();
        Self {
            db,
            projections: Arc::new(projections),
            partitions: Partitions::fixed(count, (0..count).collect()),
            accounts: Accounts::default(),
            log: None,
            stats: Arc::default(),
        }
    }

    /// The same projector reading stream accounts from `log` when events do not name them
    /// (needed with more than one partition; see [`crate::accounts`]).
    pub fn with_log(mut self, log: Store) -> Self {
        self.log = Some(log);
        self
    }

    /// The same projector applying only the partitions `partitions` owns at each batch (from
    /// [`crate::partitions::Leases`]). Its count must be the database's.
    pub fn with_partitions(mut self, partitions: Partitions) -> Self {
        debug_assert_eq!(partitions.count(), self.db.partition_count());
        self.partitions = partitions;
        self
    }

    pub fn partitions(&self) -> &Partitions {
        &self.partitions
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
        catch_up(store, self, self.catch_up_batch()).await
    }

    /// Checkpoint of every projection, by name: the lowest of its partitions'.
    pub async fn checkpoints(&self) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT name, min(position), min(schema) FROM projection_checkpoints \
             GROUP BY name ORDER BY name",
        )
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

    /// Per projection, the partition of each event (all 0 with one partition).
    async fn partitions_of(
        &self,
        events: &[Positioned],
        decoded: &[Decoded],
    ) -> Result<Vec<Vec<u16>>, ApplyError> {
        let pairs: Vec<_> = events.iter().map(|p| &p.event).zip(decoded).collect();
        let parts = self
            .accounts
            .partitions(self.partitions.count(), &pairs, self.log.as_ref())
            .await
            .map_err(|e| ApplyError::Log(e.to_string()))?;
        Ok(self
            .projections
            .iter()
            .map(|p| parts.by(p.partition_by()).to_vec())
            .collect())
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
        let owned = self.partitions.owned();
        if owned.is_empty() {
            // Another process applies every partition now; nothing here moves.
            return Ok(Ok(Outcome::Applied));
        }
        let parts = self.partitions_of(events, decoded).await?;
        let mut tx = self.db.begin().await?;
        let names: Vec<&'static str> = self.projections.iter().map(|p| p.name()).collect();
        let checkpoints = checkpoints::lock(&mut tx, self.db.backend(), &names, &owned).await?;
        let mut cache = RowCache::default();
        let mut gap: Option<i64> = None;
        let mut advanced: Vec<(&'static str, u16)> = Vec::new();
        let mut dead: Vec<(&'static str, &Positioned)> = Vec::new();
        // Each projection with, per partition it moves, the index of its first new event (an
        // owned partition behind the batch's start waits for the catch-up from the log).
        let mut plan: Vec<(&Arc<dyn Projection>, &Vec<u16>, HashMap<u16, usize>)> = Vec::new();
        for (projection, part) in self.projections.iter().zip(&parts) {
            let name = projection.name();
            let mut from = HashMap::new();
            for &partition in owned.iter() {
                let checkpoint = checkpoints[&(name, partition)];
                let Some(first_new) = events.iter().position(|p| p.event.position > checkpoint)
                else {
                    continue;
                };
                if events[first_new].previous > checkpoint {
                    gap = Some(gap.map_or(checkpoint, |g| g.min(checkpoint)));
                    continue;
                }
                from.insert(partition, first_new);
                advanced.push((name, partition));
            }
            if !from.is_empty() {
                plan.push((projection, part, from));
            }
        }
        // The events a projection applies: those of the partitions it moves, from their start.
        let applies = |part: &[u16], from: &HashMap<u16, usize>, i: usize| {
            from.get(&part[i]).is_some_and(|f| i >= *f)
        };
        let prefetch_statements = load_named(&mut tx, &mut cache, "", |rows| {
            for (projection, part, from) in &plan {
                for (i, (p, d)) in events.iter().zip(decoded).enumerate() {
                    if !applies(part, from, i) {
                        continue;
                    }
                    let event = Event {
                        recorded: &p.event,
                        decoded: d,
                        partition: part[i],
                    };
                    projection.prefetch(&event, rows);
                }
            }
        })
        .await?;
        for (projection, part, from) in &plan {
            let name = projection.name();
            let failure = {
                let mut ctx = Ctx::new(&mut cache, Some(&mut *tx), "");
                let mut failure = None;
                for (i, (p, d)) in events.iter().zip(decoded).enumerate() {
                    if !applies(part, from, i) {
                        continue;
                    }
                    let position = p.event.position;
                    if skip.contains(&(name, position)) {
                        dead.push((name, p));
                        continue;
                    }
                    let event = Event {
                        recorded: &p.event,
                        decoded: d,
                        partition: part[i],
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
        checkpoints::advance(&mut tx, &advanced, last).await?;
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

impl Handler for Projector {
    fn name(&self) -> &str {
        "projections"
    }

    fn catch_up_batch(&self) -> u32 {
        CATCH_UP_BATCH
    }

    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        let owned = self.partitions.owned();
        let names: Vec<&'static str> = self.projections.iter().map(|p| p.name()).collect();
        if names.is_empty() {
            return Ok(0);
        }
        // Owning nothing, the projector needs nothing: it starts where the others stand.
        let (aggregate, partitions) = if owned.is_empty() {
            ("max", Vec::new())
        } else {
            ("min", owned.to_vec())
        };
        let mut sql = format!(
            "SELECT coalesce({aggregate}(position), 0) FROM projection_checkpoints WHERE name IN ({})",
            checkpoints::placeholders(1, names.len())
        );
        if !partitions.is_empty() {
            sql.push_str(&format!(
                " AND partition_no IN ({})",
                checkpoints::placeholders(1 + names.len(), partitions.len())
            ));
        }
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for name in &names {
            query = query.bind(*name);
        }
        for p in &partitions {
            query = query.bind(i32::from(*p));
        }
        Ok(query.fetch_one(self.db.pool()).await?)
    }

    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        let decoded: Vec<Decoded> = events.iter().map(|p| Decoded::of(&p.event)).collect();
        Ok(match self.handle_all(events, &decoded).await? {
            Outcome::Applied => Handled::Applied,
            Outcome::Gap(checkpoint) => Handled::Gap { checkpoint },
        })
    }
}
