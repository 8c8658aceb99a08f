//! A JSON client that sends every write with an `Idempotency-Key` and sends it again, with the
//! same key and body, after a connection error, a timeout or a 5xx, until it is acknowledged
//! (2xx) or the load's deadline passes. Every acknowledged command is written to the [`Ledger`]
//! with the stream it must have changed and the event types it must have appended there.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// One acknowledged command.
#[derive(Debug, Clone)]
pub struct Acked {
    pub key: String,
    /// `<category>-<id>`, as the event log names streams.
    pub stream: String,
    /// The event types the command appends to `stream`, in order.
    pub types: Vec<&'static str>,
    /// False for requests the server splits into commands with derived keys.
    pub direct_key: bool,
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub acked: Mutex<Vec<Acked>>,
    /// The emails given portal access (each must get one welcome email).
    pub grants: Mutex<Vec<String>>,
    /// One entry per accepted order: the submitter's email (each must get one status email).
    pub status_emails: Mutex<Vec<String>>,
    /// Requests sent, acknowledged or not.
    pub attempts: AtomicUsize,
    /// Requests that failed (connection, timeout, 5xx) and were sent again.
    pub retries: AtomicUsize,
    /// Keys sent more than once, with the time their last attempt was sent.
    pub resent: Mutex<HashMap<String, OffsetDateTime>>,
}

impl Ledger {
    pub fn acked_count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    pub fn record(&self, acked: Acked) {
        self.acked.lock().unwrap().push(acked);
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    deadline: Instant,
}

impl Client {
    pub fn new(base: &str, token: &str, deadline: Instant) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // A fresh connection per request: a killed server leaves no stale pooled ones.
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Self {
            http,
            base: base.to_owned(),
            token: token.to_owned(),
            deadline,
        }
    }

    /// Polls `GET path` until it answers 200 with a body for which `ready` holds (30 s at most).
    pub async fn until(&self, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = format!("{}{path}", self.base);
            if let Ok(r) = self.http.get(url).bearer_auth(&self.token).send().await
                && r.status() == 200
                && let Ok(v) = r.json::<Value>().await
                && ready(&v)
            {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {path}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends `method path` with `body` under `key` until it is acknowledged; its JSON answer.
    /// Any 4xx fails the test: every command of the load is valid when sent.
    pub async fn send(
        &self,
        ledger: &Ledger,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        key: &str,
    ) -> Value {
        let mut last = String::new();
        for attempt in 0.. {
            assert!(
                Instant::now() < self.deadline,
                "{method} {path} (key {key}) not acknowledged before the deadline; last: {last}"
            );
            ledger.attempts.fetch_add(1, Ordering::Relaxed);
            if attempt > 0 {
                let mut resent = ledger.resent.lock().unwrap();
                resent.insert(key.to_owned(), OffsetDateTime::now_utc());
            }
            let sent = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .header("idempotency-key", key)
                .json(body)
                .send()
                .await;
            match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.text().await {
                        Ok(text) if (200..300).contains(&status) => {
                            return serde_json::from_str(&text)
                                .unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
                        }
                        Ok(text) if status >= 500 || status == 408 || status == 429 => {
                            last = format!("{status} {text}");
                        }
                        Ok(text) => panic!("{method} {path} (key {key}): {status} {text}"),
                        Err(e) => last = format!("{status}, body lost: {e}"),
                    }
                }
                Err(e) => last = e.to_string(),
            }
            ledger.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        unreachable!()
    }
}
