//! Looks into a test's database beside the service: the log's head and length, the notifier's
//! and the projections' checkpoints (and waits on them), the identity tables (sessions, rate
//! limits) and plain statements.

use crate::wait_until;
use portal_domain::UserId;
use portal_domain::values::Email;
use portal_eventlog::{RecordedEvent, Store};
use std::time::Duration;

/// The notifier's checkpoint (0 before it ran).
pub async fn notifier_position(url: &str) -> i64 {
    let db = portal_identity::Db::connect(url, 2).await.unwrap();
    let (position,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM notifier_checkpoints")
            .fetch_one(db.pool())
            .await
            .unwrap();
    position
}

/// The position of the newest committed event this test can see. Not
/// `Store::head_position`: on PostgreSQL that stops below any transaction still open (the read
/// horizon), so right after our own appends it can leave them out while, say, a projector's
/// batch is open, and a wait on it would return before our events were handled.
pub async fn newest_position(_store: &Store, url: &str) -> i64 {
    let db = portal_identity::Db::connect(url, 1).await.unwrap();
    let (head,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM events")
        .fetch_one(db.pool())
        .await
        .unwrap();
    head
}

/// Waits until the notifier has handled every event up to the log's head.
pub async fn wait_notifier_caught_up(store: &Store, url: &str) {
    let head = newest_position(store, url).await;
    wait_until(
        "the notifier to reach the head",
        Duration::from_secs(30),
        || async { notifier_position(url).await >= head },
    )
    .await;
}

/// Waits until every projection of the server's in-process projector has handled the log up to
/// its current head (the read models answer scopes and orders from there).
pub async fn wait_projected(store: &Store, url: &str) {
    let head = newest_position(store, url).await;
    let db = portal_identity::Db::connect(url, 2).await.unwrap();
    wait_until(
        "the projections to reach the head",
        Duration::from_secs(30),
        || async {
            let (count, min): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(MIN(position), 0) FROM projection_checkpoints",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            count > 0 && min >= head
        },
    )
    .await;
}

/// The identity tables of the test's database.
pub async fn db(url: &str) -> portal_identity::Db {
    portal_identity::Db::connect(url, 2).await.unwrap()
}

/// The identity id of `email` as the tables store it.
pub fn user_id(email: &str) -> String {
    UserId::for_email(&Email::parse(email).unwrap()).to_string()
}

/// How many rows of table `sessions` belong to `email`.
pub async fn sessions_of(db: &portal_identity::Db, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user_id(email))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// Runs one statement with text parameters.
pub async fn exec(db: &portal_identity::Db, sql: &str, params: &[&str]) -> u64 {
    let mut q = sqlx::query(sql);
    for p in params {
        q = q.bind(*p);
    }
    q.execute(db.pool()).await.unwrap().rows_affected()
}

/// Every event of the log.
pub async fn all_events(store: &Store) -> Vec<RecordedEvent> {
    store.read_all(0, 100_000).await.unwrap()
}

/// How many events of type `kind` the log holds.
pub async fn count_events(store: &Store, kind: &str) -> usize {
    all_events(store)
        .await
        .iter()
        .filter(|e| e.event_type == kind)
        .count()
}

/// The hits counted so far in rate-limit buckets starting with `prefix`, by bucket.
pub async fn rate_buckets(db: &portal_identity::Db, prefix: &str) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT bucket, hits FROM rate_limits WHERE bucket LIKE $1 ORDER BY bucket")
        .bind(format!("{prefix}%"))
        .fetch_all(db.pool())
        .await
        .unwrap()
}

/// How many events the log holds, read through the store.
pub async fn event_count(store: &Store) -> usize {
    store.read_all(0, 1_000_000).await.unwrap().len()
}

/// Waits until the notifier has handled the whole log and no email waits in the outbox: what
/// the sink holds then is everything sent so far.
pub async fn settle_mail(store: &Store, url: &str) {
    wait_notifier_caught_up(store, url).await;
    let db = db(url).await;
    wait_until(
        "the outbox to be empty",
        Duration::from_secs(30),
        || async {
            let pending: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'")
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            pending == 0
        },
    )
    .await;
}
