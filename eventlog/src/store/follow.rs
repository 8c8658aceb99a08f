//! What tails the log needs from the store: a commit signal to wake on, the head of the log, how
//! far a reader is behind, and the relay's checkpoint.

use super::Store;
use crate::error::StoreError;
use sqlx::postgres::PgListener;
use sqlx::{Row, postgres::PgPool};
use std::time::Duration;
use tokio::sync::watch;
use tracing::warn;

/// PostgreSQL channel notified by the store right after events commit (migration 0004).
pub const COMMIT_CHANNEL: &str = "portal_events";

/// Wakes a reader of the log when events commit. A hint only: a reader re-reads the log after a
/// wake-up and also after `wait`'s timeout, so a lost notification costs latency, never events.
pub struct CommitListener {
    signal: Signal,
    /// The next pause while committed events are held back by the read horizon (see
    /// [`CommitListener::wait_after`]); back at [`HELD_BACK_FIRST`] once nothing is held back.
    held_back: Duration,
}

enum Signal {
    Postgres {
        pool: PgPool,
        listener: Option<PgListener>,
    },
    Sqlite(watch::Receiver<u64>),
}

/// First pause before a reader looks again at events held back by the read horizon; it doubles
/// up to [`HELD_BACK_MOST`] (or the caller's poll, if shorter) while they stay held back.
const HELD_BACK_FIRST: Duration = Duration::from_millis(2);
/// Longest pause while events are held back. The end of the transaction that holds them is not
/// signalled, so this is how late they can be once it ends: a read model's batch during a burst
/// of writes holds them for seconds, and a pause grown to the poll interval cost the burst's
/// last events up to that interval. Looking every 50 ms costs two cheap queries, 20 times a
/// second, and only while something is held back.
const HELD_BACK_MOST: Duration = Duration::from_millis(50);

impl CommitListener {
    /// Waits until something committed since the last call, or `timeout` passed. Returns whether
    /// a commit was signalled.
    pub async fn wait(&mut self, timeout: Duration) -> bool {
        match &mut self.signal {
            Signal::Sqlite(rx) => matches!(
                tokio::time::timeout(timeout, rx.changed()).await,
                Ok(Ok(()))
            ),
            Signal::Postgres { pool, listener } => {
                if listener.is_none() {
                    *listener = listen(pool).await;
                }
                let Some(l) = listener.as_mut() else {
                    tokio::time::sleep(timeout).await;
                    return false;
                };
                match tokio::time::timeout(timeout, l.recv()).await {
                    Err(_) => false,
                    Ok(Ok(_)) => {
                        // Drain what else is already queued: one re-read covers them all.
                        while l.next_buffered().is_some() {}
                        true
                    }
                    Ok(Err(e)) => {
                        warn!(error = %e, "commit listener lost its connection; reconnecting");
                        *listener = None;
                        false
                    }
                }
            }
        }
    }

    /// For a reader that has read everything readable after `after`: waits like
    /// [`Self::wait`] with `poll`, or much less while committed events lie above the read
    /// horizon.
    ///
    /// Why: on PostgreSQL a reader reads only below the oldest transaction of the database that
    /// is still running (`portal_read_horizon()`), and that may be any writing transaction, a
    /// read model's batch say, not an append. When it ends no commit is signalled, so the events
    /// it held back would wait for the next append or for `poll` (up to a second's delay at the
    /// end of every burst of writes). Held-back events are looked at again after [`HELD_BACK_FIRST`],
    /// doubling up to [`HELD_BACK_MOST`] while a long transaction keeps them back.
    pub async fn wait_after(&mut self, store: &Store, after: i64, poll: Duration) -> bool {
        let held_back = matches!(store.committed_head().await, Ok(head) if head > after);
        let timeout = if held_back {
            let pause = self.held_back.min(poll);
            self.held_back = (self.held_back * 2).min(HELD_BACK_MOST);
            pause
        } else {
            self.held_back = HELD_BACK_FIRST;
            poll
        };
        self.wait(timeout).await
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let attempt = async {
        let mut l = PgListener::connect_with(pool).await?;
        l.listen(COMMIT_CHANNEL).await?;
        Ok::<_, sqlx::Error>(l)
    };
    match attempt.await {
        Ok(l) => Some(l),
        Err(e) => {
            warn!(error = %e, "cannot LISTEN for commits; polling instead");
            None
        }
    }
}

impl Store {
    /// A listener for commits, to tail the log without busy polling.
    pub async fn commit_listener(&self) -> CommitListener {
        let signal = match self {
            Self::Postgres(s) => Signal::Postgres {
                pool: s.pool().clone(),
                listener: listen(s.pool()).await,
            },
            Self::Sqlite(s) => Signal::Sqlite(s.commits()),
        };
        CommitListener {
            signal,
            held_back: HELD_BACK_FIRST,
        }
    }

