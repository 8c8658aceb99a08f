//! The JSON API's contract through the real binary: every error answer under `/api/` is a
//! problem document (also those axum builds itself: broken JSON, wrong content type, too large a
//! body, unknown paths, wrong methods), a reused `Idempotency-Key` with another body is 409, one
//! request is one append with one correlation id, hidden characters are a field-level 422, and a
//! database that is gone is 503 with `Retry-After` (on a private PostgreSQL server the test stops).

use portal_eventlog::Store;
use portal_eventlog::store::StoreOptions;
use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, field_error, problem};
use portal_testkit::http::Answer;
use portal_testkit::on_both_backends;
use serde_json::{Value, json};

async fn errors_are_problem_documents(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let before = env.events().await;

    // A query value of the wrong shape names its parameter.
    let a = api.get("/api/v1/customers?limit=1.5").await;
    field_error(&a, "limit", "limit=1.5");
    // A body that is not JSON (broken JSON and bodies over the limit: the customer API tests).
    let a = api
        .send_raw(
            "POST",
            "/api/v1/customers",
            b"name=X".to_vec(),
            "text/plain",
        )
        .await;
    problem(&a, 415, "wrong content type");
    // Unknown paths, ids that are not ids, bytes that are not UTF-8 in the path.
    for path in [
        "/api/v1/no-such-thing",
        "/api/v2/customers",
        "/api/v1/customers/not-a-uuid",
    ] {
        problem(&api.get(path).await, 404, path);
    }
    let a = api.get("/api/v1/contacts/%FF%FE").await;
    assert!(matches!(a.status, 400 | 404), "{}", a.body);
    problem(&a, a.status, "a path that is not UTF-8");
    // A method the path does not take: 405 naming the ones it does.
    let a = api
        .send_raw(
            "DELETE",
            "/api/v1/customers",
            Vec::new(),
            "application/json",
        )
        .await;
    problem(&a, 405, "wrong method");
    let allow = a.header("allow").unwrap_or_default().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    // HTML routes keep their pages.
    let a = api.get("/no-such-page").await;
    assert_eq!(a.status, 404);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(env.events().await, before, "nothing appended");
}

async fn a_reused_key_with_another_body_is_a_conflict(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let first = api
        .send_keyed(
            "POST",
            "/api/v1/customers",
            &json!({"name": "Alpha"}),
            "k-1",
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let after = env.events().await;
    let other = api
        .send_keyed("POST", "/api/v1/customers", &json!({"name": "Beta"}), "k-1")
        .await;
    let body = problem(&other, 409, "the key with another body");
    assert!(body["detail"].as_str().unwrap().contains("idempotency key"));
    // The same for a switch of an existing customer.
    let path = format!("/api/v1/customers/{id}/portal");
    let on = json!({"enabled": true, "show_charges": false});
    let a = api.send_keyed("PUT", &path, &on, "k-2").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let off = json!({"enabled": false, "show_charges": false});
    problem(
        &api.send_keyed("PUT", &path, &off, "k-2").await,
        409,
        "switch",
    );
    assert_eq!(env.events().await, after + 1);
}

/// The events of `stream` in the tenant's log.
/// The events of `stream` in the log, read once the write that answered `after` is readable
/// (its `Portal-Position`): the log's readers see a commit once every earlier transaction ended.
async fn events_of(api: &Api, stream: &str, after: &Answer) -> Vec<Value> {
    let position = after.header("portal-position").expect("Portal-Position");
    let r = api
        .http
        .get(format!("{}/api/v1/events?limit=1000", api.base))
        .bearer_auth(&api.token)
        .header("portal-min-position", position)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["stream_id"] == stream)
        .cloned()
        .collect()
}

