//! Form post → next page latency (figures printed, never asserted), in one run against the real
//! `portal serve` on a throw-away PostgreSQL database (relay, projections and notifier in the same
//! process):
//!
//! A staff member, logged in through the login form and the emailed link (an SMTP sink of the
//! test kit), creates customers one after the other through the page form
//! (`POST /staff/customers`) and opens the page its redirect names, as a browser does. The time
//! from sending the form to having the next page (which must show the new customer) is recorded;
//! p50/p99/max are printed for two passes, without and with another tenant appending at a steady
//! rate through the JSON API (default 500 commands/s, each one event). In each pass the posts
//! take turns between two ways for the next page to wait: for its own write's position (what a
//! page does), or for the log's global head read right after the post answered
//! (`?min_position=<head>`: what a page did when it waited for the whole world).
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench --bench form_post`
//! Optional: `PORTAL_BENCH_POSTS` per way of waiting (default 300; a pass ends after 2 minutes),
//! `PORTAL_BENCH_RATE` of the other tenant in commands/s (default 500).

mod common;

use common::{bootstrap, env_u64, portal, run, serve_with};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use portal_testkit::http::{Browser, csrf_in};
use portal_testkit::smtp::SmtpSink;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const STAFF: &str = "staff@bench.example";
/// The longest one pass runs (it then reports the posts it made).
const PASS_LIMIT: Duration = Duration::from_secs(120);
/// How long one post's next page is reloaded on 503 before the pass gives up.
const GIVE_UP: Duration = Duration::from_secs(30);
/// The other tenant's requests in flight at most: past it a tick is skipped, so a server that
/// falls behind meets a steady load, not a growing pile.
const IN_FLIGHT: u64 = 64;

/// The CSRF field of a page.
fn csrf(page: &str) -> String {
    csrf_in(page).expect("a page with a CSRF field")
}

/// The other tenant's steady load: one customer created per tick at `rate` per second until
/// `stop`; the number answered 2xx and the ticks skipped because [`IN_FLIGHT`] were pending.
async fn load(base: String, token: String, rate: u64, stop: Arc<AtomicBool>) -> (u64, u64) {
    let http = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let pending = Arc::new(AtomicU64::new(0));
    let mut skipped = 0;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut n = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        if pending.load(Ordering::Relaxed) >= IN_FLIGHT {
            skipped += 1;
            continue;
        }
        n += 1;
        pending.fetch_add(1, Ordering::Relaxed);
        let (http, url, token, done, pending) = (
            http.clone(),
            format!("{base}/api/v1/customers"),
            token.clone(),
            done.clone(),
            pending.clone(),
        );
        tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "name": format!("Load Customer {n}") }))
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                done.fetch_add(1, Ordering::Relaxed);
            }
            pending.fetch_sub(1, Ordering::Relaxed);
        });
    }
    (done.load(Ordering::Relaxed), skipped)
}

/// What one way of waiting measured in a pass: each post's latency in ms (posts given up left
/// out), and how many 503 answers came on the way.
#[derive(Default)]
struct Pass {
    took: Vec<f64>,
    unavailable: u64,
    /// Posts whose next page still answered 503 after [`GIVE_UP`].
    gave_up: u64,
}

/// One pass: `posts` form posts, each followed by its next page. The two ways of waiting take
/// turns (even posts wait for their own write, odd ones for the global head), so that both meet
/// the same moments of the load: (own write, global head).
async fn pass(
    http: &reqwest::Client,
    base: &str,
    db: &sqlx::PgPool,
    label: &str,
    posts: u64,
) -> (Pass, Pass) {
    let new_page = http
        .get(format!("{base}/staff/customers/new"))
        .send()
        .await
        .expect("new customer page");
    let token = csrf(&new_page.text().await.expect("new customer page"));
    let mut results = [Pass::default(), Pass::default()];
    let pass_started = Instant::now();
    for i in 0..posts {
        // A pass behind a read side that cannot keep up would otherwise run for ever.
        if pass_started.elapsed() > PASS_LIMIT {
            break;
        }
        let global_head = i % 2 == 1;
        let result = &mut results[usize::from(global_head)];
        let name = format!("{label} Freight {i:04}");
        let started = Instant::now();
        let created = http
            .post(format!("{base}/staff/customers"))
            .form(&[
                ("csrf", token.as_str()),
                ("name", name.as_str()),
                ("status", "approved"),
            ])
            .send()
            .await
            .expect("form post");
        assert_eq!(created.status(), 303, "form post refused");
        let mut next = created
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .expect("a redirect")
            .to_owned();
        if global_head {
            let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM events")
                .fetch_one(db)
                .await
                .expect("log head");
            let sep = if next.contains('?') { '&' } else { '?' };
            next = format!("{next}{sep}min_position={head}");
        }
        // A page whose read models are not there within the wait answers 503 with
        // `Retry-After: 1`; the benchmark reloads after that second, as a person would.
        let body = loop {
            let page = http
                .get(format!("{base}{next}"))
                .send()
                .await
                .expect("next page");
            let status = page.status();
            let body = page.text().await.expect("next page");
            if status == 503 {
                result.unavailable += 1;
                if started.elapsed() >= GIVE_UP {
                    break None;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            assert_eq!(status, 200, "{label} {i}: next page {next}: {body}");
            break Some(body);
        };
        let Some(body) = body else {
            result.gave_up += 1;
            continue;
        };
        result.took.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(
            body.contains(&name),
            "the next page misses the new customer"
        );
    }
    let [own, head] = results;
    (own, head)
}

fn report(what: &str, pass: Pass) -> (f64, f64) {
    let mut ms = pass.took;
    if ms.is_empty() {
        println!(
            "  {what:<36} no next page within 30 s ({} given up)",
            pass.gave_up
        );
        return (f64::NAN, f64::NAN);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    let (p50, p99) = (at(0.5), at(0.99));
    println!(
        "  {what:<36} p50 {p50:>8.2} ms  p99 {p99:>8.2} ms  max {:>8.2} ms  ({} posts, {} × 503, \
         {} given up)",
        ms[ms.len() - 1],
        ms.len(),
        pass.unavailable,
        pass.gave_up
    );
    (p50, p99)
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        println!("form_post: set {DATABASE_URL_VAR} (PostgreSQL) to run this benchmark");
        return;
    };
    let posts = env_u64("PORTAL_BENCH_POSTS", 300).max(1);
    let rate = env_u64("PORTAL_BENCH_RATE", 500);
    let store = TestStore::postgres(&admin).await;
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    bootstrap(&store.url);
    run(portal(&store.url).args(["tenant", "add", "other", "--name", "Other Carrier"]));
    run(portal(&store.url).args([
        "staff",
        "add",
        "--tenant",
        "other",
        "--email",
        "load@other.example",
    ]));
    let other = run(portal(&store.url).args([
        "token",
        "create",
        "--tenant",
        "other",
        "--email",
        "load@other.example",
    ]))
    .lines()
    .map(str::trim)
    .find(|l| l.len() == 43)
    .expect("a token line")
    .to_owned();
    let sink = SmtpSink::start().await;
    let (server, base) = serve_with(&store.url, &dir.join("data"), &[("SMTP_URL", &sink.url())]);
    let base = format!("http://{}", base.trim_start_matches("http://"));
    let db = sqlx::PgPool::connect(&store.url).await.expect("database");
    let staff = Browser::new(&base);
    staff.login(&sink, STAFF).await;
    let http = staff.http.clone();

    println!(
        "form_post: {posts} form posts per way of waiting, taking turns (create a customer, open \
         the page the redirect names), PostgreSQL, in-process bus; the other tenant at {rate} \
         commands/s"
    );
    // Warm-up (pools, caches), not reported.
    pass(&http, &base, &db, "Warm", 20).await;

    let (quiet_own, quiet_head) = pass(&http, &base, &db, "Quiet", 2 * posts).await;

    let stop = Arc::new(AtomicBool::new(false));
    let loader = tokio::spawn(load(base.clone(), other, rate, stop.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let (busy_own, busy_head) = pass(&http, &base, &db, "Busy", 2 * posts).await;
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (sent, skipped) = loader.await.expect("load task");
    drop(server);

    println!("without the other tenant:");
    let (q50, q99) = report("next page waits for its own write", quiet_own);
    report("next page waits for the global head", quiet_head);
    println!(
        "with the other tenant ({sent} commands answered 2xx in {:.0} s, ≈ {:.0}/s; {skipped} \
         ticks skipped with {IN_FLIGHT} pending):",
        seconds + 2.0,
        sent as f64 / (seconds + 2.0)
    );
    let (b50, b99) = report("next page waits for its own write", busy_own);
    let (h50, h99) = report("next page waits for the global head", busy_head);
    println!("ratios:");
    println!(
        "  own write, loaded ÷ quiet          p50 {:.2}, p99 {:.2}",
        b50 / q50,
        b99 / q99
    );
    println!(
        "  global head ÷ own write, loaded    p50 {:.2}, p99 {:.2}",
        h50 / b50,
        h99 / b99
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    store.cleanup().await;
}
