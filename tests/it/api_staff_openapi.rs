//! `/api/openapi.json` through the real binary: an OpenAPI 3.1 document that describes every
//! route of the router under `/api/` and the health routes, with the problem+json schema.
//!
//! The staff routes are declared with `utoipa_axum::routes!` (served routes and spec entries
//! from one list); every other route is a `.route("…", get(…))` somewhere in the api crate. This
//! test reads those calls from the sources, so a route added without a spec entry fails here.

use portal_testkit::TestStoreRef;
use portal_testkit::http::Browser;
use portal_testkit::on_both_backends;
use portal_testkit::process::{base_of, start};
use portal_testkit::smtp::SmtpSink;
use serde_json::Value;
use std::path::Path;

/// Every `(method, path)` of a `.route("path", method(…)…)` call in `dir`'s Rust files.
fn routes_in(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            routes_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices(".route(\"") {
                let rest = &text[at + 8..];
                let end = rest.find('"').unwrap();
                let route = rest[..end].to_owned();
                // The call's arguments up to its closing parenthesis.
                let mut depth = 1;
                let args = rest[end..]
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(&rest[end..], |(i, _)| &rest[end..end + i]);
                for method in ["get", "post", "put", "delete", "patch"] {
                    let called = args.match_indices(&format!("{method}(")).any(|(i, _)| {
                        i == 0
                            || !args[..i]
                                .chars()
                                .next_back()
                                .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    });
                    if called {
                        out.push((method.to_owned(), route.clone()));
                    }
                }
            }
        }
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || ["/healthz", "/readyz", "/metrics"].contains(&path)
}

async fn openapi(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let browser = Browser::new(&base_of(&server));
    let a = browser.get("/api/openapi.json").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let spec: Value = a.json();
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    let problem = &spec["components"]["schemas"]["Problem"];
    for field in ["title", "status", "detail", "errors"] {
        assert!(problem["properties"][field].is_object(), "Problem.{field}");
    }

    // Every route of the sources is described, with its method.
    let mut routes = Vec::new();
    routes_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src"),
        &mut routes,
    );
    let api_routes: Vec<_> = routes.iter().filter(|(_, p)| is_api(p)).collect();
    assert!(
        api_routes.len() >= 8,
        "the scan found too few routes: {routes:?}"
    );
    for (method, path) in api_routes {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is served but not in /api/openapi.json"
        );
    }

    // The staff rows of DESIGN.md, the carrier locations and the edits.
    for (method, path) in [
        ("post", "/api/v1/customers"),
        ("get", "/api/v1/customers"),
        ("get", "/api/v1/customers/{id}"),
        ("put", "/api/v1/customers/{id}"),
        ("put", "/api/v1/customers/{id}/portal"),
        ("post", "/api/v1/customers/portal/bulk"),
        ("post", "/api/v1/customers/{id}/contacts"),
        ("get", "/api/v1/contacts"),
        ("put", "/api/v1/contacts/{id}"),
        ("put", "/api/v1/contacts/{id}/portal-access"),
        ("post", "/api/v1/orders/{id}/status"),
        ("post", "/api/v1/orders/{id}/charges"),
        ("get", "/api/v1/orders/{id}/charges"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/audit/streams/{stream_id}"),
        ("get", "/api/v1/carrier-locations"),
        ("post", "/api/v1/carrier-locations"),
        ("put", "/api/v1/carrier-locations/{id}"),
        ("get", "/api/openapi.json"),
    ] {
        let op = &spec["paths"][path][method];
        assert!(op.is_object(), "{method} {path}");
        if method != "get" {
            assert!(op["requestBody"].is_object(), "{method} {path}: body");
            let params = op["parameters"].to_string();
            assert!(params.contains("Idempotency-Key"), "{method} {path}: key");
            let bad = &op["responses"]["422"]["content"]["application/problem+json"];
            assert!(bad.is_object(), "{method} {path}: 422 problem");
        }
    }
}

on_both_backends!(openapi);
