//! The command path over HTTP (figures printed, never asserted), in one run:
//!
//! 1. `PUT /api/v1/contacts/{id}/portal-access` through the real `portal serve` (relay,
//!    projections and notifier in the same process, PostgreSQL), 32 connections, alternating off
//!    and on over many contacts so that every request appends an event (and every grant queues a
//!    welcome email, written as a file);
//! 2. `GET /healthz` of the same server with the same 32 connections (the HTTP ceiling);
//! 3. pgbench on the same PostgreSQL at the same concurrency running the command's SQL: read a
//!    stream, then the store's one-statement append of one event.
//!
//! Requests/s and p99 come from `wrk` (Debian package `wrk`), transactions/s from `pgbench`.
//! Ratios are against the baselines of the same run: absolute figures on a shared machine are
//! noisy.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench --bench api_write`
//! Optional: `PORTAL_BENCH_SECONDS` per measurement (default 10), `PORTAL_BENCH_CONTACTS`
//! (default 2000).

mod common;

use common::{CONNECTIONS, bootstrap, env_u64, post, put, serve, wrk};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use serde_json::json;
use std::process::Command;
use std::time::Duration;

/// The wrk script: each thread owns every `threads`-th contact and flips its access, so no two
/// requests race on one contact and each one changes something.
fn put_script(ids: &[String], token: &str) -> String {
    let list = ids
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"local ids = {{{list}}}
local counter = 0
local threads = {{}}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  mine = {{}}
  for i = tid + 1, #ids, 2 do table.insert(mine, ids[i]) end
  on = {{}}
  for _, id in ipairs(mine) do on[id] = true end
  n = 0
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer {token}"
end
function request()
  n = n + 1
  local id = mine[(n - 1) % #mine + 1]
  on[id] = not on[id]
  local body = on[id] and '{{"enabled":true}}' or '{{"enabled":false}}'
  return wrk.format(nil, "/api/v1/contacts/" .. id .. "/portal-access", nil, body)
end
"#
    )
}

/// The pgbench script: the command's SQL (read the stream, append one event in one statement).
const PGBENCH: &str = r#"\set s random(1, 1000)
SELECT position, stream_id, version, event_id, event_type, schema_version, tenant, payload, metadata, recorded_at FROM events WHERE stream_id = 'contact-pgbench-' || :client_id || '-' || :s ORDER BY version;
WITH cur AS (SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = 'contact-pgbench-' || :client_id || '-' || :s) INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version, tenant, payload, metadata, recorded_at) SELECT pg_current_xact_id()::text::bigint * 65536 + 1, 'contact-pgbench-' || :client_id || '-' || :s, cur.v + 1, gen_random_uuid(), 'ContactAccessRevoked', 1, 'bench', '{"contact_id":"0190c3f4-0000-7000-8000-000000000000"}'::json, '{"actor":{"kind":"staff","user_id":"0190c3f4-0000-7000-8000-000000000001"},"correlation_id":"0190c3f4-0000-7000-8000-000000000002"}'::json, now() FROM cur;
"#;

fn pgbench(url: &str, seconds: u64, dir: &std::path::Path) -> f64 {
    let script = dir.join("append.sql");
    std::fs::write(&script, PGBENCH).expect("write the pgbench script");
    let out = Command::new("pgbench")
        .args(["-n", "-c", &CONNECTIONS.to_string(), "-j", "2"])
        .args(["-T", &seconds.to_string(), "-f"])
        .arg(&script)
        .arg(url)
        .output()
        .expect("pgbench must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("tps = ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or_else(|| {
            eprintln!(
                "pgbench output:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            f64::NAN
        })
}

/// Customers with portal access and `contacts` contacts with access, through the API.
async fn populate(base: &str, token: &str, contacts: u64) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    let per_customer = 20;
    for c in 0..contacts.div_ceil(per_customer) {
        let customer = post(
            &http,
            format!("{base}/api/v1/customers"),
            token,
            json!({"name": format!("Customer {c}")}),
        )
        .await;
        let id = customer["id"].as_str().expect("customer id").to_owned();
        put(
            &http,
            format!("{base}/api/v1/customers/{id}/portal"),
            token,
            json!({"enabled": true, "show_charges": false}),
        )
        .await;
        for k in 0..per_customer.min(contacts - c * per_customer) {
            let contact = post(
                &http,
                format!("{base}/api/v1/customers/{id}/contacts"),
                token,
                json!({
                    "name": format!("Contact {c}-{k}"),
                    "email": format!("c{c}k{k}@customer.example"),
                    "portal_access": true,
                }),
            )
            .await;
            ids.push(contact["id"].as_str().expect("contact id").to_owned());
        }
    }
    ids
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        println!("api_write: set {DATABASE_URL_VAR} (PostgreSQL) to run this benchmark");
        return;
    };
    let seconds = env_u64("PORTAL_BENCH_SECONDS", 10);
    let contacts = env_u64("PORTAL_BENCH_CONTACTS", 2000);
    let db = TestStore::postgres(&admin).await;
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let token = bootstrap(&db.url);

    let (server, addr) = serve(&db.url, &dir.join("data"));
    // `addr` is the whole URL the server printed (`http://127.0.0.1:…`).
    let base = addr;
    let ids = populate(&base, &token, contacts).await;
    println!(
        "api_write: {} contacts with portal access, {CONNECTIONS} connections, {seconds} s per measurement, PostgreSQL",
        ids.len()
    );
    let script = dir.join("put.lua");
    std::fs::write(&script, put_script(&ids, &token)).expect("write the wrk script");
    // A short warm-up (caches, pools), not reported.
    wrk(&base, Some(&script), 2);
    let command = wrk(&base, Some(&script), seconds);
    let health = wrk(&format!("{base}/healthz"), None, seconds);
    server.print_peak_rss("the commands");
    drop(server);
    let sql = pgbench(&db.url, seconds, &dir);

    println!(
        "PUT /api/v1/contacts/{{id}}/portal-access: {:>8.0} requests/s, p99 {:>6.1} ms ({} non-2xx)",
        command.rps, command.p99_ms, command.non_2xx
    );
    println!(
        "GET /healthz (same server):                {:>8.0} requests/s, p99 {:>6.1} ms",
        health.rps, health.p99_ms
    );
    println!("pgbench, read stream + append one event:   {sql:>8.0} transactions/s");
    println!(
        "figure: command path, PUT …/portal-access, {CONNECTIONS} connections | {:.0} req/s, p99 {:.1} ms | pgbench of its SQL | {sql:.0} tx/s | {:.2} | ≥ 3,000 req/s or ≥ 0.6",
        command.rps,
        command.p99_ms,
        command.rps / sql
    );
    println!(
        "ratio command/healthz {:.2}; command/pgbench {:.2} (target >= 0.3); command >= 3000/s: {}",
        command.rps / health.rps,
        command.rps / sql,
        if command.rps >= 3000.0 {
            "met"
        } else {
            "not met"
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
}
