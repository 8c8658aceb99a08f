//! Webhook deliveries (figures printed, never asserted): what `portal serve` runs against
//! PostgreSQL (the relay, the webhooks' event handler and dispatcher, an in-process bus) with
//! HTTP receivers on 127.0.0.1 inside the benchmark.
//!
//! 1. Latency: one endpoint; customers are created at a fixed rate (200/s by default), each in
//!    its own task; for each event the time from its commit (the append returned) to its
//!    arrival at the receiver. p50/p99/max.
//! 2. Throughput to 10 endpoints: as many events as fast as possible, each delivered to 10
//!    endpoints; deliveries per second from the first append to the last arrival.
//! 3. The relay's throughput in the same run, for comparison: `relay_pass` over the whole log
//!    from position 0, to NATS JetStream when `PORTAL_TEST_NATS_URL` is set, else to the
//!    in-process bus.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       PORTAL_TEST_NATS_URL=nats://127.0.0.1:4222 cargo bench --bench webhooks`
//! Optional: `PORTAL_BENCH_SECONDS` (latency run, default 10), `PORTAL_BENCH_RATE` (default
//! 200), `PORTAL_BENCH_EVENTS` (throughput run, default 2000).

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use common::events::{create_customer, percentile};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::Name;
use portal_domain::{Actor, TenantId};
use portal_eventlog::bus::{Bus, MemoryBus, NatsBus, NatsConfig};
use portal_eventlog::relay::{Chain, RelayConfig, relay_pass, run_relay};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_eventlog::{CommandContext, Metadata, StreamId, execute};
use portal_identity::Db;
use portal_notifier::webhooks::store::{self, NewEndpoint, Owner};
use portal_notifier::webhooks::{WebhookConfig, run_webhooks, signing};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Arrivals = Arc<Mutex<Vec<(i64, Instant)>>>;

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let at = Instant::now();
    let position = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["position"].as_i64())
        .unwrap_or(-1);
    arrivals.lock().expect("lock").push((position, at));
    "ok"
}

/// A receiver on 127.0.0.1: its URL and what arrived.
async fn receiver() -> (String, Arrivals) {
    let arrivals = Arrivals::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), arrivals)
}

