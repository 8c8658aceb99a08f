//! Leases share the partitions out among processes: a process alone owns them all, two split
//! them evenly, a process that stops cleanly hands over at once, and one that dies (its runtime
//! gone, its leases never released) hands over within ten seconds.

use portal_eventlog::testing::{Backend, with_store};
use portal_projections::partitions::{LEASE, Leases, Partitions, TICK};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    start.elapsed()
}

fn owned(p: &Partitions) -> BTreeSet<u16> {
    p.owned().iter().copied().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_share_partitions_and_move_when_a_process_goes() {
    with_store(Backend::Postgres, "leases", |t| async move {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        let rebalance = TICK * 3;

        let first_cancel = CancellationToken::new();
        let first = Leases::run_on(pool.clone(), 8, first_cancel.clone())
            .await
            .unwrap();
        assert_eq!(owned(&first), (0..8).collect());

        // A second process joins: within a few ticks each owns four, none twice.
        let second_cancel = CancellationToken::new();
        let second = Leases::run_on(pool.clone(), 8, second_cancel.clone())
            .await
            .unwrap();
        wait_until("an even split", rebalance, || {
            owned(&first).len() == 4 && owned(&second).len() == 4
        })
        .await;
        assert!(owned(&first).is_disjoint(&owned(&second)));

        // A clean stop hands over at once (next tick of the survivor).
        second_cancel.cancel();
        wait_until("takeover after a clean stop", rebalance, || {
            owned(&first).len() == 8
        })
        .await;

        // A process that dies: its runtime is dropped, so its leases are never released.
        let url = t.url.clone();
        let dead = tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let p = Leases::run_on(pool, 8, CancellationToken::new())
                    .await
                    .unwrap();
                let start = Instant::now();
                while p.owned().len() < 4 {
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "never got a share"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                p.owned().len()
            })
        })
        .await
        .unwrap();
        assert_eq!(dead, 4);
        let took = wait_until("takeover after a death", Duration::from_secs(10), || {
            owned(&first).len() == 8
        })
        .await;
        assert!(took <= LEASE + TICK * 2, "took {took:?}");

        first_cancel.cancel();
        pool.close().await;
    })
    .await;
}
