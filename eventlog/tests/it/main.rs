//! The event log's integration tests: one test binary, one module per subject, on both store
//! backends. Run one module with `cargo test -p portal-eventlog --test it <module>::`.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod conformance;
mod counter;
mod executor_many;
mod fanout;
