//! Projections split into partitions, applied by two `portal project` processes against
//! PostgreSQL and NATS: each takes half of the partitions by lease and applies them; when one is
//! killed, the other takes its partitions within ten seconds and catches them up. Afterwards the
//! dashboards' counters match the log exactly (nothing applied twice, nothing lost) and the read
//! models equal a rebuild.

use crate::fanout::readmodels::{assert_dashboards_match_log, assert_equals_rebuild_in, pg_pool};
use crate::fanout::workload::{spawn_workload, tenant_slugs};
use crate::fanout::{CONVERGE, Names, StreamGuard, eventually, nats_url, read_log};
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::process::{Running, portal, spawn_ready};
use sqlx::PgPool;
use std::time::{Duration, Instant};

const PARTITIONS: u16 = 4;

/// Owners holding a live lease, with how many partitions each.
async fn owners(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT owner, count(*) FROM projection_leases \
          WHERE owner IS NOT NULL AND expires_at > now() GROUP BY owner ORDER BY owner",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn lowest_checkpoint(pool: &PgPool) -> Option<i64> {
    sqlx::query_scalar("SELECT MIN(position) FROM projection_checkpoints")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_projector_processes_share_partitions_and_survive_a_kill() {
    let Some(nats) = nats_url("two_projector_processes_share_partitions") else {
        return;
    };
    with_store(
        Backend::Postgres,
        "partitioned_roles",
        move |t| async move {
            let names = Names::new();
            let _guard = StreamGuard {
                url: nats.clone(),
                stream: names.stream.clone(),
            };
            let role = |name: &str| {
                let mut cmd = portal(&t.url);
                names
                    .configure(cmd.arg(name), &nats)
                    .env("PORTAL_PROJECTION_PARTITIONS", PARTITIONS.to_string());
                cmd
            };
            let pool = pg_pool(&t.store);
            let (a, _) = spawn_ready(role("project"), "projections running");
            let _a = Running(a);
            let (b, _) = spawn_ready(role("project"), "projections running");
            let mut b = Running(b);
            let (relay, _) = spawn_ready(role("relay"), "relay running");
            let _relay = Running(relay);
            eventually!(
                "two processes to hold two partitions each",
                CONVERGE,
                async {
                    let o = owners(&pool).await;
                    if o.len() == 2 && o.iter().all(|(_, n)| *n == 2) {
                        Ok(())
                    } else {
                        Err(format!("leases: {o:?}"))
                    }
                }
            );

            // With both running, every partition reaches the head: each process applied its own
            // half (neither owns the other's).
            spawn_workload(&t.store, &tenant_slugs(3), 80)
                .await
                .unwrap();
            let head = read_log(&t.store).await.last().unwrap().position;
            eventually!("every partition to reach the head", CONVERGE, async {
                match lowest_checkpoint(&pool).await {
                    Some(at) if at == head => Ok(()),
                    other => Err(format!("lowest checkpoint {other:?}, head {head}")),
                }
            });

            // One process dies (SIGKILL: no lease released); the work goes on meanwhile.
            let killed = Instant::now();
            let _ = b.0.kill();
            let _ = b.0.wait();
            spawn_workload(&t.store, &tenant_slugs(3), 80)
                .await
                .unwrap();
            eventually!(
                "the survivor to hold every partition",
                Duration::from_secs(15),
                async {
                    let o = owners(&pool).await;
                    if o.len() == 1 && o[0].1 == i64::from(PARTITIONS) {
                        Ok(())
                    } else {
                        Err(format!("leases: {o:?}"))
                    }
                }
            );
            let took = killed.elapsed();
            assert!(took <= Duration::from_secs(10), "hand-over took {took:?}");

            let log = read_log(&t.store).await;
            let head = log.last().unwrap().position;
            eventually!("every partition to reach the new head", CONVERGE, async {
                match lowest_checkpoint(&pool).await {
                    Some(at) if at == head => Ok(()),
                    other => Err(format!("lowest checkpoint {other:?}, head {head}")),
                }
            });
            assert_dashboards_match_log(&pool, &log, "partitioned projectors").await;
            assert_equals_rebuild_in(&t.store, &t.url, "partitioned projectors", PARTITIONS).await;
        },
    )
    .await;
}
