//! Partitions of the projection work, and the leases that share them out among processes.
//!
//! An event belongs to the partition of its account ([`crate::accounts`]): its customer, or its
//! tenant for carrier-wide events, hashed with [`partition_of`] into `count` partitions. All
//! streams of a customer are in one partition, so per-stream order holds inside it and read
//! models that combine a customer's streams see them in log order. A projection whose rows
//! combine customers partitions by tenant instead ([`crate::accounts::PartitionBy`]). Counters
//! that sum many streams are kept per partition and summed when read. So processes that own
//! different partitions never write the same row and never wait for each other's locks.
//!
//! Every process reads the whole feed and applies the events of the partitions it owns, moving
//! each owned partition's checkpoint to the end of every batch (an idle partition moves too, so
//! a read waiting for a position is answered). Which partitions a process owns is decided by
//! [`Leases`] in PostgreSQL: each process renews its leases every [`TICK`]; a lease not renewed
//! for [`LEASE`] is taken by another process; a process that joins takes its share as the
//! others hand over what is beyond theirs. Leases only share out the work: exactly-once comes
//! from the checkpoint row of each (projection, partition), locked by every batch that applies
//! its events, so a process that lost a lease unawares cannot apply an event twice.
//!
//! Embedded mode and `count = 1` need no leases: the only partition is always owned
//! ([`Partitions::single`]).

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

/// How often a process renews its leases and rebalances.
pub const TICK: Duration = Duration::from_secs(2);
/// How long a lease lasts without renewal: a process that dies hands its partitions over within
/// this plus one [`TICK`].
pub const LEASE: Duration = Duration::from_secs(6);
/// Most partitions (positions of a partition in a bit set elsewhere need not be bounded, but a
/// count past this only adds checkpoint rows).
pub const MAX_PARTITIONS: u16 = 64;

/// The partition of a key (an account): stable across processes, versions and platforms (the
/// first 8 bytes of the SHA-256 of the key), so that every process agrees.
pub fn partition_of(key: &str, count: u16) -> u16 {
    if count <= 1 {
        return 0;
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut head = [0_u8; 8];
    head.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(head) % u64::from(count)) as u16
}

/// The partition count and the partitions this process owns now (changed by [`Leases`]).
#[derive(Debug, Clone)]
pub struct Partitions {
    count: u16,
    owned: watch::Receiver<Arc<Vec<u16>>>,
    /// This process's name in the leases, when they decide.
    owner: Option<String>,
}

impl Partitions {
    /// One partition, always owned: embedded mode, tests, and `count = 1`.
    pub fn single() -> Self {
        Self::fixed(1, vec![0])
    }

    /// `count` partitions of which `owned` are this process's, for good (tests, rebuilds).
    pub fn fixed(count: u16, owned: Vec<u16>) -> Self {
        let (tx, owned) = watch::channel(Arc::new(owned));
        // The sender is dropped: the receiver keeps the last value.
        drop(tx);
        Self {
            count: count.max(1),
            owned,
            owner: None,
        }
    }

    /// The name this process holds its leases under (`None` without leases).
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    pub fn count(&self) -> u16 {
        self.count
    }

    /// The partitions owned now, in increasing order.
    pub fn owned(&self) -> Arc<Vec<u16>> {
        self.owned.borrow().clone()
    }

    pub fn of(&self, stream_id: &str) -> u16 {
        partition_of(stream_id, self.count)
    }
}

/// The partition count the read models are built for, when projecting processes are running
/// with it and it is not `db`'s own (PostgreSQL; `None` when nothing runs with leases, or the
/// counts agree). A process starting with another count would rebuild the read models for its
/// count under the running ones, which would then stall on checkpoint rows that no longer exist.
pub async fn count_in_use_elsewhere(db: &crate::ReadDb) -> Result<Option<u16>, sqlx::Error> {
    let Some(pool) = db.copy_pool() else {
        return Ok(None);
    };
    let (running, built): (bool, i64) = sqlx::query_as(
        "SELECT EXISTS (SELECT FROM projection_leases \
                        WHERE owner IS NOT NULL AND expires_at > now()), \
                (SELECT count(DISTINCT partition_no) FROM projection_checkpoints)",
    )
    .fetch_one(pool)
    .await?;
    let built = u16::try_from(built).unwrap_or(u16::MAX);
    Ok((running && built > 0 && built != db.partition_count()).then_some(built))
}

/// This process's leases (PostgreSQL). Dropping the handle does not release them; cancelling
/// the token given to [`Leases::start`] does (a clean shutdown hands over at once).
#[derive(Debug, Clone)]
pub struct Leases {
    pool: PgPool,
    owner: String,
    count: u16,
}

