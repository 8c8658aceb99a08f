//! What idle and slow clients cost (figures printed, never asserted), in one run against the real
//! `portal serve` on a throw-away PostgreSQL database with its default HTTP limits:
//!
//! 1. `GET /healthz` and `GET /api/v1/customers` (staff, first page of 50 of 200 customers)
//!    through `wrk`, 32 connections;
//! 2. the same two again while 2,000 other connections are held open: half of them idle (connected,
//!    nothing sent), half slow (half a request head, then nothing). The server drops each of them
//!    at its header read timeout; the holder then reconnects at once, so 2,000 stay open
//!    throughout, as an attacker would keep them;
//! 3. the ratio of each figure with the held connections to without.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench --bench slow_clients`
//! Optional: `PORTAL_BENCH_SECONDS` per measurement (default 10), `PORTAL_BENCH_HELD` (default
//! 2000). Needs `wrk` (Debian package `wrk`).

mod common;

use common::{CONNECTIONS, Wrk, bootstrap, env_u64, post, serve, wrk};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The counters of the held connections.
#[derive(Default)]
struct Held {
    open: AtomicU64,
    dropped_by_server: AtomicU64,
    stop: AtomicBool,
}

/// Keeps one idle (`slow == false`) or slow connection open until `held.stop`, reconnecting each
/// time the server drops it.
async fn hold(host: String, slow: bool, held: Arc<Held>) {
    let mut buf = [0_u8; 512];
    while !held.stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(&host).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if slow
            && stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")
                .await
                .is_err()
        {
            continue;
        }
        held.open.fetch_add(1, Ordering::Relaxed);
        loop {
            if held.stop.load(Ordering::Relaxed) {
                break;
            }
            match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await {
                Err(_) => continue,
                Ok(Ok(n)) if n > 0 => continue,
                Ok(_) => {
                    held.dropped_by_server.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
        held.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The wrk script adding the bearer token.
fn bearer_script(token: &str) -> String {
    format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n")
}

fn line(what: &str, w: &Wrk) {
    println!(
        "  {what:<34} {:>8.0} requests/s, p99 {:>7.2} ms ({} non-2xx)",
        w.rps, w.p99_ms, w.non_2xx
    );
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        println!("slow_clients: set {DATABASE_URL_VAR} (PostgreSQL) to run this benchmark");
        return;
    };
    let seconds = env_u64("PORTAL_BENCH_SECONDS", 10);
    let count = env_u64("PORTAL_BENCH_HELD", 2000);
    let db = TestStore::postgres(&admin).await;
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let token = bootstrap(&db.url);
    let (server, base) = serve(&db.url, &dir.join("data"));
    let http = reqwest::Client::new();
    for i in 0..200 {
        post(
            &http,
            format!("{base}/api/v1/customers"),
            &token,
            json!({"name": format!("Customer {i:03}")}),
        )
        .await;
    }
    let script = dir.join("bearer.lua");
    std::fs::write(&script, bearer_script(&token)).expect("write the wrk script");
    let list = format!("{base}/api/v1/customers");
    let health = format!("{base}/healthz");
    println!(
        "slow_clients: default limits (header read timeout 10 s), {CONNECTIONS} wrk connections, \
         {seconds} s per measurement, PostgreSQL"
    );
    // Warm-up (pools, caches), not reported.
    wrk(&list, Some(&script), 2);

    let calm_health = wrk(&health, None, seconds);
    let calm_list = wrk(&list, Some(&script), seconds);

    let held = Arc::new(Held::default());
    let host = base.trim_start_matches("http://").to_owned();
    let tasks: Vec<_> = (0..count)
        .map(|i| tokio::spawn(hold(host.clone(), i % 2 == 1, held.clone())))
        .collect();
    while held.open.load(Ordering::Relaxed) < count * 95 / 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dropped_before = held.dropped_by_server.load(Ordering::Relaxed);
    let open_at_start = held.open.load(Ordering::Relaxed);
    let busy_health = wrk(&health, None, seconds);
    let busy_list = wrk(&list, Some(&script), seconds);
    let open_at_end = held.open.load(Ordering::Relaxed);
    let dropped = held.dropped_by_server.load(Ordering::Relaxed) - dropped_before;
    held.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    drop(server);

    println!("without held connections:");
    line("GET /healthz", &calm_health);
    line("GET /api/v1/customers", &calm_list);
    println!(
        "with {count} held connections (idle and slow; {open_at_start} open at the start, \
         {open_at_end} at the end, {dropped} dropped by the server and reopened):"
    );
    line("GET /healthz", &busy_health);
    line("GET /api/v1/customers", &busy_list);
    println!("ratio with / without held connections:");
    for (what, calm, busy) in [
        ("GET /healthz", &calm_health, &busy_health),
        ("GET /api/v1/customers", &calm_list, &busy_list),
    ] {
        println!(
            "  {what:<34} requests/s {:.2}, p99 {:.2}",
            busy.rps / calm.rps,
            busy.p99_ms / calm.p99_ms
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
}
