//! The webhooks' tables and handler on both backends: claims take only each endpoint's oldest
//! pending delivery (log order) and hide it for a lease; an outcome is recorded only by the claim
//! that holds the row; an endpoint failing for too long is disabled once; the handler queues one
//! delivery per (event, endpoint) however often it sees the event, and a customer's endpoint gets
//! only that customer's order events.

use crate::common::{Env, customer, tenant};
use portal_eventlog::subscription::catch_up;
use portal_notifier::webhooks::WebhookHandler;
use portal_notifier::webhooks::deliveries::{self, AttemptRecord, Finished, NewDelivery, Outcome};
use portal_notifier::webhooks::store::{self, NewEndpoint, Owner};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;

const LEASE: Duration = Duration::from_secs(60);

fn owner(customer: Option<String>) -> Owner {
    Owner {
        tenant: "acme".into(),
        customer_id: customer,
    }
}

async fn endpoint(env: &Env, customer: Option<String>, types: &[&str]) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let e = NewEndpoint {
        id: id.clone(),
        owner: owner(customer),
        url: "https://hooks.example/in".into(),
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        description: String::new(),
        secret: portal_notifier::webhooks::signing::new_secret(),
        owner_user_id: "u1".into(),
        owner_email: "owner@acme.example".into(),
    };
    assert!(
        store::insert(&env.db, &e, OffsetDateTime::now_utc())
            .await
            .unwrap()
    );
    id
}

async fn queue(env: &Env, endpoint: &str, position: i64) {
    let mut conn = env.db.pool().acquire().await.unwrap();
    let d = NewDelivery {
        id: format!("{endpoint}-{position}"),
        event_id: format!("e{position}"),
        endpoint_id: endpoint.to_owned(),
        tenant: "acme".into(),
        event_type: "customer.CustomerCreated".into(),
        position,
        body: "{}".into(),
    };
    let past = OffsetDateTime::now_utc() - time::Duration::seconds(1);
    assert!(deliveries::insert(&mut conn, &d, past).await.unwrap());
    assert!(
        !deliveries::insert(&mut conn, &d, past).await.unwrap(),
        "once per pair"
    );
}

fn record(status: Option<u16>) -> AttemptRecord {
    AttemptRecord {
        at: OffsetDateTime::now_utc(),
        http_status: status,
        error: status.is_none().then(|| "refused".to_owned()),
        latency_ms: 3,
    }
}

async fn finish(env: &Env, c: &deliveries::Claimed, outcome: Outcome, after: Duration) -> Finished {
    let mut tx = env.db.begin().await.unwrap();
    let done = deliveries::finish(&mut tx, c, &record(Some(500)), outcome, after)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    done
}