impl Leases {
    /// The leases of `db`'s partitions, when it has several (PostgreSQL): see the module docs.
    /// `None` with one partition: the process applies it without leases.
    pub async fn start(
        db: &crate::ReadDb,
        cancel: CancellationToken,
    ) -> Result<Option<Partitions>, sqlx::Error> {
        match db.copy_pool() {
            Some(pool) if db.partition_count() > 1 => {
                Self::run_on(pool.clone(), db.partition_count(), cancel)
                    .await
                    .map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Creates the lease rows of `count` partitions, takes a first share and keeps renewing and
    /// rebalancing until `cancel`. Returns the partitions view the projector reads.
    pub async fn run_on(
        pool: PgPool,
        count: u16,
        cancel: CancellationToken,
    ) -> Result<Partitions, sqlx::Error> {
        let count = count.clamp(1, MAX_PARTITIONS);
        sqlx::query(
            "INSERT INTO projection_leases (partition_no) \
             SELECT generate_series(0, $1 - 1) ON CONFLICT (partition_no) DO NOTHING",
        )
        .bind(i32::from(count))
        .execute(&pool)
        .await?;
        let leases = Self {
            pool,
            owner: format!("{}-{}", std::process::id(), Uuid::now_v7()),
            count,
        };
        let first = leases.tick().await?;
        info!(owner = %leases.owner, partitions = ?first, "projection leases taken");
        let (tx, owned) = watch::channel(Arc::new(first));
        let owner = Some(leases.owner.clone());
        tokio::spawn(leases.run(tx, cancel));
        Ok(Partitions {
            count,
            owned,
            owner,
        })
    }

    async fn run(self, tx: watch::Sender<Arc<Vec<u16>>>, cancel: CancellationToken) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(TICK) => {}
                () = cancel.cancelled() => break,
            }
            match self.tick().await {
                Ok(mine) => {
                    if **tx.borrow() != mine {
                        info!(partitions = ?mine, "projection partitions changed");
                        tx.send_replace(Arc::new(mine));
                    }
                }
                // Keep what we have: if the database is gone, nobody else can take it either,
                // and the checkpoint locks keep a stale owner harmless.
                Err(e) => warn!(error = %e, "cannot renew projection leases"),
            }
        }
        tx.send_replace(Arc::new(Vec::new()));
        if let Err(e) = self.release_all().await {
            warn!(error = %e, "cannot release projection leases; they expire on their own");
        }
    }

    /// Heartbeat, renew, then give back what is beyond a fair share or take what is missing
    /// from it. Returns the partitions owned afterwards.
    async fn tick(&self) -> Result<Vec<u16>, sqlx::Error> {
        let lease = LEASE.as_secs_f64();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO projection_members (owner, seen_at) VALUES ($1, now()) \
             ON CONFLICT (owner) DO UPDATE SET seen_at = now()",
        )
        .bind(&self.owner)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM projection_members WHERE seen_at < now() - make_interval(secs => $1)",
        )
        .bind(lease)
        .execute(&mut *tx)
        .await?;
        let members: i64 = sqlx::query_scalar("SELECT count(*) FROM projection_members")
            .fetch_one(&mut *tx)
            .await?;
        let share = usize::from(self.count).div_ceil(usize::try_from(members.max(1)).unwrap_or(1));
        let mut mine: Vec<u16> = sqlx::query_scalar::<_, i32>(
            "UPDATE projection_leases SET expires_at = now() + make_interval(secs => $2) \
             WHERE owner = $1 AND partition_no < $3 RETURNING partition_no",
        )
        .bind(&self.owner)
        .bind(lease)
        .bind(i32::from(self.count))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .filter_map(|p| u16::try_from(p).ok())
        .collect();
        mine.sort_unstable();
        if mine.len() > share {
            let extra: Vec<i32> = mine.split_off(share).into_iter().map(i32::from).collect();
            sqlx::query(
                "UPDATE projection_leases SET owner = NULL, expires_at = '-infinity' \
                 WHERE owner = $1 AND partition_no = ANY($2)",
            )
            .bind(&self.owner)
            .bind(&extra)
            .execute(&mut *tx)
            .await?;
        } else if mine.len() < share {
            let taken: Vec<i32> = sqlx::query_scalar(
                "UPDATE projection_leases SET owner = $1, \
                        expires_at = now() + make_interval(secs => $2) \
                  WHERE partition_no IN ( \
                        SELECT partition_no FROM projection_leases \
                         WHERE expires_at < now() AND partition_no < $3 \
                         ORDER BY partition_no LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING partition_no",
            )
            .bind(&self.owner)
            .bind(lease)
            .bind(i32::from(self.count))
            .bind(i64::try_from(share - mine.len()).unwrap_or(0))
            .fetch_all(&mut *tx)
            .await?;
            mine.extend(taken.into_iter().filter_map(|p| u16::try_from(p).ok()));
            mine.sort_unstable();
        }
        tx.commit().await?;
        Ok(mine)
    }

    async fn release_all(&self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE projection_leases SET owner = NULL, expires_at = '-infinity' WHERE owner = $1",
        )
        .bind(&self.owner)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM projection_members WHERE owner = $1")
            .bind(&self.owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn a_stream_always_falls_in_the_same_partition() {
        // Fixed values (the first 8 bytes of SHA-256, big-endian, mod 8): a change here moves
        // rows between partitions and needs a rebuild.
        assert_eq!(
            partition_of("order-0190b1c2-0000-7000-8000-000000000001", 8),
            6
        );
        assert_eq!(partition_of("customer-acme", 8), 6);
        assert_eq!(partition_of("customer-globex", 8), 0);
        assert_eq!(partition_of("anything", 1), 0);
    }

    #[test]
    fn streams_spread_over_the_partitions() {
        let mut seen = [0_u32; 8];
        for i in 0..8000 {
            seen[usize::from(partition_of(&format!("order-{i}"), 8))] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
    }
}
