//! The JSON API tests' environment (feature `service`): the service started in-process with
//! the tenant `acme` and its staff member's bearer token; a JSON client, problem+json
//! assertions, and the event log's length (every bad request must leave it unchanged).

use crate::http::Answer;
#[cfg(feature = "service")]
pub use env::{Env, STAFF};
use serde_json::Value;
use std::time::Duration;

#[cfg(feature = "service")]
mod env {
    use super::Api;
    use crate::db::wait_projected;
    use crate::fixtures::{staff_member, tenant};
    use crate::process::token_with;
    use crate::smtp::SmtpSink;
    use portal_domain::TenantId;
    use portal_eventlog::testing::TestStoreRef;

    pub const STAFF: &str = "staff@acme.example";

    fn borrowed(args: &[String]) -> Vec<&str> {
        args.iter().map(String::as_str).collect()
    }

    /// A served portal (in-process) with tenant `acme` and a staff token.
    pub struct Env {
        pub server: portal::Service,
        pub sink: SmtpSink,
        pub t: TestStoreRef,
        pub acme: TenantId,
        pub api: Api,
        /// Settings every process of the database shares (the projection partitions), for the
        /// commands the tests run beside the server.
        shared: Vec<String>,
    }

    impl Env {
        pub async fn start(t: TestStoreRef) -> Self {
            Self::start_with(t, &[]).await
        }

        /// [`Env::start`] with `extra` serve arguments (e.g. `["--webhook-allow-private"]`).
        pub async fn start_with(t: TestStoreRef, extra: &[&str]) -> Self {
            let sink = SmtpSink::start().await;
            let server = crate::service::start(&t.url, &sink, extra).await;
            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            staff_member(&t.store, &acme, STAFF).await;
            wait_projected(&t.store, &t.url).await;
            let shared: Vec<String> = extra
                .windows(2)
                .find(|w| w[0] == "--projection-partitions")
                .map(|w| w.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_default();
            let token = token_with(&t.url, "acme", STAFF, None, &borrowed(&shared)).await;
            let api = Api::new(&server.base_url(), &token);
            Self {
                server,
                sink,
                t,
                acme,
                api,
                shared,
            }
        }

        /// `http://<addr>` of the service.
        pub fn base(&self) -> String {
            self.server.base_url()
        }

        /// How many events the log holds (every committed row: on PostgreSQL the log's readers
        /// stop below the oldest open transaction, so they may briefly see fewer).
        pub async fn events(&self) -> usize {
            let db = portal_identity::Db::connect(&self.t.url, 1).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
                .fetch_one(db.pool())
                .await
                .unwrap();
            usize::try_from(n).unwrap()
        }

        /// Waits until the read models have applied the whole log.
        pub async fn projected(&self) {
            wait_projected(&self.t.store, &self.t.url).await;
        }

        /// A client with another token against the same server.
        pub fn with_token(&self, token: &str) -> Api {
            Api::new(&self.api.base, token)
        }

        /// A customer with portal access (charges shown as asked) and one contact "Ann" at `email`
        /// with access: the customer's id and a client with the contact's portal token.
        pub async fn portal_user(
            &self,
            name: &str,
            email: &str,
            show_charges: bool,
        ) -> (String, Api) {
            let id = self.api.customer(name).await;
            self.api.portal(&id, true, show_charges).await;
            let a = self
                .api
                .post(
                    &format!("/api/v1/customers/{id}/contacts"),
                    &serde_json::json!({"name": "Ann", "email": email, "portal_access": true}),
                )
                .await;
            assert_eq!(a.status, 201, "{}", a.body);
            self.projected().await;
            let token = token_with(
                &self.t.url,
                "acme",
                email,
                Some(&id),
                &borrowed(&self.shared),
            )
            .await;
            (id, self.with_token(&token))
        }
    }
}

/// A JSON client with a bearer token.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    async fn read(r: reqwest::RequestBuilder) -> Answer {
        let r = r.send().await.unwrap();
        Answer {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// The raw bytes and content type of `GET path`, asserting 200 (documents, exports).
    pub async fn download(&self, path: &str) -> (Vec<u8>, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let ctype = r.headers()["content-type"].to_str().unwrap().to_owned();
        (r.bytes().await.unwrap().to_vec(), ctype)
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::read(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        Self::read(self.request(reqwest::Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        Self::read(self.request(reqwest::Method::PUT, path).json(body)).await
    }

    /// A write with an `Idempotency-Key`.
    pub async fn send_keyed(&self, method: &str, path: &str, body: &Value, key: &str) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        Self::read(
            self.request(method, path)
                .header("idempotency-key", key)
                .json(body),
        )
        .await
    }

    /// A write with a raw body and content type.
    pub async fn send_raw(&self, method: &str, path: &str, body: Vec<u8>, ctype: &str) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        Self::read(
            self.request(method, path)
                .header("content-type", ctype)
                .body(body),
        )
        .await
    }

    /// Creates a customer (201) and returns its id.
    pub async fn customer(&self, name: &str) -> String {
        let a = self
            .post("/api/v1/customers", &serde_json::json!({ "name": name }))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.json()["id"].as_str().unwrap().to_owned()
    }

    /// Switches a customer's portal; the answer (its body and `Portal-Position`), checked to be
    /// 200.
    pub async fn portal(&self, id: &str, enabled: bool, show_charges: bool) -> Answer {
        let a = self
            .put(
                &format!("/api/v1/customers/{id}/portal"),
                &serde_json::json!({ "enabled": enabled, "show_charges": show_charges }),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a
    }

    /// Polls `GET path` until it answers 200 and `ready` holds for the body (30 s at most).
    pub async fn until(&self, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let a = self.get(path).await;
            if a.status == 200 {
                let v = a.json();
                if ready(&v) {
                    return v;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {path}: {} {}",
                a.status,
                a.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Asserts a problem+json answer of `status`; its body.
pub fn problem(a: &Answer, status: u16, what: &str) -> Value {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert_eq!(
        a.header("content-type"),
        Some("application/problem+json"),
        "{what}: {}",
        a.body
    );
    let body = a.json();
    assert_eq!(body["status"], status, "{what}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{what}"
    );
    body
}

/// Asserts a 422 naming `field`; the message of that field.
pub fn field_error(a: &Answer, field: &str, what: &str) -> String {
    let body = problem(a, 422, what);
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{what}: no error for {field}: {}", a.body))
}
