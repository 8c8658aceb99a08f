//! Append benchmark on PostgreSQL (figures printed, never asserted).
//!
//! 1. Throughput of single-event appends to distinct streams with 1, 8 and 32 concurrent writers,
//!    each beside a baseline measured in the same run over the same pool: a plain single-row
//!    `INSERT` (autocommit) of the same payload into a bare table (`id bigserial, payload json`,
//!    the payload column type of the event log). Prints events/s and the ratio store/baseline;
//!    beside it, the same event row inserted plainly (single-row `INSERT`, autocommit) into a
//!    table of the log's shape (`LIKE events INCLUDING ALL`: its columns, checks and three unique
//!    indexes) and the ratio store/that: the part of the gap that is the row's own cost, which
//!    no design of the append can remove without dropping a guarantee of the log.
//! 2. Latency of one append of 100 events against one append of 1 event, beside the same ratio
//!    for the raw floor: one multi-row `INSERT` of 100 rows into the bare table against one of 1
//!    row. Every event is a row with its indexes and its WAL, so the store's ratio can approach
//!    the raw one but not go below it; the quotient of the two shows what the store adds.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench -p portal-eventlog --bench append`
//! Optional: `PORTAL_BENCH_SECONDS` (per measurement, default 3), `PORTAL_BENCH_ROUNDS` (default 3;
//! the median round is reported).

use portal_domain::{Actor, TenantId};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_eventlog::{Metadata, NewEvent, Store, StreamId};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn new_event() -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "OrderSubmitted".into(),
        schema_version: 1,
        payload: json!({
            "order_id": Uuid::now_v7(),
            "customer_reference": "PO-2026-11-0042",
            "pickup": { "city": "Rotterdam", "country": "NL", "date": "2026-11-26" },
            "delivery": { "city": "Lyon", "country": "FR", "date": "2026-11-28" },
            "goods": [{ "description": "Machine parts", "quantity": 12, "weight_kg": 4800.0 }]
        }),
        metadata: Metadata::new(Actor::System),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Store,
    Baseline,
    /// The same event row, inserted plainly into a table of the log's shape: what each row costs
    /// with the log's columns and unique indexes, without the store's version check, statement
    /// or group commit.
    LogShaped,
}

/// One event row into `bench_log_shaped` (a copy of `events`' columns, checks and indexes),
/// positioned as the log positions its rows.
const LOG_SHAPED_INSERT: &str = "INSERT INTO bench_log_shaped (position, stream_id, version, \
     event_id, event_type, schema_version, tenant, payload, metadata) \
     VALUES (pg_current_xact_id()::text::bigint * 65536 + 1, $1, 1, $2, $3, 1, $4, $5, $6)";