async fn claims_follow_log_order_per_endpoint(env: Env) {
    let a = endpoint(&env, None, &["*"]).await;
    let b = endpoint(&env, None, &["*"]).await;
    for p in [3, 1, 2] {
        queue(&env, &a, p).await;
    }
    queue(&env, &b, 5).await;
    let now = OffsetDateTime::now_utc();
    let mut first = deliveries::claim(&env.db, now, LEASE, 10).await.unwrap();
    first.sort_by_key(|c| c.position);
    let heads: Vec<(String, i64)> = first
        .iter()
        .map(|c| (c.endpoint_id.clone(), c.position))
        .collect();
    assert_eq!(heads, vec![(a.clone(), 1), (b.clone(), 5)]);
    assert!(first.iter().all(|c| c.attempt == 1));
    // Leased: nothing more until an outcome is recorded.
    assert!(
        deliveries::claim(&env.db, now, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let a1 = first.iter().find(|c| c.endpoint_id == a).unwrap().clone();
    // A retry keeps the endpoint's later deliveries waiting.
    let later = now + time::Duration::hours(1);
    finish(
        &env,
        &a1,
        Outcome::Retry { at: later },
        Duration::from_secs(3600),
    )
    .await;
    assert!(
        deliveries::claim(&env.db, now, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = deliveries::claim_next(&env.db, &a, later, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.position, again.attempt), (1, 2));
    // A stale claim records nothing.
    assert_eq!(
        finish(&env, &a1, Outcome::Succeeded, Duration::from_secs(3600)).await,
        Finished::NotOurs
    );
    finish(&env, &again, Outcome::Succeeded, Duration::from_secs(3600)).await;
    let next = deliveries::claim_next(&env.db, &a, later, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.position, 2);
    let log = deliveries::list(&env.db, &a, None, 10).await.unwrap();
    let statuses: Vec<(i64, &str, usize)> = log
        .iter()
        .map(|d| (d.position, d.status.as_str(), d.attempts.len()))
        .collect();
    assert_eq!(
        statuses,
        vec![(3, "pending", 0), (2, "pending", 0), (1, "succeeded", 2)]
    );
    // Send again: pending, due now, the same id.
    assert!(
        deliveries::requeue(&env.db, &a, &again.id, later)
            .await
            .unwrap()
    );
    assert!(
        !deliveries::requeue(&env.db, &b, &again.id, later)
            .await
            .unwrap()
    );
}

async fn an_endpoint_failing_too_long_is_disabled_once(env: Env) {
    let a = endpoint(&env, None, &["*"]).await;
    queue(&env, &a, 1).await;
    let now = OffsetDateTime::now_utc();
    let c = deliveries::claim(&env.db, now, LEASE, 1)
        .await
        .unwrap()
        .remove(0);
    let Finished::Recorded(Some(disabled)) =
        finish(&env, &c, Outcome::Failed, Duration::ZERO).await
    else {
        panic!("not disabled");
    };
    assert_eq!(disabled.owner_email, "owner@acme.example");
    let e = store::get(&env.db, &owner(None), &a)
        .await
        .unwrap()
        .unwrap();
    assert!(!e.enabled && e.disabled_at.is_some());
    queue(&env, &a, 2).await;
    assert!(
        deliveries::claim(&env.db, now, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store::set_enabled(&env.db, &owner(None), &a, true, now)
            .await
            .unwrap()
    );
    assert_eq!(
        deliveries::claim(&env.db, now, LEASE, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn the_handler_queues_once_and_scopes_customers(env: Env) {
    let acme = tenant(&env.store, "acme", "ACME").await;
    let alpha = customer(&env.store, &acme, "Alpha").await;
    let beta = customer(&env.store, &acme, "Beta").await;
    let staff = endpoint(&env, None, &["*"]).await;
    let portal = endpoint(&env, Some(alpha.to_string()), &["order.*"]).await;
    let a_order = portal_testkit::fixtures::submitted_order(&env.store, &acme, alpha, "A-1").await;
    portal_testkit::fixtures::submitted_order(&env.store, &acme, beta, "B-1").await;
    let handler = WebhookHandler::new(env.db.clone(), Arc::new(Notify::new()));
    catch_up(&env.store, &handler, 100).await.unwrap();
    let count = |endpoint: String| {
        let db = env.db.clone();
        async move { deliveries::list(&db, &endpoint, None, 200).await.unwrap() }
    };
    let staff_rows = count(staff.clone()).await;
    let portal_rows = count(portal.clone()).await;
    assert!(staff_rows.len() > portal_rows.len());
    assert!(!portal_rows.is_empty());
    let a_stream = format!("order-{a_order}");
    for d in &portal_rows {
        assert!(d.event_type.starts_with("order."), "{}", d.event_type);
        let body: String = sqlx::query_scalar("SELECT body FROM webhook_deliveries WHERE id = $1")
            .bind(&d.id)
            .fetch_one(env.db.pool())
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["subject"], a_stream.as_str(), "only Alpha's order");
    }
    // Seen again from the start: nothing queued twice.
    sqlx::query("UPDATE webhook_checkpoints SET position = 0")
        .execute(env.db.pool())
        .await
        .unwrap();
    catch_up(&env.store, &handler, 7).await.unwrap();
    assert_eq!(count(staff).await.len(), staff_rows.len());
    assert_eq!(count(portal).await.len(), portal_rows.len());
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread")]
                async fn sqlite() {
                    crate::common::run(
                        crate::common::DbBackend::Sqlite,
                        stringify!($name),
                        super::$name,
                    )
                    .await;
                }
                #[tokio::test(flavor = "multi_thread")]
                async fn postgres() {
                    crate::common::run(
                        crate::common::DbBackend::Postgres,
                        stringify!($name),
                        super::$name,
                    )
                    .await;
                }
            }
        )*
    };
}

both!(
    claims_follow_log_order_per_endpoint,
    an_endpoint_failing_too_long_is_disabled_once,
    the_handler_queues_once_and_scopes_customers,
);