async fn one_request_is_one_append(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let id = api.customer("Alpha Foods").await;
    let stream = format!("customer-{id}");

    // Both switches: two events, one correlation id.
    let a = api.portal(&id, true, true).await;
    assert_eq!(a.json()["portal_changed"], true);
    assert_eq!(a.json()["show_charges_changed"], true);
    let events = events_of(api, &stream, &a).await;
    assert_eq!(events.len(), 3, "{events:?}");
    let switched = &events[1..];
    assert_eq!(
        switched[0]["metadata"]["correlation_id"], switched[1]["metadata"]["correlation_id"],
        "{switched:?}"
    );
    assert_ne!(
        events[0]["metadata"]["correlation_id"],
        switched[0]["metadata"]["correlation_id"]
    );

    // Details and status: one correlation id too.
    let a = api
        .put(
            &format!("/api/v1/customers/{id}"),
            &json!({"name": "Alpha Foods AS", "status": "approved"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let events = events_of(api, &stream, &a).await;
    let edited: Vec<_> = events[3..].iter().collect();
    assert_eq!(edited.len(), 2, "{events:?}");
    assert_eq!(
        edited[0]["metadata"]["correlation_id"],
        edited[1]["metadata"]["correlation_id"]
    );

    // All or nothing: a blocked customer's switch is refused and appends no part of it.
    let beta = api.customer("Beta Bakery").await;
    let a = api
        .put(
            &format!("/api/v1/customers/{beta}"),
            &json!({"name": "Beta", "status": "blocked"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let before = env.events().await;
    let a = api
        .put(
            &format!("/api/v1/customers/{beta}/portal"),
            &json!({"enabled": true, "show_charges": true}),
        )
        .await;
    problem(&a, 422, "enable a blocked customer");
    assert_eq!(env.events().await, before);
}

async fn hidden_characters_are_refused(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    let before = env.events().await;
    let a = api
        .post("/api/v1/customers", &json!({"name": "Acme\u{202E}GmbH"}))
        .await;
    let message = field_error(&a, "name", "override in a name");
    assert!(
        message.contains("hidden characters") && message.contains("U+202E"),
        "{message}"
    );
    let a = api
        .post(
            "/api/v1/customers",
            &json!({"name": "Acme", "code": "\u{FEFF}ACM"}),
        )
        .await;
    assert!(field_error(&a, "code", "BOM in a code").contains("U+FEFF"));
    assert_eq!(env.events().await, before);
    let id = api.customer("Acme").await;
    let a = api
        .post(
            &format!("/api/v1/customers/{id}/contacts"),
            &json!({"name": "Ann\u{200B}", "email": "ann@acme.example", "portal_access": false}),
        )
        .await;
    assert!(field_error(&a, "name", "zero width in a contact").contains("U+200B"));
}

/// On a private PostgreSQL server that the test stops and starts again (never the shared one).
#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_is_gone_is_503() {
    if !portal_testkit::pg::available("a_database_that_is_gone_is_503") {
        return;
    }
    let mut pg = portal_testkit::pg::PgCluster::start();
    let store = Store::connect(&pg.url(), &StoreOptions::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let env = Env::start(TestStoreRef {
        store,
        url: pg.url(),
    })
    .await;
    let api = &env.api;
    api.customer("Alpha Foods").await;

    pg.crash();
    for (what, a) in [
        ("a read", api.get("/api/v1/customers").await),
        (
            "a write",
            api.post("/api/v1/customers", &json!({"name": "Beta"}))
                .await,
        ),
    ] {
        problem(&a, 503, what);
        assert_eq!(a.header("retry-after"), Some("5"), "{what}");
    }
    // A browser's session cookie: loading the session is what fails first.
    let a = reqwest::Client::new()
        .get(format!("{}/api/v1/customers", env.base()))
        .header("cookie", "portal_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 503, "a session cookie");
    assert_eq!(a.headers()["retry-after"], "5", "a session cookie");

    // Back once the database is.
    pg.up();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let a = api.get("/api/v1/customers").await;
        if a.status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} {}\nthe database's log:\n{}",
            a.status,
            a.body,
            pg.log_tail()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

on_both_backends!(
    errors_are_problem_documents,
    a_reused_key_with_another_body_is_a_conflict,
    one_request_is_one_append,
    hidden_characters_are_refused,
);
