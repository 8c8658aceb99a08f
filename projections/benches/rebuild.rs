//! Rebuild rate of every projection over a large log, beside the rate of merely reading and
//! deserialising the same events (figures printed, never asserted).
//!
//! The log is generated through the domain's own `decide` (so every event is one the aggregates
//! really emit): customers with portal access and shown charges, then orders with a full life
//! (draft → submitted by a portal user → accepted → planned → in transit → delivered, a charge
//! added and approved): 8 events per order. Both measurements run in the same process on the same
//! database, one after the other:
//! - raw: `read_all` in pages of 5,000 and decoding every event into its domain enum;
//! - rebuild: `portal rebuild`'s code path (`rebuild::rebuild` over `models::all()`): the same
//!   reads and decoding, applying every projection in memory, bulk-writing fresh tables, swapping.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench -p portal-projections --bench rebuild`
//! Optional: `PORTAL_BENCH_EVENTS` (default 1,000,000).

mod common;

use common::{generate, raw_read_rate};
use portal_domain::TenantId;
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_projections::ReadDb;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let Ok(db_url) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("set {DATABASE_URL_VAR} to run this benchmark");
        return;
    };
    let target: u64 = std::env::var("PORTAL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let test = TestStore::postgres(&db_url).await;
    let store = test.store.clone();
    let tenant = TenantId::parse("bench").expect("slug");
    let started = Instant::now();
    let events = generate(&store, &tenant, target).await;
    eprintln!(
        "generated {events} events in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // Raw: read and deserialise every event, nothing else.
    let raw = raw_read_rate(&store).await;
    let db = ReadDb::connect(&test.url, 8).await.expect("read db");
    let projections = portal_projections::models::all();
    let started = Instant::now();
    let report = portal_projections::rebuild::rebuild(&store, &db, &projections, &|_| {})
        .await
        .expect("rebuild");
    let seconds = started.elapsed().as_secs_f64();
    let rate = report.events as f64 / seconds;
    let rows: usize = report.rows.iter().map(|(_, n)| n).sum();
    let dead: usize = report.dead_letters.iter().map(|(_, n)| n).sum();
    assert_eq!(dead, 0, "no event may fail a projection");
    println!(
        "rebuild of {} projections over {} events (PostgreSQL):",
        projections.len(),
        report.events
    );
    println!("  read + deserialise only   {raw:>9.0} events/s");
    println!(
        "  rebuild (all projections) {rate:>9.0} events/s   ({seconds:.1} s, {rows} rows written)"
    );
    println!(
        "    of which: replay in memory {:.1} s, writing the copies {:.1} s, swapping {:.1} s",
        report.replay.as_secs_f64(),
        report.write.as_secs_f64(),
        report.swap.as_secs_f64()
    );
    println!(
        "  ratio rebuild/raw         {:.2}   (targets: ≥ 100,000 events/s and ≥ 0.5 of raw)",
        rate / raw
    );
    println!(
        "figure: rebuild, every projection, {} events | {rate:.0} events/s | read + deserialise the log | {raw:.0} events/s | {:.2} | ≥ 100,000 events/s, ≥ 0.5",
        report.events,
        rate / raw
    );
    test.cleanup().await;
}
