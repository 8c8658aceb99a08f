//! Latency from command commit to read-model visibility through NATS JetStream (figures printed,
//! never asserted).
//!
//! One process runs what `portal serve` runs against PostgreSQL and NATS: the relay, the
//! projection builders (every read model) on a durable JetStream consumer, and the planner
//! statistics pass beside them. Commands (creating a
//! customer: one event, touching the customers, audit and dashboard read models) are issued at a
//! fixed rate, each in its own task. For every command the time from its commit (the append
//! returned) to the moment the projector committed the batch containing its event (all read
//! models updated) is recorded; p50/p99/max are printed per rate.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       PORTAL_TEST_NATS_URL=nats://127.0.0.1:4222 cargo bench --bench latency`
//! Optional: `PORTAL_BENCH_SECONDS` per rate (default 10), `PORTAL_BENCH_RATES` (default
//! `200,1000`).

mod common;

use common::events::{create_customer, percentile};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::Name;
use portal_domain::{Actor, TenantId};
use portal_eventlog::bus::{Bus, NatsBus, NatsConfig};
use portal_eventlog::relay::{RelayConfig, run_relay};
use portal_eventlog::subscription::{
    Handled, Handler, HandlerError, Positioned, RunnerConfig, run_subscription,
};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_eventlog::{CommandContext, Metadata, StreamId, execute};
use portal_projections::{Projector, ReadDb};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The projector, noting for each batch (by its last position) when it was handed over and
/// when it became visible.
#[derive(Clone)]
struct Timed {
    inner: Projector,
    visible: Arc<Mutex<Vec<(i64, Instant, Instant)>>>,
}

impl Handler for Timed {
    fn name(&self) -> &str {
        "timed"
    }
    fn catch_up_batch(&self) -> u32 {
        self.inner.catch_up_batch()
    }
    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        self.inner.checkpoint().await
    }
    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        let received = Instant::now();
        let outcome = self.inner.handle(events).await?;
        if outcome == Handled::Applied
            && let Some(last) = events.last()
        {
            self.visible.lock().expect("lock").push((
                last.event.position,
                received,
                Instant::now(),
            ));
        }
        Ok(outcome)
    }
}

#[tokio::main]
async fn main() {
    // Warnings of the relay and the projector (a failed batch, a retry) explain a slow figure.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let (Ok(db_url), Ok(nats_url)) = (
        std::env::var(DATABASE_URL_VAR),
        std::env::var("PORTAL_TEST_NATS_URL"),
    ) else {
        eprintln!("set {DATABASE_URL_VAR} and PORTAL_TEST_NATS_URL to run this benchmark");
        return;
    };
    let seconds: u64 = std::env::var("PORTAL_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let rates: Vec<u64> = std::env::var("PORTAL_BENCH_RATES")
        .unwrap_or_else(|_| "200,1000".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let test = TestStore::postgres(&db_url).await;
    let store = test.store.clone();
    let db = ReadDb::connect(&test.url, 16).await.expect("read db");
    let projector = Projector::new(db.clone(), portal_projections::models::all());
    projector.ensure().await.expect("tables");
    let id = Uuid::now_v7().simple().to_string();
    let config = NatsConfig {
        stream: format!("BENCH_LATENCY_{id}"),
        subject_prefix: format!("benchlatency{id}"),
        ..NatsConfig::new(nats_url)
    };
    let bus = Bus::Nats(Box::new(
        NatsBus::connect(config.clone()).await.expect("nats"),
    ));
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

    let cancel = CancellationToken::new();
    let timed = Timed {
        inner: projector,
        visible: Arc::default(),
    };
    let relay = tokio::spawn(run_relay(
        store.clone(),
        bus.clone(),
        RelayConfig::new(config.stream.clone(), config.subject_prefix.clone()),
        cancel.clone(),
    ));
    let runner = tokio::spawn(run_subscription(
        store.clone(),
        bus.clone(),
        timed.clone(),
        RunnerConfig::new(format!("latency{id}")),
        cancel.clone(),
    ));
    // Beside its projector `portal serve` keeps the growing tables' planner statistics (autovacuum
    // is off here): so does the benchmark, or plans made for empty tables slow the upserts.
    let statistics = portal::roles::spawn_statistics(store.clone(), cancel.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;

    println!(
        "commit → read-model visibility through NATS JetStream ({seconds} s per rate, PostgreSQL):"
    );
    let mut n = 0;
    for rate in rates {
        let total = rate * seconds;
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut tasks = Vec::with_capacity(total as usize);
        let started = Instant::now();
        for _ in 0..total {
            ticker.tick().await;
            n += 1;
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
        let last = commits.iter().map(|c| c.0).max().unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        while timed
            .visible
            .lock()
            .expect("lock")
            .last()
            .is_none_or(|v| v.0 < last)
        {
            assert!(Instant::now() < deadline, "read models did not catch up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let visible = timed.visible.lock().expect("lock").clone();
        // Each command's total, split into its delivery (commit → its batch handed to the
        // projector: notification, relay, JetStream, the batch before it) and its batch's apply
        // (→ committed).
        let (mut latencies, mut delivery, mut apply) = (Vec::new(), Vec::new(), Vec::new());
        for (position, committed) in &commits {
            let (_, received, shown) = visible[visible.partition_point(|v| v.0 < *position)];
            latencies.push(shown.saturating_duration_since(*committed));
            delivery.push(received.saturating_duration_since(*committed));
            apply.push(shown.saturating_duration_since(received));
        }
        for v in [&mut latencies, &mut delivery, &mut apply] {
            v.sort();
        }
        println!(
            "  {rate:>5} commands/s (achieved {achieved:>6.0}/s, {total} commands): p50 {:>6.1} ms   p99 {:>6.1} ms   max {:>6.1} ms",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        println!(
            "        of which delivery p50 {:>6.1} ms   p99 {:>6.1} ms;   apply p50 {:>6.1} ms   p99 {:>6.1} ms",
            percentile(&delivery, 0.5).as_secs_f64() * 1e3,
            percentile(&delivery, 0.99).as_secs_f64() * 1e3,
            percentile(&apply, 0.5).as_secs_f64() * 1e3,
            percentile(&apply, 0.99).as_secs_f64() * 1e3,
        );
        println!(
            "figure: commit → read models, {rate} commands/s for {seconds} s (achieved {achieved:.0}/s) | p99 {:.1} ms | — | — | — | p99 ≤ 25 ms",
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        );
    }
    println!("  (target: p99 ≤ 25 ms at 1,000 commands/s for 60 s)");
    cancel.cancel();
    let _ = relay.await;
    let _ = runner.await;
    let _ = statistics.await;
    if let Ok(client) = async_nats::connect(&config.url).await {
        let _ = async_nats::jetstream::new(client)
            .delete_stream(&config.stream)
            .await;
    }
    test.cleanup().await;
}
