//! What the integration tests of the workspace share (a dev-dependency, never shipped):
//!
//! - [`smtp`]: an SMTP server inside the test that keeps (or counts) what it receives;
//! - [`fixtures`]: carriers, customers, contacts, staff, orders and login-link requests written
//!   through the real write path;
//! - [`db`]: looks into a test's database (checkpoints, the log, identity tables) and waits on
//!   the notifier and the projections;
//! - [`nats`]: the shared NATS server, per-test JetStream names, a stream guard; [`nats_server`]:
//!   a private `nats-server` process for fault tests;
//! - [`pg`]: a private PostgreSQL cluster for tests that stop their database;
//! - [`http`]: reqwest clients (a browser-like one with cookies and CSRF, JSON GETs);
//! - [`api`]: a served portal with a tenant and a staff token, and a JSON API client;
//! - [`process`]: the `portal` binary as a process (commands, `portal serve`, its log);
//! - [`service`] (feature `service`): the service started in-process on a free port.
//!
//! Services: PostgreSQL at `PORTAL_TEST_DATABASE_URL`, NATS at `PORTAL_TEST_NATS_URL`; a test
//! whose service is missing prints `skipped …` and passes, unless `PORTAL_TEST_REQUIRE_SERVICES=1`
//! (see [`services_required`]). Every test gets its own database (see [`with_store`]), its own
//! JetStream stream and subjects ([`nats::Names`]), and free ports.

#![allow(clippy::unwrap_used)] // test code may unwrap

pub mod api;
pub mod db;
pub mod fixtures;
pub mod http;
pub mod nats;
pub mod nats_server;
pub mod pg;
pub mod process;
#[cfg(feature = "service")]
pub mod service;
pub mod smtp;

pub use portal_eventlog::testing::{
    Backend, TestStoreRef, postgres_admin_url, services_required, with_store,
};

use std::future::Future;
use std::time::Duration;

/// Polls `check` every 50 ms until it is true, panicking with `what` after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs to the test output with `RUST_LOG` (e.g. `RUST_LOG=portal_eventlog=debug`). Once per
/// process: later calls do nothing.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Runs each named `async fn(TestStoreRef)` of the calling module as two tests,
/// `sqlite::<name>` and `postgres::<name>`, each on a fresh store of its own.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread")] async fn $name() {
                $crate::with_store($crate::Backend::Sqlite, stringify!($name), super::$name).await;
            } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread")] async fn $name() {
                $crate::with_store($crate::Backend::Postgres, stringify!($name), super::$name).await;
            } )*
        }
    };
}
