//! Live projection throughput with 1, 2 and 4 projectors sharing the partitions of a pre-filled
//! log, beside the rate of merely reading and deserialising the same log (figures printed,
//! never asserted).
//!
//! Each projector is what one `portal project` process runs: its own connection pool, the
//! partitions it owns (fixed here, so that the figure does not include the seconds leases take
//! to settle), catching up from the log through the live path (`Projector::apply_log`: batches
//! of 2,000, prefetch, one transaction per batch with its checkpoints), every projection. Each
//! reads the whole log and applies its share. Between runs the read models are dropped.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench -p portal-projections --bench scale_out`
//! Optional: `PORTAL_BENCH_EVENTS` (default 200,000), `PORTAL_BENCH_PARTITIONS` (default 4).

mod common;

use common::{generate, raw_read_rate};
use portal_domain::TenantId;
use portal_eventlog::Store;
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_projections::partitions::Partitions;
use portal_projections::{Projector, ReadDb, models};
use std::time::Instant;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Drops every read-model table and checkpoint: the next projectors start from nothing.
async fn reset(db: &ReadDb) {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'rm\\_%'")
            .fetch_all(db.pool())
            .await
            .expect("tables");
    for t in tables {
        sqlx::query(&format!("DROP TABLE {t}"))
            .execute(db.pool())
            .await
            .expect("drop");
    }
    sqlx::query("DELETE FROM projection_checkpoints")
        .execute(db.pool())
        .await
        .expect("checkpoints");
}

/// Events per second for `workers` projectors sharing `partitions` partitions.
async fn run(store: &Store, url: &str, partitions: u16, workers: u16, events: u64) -> f64 {
    let mut projectors = Vec::new();
    for w in 0..workers {
        let db = ReadDb::connect(url, 4)
            .await
            .expect("read db")
            .with_partitions(partitions);
        let mine: Vec<u16> = (0..partitions).filter(|p| p % workers == w).collect();
        let projector = Projector::new(db, models::all())
            .with_partitions(Partitions::fixed(partitions, mine))
            .with_log(store.clone());
        projector.ensure().await.expect("ensure");
        projectors.push(projector);
    }
    let started = Instant::now();
    let tasks: Vec<_> = projectors
        .into_iter()
        .map(|p| {
            let store = store.clone();
            tokio::spawn(async move { p.apply_log(&store).await.expect("apply") })
        })
        .collect();
    for t in tasks {
        t.await.expect("projector");
    }
    events as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let Ok(db_url) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("set {DATABASE_URL_VAR} to run this benchmark");
        return;
    };
    let target = env_u64("PORTAL_BENCH_EVENTS", 200_000);
    let partitions = u16::try_from(env_u64("PORTAL_BENCH_PARTITIONS", 4)).unwrap_or(4);
    let test = TestStore::postgres(&db_url).await;
    let store = test.store.clone();
    let tenant = TenantId::parse("bench").expect("slug");
    let events = generate(&store, &tenant, target).await;
    let db = ReadDb::connect(&test.url, 2).await.expect("read db");
    // As autovacuum would after a load this size (it is off on the machines here).
    sqlx::query("ANALYZE events")
        .execute(db.pool())
        .await
        .expect("analyze");
    let raw = raw_read_rate(&store).await;
    println!(
        "live projection of {events} events, every projection, {partitions} partitions (PostgreSQL):"
    );
    println!("  read + deserialise only        {raw:>9.0} events/s");
    let mut one = None;
    for workers in [1, 2, 4] {
        reset(&db).await;
        let rate = run(&store, &test.url, partitions, workers, events).await;
        let base = *one.get_or_insert(rate);
        println!(
            "  {workers} projector(s)                {rate:>9.0} events/s   ×{:.2} of one, {:.2} of raw read",
            rate / base,
            rate / raw
        );
        println!(
            "figure: live projection, {workers} projector(s) over {partitions} partitions | {rate:.0} events/s | read + deserialise the log | {raw:.0} events/s | {:.2} | ×{:.2} of one projector",
            rate / raw,
            rate / base
        );
    }
    test.cleanup().await;
}
