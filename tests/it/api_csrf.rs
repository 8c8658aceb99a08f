//! CSRF protection of the JSON API through the real binary, on both backends: an unsafe call
//! authenticated by the session cookie needs `Content-Type: application/json` (bodyless calls
//! too) or the session's `X-CSRF-Token`, and a same-site origin; refused calls answer 403
//! problem+json and append nothing; bearer calls are exempt. Also: `Cache-Control: no-store` on
//! every answer with user data, and the `/metrics` token and address.

use portal_testkit::TestStoreRef;
use portal_testkit::api::{Env, problem};
use portal_testkit::http::{Answer, Browser, csrf_in};
use portal_testkit::on_both_backends;
use portal_testkit::process::start;
use portal_testkit::smtp::SmtpSink;
use serde_json::{Value, json};
use std::time::Duration;

const ANN: &str = "ann@alpha.example";

/// What a refused call is, its headers, and a part of the detail it must get.
type Refusal<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

fn stop(city: &str, date: &str) -> Value {
    json!({"location_id": null, "date": date, "address": {"name": format!("{city} site"),
        "street": "Hafenstraße 1", "postal_code": "20457", "city": city, "country": "DE"}})
}

fn order_body(reference: &str) -> Value {
    json!({"customer_reference": reference, "consignments": [{
        "pickup": stop("Hamburg", &portal_testkit::fixtures::day(5)),
        "delivery": stop("Berlin", &portal_testkit::fixtures::day(6)),
        "goods": [{"description": "Tiles", "quantity": 3, "packaging": "euro_pallet",
            "weight_kg": 500.0, "stackable": false}]
    }]})
}