async fn endpoint(db: &Db, tenant: &TenantId, url: &str) -> String {
    let id = Uuid::now_v7().to_string();
    let e = NewEndpoint {
        id: id.clone(),
        owner: Owner {
            tenant: tenant.to_string(),
            customer_id: None,
        },
        url: url.to_owned(),
        event_types: vec!["customer.CustomerCreated".into()],
        description: "bench".into(),
        secret: signing::new_secret(),
        owner_user_id: Uuid::now_v7().to_string(),
        owner_email: "bench@bench.example".into(),
    };
    store::insert(db, &e, OffsetDateTime::now_utc())
        .await
        .expect("endpoint");
    id
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn wait_for(arrivals: &[Arrivals], n: usize) {
    let deadline = Instant::now() + Duration::from_secs(900);
    while arrivals
        .iter()
        .map(|a| a.lock().expect("lock").len())
        .sum::<usize>()
        < n
    {
        assert!(Instant::now() < deadline, "deliveries did not arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::main]
async fn main() {
    let Ok(db_url) = std::env::var(DATABASE_URL_VAR) else {
        eprintln!("set {DATABASE_URL_VAR} to run this benchmark");
        return;
    };
    let seconds = env_u64("PORTAL_BENCH_SECONDS", 10);
    let rate = env_u64("PORTAL_BENCH_RATE", 200);
    let burst = env_u64("PORTAL_BENCH_EVENTS", 2000);
    let test = TestStore::postgres(&db_url).await;
    let store = test.store.clone();
    let db = Db::connect(&test.url, 16).await.expect("db");
    let tenant = TenantId::parse("bench").expect("slug");
    let ctx = CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::Operator),
        idempotency: None,
    };
    execute::<Tenant>(
        &store,
        &StreamId::of::<Tenant>(&tenant),
        &ctx,
        &TenantCommand::CreateTenant {
            tenant_id: tenant.clone(),
            name: Name::parse("Bench").expect("name"),
        },
    )
    .await
    .expect("tenant");

    let bus = Bus::Memory(MemoryBus::default());
    let cancel = CancellationToken::new();
    let relay = tokio::spawn(run_relay(
        store.clone(),
        bus.clone(),
        RelayConfig::new("in-process", "portal.events"),
        cancel.clone(),
    ));
    let mut config = WebhookConfig::new("bench.example");
    config.allow_private = true;
    let webhooks = tokio::spawn(run_webhooks(
        store.clone(),
        bus.clone(),
        db.clone(),
        config,
        cancel.clone(),
    ));

    // 1. Latency at a fixed rate, one endpoint.
    let (url, one) = receiver().await;
    let first = endpoint(&db, &tenant, &url).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let total = rate * seconds;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total as usize);
    let started = Instant::now();
    for n in 0..total {
        ticker.tick().await;
        let (store, tenant) = (store.clone(), tenant.clone());
        tasks.push(tokio::spawn(async move {
            create_customer(&store, &tenant, n).await
        }));
    }
    let mut commits = Vec::with_capacity(tasks.len());
    for t in tasks {
        commits.push(t.await.expect("task"));
    }
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    wait_for(std::slice::from_ref(&one), total as usize).await;
    let arrived = one.lock().expect("lock").clone();
    let mut latencies: Vec<Duration> = commits
        .iter()
        .filter_map(|(position, committed)| {
            arrived
                .iter()
                .find(|(p, _)| p == position)
                .map(|(_, at)| at.saturating_duration_since(*committed))
        })
        .collect();
    latencies.sort();
    let owner = Owner {
        tenant: tenant.to_string(),
        customer_id: None,
    };
    store::set_enabled(&db, &owner, &first, false, OffsetDateTime::now_utc())
        .await
        .expect("disable");

    // 2. Throughput to 10 endpoints.
    let mut receivers = Vec::new();
    for _ in 0..10 {
        let (url, arrivals) = receiver().await;
        endpoint(&db, &tenant, &url).await;
        receivers.push(arrivals);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in 0..16u64 {
        let (store, tenant) = (store.clone(), tenant.clone());
        let per = burst / 16 + u64::from(chunk < burst % 16);
        tasks.push(tokio::spawn(async move {
            for n in 0..per {
                create_customer(&store, &tenant, total + chunk * burst + n).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let appended = started.elapsed();
    wait_for(&receivers, burst as usize * 10).await;
    let delivered = started.elapsed();
    let throughput = (burst * 10) as f64 / delivered.as_secs_f64();
    cancel.cancel();
    let _ = relay.await;
    let _ = webhooks.await;

    // 3. The relay over the same log.
    let events = total + burst + 1;
    let (relay_rate, relay_to) = match std::env::var("PORTAL_TEST_NATS_URL") {
        Ok(nats_url) if !nats_url.is_empty() => {
            let id = Uuid::now_v7().simple().to_string();
            let nats = NatsConfig {
                stream: format!("BENCH_WEBHOOKS_{id}"),
                subject_prefix: format!("benchwebhooks{id}"),
                ..NatsConfig::new(nats_url)
            };
            let bus = NatsBus::connect(nats.clone()).await.expect("nats");
            let config = RelayConfig::new(nats.stream.clone(), nats.subject_prefix.clone());
            let started = Instant::now();
            relay_pass(&store, &bus, &config, 0, Chain::Start)
                .await
                .expect("relay");
            let rate = events as f64 / started.elapsed().as_secs_f64();
            if let Ok(client) = async_nats::connect(&nats.url).await {
                let _ = async_nats::jetstream::new(client)
                    .delete_stream(&nats.stream)
                    .await;
            }
            (rate, "NATS JetStream")
        }
        _ => {
            let bus = MemoryBus::default();
            let config = RelayConfig::new("bench-relay", "portal.events");
            let started = Instant::now();
            relay_pass(&store, &bus, &config, 0, Chain::Start)
                .await
                .expect("relay");
            (
                events as f64 / started.elapsed().as_secs_f64(),
                "the in-process bus",
            )
        }
    };

    println!("webhook deliveries (PostgreSQL, receivers on 127.0.0.1, in-process bus):");
    println!(
        "  event → delivered, 1 endpoint, {rate} events/s for {seconds} s (achieved {achieved:.0}/s, {total} events): p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    println!(
        "  throughput, {burst} events × 10 endpoints: {throughput:.0} deliveries/s ({:.2} s to append, {:.2} s to the last delivery)",
        appended.as_secs_f64(),
        delivered.as_secs_f64()
    );
    println!("  relay, the same log ({events} events) to {relay_to}: {relay_rate:.0} events/s");
    let (attempts, latency_ms): (i64, f64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(AVG(latency_ms), 0)::float8 FROM webhook_attempts",
    )
    .fetch_one(db.pool())
    .await
    .map(|r: (i64, f64)| r)
    .unwrap_or((0, 0.0));
    println!("  ({attempts} attempts, {latency_ms:.1} ms on average from request to answer)");
    let spread: (i64, f64) = sqlx::query_as(
        "SELECT MAX(created_at) - MIN(created_at), \
         AVG(a.at - d.created_at)::float8 FROM webhook_deliveries d \
         JOIN webhook_attempts a ON a.delivery_id = d.id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap_or((0, 0.0));
    println!(
        "  (deliveries queued over {} ms; {:.1} ms queued before the attempt on average)",
        spread.0, spread.1
    );
    test.cleanup().await;
}
