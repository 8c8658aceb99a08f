//! What the event-path benchmarks share: a customer created straight through the executor (its
//! position and the instant it committed), and percentiles of latencies.

use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::values::Name;
use portal_domain::{Actor, CustomerId, TenantId};
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Creates customer `n` of `tenant`: the global position of its event and when it committed.
pub async fn create_customer(store: &Store, tenant: &TenantId, n: u64) -> (i64, Instant) {
    let id = CustomerId(Uuid::now_v7());
    let ctx = CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::System),
        idempotency: None,
    };
    let done = execute::<Customer>(
        store,
        &StreamId::of::<Customer>(id),
        &ctx,
        &CustomerCommand::CreateCustomer {
            customer_id: id,
            name: Name::parse(&format!("Customer {n}")).expect("name"),
            code: None,
            status: CustomerStatus::Approved,
        },
    )
    .await
    .expect("command");
    (done.append.expect("appended").last_position, Instant::now())
}

/// The `p` percentile (0 to 1) of `sorted` latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