    /// The highest committed position visible to readers (0 for an empty log).
    pub async fn head_position(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COALESCE(MAX(position), 0) FROM events";
        let head: i64 = match self {
            Self::Postgres(s) => {
                // Only what portal_read_all would return: not past an open transaction.
                sqlx::query_scalar(
                    "SELECT COALESCE(MAX(position), 0) FROM events \
                     WHERE position < (portal_read_horizon()::text::bigint * 65536)",
                )
                .fetch_one(s.pool())
                .await?
            }
            Self::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.reader()).await?,
        };
        Ok(head)
    }

    /// The newest committed position, open transactions below it or not: what a writer that
    /// just committed waits for before reading its own write back from a read model (the
    /// followers reach it once the read horizon passes; [`Self::head_position`] may still be
    /// below it).
    pub async fn committed_head(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COALESCE(MAX(position), 0) FROM events";
        let head: i64 = match self {
            Self::Postgres(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await?,
            Self::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.reader()).await?,
        };
        Ok(head)
    }

    /// How many events lie after `position`, counting at most `cap` (cheap for small lags).
    pub async fn count_after(&self, position: i64, cap: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE position > $1 LIMIT $2) t";
        let n: i64 = match self {
            Self::Postgres(s) => {
                sqlx::query_scalar(sql)
                    .bind(position)
                    .bind(cap)
                    .fetch_one(s.pool())
                    .await?
            }
            Self::Sqlite(s) => {
                sqlx::query_scalar(sql)
                    .bind(position)
                    .bind(cap)
                    .fetch_one(s.reader())
                    .await?
            }
        };
        Ok(n)
    }

    /// The relay checkpoint `name`: the position of the last event it published (0 if none).
    pub async fn relay_checkpoint(&self, name: &str) -> Result<i64, StoreError> {
        let sql = "SELECT position FROM relay_checkpoints WHERE name = $1";
        let row = match self {
            Self::Postgres(s) => sqlx::query(sql).bind(name).fetch_optional(s.pool()).await?,
            Self::Sqlite(s) => {
                return Ok(sqlx::query(sql)
                    .bind(name)
                    .fetch_optional(s.reader())
                    .await?
                    .map(|r| r.get::<i64, _>(0))
                    .unwrap_or(0));
            }
        };
        Ok(row.map(|r| r.get::<i64, _>(0)).unwrap_or(0))
    }

    /// Moves the relay checkpoint `name` to `position` (never backwards).
    pub async fn save_relay_checkpoint(&self, name: &str, position: i64) -> Result<(), StoreError> {
        match self {
            Self::Postgres(s) => {
                sqlx::query(
                    "INSERT INTO relay_checkpoints (name, position) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET position = GREATEST(relay_checkpoints.position, excluded.position), updated_at = now()",
                )
                .bind(name)
                .bind(position)
                .execute(s.pool())
                .await?;
            }
            Self::Sqlite(s) => {
                // Behind the file's write gate, like every write (see `gate.rs`).
                let _turn = s.write_gate().lock().await;
                sqlx::query(
                    "INSERT INTO relay_checkpoints (name, position) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET position = MAX(relay_checkpoints.position, excluded.position), \
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                )
                .bind(name)
                .bind(position)
                .execute(s.writer())
                .await?;
            }
        }
        Ok(())
    }
}
