//! Relay throughput against raw `async-nats` publishing (figures printed, never asserted).
//!
//! Both publish the same messages (the CloudEvents of N stored events, same subjects, same
//! `Nats-Msg-Id` and `Nats-Expected-Last-Msg-Id` headers) to their own fresh JetStream stream on the same server, pipelined, waiting
//! for every acknowledgement:
//! - raw: the messages are built beforehand; the loop only publishes and awaits acks, in windows
//!   of the relay's batch size;
//! - relay: `relay_pass` from checkpoint 0 to the head: reads the log, encodes, publishes, waits
//!   for the acks and stores its checkpoint after each batch (pipelined, as in production).
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       PORTAL_TEST_NATS_URL=nats://127.0.0.1:4222 cargo bench -p portal-eventlog --bench relay`
//! Optional: `PORTAL_BENCH_EVENTS` (default 50000), `PORTAL_BENCH_ROUNDS` (default 3; median).

use async_nats::jetstream;
use async_nats::{HeaderMap, header};
use bytes::Bytes;
use portal_domain::{Actor, TenantId};
use portal_eventlog::bus::{EventBus, NatsBus, NatsConfig};
use portal_eventlog::relay::{Chain, RelayConfig, relay_pass};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_eventlog::wire::{CloudEvent, subject};
use portal_eventlog::{Metadata, NewEvent, StreamId};
use serde_json::json;
use std::time::Instant;
use uuid::Uuid;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(i: u64) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "OrderSubmitted".into(),
        schema_version: 1,
        payload: json!({
            "order_id": Uuid::now_v7(),
            "number": format!("ORD-{i:08}"),
            "pickup": { "city": "Rotterdam", "country": "NL", "date": "2026-11-26" },
            "delivery": { "city": "Lyon", "country": "FR", "date": "2026-11-28" },
            "goods": [{ "description": "Machine parts", "quantity": 12, "weight_kg": 4800.0 }]
        }),
        metadata: Metadata::new(Actor::System),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let (Ok(db_url), Ok(nats_url)) = (
        std::env::var(DATABASE_URL_VAR),
        std::env::var("PORTAL_TEST_NATS_URL"),
    ) else {
        eprintln!("set {DATABASE_URL_VAR} and PORTAL_TEST_NATS_URL to run this benchmark");
        return;
    };
    let n = env_num("PORTAL_BENCH_EVENTS", 50_000);
    let rounds = env_num("PORTAL_BENCH_ROUNDS", 3).max(1);
    let test = TestStore::postgres(&db_url).await;
    let store = test.store.clone();
    let tenant = TenantId::parse("bench").expect("slug");
    eprintln!("appending {n} events…");
    let per_stream = 50;
    for s in 0..n.div_ceil(per_stream) {
        let stream = StreamId::parse(&format!("order-{}", Uuid::now_v7())).expect("stream id");
        let events: Vec<_> = (0..per_stream.min(n - s * per_stream))
            .map(|i| event(s * per_stream + i))
            .collect();
        store
            .append(&tenant, &stream, 0, &events, None)
            .await
            .expect("append");
    }
    let batch = RelayConfig::new("x", "x").batch as usize;

    let client = async_nats::connect(&nats_url).await.expect("nats");
    let js = jetstream::context::ContextBuilder::new()
        .max_ack_inflight(8192)
        .backpressure_on_inflight(true)
        .build(client.clone());
    let mut raw_rates = Vec::new();
    let mut relay_rates = Vec::new();
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let id = Uuid::now_v7().simple().to_string();
        // Raw: the same messages, prepared before the clock starts.
        let raw_stream = format!("BENCH_RAW_{id}");
        let raw_prefix = format!("benchraw{id}");
        js.create_stream(jetstream::stream::Config {
            name: raw_stream.clone(),
            subjects: vec![format!("{raw_prefix}.>")],
            ..Default::default()
        })
        .await
        .expect("create raw stream");
        // (subject, Nats-Msg-Id, Nats-Expected-Last-Msg-Id, body), chained as the relay does.
        let mut messages: Vec<(String, String, Option<String>, Bytes)> =
            Vec::with_capacity(n as usize);
        let mut previous = 0;
        let mut after = 0;
        loop {
            let page = store.read_all(after, 5000).await.expect("read");
            let Some(last) = page.last() else { break };
            after = last.position;
            for e in &page {
                let body =
                    serde_json::to_vec(&CloudEvent::from_recorded(e, previous)).expect("json");
                previous = e.position;
                let expected = messages.last().map(|m| m.1.clone());
                messages.push((
                    subject(&raw_prefix, e),
                    e.event_id.to_string(),
                    expected,
                    Bytes::from(body),
                ));
            }
        }
        // Diagnosis: reading alone, then reading and encoding (no publishing).
        let started = Instant::now();
        let mut after = 0;
        loop {
            let page = store
                .read_all_wire(after, batch as u32)
                .await
                .expect("read");
            let Some(last) = page.last() else { break };
            after = last.position;
        }
        println!(
            "round {}: read only {:>9.0} events/s",
            round + 1,
            n as f64 / started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let mut after = 0;
        let mut count = 0usize;
        loop {
            let page = store
                .read_all_wire(after, batch as u32)
                .await
                .expect("read");
            let Some(last) = page.last() else { break };
            after = last.position;
            for e in &page {
                count += serde_json::to_vec(&CloudEvent::from_wire(e, 0))
                    .expect("json")
                    .len();
            }
        }
        let read_rate = n as f64 / started.elapsed().as_secs_f64();
        println!(
            "round {}: read+encode only {read_rate:>9.0} events/s ({count} bytes)",
            round + 1
        );
        let started = Instant::now();
        for window in messages.chunks(batch) {
            let mut acks = Vec::with_capacity(window.len());
            for (subject, id, expected, body) in window {
                let mut headers = HeaderMap::new();
                headers.insert(header::NATS_MESSAGE_ID, id.as_str());
                if let Some(expected) = expected {
                    headers.insert(header::NATS_EXPECTED_LAST_MESSAGE_ID, expected.as_str());
                }
                acks.push(
                    js.publish_with_headers(subject.clone(), headers, body.clone())
                        .await
                        .expect("publish"),
                );
            }
            for a in acks {
                a.await.expect("ack");
            }
        }
        let raw = n as f64 / started.elapsed().as_secs_f64();
        js.delete_stream(&raw_stream)
            .await
            .expect("delete raw stream");

        // Relay: from the log, through the project's bus, with checkpoints.
        let relay_stream = format!("BENCH_RELAY_{id}");
        let relay_prefix = format!("benchrelay{id}");
        let bus = NatsBus::connect(NatsConfig {
            stream: relay_stream.clone(),
            subject_prefix: relay_prefix.clone(),
            ..NatsConfig::new(nats_url.clone())
        })
        .await
        .expect("bus");
        let config = RelayConfig::new(relay_stream.clone(), relay_prefix);
        let started = Instant::now();
        relay_pass(&store, &bus, &config, 0, Chain::Start)
            .await
            .expect("relay");
        let relay = n as f64 / started.elapsed().as_secs_f64();
        let info = js
            .get_stream(&relay_stream)
            .await
            .expect("stream")
            .info()
            .await
            .expect("info")
            .state
            .messages;
        assert_eq!(info, n, "the relay published every event once");
        js.delete_stream(&relay_stream)
            .await
            .expect("delete relay stream");
        let _ = bus.publish(Vec::new()).await;
        println!(
            "round {}: raw {raw:>9.0} msg/s   relay {relay:>9.0} events/s   ratio {:.2}",
            round + 1,
            relay / raw
        );
        raw_rates.push(raw);
        relay_rates.push(relay);
        ratios.push(relay / raw);
    }
    let (raw, relay) = (median(raw_rates), median(relay_rates));
    println!("relay throughput, {n} events, median of {rounds} rounds (batch {batch}):");
    println!("  raw async-nats publish+ack  {raw:>9.0} msg/s");
    println!("  relay (log → JetStream)     {relay:>9.0} events/s");
    let ratio = median(ratios);
    println!(
        "  ratio relay/raw             {ratio:.2}   (median of the rounds' ratios; target ≥ 0.9)"
    );
    println!(
        "figure: relay, log → JetStream | {relay:.0} events/s | raw async-nats publish + ack | {raw:.0} msg/s | {ratio:.2} | ≥ 0.9"
    );
    test.cleanup().await;
}