/// A POST of the logged-in browser `b` to `path`, without a body, with `headers`.
async fn bodyless(b: &Browser, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = b.http.post(format!("{}{path}", b.base));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let r = request.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

async fn cookie_calls(t: TestStoreRef) {
    let env = Env::start(t).await;
    let (_alpha, ann) = env.portal_user("Alpha Foods", ANN, false).await;
    let created = ann.post("/api/v1/orders", &order_body("A-1")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let base = ann.base.clone();
    let b = Browser::new(&base);
    b.login(&env.sink, ANN).await;
    let own = base.as_str();
    let submit = format!("/api/v1/orders/{id}/submit");

    // Refused before the handler: from another site (even with JSON), or neither JSON nor token.
    let stranger_token = Browser::new(&base).csrf().await;
    let before = env.events().await;
    let json_type = ("content-type", "application/json");
    let refusals: [Refusal; 6] = [
        (
            "cross-site",
            vec![json_type, ("sec-fetch-site", "cross-site")],
            "another site",
        ),
        (
            "foreign origin",
            vec![json_type, ("origin", "https://evil.example")],
            "another site",
        ),
        (
            "null origin",
            vec![json_type, ("origin", "null")],
            "another site",
        ),
        ("no content type", vec![], "Content-Type: application/json"),
        (
            "text/plain",
            vec![("content-type", "text/plain")],
            "Content-Type: application/json",
        ),
        (
            "a token of another session",
            vec![("x-csrf-token", stranger_token.as_str())],
            "X-CSRF-Token",
        ),
    ];
    for (what, headers, detail) in refusals {
        let a = bodyless(&b, &submit, &headers).await;
        let p = problem(&a, 403, what);
        assert!(
            p["detail"].as_str().unwrap().contains(detail),
            "{what}: {p}"
        );
        for other in ["cancel", "order-again"] {
            let path = format!("/api/v1/orders/{id}/{other}");
            problem(&bodyless(&b, &path, &headers).await, 403, what);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.events().await, before, "nothing appended");
    let order = ann.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(order.json()["status"], "draft");

    // Bearer calls carry no ambient authority: any origin.
    let again = ann
        .http
        .post(format!("{base}/api/v1/orders/{id}/order-again"))
        .bearer_auth(&ann.token)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert!(again.status().is_success(), "{}", again.status());
    let copy: Value = again.json().await.unwrap();
    let copy = copy["id"].as_str().unwrap().to_owned();

    // The browser's own calls: JSON content type (no body), or the session's token.
    let a = bodyless(&b, &submit, &[json_type, ("origin", own)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "submitted");
    let page = b.get("/portal").await;
    let token = csrf_in(&page.body).unwrap();
    let cancel = format!("/api/v1/orders/{copy}/cancel");
    let a = bodyless(&b, &cancel, &[("x-csrf-token", &token)]).await;
    assert!(
        a.status == 200 || a.status == 204,
        "{}: {}",
        a.status,
        a.body
    );

    // No answer with user data may be kept by a cache; the stylesheet may.
    for path in [
        "/api/v1/orders".to_owned(),
        format!("/api/v1/orders/{id}"),
        "/api/v1/orders/export?format=csv".to_owned(),
        "/api/v1/orders/export?format=xlsx".to_owned(),
        format!("/api/v1/orders/{id}/documents/cmr"),
        "/portal".to_owned(),
        "/account".to_owned(),
    ] {
        let a = b.get(&path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert_eq!(a.header("cache-control"), Some("no-store"), "{path}");
    }
    let css = b.get("/assets/portal.css").await;
    assert_ne!(css.header("cache-control"), Some("no-store"));
    assert_eq!(css.header("strict-transport-security"), None, "plain http");
}

/// The `metrics on http://...` address a server printed.
async fn metrics_address(server: &portal_testkit::process::Logged) -> String {
    for _ in 0..100 {
        let log = server.log.lock().unwrap().clone();
        if let Some(line) = log.lines().find(|l| l.starts_with("metrics on http://")) {
            return line.trim_start_matches("metrics on ").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no metrics address printed")
}

async fn metrics(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let token = "a-metrics-token-of-some-length";
    let server = start(&t.url, &sink, &["--metrics-token", token]);
    let url = format!("http://{}/metrics", server.served.addr);
    let http = reqwest::Client::new();
    let open = http.get(&url).send().await.unwrap();
    assert_eq!(open.status(), 401);
    let wrong = http.get(&url).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("# EOF"));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("token required"), "{log}");
    assert!(!log.contains(token), "the metrics token in the output");
    drop(server);

    // On an address of its own: not served on the main one.
    let server = start(&t.url, &sink, &["--metrics-listen", "127.0.0.1:0"]);
    let main = format!("http://{}/metrics", server.served.addr);
    assert_eq!(http.get(&main).send().await.unwrap().status(), 404);
    let own = metrics_address(&server).await;
    let a = http.get(&own).send().await.unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(a.headers()["cache-control"], "no-store");
}

#[test]
fn metrics_settings_have_flags_and_variables() {
    let (code, stdout, _) =
        portal_testkit::process::run(portal_testkit::process::portal("").args(["serve", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "--metrics-token",
        "PORTAL_METRICS_TOKEN",
        "--metrics-listen",
        "PORTAL_METRICS_LISTEN",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
    let dir = std::env::temp_dir().join(format!("portal-metrics-{}", uuid::Uuid::now_v7()));
    for (var, value) in [
        ("PORTAL_METRICS_TOKEN", "short"),
        ("PORTAL_METRICS_LISTEN", "nowhere"),
    ] {
        let (code, _, stderr) = portal_testkit::process::run(
            portal_testkit::process::portal("")
                .env("PORTAL_DATA_DIR", &dir)
                .env(var, value)
                .args(["serve", "--listen", "127.0.0.1:0"]),
        );
        assert_ne!(code, 0, "{var}={value}");
        let flag = var
            .trim_start_matches("PORTAL_")
            .to_lowercase()
            .replace('_', "-");
        assert!(
            stderr.contains(var) || stderr.contains(&flag),
            "{var}={value}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

on_both_backends!(cookie_calls, metrics);
