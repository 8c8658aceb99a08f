//! The end-to-end tests of the `portal` service: one test binary, one module per subject. The
//! shared helpers are in the test kit (`testkit/`, crate `portal_testkit`); what only these tests
//! share is here (`fanout`, `crash_support`).
//!
//! Run one module with `cargo test --test it <module>::` (e.g. `cargo test --test it api_csrf::`).
//! Tests of the binary itself (command line, roles as processes, signals, kills) spawn
//! `portal` (`CARGO_BIN_EXE_portal`); the others may start the service in-process.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod crash_support;
mod fanout;

mod api_contract;
mod api_csrf;
mod api_exports;
mod api_order_filters;
mod api_order_rules;
mod api_portal;
mod api_printable;
mod api_query_input;
mod api_staff_contacts;
mod api_staff_customers;
mod api_staff_openapi;
mod api_staff_orders;
mod api_time_zone;
mod audit_people;
mod binary;
mod crash;
mod fanout_nats;
mod http_limits;
mod identity;
mod identity_cli;
mod identity_forms;
mod identity_isolation;
mod identity_limits;
mod identity_nats;
mod identity_reset;
mod identity_switcher;
mod identity_tokens;
mod identity_tokens_web;
mod identity_web;
mod notifications;
mod operations;
mod partitioned_roles;
mod portal_pages;
mod read_cache;
mod read_plans;
mod read_your_writes;
mod read_your_writes_partitions;
mod roles_nats;
mod session_touch;
mod staff_pages;
mod staff_pages_actions;
mod webhooks;
