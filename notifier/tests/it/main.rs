//! The notifier's integration tests: one test binary, one module per subject, against the
//! notifier's parts (handler, outbox, sender, tokens) on both store backends. Run one module with
//! `cargo test -p portal-notifier --test it <module>::`.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;
mod concurrency;
mod login_links;
mod retries;
mod webhooks;
mod welcome;
