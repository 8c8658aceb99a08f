//! Status emails per second beside welcome emails per second, through the whole notifier: the
//! event handler (recipients, facts folded from the log, outbox rows) and the sender (render,
//! build, SMTP to a local sink), measured in the same run on the same store. Figures are
//! printed, never asserted.
//!
//! Set-up: `CUSTOMERS` customers with portal access, each with two contacts of role
//! `operations` (their grants queue the welcome emails), and one submitted order each. Phase 1
//! handles and sends the welcome emails; phase 2 accepts every order (each acceptance emails
//! the customer's two operations contacts) and handles and sends those. Each phase's figure is
//! emails accepted by the sink per second of handling plus sending.
//!
//! Run: `cargo bench -p portal-notifier --bench news` (SQLite), or with
//! `PORTAL_TEST_DATABASE_URL=postgres://…` for PostgreSQL. `PORTAL_BENCH_CUSTOMERS` (default
//! 300).

use portal_domain::contact::ContactRole;
use portal_domain::order::{Order, OrderCommand};
use portal_eventlog::subscription::catch_up;
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_eventlog::{StreamId, execute};
use portal_identity::Db;
use portal_notifier::sender::send_due;
use portal_notifier::{Mailer, Notifier, NotifierConfig};
use portal_testkit::fixtures::{
    contact_with_roles, customer, set_portal, staff_ctx, submitted_order, tenant,
};
use portal_testkit::smtp::{SinkOptions, SmtpSink};
use std::time::{Duration, Instant};
use url::Url;

fn customers() -> usize {
    std::env::var("PORTAL_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(300)
}

fn config() -> NotifierConfig {
    let mut c = NotifierConfig::new(
        Url::parse("https://portal.bench.example/").expect("a URL"),
        "Fast Freight Portal <portal@carrier.example>"
            .parse()
            .expect("a mailbox"),
    );
    c.batch = 256;
    c.concurrency = 16;
    c
}

/// Handles the log to its head and sends every due email; (emails accepted, seconds).
async fn deliver(
    t: &TestStoreRef,
    db: &Db,
    notifier: &Notifier,
    mailer: &Mailer,
    config: &NotifierConfig,
    sink: &SmtpSink,
) -> (u64, f64) {
    let before = sink.accepted();
    let start = Instant::now();
    catch_up(&t.store, notifier, 500).await.expect("handled");
    loop {
        let r = send_due(&t.store, db, mailer, config).await.expect("sent");
        if r.claimed == 0 {
            break;
        }
    }
    (sink.accepted() - before, start.elapsed().as_secs_f64())
}

async fn bench(t: TestStoreRef) {
    let n = customers();
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let mut orders = Vec::with_capacity(n);
    for i in 0..n {
        let c = customer(&t.store, &acme, &format!("Customer {i}")).await;
        set_portal(&t.store, &acme, c, true).await;
        for k in 0..2 {
            contact_with_roles(
                &t.store,
                &acme,
                c,
                &format!("ops{k}.{i}@customer.example"),
                &[ContactRole::Operations],
            )
            .await;
        }
        orders.push(submitted_order(&t.store, &acme, c, &format!("ORD-{i}")).await);
    }
    let db = Db::connect(&t.url, 8).await.expect("db");
    let config = config();
    let sink = SmtpSink::start_with(SinkOptions {
        keep: false,
        data_delay: Duration::ZERO,
        quick_ack: true,
    })
    .await;
    let mailer = Mailer::smtp(&sink.url()).expect("mailer");
    let notifier = Notifier::new(db.clone(), t.store.clone(), &config);

    let (welcome, welcome_s) = deliver(&t, &db, &notifier, &mailer, &config, &sink).await;
    for id in &orders {
        execute::<Order>(
            &t.store,
            &StreamId::of::<Order>(id),
            &staff_ctx(&acme),
            &OrderCommand::AcceptOrder,
        )
        .await
        .expect("accepted");
    }
    let (status, status_s) = deliver(&t, &db, &notifier, &mailer, &config, &sink).await;
    mailer.shutdown().await;
    let (w, s) = (welcome as f64 / welcome_s, status as f64 / status_s);
    println!(
        "notifier, {} backend: {n} customers, 2 operations contacts each, local SMTP sink",
        if t.url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    println!("  welcome emails: {welcome:>6} in {welcome_s:>6.2} s = {w:>7.0} emails/s");
    println!("  status emails:  {status:>6} in {status_s:>6.2} s = {s:>7.0} emails/s");
    println!("  status ÷ welcome: {:.2}", s / w);
    assert_eq!(
        status,
        2 * n as u64,
        "every acceptance emails both operations contacts"
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let backend = if std::env::var("PORTAL_TEST_DATABASE_URL").is_ok() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    runtime.block_on(with_store(backend, "bench_news", bench));
}
