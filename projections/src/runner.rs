//! [`Projector`]: every projection behind one checkpointed [`Handler`].
//!
//! Per batch and projection, one transaction: lock the projection's checkpoint row (the first
//! statement, a write: it serialises concurrent projectors on the same projection, so two
//! `portal project` processes never apply an event twice, and on SQLite it takes the write lock
//! up front), skip events at or below it, answer a gap, apply the rest through a [`Ctx`], flush
//! the rows, move the checkpoint, commit. Projections run concurrently, each on its own
//! connection.
//!
//! Poison events: an event a projection fails on ([`ApplyError::Event`]) is retried
//! [`MAX_ATTEMPTS`] times; then the batch is applied again without it, and it is written to
//! `projection_dead_letters` in the same transaction. Database errors are not poison: the whole
//! batch is retried later by the runner.

use crate::ctx::{Ctx, RowCache};
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::store::{self, ReadDb};
use futures::future::join_all;
use portal_eventlog::Store;
use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned, catch_up};
use sqlx::Row as _;
use std::collections::HashSet;
use std::sync::Arc;
use tracing::{error, instrument, warn};

/// Tries of one event before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 3;

/// The projections of this process and their database.
#[derive(Clone)]
pub struct Projector {
    db: ReadDb,
    projections: Arc<Vec<Arc<dyn Projection>>>,
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
        }
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
    pub async fn apply_log(&self, store: &Store) -> Result<u64, portal_eventlog::subscription::CatchUpError> {
        catch_up(store, self, 2000).await
    }

    /// Checkpoint of every projection, by name.
    pub async fn checkpoints(&self) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT name, position, schema FROM projection_checkpoints ORDER BY name")
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    #[instrument(skip_all, fields(projection = projection.name(), events = events.len()))]
    async fn handle_one(
        &self,
        projection: &dyn Projection,
        events: &[Positioned],
        decoded: &[Decoded],
    ) -> Result<Outcome, ApplyError> {
        let mut skip: HashSet<i64> = HashSet::new();
        let mut failures: Vec<(i64, u32, String)> = Vec::new();
        loop {
            match self
                .try_apply(projection, events, decoded, &skip, &failures)
                .await?
            {
                Ok(outcome) => return Ok(outcome),
                Err((position, reason)) => {
                    let index = match failures.iter().position(|f| f.0 == position) {
                        Some(i) => i,
                        None => {
                            failures.push((position, 0, String::new()));
                            failures.len() - 1
                        }
                    };
                    let entry = &mut failures[index];
                    entry.1 += 1;
                    entry.2 = reason.clone();
                    warn!(position, attempt = entry.1, error = %reason, "projection failed on an event");
                    if entry.1 >= MAX_ATTEMPTS {
                        error!(position, error = %reason, "dead-lettering the event; the projection goes on");
                        skip.insert(position);
                    }
                }
            }
        }
    }

    /// One transaction. `Err((position, reason))` inside `Ok`: that event failed (rolled back).
    async fn try_apply(
        &self,
        projection: &dyn Projection,
        events: &[Positioned],
        decoded: &[Decoded],
        skip: &HashSet<i64>,
        failures: &[(i64, u32, String)],
    ) -> Result<Result<Outcome, (i64, String)>, ApplyError> {
        let mut tx = self.db.begin().await?;
        let checkpoint: i64 = sqlx::query_scalar(
            "UPDATE projection_checkpoints SET position = position WHERE name = $1 RETURNING position",
        )
        .bind(projection.name())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApplyError::Event(format!("no checkpoint row for {}", projection.name())))?;
        let first_new = events.iter().position(|p| p.event.position > checkpoint);
        let Some(first_new) = first_new else {
            tx.rollback().await?;
            return Ok(Ok(Outcome::Applied));
        };
        if events[first_new].previous > checkpoint {
            tx.rollback().await?;
            return Ok(Ok(Outcome::Gap(checkpoint)));
        }
        let mut cache = RowCache::default();
        {
            let mut ctx = Ctx::new(&mut cache, Some(&mut *tx), "");
            for (p, d) in events[first_new..].iter().zip(&decoded[first_new..]) {
                let position = p.event.position;
                if skip.contains(&position) {
                    continue;
                }
                let event = Event { recorded: &p.event, decoded: d };
                match projection.apply(&mut ctx, event).await {
                    Ok(()) => {}
                    Err(e) if e.is_transient() => return Err(e),
                    Err(e) => {
                        drop(ctx);
                        tx.rollback().await?;
                        return Ok(Err((position, e.to_string())));
                    }
                }
            }
        }
        store::flush(&mut tx, cache, "").await?;
        for p in events[first_new..].iter().filter(|p| skip.contains(&p.event.position)) {
            let (attempts, reason) = failures
                .iter()
                .find(|f| f.0 == p.event.position)
                .map_or((0, String::new()), |f| (f.1, f.2.clone()));
            sqlx::query(
                "INSERT INTO projection_dead_letters \
                 (projection, position, event_id, event_type, stream_id, error, attempts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (projection, position) DO NOTHING",
            )
            .bind(projection.name())
            .bind(p.event.position)
            .bind(p.event.event_id.to_string())
            .bind(p.event.event_type.as_str())
            .bind(p.event.stream_id.as_str())
            .bind(reason)
            .bind(i64::from(attempts))
            .execute(&mut *tx)
            .await?;
        }
        let last = events.last().map_or(checkpoint, |p| p.event.position);
        sqlx::query(
            "UPDATE projection_checkpoints SET position = $2, updated_at = CURRENT_TIMESTAMP WHERE name = $1",
        )
        .bind(projection.name())
        .bind(last)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(Outcome::Applied))
    }
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
        let results = join_all(
            self.projections
                .iter()
                .map(|p| self.handle_one(p.as_ref(), events, &decoded)),
        )
        .await;
        let mut gap: Option<i64> = None;
        for r in results {
            match r? {
                Outcome::Applied => {}
                Outcome::Gap(c) => gap = Some(gap.map_or(c, |g| g.min(c))),
            }
        }
        Ok(match gap {
            Some(checkpoint) => Handled::Gap { checkpoint },
            None => Handled::Applied,
        })
    }
}