/// Events per second with `writers` concurrent tasks for `duration`.
async fn throughput(
    store: &Store,
    pool: &PgPool,
    kind: Kind,
    writers: usize,
    duration: Duration,
) -> f64 {
    let tenant = TenantId::parse("bench").expect("slug");
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let (store, pool, tenant, done) =
                (store.clone(), pool.clone(), tenant.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let event = new_event();
                    match kind {
                        Kind::Store => {
                            let stream = StreamId::parse(&format!("order-{}", Uuid::now_v7()))
                                .expect("stream");
                            store
                                .append(&tenant, &stream, 0, &[event], None)
                                .await
                                .expect("append");
                        }
                        Kind::Baseline => {
                            sqlx::query("INSERT INTO bench_baseline (payload) VALUES ($1)")
                                .bind(&event.payload)
                                .execute(&pool)
                                .await
                                .expect("insert");
                        }
                        Kind::LogShaped => {
                            sqlx::query(LOG_SHAPED_INSERT)
                                .bind(format!("order-{}", Uuid::now_v7()))
                                .bind(event.event_id)
                                .bind(&event.event_type)
                                .bind(tenant.as_str())
                                .bind(&event.payload)
                                .bind(serde_json::to_value(&event.metadata).expect("metadata"))
                                .execute(&pool)
                                .await
                                .expect("insert");
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("writer");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Median and p95 milliseconds of one multi-row `INSERT` of `rows` rows into the bare table.
async fn raw_latency(pool: &PgPool, rows: usize, iterations: usize) -> (f64, f64) {
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let payloads: Vec<_> = (0..rows).map(|_| new_event().payload).collect();
        let start = Instant::now();
        sqlx::query("INSERT INTO bench_baseline (payload) SELECT * FROM unnest($1::json[])")
            .bind(&payloads)
            .execute(pool)
            .await
            .expect("insert");
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    percentiles(samples)
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn latency(store: &Store, events: usize, iterations: usize) -> (f64, f64) {
    let tenant = TenantId::parse("bench").expect("slug");
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let batch: Vec<_> = (0..events).map(|_| new_event()).collect();
        let stream = StreamId::parse(&format!("order-{}", Uuid::now_v7())).expect("stream");
        let start = Instant::now();
        store
            .append(&tenant, &stream, 0, &batch, None)
            .await
            .expect("append");
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    percentiles(samples)
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("set {DATABASE_URL_VAR} to a PostgreSQL server to run this benchmark");
        std::process::exit(2);
    };
    let seconds = env_num("PORTAL_BENCH_SECONDS", 3);
    let rounds = env_num("PORTAL_BENCH_ROUNDS", 3).max(1);
    let test = TestStore::postgres(&admin).await;
    let Store::Postgres(pg) = &test.store else {
        unreachable!("a PostgreSQL test store")
    };
    // One pool for both kinds, large enough for 32 writers.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(40)
        .connect(&test.url)
        .await
        .expect("bench pool");
    let store = Store::Postgres(portal_eventlog::store::PgStore::from_pool(pool.clone()));
    let _ = pg;
    sqlx::query("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, payload json NOT NULL)")
        .execute(&pool)
        .await
        .expect("baseline table");
    sqlx::query("CREATE TABLE bench_log_shaped (LIKE events INCLUDING ALL)")
        .execute(&pool)
        .await
        .expect("log-shaped table");
    let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&pool)
        .await
        .expect("setting");
    println!(
        "append benchmark: PostgreSQL, synchronous_commit = {sync}, {seconds} s per measurement, median of {rounds} rounds"
    );
    println!();
    println!(
        "{:>8} {:>14} {:>14} {:>8} {:>16} {:>8}",
        "writers", "store ev/s", "baseline ev/s", "ratio", "log-shaped ev/s", "ratio"
    );
    let duration = Duration::from_secs(seconds);
    // Warm-up: connections, caches, JIT of plpgsql.
    throughput(&store, &pool, Kind::Store, 8, Duration::from_millis(500)).await;
    throughput(&store, &pool, Kind::Baseline, 8, Duration::from_millis(500)).await;
    let mut rows = Vec::new();
    for writers in [1, 8, 32] {
        let (mut s, mut b, mut l) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            // Interleaved so that drift on a shared machine hits all alike.
            b.push(throughput(&store, &pool, Kind::Baseline, writers, duration).await);
            l.push(throughput(&store, &pool, Kind::LogShaped, writers, duration).await);
            s.push(throughput(&store, &pool, Kind::Store, writers, duration).await);
        }
        let (s, b, l) = (median(s), median(b), median(l));
        println!(
            "{writers:>8} {s:>14.0} {b:>14.0} {:>8.2} {l:>16.0} {:>8.2}",
            s / b,
            s / l
        );
        rows.push((writers, s, b, l));
    }
    println!();
    let iterations = 200;
    let (one_median, one_p95) = latency(&store, 1, iterations).await;
    let (hundred_median, hundred_p95) = latency(&store, 100, iterations).await;
    let (raw_one, raw_one_p95) = raw_latency(&pool, 1, iterations).await;
    let (raw_hundred, raw_hundred_p95) = raw_latency(&pool, 100, iterations).await;
    println!(
        "{:>24} {:>10} {:>10}",
        "append latency", "median ms", "p95 ms"
    );
    println!("{:>24} {one_median:>10.3} {one_p95:>10.3}", "1 event");
    println!(
        "{:>24} {hundred_median:>10.3} {hundred_p95:>10.3}",
        "100 events"
    );
    println!(
        "{:>24} {:>10.2}",
        "ratio 100 / 1",
        hundred_median / one_median
    );
    println!(
        "{:>24} {raw_one:>10.3} {raw_one_p95:>10.3}",
        "raw INSERT, 1 row"
    );
    println!(
        "{:>24} {raw_hundred:>10.3} {raw_hundred_p95:>10.3}",
        "raw INSERT, 100 rows"
    );
    println!(
        "{:>24} {:>10.2}",
        "raw ratio 100 / 1",
        raw_hundred / raw_one
    );
    // The lines the summary benchmark collects.
    for (writers, s, b, l) in rows {
        let target = if writers == 1 { "≥ 0.8" } else { "≥ 1.0" };
        println!(
            "figure: append, {writers} writer(s) | {s:.0} events/s | single-row INSERT + commit | {b:.0} rows/s | {:.2} | {target}",
            s / b
        );
        println!(
            "figure: the same, against the event row into a table of the log's shape | {s:.0} events/s | single-row INSERT + commit, log's columns and indexes | {l:.0} rows/s | {:.2} | — (what the store's design adds to the row's own cost)",
            s / l
        );
    }
    println!(
        "figure: one append of 100 events | {hundred_median:.2} ms | one append of 1 event | {one_median:.2} ms | {:.2} | ≤ 1.5",
        hundred_median / one_median
    );
    println!(
        "figure: 100-event ÷ 1-event append, against raw 100-row ÷ 1-row INSERT | ×{:.2} | raw multi-row INSERT | ×{:.2} | {:.2} | ≤ 1.0 (the store adds no cost per event)",
        hundred_median / one_median,
        raw_hundred / raw_one,
        (hundred_median / one_median) / (raw_hundred / raw_one)
    );
    pool.close().await;
    test.cleanup().await;
}
