//! Reads cached by the read models' position, on both backends: the order list and the
//! dashboard answer a weak `ETag`; sent back in `If-None-Match` it is answered 304 while nothing
//! changed; after a write, a read that waits for the write's `Portal-Position` gets a new `ETag`
//! and a body that shows the write, never the cached one (also when it sends the old `ETag`);
//! another scope's answer to the same query has another `ETag`.

use crate::api_portal::order_body;
use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env};
use portal_testkit::http::Answer;
use portal_testkit::on_both_backends;

/// `GET path`, optionally with `If-None-Match` and `Portal-Min-Position`.
async fn get(api: &Api, path: &str, etag: Option<&str>, min: Option<&str>) -> Answer {
    let mut r = api
        .http
        .get(format!("{}{path}", api.base))
        .bearer_auth(&api.token);
    if let Some(etag) = etag {
        r = r.header("if-none-match", etag);
    }
    if let Some(min) = min {
        r = r.header("portal-min-position", min);
    }
    let r = r.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

fn etag(a: &Answer) -> String {
    let tag = a
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag: {} {:?}", a.status, a.headers))
        .to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    tag
}

/// The answer of `path` is 200 with an `ETag`, and that `ETag` gets a 304 without a body.
async fn tagged(api: &Api, path: &str) -> (Answer, String) {
    let first = get(api, path, None, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let tag = etag(&first);
    let again = get(api, path, Some(&tag), None).await;
    assert_eq!(again.status, 304, "{path}: {}", again.body);
    assert!(again.body.is_empty(), "{}", again.body);
    assert_eq!(etag(&again), tag);
    // Another client's tag (or a stale one) is not a match.
    let other = get(api, path, Some("W/\"0.0.0\""), None).await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert_eq!(other.body, first.body);
    (first, tag)
}

async fn etags_follow_the_read_models(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_, ann) = env
        .portal_user("Customer One", "ann@one.example", true)
        .await;
    // The portal token's issue is an event too: the tags hold once it is applied.
    env.projected().await;
    let paths = ["/api/v1/orders", "/api/v1/dashboard"];
    let mut staff_tags = Vec::new();
    for path in paths {
        let (_, staff) = tagged(&env.api, path).await;
        let (_, portal) = tagged(&ann, path).await;
        assert_ne!(staff, portal, "{path}: one tag for two scopes");
        staff_tags.push(staff);
    }

    for i in 0..3 {
        let reference = format!("REF-{i}");
        let a = ann
            .post("/api/v1/orders", &order_body(&reference, None))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let at = a.header("portal-position").unwrap().to_owned();
        let id = a.json()["id"].as_str().unwrap().to_owned();
        for (path, old) in paths.iter().zip(staff_tags.iter_mut()) {
            // The old tag, waiting for the write: a fresh body under a new tag.
            let fresh = get(&env.api, path, Some(old), Some(&at)).await;
            assert_eq!(fresh.status, 200, "{path}: {}", fresh.body);
            assert_ne!(&etag(&fresh), old, "{path}");
            if *path == "/api/v1/orders" {
                assert!(
                    fresh.body.contains(&id),
                    "{path} misses {id}: {}",
                    fresh.body
                );
            } else {
                let total = fresh.json()["orders_by_status"]["total"].as_i64();
                assert_eq!(total, Some(i + 1), "{}", fresh.body);
            }
            let portal = get(&ann, path, None, Some(&at)).await;
            assert_eq!(portal.status, 200, "{}", portal.body);
            if *path == "/api/v1/orders" {
                assert!(portal.body.contains(&id), "{}", portal.body);
            }
            // Once the log is applied, a tag holds while nothing is written.
            env.projected().await;
            *old = tagged(&env.api, path).await.1;
        }
    }
}

on_both_backends!(etags_follow_the_read_models);
