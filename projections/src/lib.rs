//! Projection builders and read models of the portal (arrives with the fan-out issue).
//!
//! Planned layout: one module per read model (customers, contacts, orders, locations, charges,
//! printer configurations, dashboards, audit index), each with its tables (migrations under
//! `migrations/`), the `apply(event)` that keeps them current with the projection's checkpoint in
//! the same transaction, and the tenant-scoped query functions beside them; `rebuild` replays the
//! log into fresh tables and swaps them in.
