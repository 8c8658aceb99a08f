//! The customer portal under load (figures printed, never asserted), in one run against the
//! real `portal serve` on PostgreSQL (relay, projections and notifier in the same process):
//!
//! 1. `POST /api/v1/orders/{id}/submit` with 32 connections, every request submitting another
//!    draft (drafts created through the API beforehand, spread over 8 customers and their
//!    users), beside `GET /healthz` of the same server;
//! 2. with 100,000 submitted orders in the read models (appended straight to the event log with
//!    the server stopped, then `portal rebuild`; 8 customers, one holding a quarter of them,
//!    submission days over the last 30 days, a fifth accepted and a fifth delivered): p99 and
//!    requests/s of the dashboard and the order list
//!    (first page, and filtered by status and searched) as the big customer's user and as
//!    staff, beside `GET /healthz`; at 32 connections and again at 4 (a few users at once).
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench --bench portal_read_write`
//! Optional: `PORTAL_BENCH_SECONDS` per measurement (default 10), `PORTAL_BENCH_DRAFTS`
//! (default 30000), `PORTAL_BENCH_ORDERS` (default 100000), `PORTAL_BENCH_CATCH_UP=live` (the
//! 100,000 orders projected by the live projections instead of `portal rebuild`).

mod common;

use common::{
    CONNECTIONS, Wrk, bootstrap, env_u64, portal, portal_customer, post, run, serve, wrk, wrk_with,
};
use futures::StreamExt as _;
use portal_domain::order::{Order, OrderEvent};
use portal_domain::values::OrderContent;
use portal_domain::{Actor, CustomerId, OrderId, TenantId, UserId};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_eventlog::{Metadata, StreamId, codec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const CUSTOMERS: usize = 8;
/// Connections of the light-load pass of the reads.
const LIGHT: u32 = 4;

fn order_body(reference: &str) -> Value {
    let stop = |city: &str, date: &str| {
        json!({"address": {"name": format!("{city} site"), "street": "Hafenstraße 1",
            "postal_code": "20457", "city": city, "country": "DE"}, "date": date})
    };
    json!({"customer_reference": reference, "consignments": [{
        "pickup": stop("Hamburg", &common::day(5)),
        "delivery": stop("Berlin", &common::day(6)),
        "goods": [{"description": "Tiles", "quantity": 3, "packaging": "euro_pallet",
            "weight_kg": 500.0, "stackable": false}]
    }]})
}

/// The wrk script: each thread submits its own share of the drafts, each once (afterwards the
/// same ids again, answered 409 and counted as non-2xx).
fn submit_script(drafts: &[(String, String)]) -> String {
    let list = drafts
        .iter()
        .map(|(token, id)| format!("{{\"{token}\",\"{id}\"}}"))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        r#"local drafts = {{{list}}}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  n = 0
  wrk.method = "POST"
end
function request()
  local i = (tid + n * 2) % #drafts + 1
  n = n + 1
  local d = drafts[i]
  return wrk.format("POST", "/api/v1/orders/" .. d[2] .. "/submit", {{["Authorization"] = "Bearer " .. d[1]}}, nil)
end
"#
    )
}

fn get_script(token: &str) -> String {
    format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n")
}

/// Appends `count` submitted orders (a fifth accepted, a fifth delivered) to the log directly.
async fn seed_orders(db: &TestStore, customers: &[CustomerId], count: u64) {
    let tenant = TenantId::parse("bench").expect("tenant");
    let content: OrderContent = serde_json::from_value(order_body("seed")).expect("content");
    let now = OffsetDateTime::now_utc();
    let started = Instant::now();
    let store = &db.store;
    futures::stream::iter(0..count)
        .map(|i| {
            let tenant = tenant.clone();
            let content = content.clone();
            // One customer holds a quarter of the orders; the rest share the others.
            let c = if i % 4 == 0 {
                customers[0]
            } else {
                customers[1 + (i as usize) % (customers.len() - 1)]
            };
            async move {
                let id = OrderId(uuid::Uuid::now_v7());
                let at = now - time::Duration::minutes(((i * 7919) % (30 * 24 * 60)) as i64);
                let mut events = vec![OrderEvent::OrderDraftCreated {
                    order_id: id,
                    customer_id: c,
                    number: format!("S{i:07}"),
                    content: {
                        let mut v = serde_json::to_value(&content).expect("json");
                        v["customer_reference"] = json!(format!("PO-{i}"));
                        serde_json::from_value(v).expect("content")
                    },
                }];
                let submitted_content = match &events[0] {
                    OrderEvent::OrderDraftCreated { content, .. } => {
                        content.complete().expect("complete content")
                    }
                    _ => unreachable!(),
                };
                events.push(OrderEvent::OrderSubmitted {
                    order_id: id,
                    content: submitted_content,
                    submitted_at: at,
                });
                if i % 5 == 1 {
                    events.push(OrderEvent::OrderAccepted { order_id: id });
                }
                if i % 5 == 2 {
                    events.push(OrderEvent::OrderAccepted { order_id: id });
                    events.push(OrderEvent::OrderPlanned {
                        order_id: id,
                        planned_at: at,
                    });
                    events.push(OrderEvent::OrderInTransit {
                        order_id: id,
                        in_transit_at: at,
                    });
                    events.push(OrderEvent::OrderDelivered {
                        order_id: id,
                        delivered_at: at,
                    });
                }
                let metadata = Metadata::new(Actor::PortalUser {
                    user_id: UserId(uuid::Uuid::now_v7()),
                    customer_id: c,
                });
                let encoded: Vec<_> = events
                    .iter()
                    .map(|e| codec::encode(e, &metadata).expect("encode"))
                    .collect();
                store
                    .append(&tenant, &StreamId::of::<Order>(id), 0, &encoded, None)
                    .await
                    .expect("append");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {count} orders in {secs:.1} s ({:.0} orders/s)",
        count as f64 / secs
    );
}

/// Waits until the staff dashboard counts `total` orders, reading it every `poll`; the time it
/// took (each read is one dashboard query, so a fine `poll` only where the figure is short).
async fn wait_for_orders(base: &str, staff: &str, total: i64, poll: Duration) -> f64 {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let v: Value = http
            .get(format!("{base}/api/v1/dashboard"))
            .bearer_auth(staff)
            .send()
            .await
            .expect("dashboard")
            .json()
            .await
            .unwrap_or(Value::Null);
        let seen = v
            .pointer("/orders_by_status/total")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if seen >= total {
            return started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "projections stuck at {seen} of {total}"
        );
        tokio::time::sleep(poll).await;
    }
}

fn line(what: &str, w: &Wrk, target_ms: Option<f64>) {
    let verdict = match target_ms {
        Some(t) if w.p99_ms <= t => " (p99 target met)",
        Some(_) => " (p99 target NOT met)",
        None => "",
    };
    println!(
        "{what:<58} {:>8.0} requests/s, p99 {:>7.1} ms, {} non-2xx{verdict}",
        w.rps, w.p99_ms, w.non_2xx
    );
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        println!("portal_read_write: set {DATABASE_URL_VAR} (PostgreSQL) to run this benchmark");
        return;
    };
    let seconds = env_u64("PORTAL_BENCH_SECONDS", 10);
    let draft_count = env_u64("PORTAL_BENCH_DRAFTS", 30_000);
    let order_count = env_u64("PORTAL_BENCH_ORDERS", 100_000);
    let db = TestStore::postgres(&admin).await;
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let staff = bootstrap(&db.url);
    let (server, base) = serve(&db.url, &dir.join("data"));

    let mut customers = Vec::new();
    for i in 0..CUSTOMERS {
        customers.push(portal_customer(&base, &staff, &db.url, i).await);
    }

    // 1. Submissions.
    let started = Instant::now();
    let http = reqwest::Client::new();
    let drafts: Vec<(String, String)> = futures::stream::iter(0..draft_count as usize)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            let token = customers[i % CUSTOMERS].1.clone();
            async move {
                let v = post(
                    &http,
                    format!("{base}/api/v1/orders"),
                    &token,
                    order_body(&format!("D-{i}")),
                )
                .await;
                (token, v["id"].as_str().expect("order id").to_owned())
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "portal_read_write: {CUSTOMERS} customers, {} drafts created through the API in {secs:.1} s ({:.0}/s); {CONNECTIONS} connections, {seconds} s per measurement, PostgreSQL",
        drafts.len(),
        drafts.len() as f64 / secs
    );
    // The read models first catch up with the drafts, so the measurement sees only submissions.
    let draft_total = i64::try_from(drafts.len()).unwrap_or(i64::MAX);
    let lag = wait_for_orders(&base, &staff, draft_total, Duration::from_millis(20)).await;
    println!("the read models had every draft {lag:.1} s after the last was created");
    println!(
        "figure: drafts burst ({} at {:.0}/s), all listed after the last commit | {lag:.1} s | — | — | — | ≤ 1 s",
        drafts.len(),
        drafts.len() as f64 / secs
    );
    let script = dir.join("submit.lua");
    std::fs::write(&script, submit_script(&drafts)).expect("write the wrk script");
    wrk(&format!("{base}/healthz"), None, 2);
    let submit = wrk(&base, Some(&script), seconds);
    let health = wrk(&format!("{base}/healthz"), None, seconds);
    line("POST /api/v1/orders/{id}/submit", &submit, None);
    line("GET /healthz (same server)", &health, None);
    println!(
        "figure: submit order, {CONNECTIONS} connections | {:.0} req/s, p99 {:.1} ms | GET /healthz, same server | {:.0} req/s | {:.2} | ≥ 2,500 req/s",
        submit.rps,
        submit.p99_ms,
        health.rps,
        submit.rps / health.rps
    );
    println!(
        "ratio submit/healthz {:.2}; submits >= 2000/s: {}{}",
        submit.rps / health.rps,
        if submit.rps >= 2000.0 {
            "met"
        } else {
            "not met"
        },
        if submit.rps * seconds as f64 > drafts.len() as f64 {
            " (drafts ran out: the non-2xx are repeats)"
        } else {
            ""
        }
    );

    // 2. Reads over 100,000 orders: appended with the server stopped, then the read models
    // built from the log by `portal rebuild` (the default, faster) or, with
    // PORTAL_BENCH_CATCH_UP=live, by the restarted server's live projections, then the server
    // started again.
    server.print_peak_rss("the drafts and submissions");
    drop(server);
    let ids: Vec<CustomerId> = customers
        .iter()
        .map(|(id, _)| id.parse().expect("customer id"))
        .collect();
    seed_orders(&db, &ids, order_count).await;
    let live = std::env::var("PORTAL_BENCH_CATCH_UP").is_ok_and(|v| v == "live");
    if !live {
        let started = Instant::now();
        run(portal(&db.url).args(["rebuild"]));
        println!(
            "portal rebuild of the read models: {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let (server, base) = serve(&db.url, &dir.join("data"));
    let expected = i64::try_from(order_count + drafts.len() as u64).unwrap_or(i64::MAX);
    let secs = wait_for_orders(&base, &staff, expected, Duration::from_millis(500)).await;
    if live {
        println!(
            "live projection caught up with {order_count} orders in {secs:.1} s ({:.0} orders/s)",
            order_count as f64 / secs
        );
    }
    // The restarted server first relays the seeded events and its notifier and webhooks catch
    // up with them: that start-up peak is reported on its own, and the reads' peak from then on.
    let secs = common::wait_until_settled(&db.url).await;
    println!("relay, notifier and webhooks caught up with the log {secs:.1} s later");
    server.print_peak_rss(&format!(
        "start-up and catch-up with {order_count} seeded orders"
    ));
    if !server.reset_peak_rss() {
        println!("(cannot reset the peak RSS here: the next figure includes the start-up)");
    }
    let big = &customers[0].1;
    let big_script = dir.join("big.lua");
    std::fs::write(&big_script, get_script(big)).expect("script");
    let staff_script = dir.join("staff.lua");
    std::fs::write(&staff_script, get_script(&staff)).expect("script");
    let target = Some(50.0);
    let rows = [
        (
            "GET /api/v1/dashboard (big customer's user)",
            format!("{base}/api/v1/dashboard"),
            &big_script,
        ),
        (
            "GET /api/v1/orders (big customer, first page)",
            format!("{base}/api/v1/orders"),
            &big_script,
        ),
        (
            "GET /api/v1/orders?status=submitted&q=PO-12 (big customer)",
            format!("{base}/api/v1/orders?status=submitted&q=PO-12"),
            &big_script,
        ),
        (
            "GET /api/v1/dashboard (staff, whole tenant)",
            format!("{base}/api/v1/dashboard"),
            &staff_script,
        ),
        (
            "GET /api/v1/orders (staff, first page)",
            format!("{base}/api/v1/orders"),
            &staff_script,
        ),
    ];
    // Every request warmed up first (caches, prepared statements, and the database's own work
    // right after a rebuild), then each measured at full load (32 connections: both cores busy,
    // so the p99 is mostly queueing) and at the load of a few users at once (LIGHT connections).
    for (_, url, script) in &rows {
        wrk(url, Some(script), 3);
    }
    let results: Vec<(&str, Wrk, Wrk)> = rows
        .iter()
        .map(|(what, url, script)| {
            let full = wrk(url, Some(script), seconds);
            let light = wrk_with(url, Some(script), seconds, LIGHT);
            (*what, full, light)
        })
        .collect();
    let health = wrk(&format!("{base}/healthz"), None, seconds);
    println!("with {expected} orders in the read models, {CONNECTIONS} connections:");
    for (what, full, _) in &results {
        line(what, full, target);
        println!(
            "figure: {what}, {expected} orders, {CONNECTIONS} connections | {:.0} req/s, p99 {:.1} ms | GET /healthz, same server | {:.0} req/s | {:.2} | ≥ 3,000 req/s, p99 ≤ 25 ms (search ≤ 50 ms)",
            full.rps,
            full.p99_ms,
            health.rps,
            full.rps / health.rps
        );
    }
    line("GET /healthz (same server)", &health, None);
    println!("the same with {LIGHT} connections:");
    for (what, _, light) in &results {
        line(what, light, target);
    }
    server.print_peak_rss("the reads");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
}
