//! The roles as separate processes against PostgreSQL and a real NATS server: one `portal relay`
//! and two `portal project` processes on the same database and JetStream stream, while commands
//! run. Afterwards the read models equal a rebuild from the log and the dashboards' counters
//! match the log exactly: nothing was applied twice, nothing was lost.

use crate::fanout::readmodels::{assert_dashboards_match_log, assert_equals_rebuild, pg_pool};
use crate::fanout::workload::{spawn_workload, tenant_slugs};
use crate::fanout::{CONVERGE, Names, StreamGuard, eventually, nats_url, read_log};
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::process::{Running, portal, spawn_ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relay_and_two_projectors_as_processes() {
    let Some(nats) = nats_url("relay_and_two_projectors_as_processes") else {
        return;
    };
    with_store(Backend::Postgres, "roles_nats", move |t| async move {
        let names = Names::new();
        let _guard = StreamGuard {
            url: nats.clone(),
            stream: names.stream.clone(),
        };
        let role = |name: &str| {
            let mut cmd = portal(&t.url);
            names.configure(cmd.arg(name), &nats);
            cmd
        };
        // The projectors first: they create the durable consumer that the relay's news go to.
        let (a, _) = spawn_ready(role("project"), "projections running");
        let _a = Running(a);
        let (b, _) = spawn_ready(role("project"), "projections running");
        let _b = Running(b);
        let (relay, _) = spawn_ready(role("relay"), "relay running");
        let _relay = Running(relay);

        let total = spawn_workload(&t.store, &tenant_slugs(3), 200)
            .await
            .unwrap();
        assert_eq!(total, 600);
        let log = read_log(&t.store).await;
        let head = log.last().unwrap().position;
        let pool = pg_pool(&t.store);
        eventually!(
            "both processes' projections to reach the head",
            CONVERGE,
            async {
                let min: Option<i64> =
                    sqlx::query_scalar("SELECT MIN(position) FROM projection_checkpoints")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                if min == Some(head) {
                    Ok(())
                } else {
                    Err(format!("lowest checkpoint {min:?}, head {head}"))
                }
            }
        );
        eventually!("the relay checkpoint to reach the head", CONVERGE, async {
            let at = t.store.relay_checkpoint(&names.stream).await.unwrap();
            if at == head {
                Ok(())
            } else {
                Err(format!("relay at {at}, head {head}"))
            }
        });
        assert_dashboards_match_log(&pool, &log, "two projector processes").await;
        assert_equals_rebuild(&t.store, &t.url, "two projector processes").await;
    })
    .await;
}
