//! Webhooks through the real service, with HTTP receivers inside the test: Standard Webhooks
//! signatures checked by an independent implementation (Python's `standardwebhooks`), a failed
//! attempt retried with the same `webhook-id`, the delivery log and *Send again*, scopes (a
//! portal user's endpoint never sees another customer's events; another scope's endpoint is
//! 404), the address guard (a private URL is refused without `--webhook-allow-private`), log
//! order per endpoint, a slow endpoint not delaying another, exactly one successful delivery per
//! (event, endpoint) across a restart, two processes and a lost stream ([`once`]), and disabling
//! with an email.

mod once;
mod pages;
mod receiver;
mod scopes;
mod verify;

use portal_testkit::api::{Env, field_error};
use portal_testkit::{Backend, TestStoreRef, with_store};
use receiver::Receiver;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Private addresses allowed (the receivers are on 127.0.0.1), retries after 300 ms, and few
/// database connections (several services run at once).
pub(crate) const ALLOW: [&str; 5] = [
    "--webhook-allow-private",
    "--webhook-retry-schedule",
    "300ms,300ms,300ms",
    "--db-max-connections",
    "4",
];

/// Registers an endpoint; (id, secret).
pub(crate) async fn register(
    api: &portal_testkit::api::Api,
    url: &str,
    types: &[&str],
) -> (String, String) {
    let a = api
        .post(
            "/api/v1/webhooks",
            &json!({"url": url, "event_types": types, "description": "ERP"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let v = a.json();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

/// Waits until no delivery is pending.
pub(crate) async fn settled(url: &str) {
    let db = portal_testkit::db::db(url).await;
    portal_testkit::wait_until(
        "webhook deliveries settled",
        Duration::from_secs(30),
        || {
            let db = db.clone();
            async move {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'",
                )
                .fetch_one(db.pool())
                .await
                .unwrap();
                n == 0
            }
        },
    )
    .await;
}

pub(crate) fn positions(requests: &[receiver::Received]) -> Vec<i64> {
    requests
        .iter()
        .map(|r| r.json()["position"].as_i64().unwrap())
        .collect()
}

async fn signed_retried_logged_and_sent_again(t: TestStoreRef) {
    let rx = Receiver::start().await;
    let env = Env::start_with(t, &ALLOW).await;
    let (id, secret) = register(&env.api, &rx.url, &["customer.CustomerCreated"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    // The secret is never shown again.
    let one = env.api.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(one.status, 200);
    assert!(one.json().get("secret").is_none(), "{}", one.body);
    let list = env.api.get("/api/v1/webhooks").await;
    assert!(!list.body.contains(&secret));
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);

    rx.fail_next(1);
    let customer = env.api.customer("Nordic Tiles").await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].status, 500);
    assert_eq!(got[1].status, 200);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    assert_eq!(got[1].header("content-type"), "application/json");
    let body = got[1].json();
    assert_eq!(body["type"], "portal.customer.CustomerCreated.v1");
    assert_eq!(body["data"]["customer_id"], customer.as_str());
    assert_eq!(body["specversion"], "1.0");
    assert_eq!(got[0].body, got[1].body, "the same body on every attempt");
    verify::verify_all(&secret, &got);

    let log_path = format!("/api/v1/webhooks/{id}/deliveries");
    let log = env
        .api
        .until(&log_path, |v| v["deliveries"][0]["status"] == "succeeded")
        .await;
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["id"], got[0].header("webhook-id").as_str());
    assert_eq!(delivery["event_type"], "customer.CustomerCreated");
    assert_eq!(delivery["event_id"], body["id"]);
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{log}");
    assert_eq!(attempts[0]["http_status"], 500);
    assert_eq!(attempts[1]["http_status"], 200);
    assert!(attempts[1]["latency_ms"].as_i64().unwrap() >= 0);

    // Send again: the same webhook-id once more.
    let delivery_id = delivery["id"].as_str().unwrap();
    let retry = format!("/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry");
    let a = env.api.post(&retry, &json!({})).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let got = rx.wait_for(3).await;
    assert_eq!(got[2].header("webhook-id"), got[0].header("webhook-id"));
    verify::verify_all(&secret, &got[2..]);
    let unknown = format!(
        "/api/v1/webhooks/{id}/deliveries/{}/retry",
        uuid::Uuid::now_v7()
    );
    assert_eq!(env.api.post(&unknown, &json!({})).await.status, 404);
    let bad = env.api.get(&format!("{log_path}?limit=0")).await;
    field_error(&bad, "limit", "limit 0");

    // The counters on /metrics.
    let metrics = portal_testkit::http::get_text(&env.base(), "/metrics", None).await;
    assert_eq!(metrics.0, 200);
    assert!(
        metrics.1.contains("portal_webhook_deliveries_succeeded"),
        "{}",
        metrics.1
    );

    // Changing and deleting.
    let a = env
        .api
        .put(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"url": rx.url, "event_types": ["customer.*"], "description": "ERP 2"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["event_types"], json!(["customer.*"]));
    let gone = env
        .api
        .send_raw(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            Vec::new(),
            "application/json",
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(
        env.api.get(&format!("/api/v1/webhooks/{id}")).await.status,
        404
    );
}

async fn private_urls_and_unknown_types_are_refused(t: TestStoreRef) {
    let rx = Receiver::start().await;
    // Without --webhook-allow-private.
    let env = Env::start(t).await;
    for url in [
        rx.url.as_str(),
        "http://localhost:9/x",
        "http://169.254.169.254/latest",
    ] {
        let a = env
            .api
            .post(
                "/api/v1/webhooks",
                &json!({"url": url, "event_types": ["*"]}),
            )
            .await;
        let message = field_error(&a, "url", url);
        assert!(message.contains("internal address"), "{message}");
    }
    let a = env
        .api
        .post(
            "/api/v1/webhooks",
            &json!({"url": "ftp://hooks.example/x", "event_types": ["orders.*", "order.Shipped"]}),
        )
        .await;
    field_error(&a, "url", "ftp");
    let message = field_error(&a, "event_types", "unknown category");
    assert!(
        message.contains("orders") || message.contains("Shipped"),
        "{message}"
    );
    let a = env
        .api
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://user:pw@hooks.example/x", "event_types": []}),
        )
        .await;
    field_error(&a, "url", "credentials");
    field_error(&a, "event_types", "no pattern");
    let list = env.api.get("/api/v1/webhooks").await;
    assert_eq!(list.json()["items"], json!([]));
    assert!(rx.received().is_empty());
}

async fn order_per_endpoint_and_a_slow_endpoint_delays_no_other(t: TestStoreRef) {
    let slow = Receiver::start().await;
    slow.slow(Duration::from_millis(1500));
    let fast = Receiver::start().await;
    let env = Env::start_with(t, &ALLOW).await;
    register(&env.api, &slow.url, &["customer.CustomerCreated"]).await;
    register(&env.api, &fast.url, &["customer.CustomerCreated"]).await;
    let started = Instant::now();
    for i in 0..4 {
        env.api.customer(&format!("Customer {i}")).await;
    }
    let got = fast.wait_for(4).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the fast endpoint waited for the slow one: {:?}",
        started.elapsed()
    );
    assert!(slow.received().len() <= 2, "{}", slow.received().len());
    let fast_positions = positions(&got);
    let slow_got = slow.wait_for(4).await;
    let slow_positions = positions(&slow_got);
    assert!(fast_positions.is_sorted(), "{fast_positions:?}");
    assert_eq!(slow_positions, fast_positions, "log order on both");
    // One at a time per endpoint: each request of the slow endpoint arrived after the previous
    // one was answered.
    for pair in slow_got.windows(2) {
        assert!(pair[1].at.duration_since(pair[0].at) >= Duration::from_millis(1400));
    }
}

