//! The command path of embedded mode (SQLite, in-process bus) over HTTP, figures printed, never
//! asserted, in one run:
//!
//! 1. `POST /api/v1/customers` through the real `portal serve` on a SQLite file (relay,
//!    projections and notifier in the same process), 16 connections, every request a new
//!    customer (one event, three read models);
//! 2. `GET /healthz` of the same server, 16 connections (the HTTP ceiling);
//! 3. the raw durability ceiling of the same disk: one SQLite connection in WAL mode with
//!    `synchronous = FULL` (what the event log promises) committing single-row inserts in a
//!    loop, and the same committing 16 rows per transaction (what group commit does).
//!
//! Requests/s and p99 come from `wrk` (Debian package `wrk`).
//!
//! Run: `cargo bench --bench embedded` (needs nothing else). Optional: `PORTAL_BENCH_SECONDS`
//! per measurement (default 10).

mod common;

use common::{Server, bootstrap, env_u64, serve, wrk_with};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::{Duration, Instant};

const CONNECTIONS: u32 = 16;

fn post_script(token: &str) -> String {
    format!(
        r#"local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
function request()
  n = n + 1
  return wrk.format(nil, "/api/v1/customers", nil, '{{"name":"Customer ' .. n .. '"}}')
end
"#
    )
}

/// Durable commits per second on one SQLite connection, `rows` single-row inserts each.
async fn raw_commits(dir: &std::path::Path, rows: usize, seconds: u64) -> f64 {
    let url = format!("sqlite://{}", dir.join("raw.db").display());
    let mut conn = SqliteConnectOptions::from_str(&url)
        .expect("url")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await
        .expect("raw sqlite");
    sqlx::query("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("table");
    let payload = r#"{"customer_id":"0190c3f4-0000-7000-8000-000000000000","name":"Customer"}"#;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut done = 0u64;
    while Instant::now() < deadline {
        let mut tx = conn.begin().await.expect("begin");
        for _ in 0..rows {
            sqlx::query("INSERT INTO raw (payload) VALUES (?)")
                .bind(payload)
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
        done += rows as u64;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let seconds = env_u64("PORTAL_BENCH_SECONDS", 10);
    let dir = std::env::temp_dir().join(format!("portal-bench-embedded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let url = format!("sqlite://{}", dir.join("portal.db").display());
    let token = bootstrap(&url);
    let (server, base): (Server, String) = serve(&url, &dir);
    let script = dir.join("post.lua");
    std::fs::write(&script, post_script(&token)).expect("write the wrk script");
    // Warm-up: connections, caches.
    wrk_with(&base, Some(&script), 2, CONNECTIONS);
    let post = wrk_with(&base, Some(&script), seconds, CONNECTIONS);
    let health = wrk_with(&format!("{base}/healthz"), None, seconds, CONNECTIONS);
    drop(server);
    let single = raw_commits(&dir, 1, seconds.min(5)).await;
    let grouped = raw_commits(&dir, 16, seconds.min(5)).await;
    println!("embedded mode (SQLite, synchronous = FULL), {CONNECTIONS} connections, {seconds} s:");
    println!(
        "  POST /api/v1/customers   {:>8.0} req/s   p99 {:>6.1} ms   ({} non-2xx)",
        post.rps, post.p99_ms, post.non_2xx
    );
    println!(
        "  GET /healthz             {:>8.0} req/s   p99 {:>6.1} ms",
        health.rps, health.p99_ms
    );
    println!("  raw commits, 1 row each  {single:>8.0} rows/s");
    println!("  raw commits, 16 rows     {grouped:>8.0} rows/s");
    println!(
        "  POST ÷ raw single-row commits {:.2}; POST ÷ /healthz {:.2}",
        post.rps / single,
        post.rps / health.rps
    );
    println!(
        "figure: embedded POST /api/v1/customers, {CONNECTIONS} connections | {:.0} req/s, p99 {:.1} ms | raw SQLite single-row commits | {single:.0} rows/s | {:.2} | ≥ 2,000 req/s, p99 ≤ 20 ms",
        post.rps,
        post.p99_ms,
        post.rps / single
    );
    let _ = std::fs::remove_dir_all(&dir);
}
