//! A live batch loads and writes its rows with a number of statements that does not grow with
//! its events: every row the hot paths read is prefetched, one `SELECT` per table.

use crate::models_support::*;
use portal_domain::order::OrderEvent;
use portal_domain::{CustomerId, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_projections::Projector;
use portal_projections::runner::BatchStats;
use time::macros::datetime;

fn diff(after: BatchStats, before: BatchStats) -> BatchStats {
    BatchStats {
        batches: after.batches - before.batches,
        events: after.events - before.events,
        prefetch_statements: after.prefetch_statements - before.prefetch_statements,
        single_loads: after.single_loads - before.single_loads,
        flush_statements: after.flush_statements - before.flush_statements,
    }
}

/// Orders `first..first + n` of two customers: one batch creates them, a second moves each
/// through submission, acceptance and a charge (rows named from rows the first batch wrote).
/// Returns the statistics of the two batches.
async fn orders_in_two_batches(
    t: &TestStoreRef,
    w: &mut Writer,
    projector: &Projector,
    acme: &TenantId,
    first: u128,
    n: u128,
) -> (BatchStats, BatchStats) {
    let customers: [CustomerId; 2] = [id(1), id(2)];
    let before = projector.stats();
    for o in first..first + n {
        let c = customers[(o % 2) as usize];
        let number = format!("ORD-{o}");
        order(w, acme, o, &portal_user(c), &[created(o, c, &number, "PO")]).await;
    }
    project(projector, &t.store).await;
    let creations = diff(projector.stats(), before);
    let before = projector.stats();
    for o in first..first + n {
        let c = customers[(o % 2) as usize];
        let at = datetime!(2025-06-01 09:00 UTC);
        order(w, acme, o, &portal_user(c), &[submitted(o, "PO", at)]).await;
        let accepted = OrderEvent::OrderAccepted { order_id: id(o) };
        order(w, acme, o, &staff(), &[accepted]).await;
        let charge = 10_000 + o;
        let charge_events = [charge_added(o, charge, 500), requested(o, charge)];
        order(w, acme, o, &staff(), &charge_events).await;
    }
    project(projector, &t.store).await;
    (creations, diff(projector.stats(), before))
}

async fn statements_do_not_grow_with_events_body(t: TestStoreRef) {
    let (_db, projector) = read_db(&t).await;
    let mut w = Writer::new(&t.store);
    let acme = tenant("acme");
    order_customer(&mut w, &acme, id(1), "Alpha", true).await;
    order_customer(&mut w, &acme, id(2), "Beta", false).await;
    project(&projector, &t.store).await;

    let small = orders_in_two_batches(&t, &mut w, &projector, &acme, 1_000, 4).await;
    let large = orders_in_two_batches(&t, &mut w, &projector, &acme, 2_000, 60).await;
    for (stats, events) in [(small.0, 4), (small.1, 16), (large.0, 60), (large.1, 240)] {
        assert_eq!((stats.batches, stats.events), (1, events), "{stats:?}");
        assert_eq!(stats.single_loads, 0, "{stats:?}");
    }
    // The same statements for 60 orders as for 4: one per table and round, not per event.
    for (s, l) in [(small.0, large.0), (small.1, large.1)] {
        assert_eq!(s.prefetch_statements, l.prefetch_statements, "{s:?} {l:?}");
        assert_eq!(s.flush_statements, l.flush_statements, "{s:?} {l:?}");
    }
    assert!(large.1.prefetch_statements <= 20, "{:?}", large.1);
}

#[tokio::test]
async fn statements_do_not_grow_with_events_sqlite() {
    with_store(
        Backend::Sqlite,
        "statements_do_not_grow_with_events_sqlite",
        statements_do_not_grow_with_events_body,
    )
    .await;
}

#[tokio::test]
async fn statements_do_not_grow_with_events_postgres() {
    with_store(
        Backend::Postgres,
        "statements_do_not_grow_with_events_postgres",
        statements_do_not_grow_with_events_body,
    )
    .await;
}
