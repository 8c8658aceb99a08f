//! The shared NATS server of the tests (`PORTAL_TEST_NATS_URL`, with the skip/require convention
//! of the databases), per-test JetStream names, and a guard that deletes a test's stream.

use async_nats::jetstream;
use portal_eventlog::bus::NatsConfig;
use std::time::Duration;

pub const NATS_URL_VAR: &str = "PORTAL_TEST_NATS_URL";

/// How long a convergence may take on a loaded 2-core machine before the test fails.
pub const CONVERGE: Duration = Duration::from_secs(180);

/// The shared NATS server for tests, or `None` (after printing why) when the test should skip.
pub fn nats_url(test: &str) -> Option<String> {
    match std::env::var(NATS_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if portal_eventlog::testing::services_required() => {
            panic!(
                "{test}: {NATS_URL_VAR} is not set but PORTAL_TEST_REQUIRE_SERVICES=1 requires NATS"
            )
        }
        _ => {
            eprintln!("skipped {test}: set {NATS_URL_VAR} to run it against NATS JetStream");
            None
        }
    }
}

/// This test's own JetStream stream, subject prefix, relay checkpoint and consumer names.
#[derive(Debug, Clone)]
pub struct Names {
    pub stream: String,
    pub prefix: String,
    pub relay: String,
    pub consumer: String,
}

impl Names {
    #[allow(clippy::new_without_default)] // each call makes new names
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            stream: format!("T_{id}"),
            prefix: format!("t{id}.events"),
            relay: format!("T_{id}"),
            consumer: format!("projections_{id}"),
        }
    }

    /// Points a `portal` command at NATS `url` with these names (its own stream and subjects).
    pub fn configure<'c>(
        &self,
        cmd: &'c mut std::process::Command,
        url: &str,
    ) -> &'c mut std::process::Command {
        cmd.env("NATS_URL", url)
            .env("PORTAL_NATS_STREAM", &self.stream)
            .env("PORTAL_NATS_SUBJECT_PREFIX", &self.prefix)
    }

    pub fn nats_config(&self, url: &str) -> NatsConfig {
        NatsConfig {
            stream: self.stream.clone(),
            subject_prefix: self.prefix.clone(),
            ..NatsConfig::new(url)
        }
    }
}

/// Deletes the test's JetStream stream when dropped, also when the test panics.
pub struct StreamGuard {
    pub url: String,
    pub stream: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let (url, stream) = (self.url.clone(), self.stream.clone());
        // Drop cannot await, and may run inside a runtime: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let attempt = async {
                    let client = async_nats::connect(url.as_str()).await.ok()?;
                    jetstream::new(client).delete_stream(&stream).await.ok()
                };
                if tokio::time::timeout(Duration::from_secs(10), attempt)
                    .await
                    .ok()
                    .flatten()
                    .is_none()
                {
                    eprintln!("could not delete JetStream stream {stream}");
                }
            });
        })
        .join();
    }
}
