//! The projections' integration tests: one test binary, one module per subject, on both store
//! backends. Run one module with `cargo test -p portal-projections --test it <module>::`.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod batches;
mod framework;
mod leases;
mod models_contacts;
mod models_customers;
mod models_dashboards;
mod models_misc;
mod models_orders;
mod models_support;
mod partitioned;
