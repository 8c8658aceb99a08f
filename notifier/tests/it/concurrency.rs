//! Several senders over one outbox (processes sharing the work): every email is sent exactly
//! once. On PostgreSQL the claims run concurrently (`FOR UPDATE SKIP LOCKED`); on SQLite they
//! are serialised (`BEGIN IMMEDIATE`). Also: concurrent mints of one user's links leave exactly
//! one usable token.

use crate::common::smtp::{SinkOptions, SmtpSink};
use crate::common::{DbBackend, Env, Parsed, run};
use portal_domain::UserId;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use portal_identity::Db;
use portal_identity::tokens::{self, MintRequest, Minted};
use portal_notifier::sender::send_due;
use portal_notifier::{Mailer, outbox};
use sqlx::Row as _;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Barrier;

const EMAILS: usize = 50;

/// Queues `EMAILS` welcome emails (one per contact) without sending them.
async fn queue_welcomes(env: &Env) {
    let t = crate::common::tenant(&env.store, "fast-freight", crate::common::CARRIER).await;
    let c = crate::common::customer(&env.store, &t, crate::common::CUSTOMER).await;
    for i in 0..EMAILS {
        crate::common::contact(&env.store, &t, c, &format!("contact{i}@acme.example")).await;
    }
    env.handle(&env.notifier()).await;
    assert_eq!(
        outbox::counts(&env.db).await.unwrap().pending,
        EMAILS as i64
    );
}

async fn two_senders_send_each_email_once(mut env: Env) {
    env.config.batch = 4;
    env.config.concurrency = 4;
    queue_welcomes(&env).await;
    // Each email takes a while at the server, so the senders' passes overlap.
    let sink = SmtpSink::start_with(SinkOptions {
        keep: true,
        data_delay: Duration::from_millis(10),
        quick_ack: false,
    })
    .await;
    let start = Arc::new(Barrier::new(2));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        // Each sender is a process of its own: its own pool and its own SMTP connections.
        let db = Db::connect(&env.url, 4).await.unwrap();
        let mailer = Mailer::smtp(&sink.url()).unwrap();
        let (store, config, start) = (env.store.clone(), env.config.clone(), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut sent = 0;
            loop {
                let r = send_due(&store, &db, &mailer, &config).await.unwrap();
                sent += r.sent;
                assert_eq!(r.sent, r.claimed, "{r:?}");
                if r.claimed == 0 {
                    if outbox::counts(&db).await.unwrap().pending == 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            mailer.shutdown().await;
            db.pool().close().await;
            sent
        }));
    }
    let mut per_sender = Vec::new();
    for t in tasks {
        per_sender.push(t.await.unwrap());
    }
    assert_eq!(per_sender.iter().sum::<usize>(), EMAILS, "{per_sender:?}");
    assert!(
        per_sender.iter().all(|&n| n > 0),
        "both shared the work: {per_sender:?}"
    );

    let received = sink.received();
    assert_eq!(received.len(), EMAILS, "each email sent exactly once");
    let ids: HashSet<String> = received
        .iter()
        .map(|m| Parsed::of(m).header("Message-ID").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), EMAILS, "distinct Message-IDs");
    let rcpts: HashSet<&str> = received.iter().map(|m| m.to[0].as_str()).collect();
    assert_eq!(rcpts.len(), EMAILS, "one email per contact");
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!(
        (counts.sent, counts.pending, counts.dead),
        (EMAILS as i64, 0, 0)
    );
    let max: i64 = sqlx::query("SELECT MAX(attempts) FROM mail_outbox")
        .fetch_one(env.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(max, 1, "no row was claimed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_senders_send_each_email_once_postgres() {
    run(
        DbBackend::Postgres,
        "two_senders_send_each_email_once_postgres",
        two_senders_send_each_email_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_senders_send_each_email_once_sqlite() {
    run(
        DbBackend::Sqlite,
        "two_senders_send_each_email_once_sqlite",
        two_senders_send_each_email_once,
    )
    .await;
}

/// Many claims at the same instant (each in its own transaction): no row is handed out twice.
async fn concurrent_claims_hand_out_each_row_once(env: Env) {
    queue_welcomes(&env).await;
    let claimers = 10;
    let start = Arc::new(Barrier::new(claimers));
    let mut tasks = Vec::new();
    for _ in 0..claimers {
        let db = Db::connect(&env.url, 2).await.unwrap();
        let start = Arc::clone(&start);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut mine = Vec::new();
            loop {
                let rows =
                    outbox::claim(&db, OffsetDateTime::now_utc(), Duration::from_secs(300), 3)
                        .await
                        .unwrap();
                if rows.is_empty() {
                    break;
                }
                mine.extend(rows.into_iter().map(|r| r.event_id));
            }
            db.pool().close().await;
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(
        all.len(),
        EMAILS,
        "every row claimed once: {} claims",
        all.len()
    );
    assert_eq!(distinct.len(), EMAILS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_hand_out_each_row_once_postgres() {
    run(
        DbBackend::Postgres,
        "concurrent_claims_hand_out_each_row_once_postgres",
        concurrent_claims_hand_out_each_row_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_hand_out_each_row_once_sqlite() {
    run(
        DbBackend::Sqlite,
        "concurrent_claims_hand_out_each_row_once_sqlite",
        concurrent_claims_hand_out_each_row_once,
    )
    .await;
}

/// Mints of one user's links at the same time (two notifier processes, or one pass sending
/// several requests concurrently): exactly the newest request's token stays usable.
async fn concurrent_mints_leave_one_usable_token(env: Env) {
    let email = Email::parse("dora@acme.example").unwrap();
    let user_id = UserId::for_email(&email);
    let n = 12;
    let start = Arc::new(Barrier::new(n));
    let mut tasks = Vec::new();
    for position in 1..=n {
        let db = Db::connect(&env.url, 2).await.unwrap();
        let start = Arc::clone(&start);
        let request = MintRequest {
            user_id,
            email: email.clone(),
            purpose: LinkPurpose::Login,
            request_id: format!("request-{position}"),
            request_position: i64::try_from(position).unwrap() * 10,
        };
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let now = OffsetDateTime::now_utc();
            let minted = tokens::mint(&db, &request, now, Duration::from_secs(900))
                .await
                .unwrap();
            db.pool().close().await;
            (request.request_position, minted)
        }));
    }
    let mut minted = Vec::new();
    for t in tasks {
        minted.push(t.await.unwrap());
    }
    // Checked once every mint is done.
    let mut usable = Vec::new();
    let now = OffsetDateTime::now_utc();
    for (position, minted) in minted {
        if let Minted::Token(raw) = minted
            && tokens::status(&env.db, &raw, LinkPurpose::Login, now)
                .await
                .unwrap()
                .is_ok()
        {
            usable.push(position);
        }
    }
    assert_eq!(
        usable,
        [i64::try_from(n).unwrap() * 10],
        "only the newest request's token works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mints_leave_one_usable_token_postgres() {
    run(
        DbBackend::Postgres,
        "concurrent_mints_leave_one_usable_token_postgres",
        concurrent_mints_leave_one_usable_token,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mints_leave_one_usable_token_sqlite() {
    run(
        DbBackend::Sqlite,
        "concurrent_mints_leave_one_usable_token_sqlite",
        concurrent_mints_leave_one_usable_token,
    )
    .await;
}