async fn an_endpoint_failing_too_long_is_disabled_and_its_owner_emailed(t: TestStoreRef) {
    let rx = Receiver::start().await;
    rx.fail_next(usize::MAX);
    let env = Env::start_with(
        t,
        &[
            "--webhook-allow-private",
            "--webhook-retry-schedule",
            "200ms,200ms,200ms,200ms,200ms,200ms",
            "--webhook-disable-after",
            "500ms",
            "--db-max-connections",
            "4",
        ],
    )
    .await;
    let (id, _) = register(&env.api, &rx.url, &["customer.CustomerCreated"]).await;
    env.api.customer("Failing").await;
    let path = format!("/api/v1/webhooks/{id}");
    let v: Value = env.api.until(&path, |v| v["enabled"] == false).await;
    assert!(v["disabled_at"].is_string(), "{v}");
    portal_testkit::wait_until("the disabled email", Duration::from_secs(30), || async {
        !env.sink.to(portal_testkit::api::STAFF).is_empty()
    })
    .await;
    let mail = env.sink.to(portal_testkit::api::STAFF)[0].decoded();
    assert!(mail.contains("was disabled"), "{mail}");
    // Nothing more is tried while it is disabled; enabling it again resumes.
    let before = rx.received().len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rx.received().len(), before);
    rx.fail_next(0);
    let a = env
        .api
        .put(
            &path,
            &json!({"url": rx.url, "event_types": ["customer.CustomerCreated"], "enabled": true}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    env.api.customer("Recovered").await;
    portal_testkit::wait_until(
        "a success after enabling",
        Duration::from_secs(30),
        || async { rx.received().iter().any(|r| r.status == 200) },
    )
    .await;
}

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        $( #[tokio::test(flavor = "multi_thread")] async fn $name() {
            with_store(Backend::Postgres, stringify!($name), super::$name).await;
        } )*
    };
}

mod postgres {
    use super::*;
    postgres_tests!(
        signed_retried_logged_and_sent_again,
        private_urls_and_unknown_types_are_refused,
        order_per_endpoint_and_a_slow_endpoint_delays_no_other,
        an_endpoint_failing_too_long_is_disabled_and_its_owner_emailed,
    );
}

mod sqlite {
    use super::*;
    #[tokio::test(flavor = "multi_thread")]
    async fn signed_retried_logged_and_sent_again() {
        with_store(
            Backend::Sqlite,
            "signed_retried_logged_and_sent_again",
            super::signed_retried_logged_and_sent_again,
        )
        .await;
    }
}
