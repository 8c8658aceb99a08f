//! Read your writes with projection partitions: a portal user's read waits only for the
//! partitions that hold its rows, staff's for all; a command run with another partition count
//! than the running processes is refused.

use crate::read_your_writes::{get_at, position};
use portal_domain::CustomerId;
use portal_projections::accounts::customer_partitions;
use portal_testkit::api::{Env, STAFF, problem};
use portal_testkit::db::db;
use portal_testkit::process::{self, run};
use portal_testkit::{Backend, with_store};
use std::time::{Duration, Instant};

/// Puts a partition's checkpoints at a position.
const LOWER: &str = "UPDATE projection_checkpoints SET position = $1 WHERE partition_no = $2";
/// Locks a partition's checkpoint rows, as a projector's batch does.
const HOLD: &str = "SELECT position FROM projection_checkpoints WHERE partition_no = $1 FOR UPDATE";

/// With partitions, a portal user's read waits only for the partitions that hold its rows (its
/// customer's and its tenant's): another partition behind the write's position does not delay
/// it, while staff, who read every partition, wait for that one too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portal_read_waits_only_for_its_own_partitions_and_counts_agree() {
    with_store(
        Backend::Postgres,
        "read_your_writes_partitions",
        |t| async move {
            let env = Env::start_with(t, &["--projection-partitions", "4"]).await;
            let (id, portal) = env
                .portal_user("Partitioned Freight", "ann@partitioned.example", false)
                .await;
            let put = env.api.portal(&id, true, true).await;
            let at = position(&put);
            env.projected().await;
            let customer: CustomerId = id.parse().unwrap();
            let read = customer_partitions(&env.acme, customer, 4);
            let other = (0..4_u16).find(|p| !read.contains(p)).unwrap();
            let db = db(&env.t.url).await;
            // The other partition is put behind the write and held there: its checkpoint rows
            // are locked, as by a projector mid-batch. (It holds no events of this test: only the
            // tenant and this customer wrote any, and they are in `read`.) Retried should the
            // projector move it back between the update and the lock.
            let held = loop {
                sqlx::query(LOWER)
                    .bind(at - 1)
                    .bind(i32::from(other))
                    .execute(db.pool())
                    .await
                    .unwrap();
                let mut held = db.pool().begin().await.unwrap();
                let positions: Vec<i64> = sqlx::query_scalar(HOLD)
                    .bind(i32::from(other))
                    .fetch_all(&mut *held)
                    .await
                    .unwrap();
                if !positions.is_empty() && positions.iter().all(|p| *p < at) {
                    break held;
                }
                held.rollback().await.unwrap();
            };

            let started = Instant::now();
            let mine = get_at(&portal, "/api/v1/dashboard", &at.to_string()).await;
            assert_eq!(mine.status, 200, "{}", mine.body);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "the portal read waited {:?} for a partition it does not read",
                started.elapsed()
            );
            let staff = get_at(&env.api, "/api/v1/dashboard", &at.to_string()).await;
            problem(&staff, 503, "not yet up to date");

            held.rollback().await.unwrap();
            let staff = get_at(&env.api, "/api/v1/dashboard", &at.to_string()).await;
            assert_eq!(staff.status, 200, "{}", staff.body);

            // A command run beside them with another count is refused, rather than rebuilding
            // the read models under the running projector; which then goes on as before.
            let url = env.t.url.clone();
            let (code, _, stderr) = tokio::task::spawn_blocking(move || {
                run(process::portal(&url)
                    .args(["token", "create", "--tenant", "acme", "--email", STAFF]))
            })
            .await
            .unwrap();
            assert_ne!(code, 0, "{stderr}");
            assert!(stderr.contains("--projection-partitions 4"), "{stderr}");
            let put = env.api.portal(&id, true, false).await;
            let staff = get_at(&env.api, "/api/v1/dashboard", &position(&put).to_string()).await;
            assert_eq!(staff.status, 200, "{}", staff.body);
        },
    )
    .await;
}
