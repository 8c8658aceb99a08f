//! The notifier as its own processes against PostgreSQL, a real NATS server and an SMTP server
//! inside the test: every access grant gets exactly one welcome email, although a notifier process
//! is killed and restarted while grants come in, a second notifier shares the work, and finally
//! every event is delivered again (consumer deleted, checkpoint reset to 0: a full replay).

#![allow(clippy::unwrap_used)] // tests may unwrap

mod fanout_common;
mod identity_common;
mod support;

use fanout_common::{Names, StreamGuard, nats_url};
use identity_common::{contact, customer, grant, revoke, tenant, wait_notifier_caught_up, wait_until};
use portal_eventlog::testing::{Backend, with_store};
use std::collections::HashMap;
use std::time::Duration;
use support::smtp::SmtpSink;
use support::{Running, portal, spawn_ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_welcome_email_per_grant_across_restarts_and_redelivery() {
    let Some(nats) = nats_url("one_welcome_email_per_grant_across_restarts_and_redelivery") else {
        return;
    };
    with_store(Backend::Postgres, "identity_nats", move |t| async move {
        let names = Names::new();
        let _guard = StreamGuard {
            url: nats.clone(),
            stream: names.stream.clone(),
        };
        let sink = SmtpSink::start().await;
        let role = |name: &str| {
            let mut cmd = portal(&t.url);
            cmd.arg(name)
                .env("NATS_URL", &nats)
                .env("PORTAL_NATS_STREAM", &names.stream)
                .env("PORTAL_NATS_SUBJECT_PREFIX", &names.prefix)
                .env("SMTP_URL", sink.url())
                .env("PORTAL_PUBLIC_URL", "https://portal.example.com/");
            cmd
        };
        let (relay, _) = spawn_ready(role("relay"), "relay running");
        let _relay = Running(relay);
        let (a, _) = spawn_ready(role("notify"), "notifier running");
        let mut a = Running(a);
        let (b, _) = spawn_ready(role("notify"), "notifier running");
        let _b = Running(b);

        let acme = tenant(&t.store, "acme", "ACME Transport").await;
        let c = customer(&t.store, &acme, "Customer One").await;
        let mut contacts = Vec::new();
        for i in 0..30 {
            contacts.push(contact(&t.store, &acme, c, &format!("user{i}@customer.example")).await);
            if i == 10 {
                // One notifier dies mid-stream and comes back.
                drop(a);
                let (again, _) = spawn_ready(role("notify"), "notifier running");
                a = Running(again);
            }
        }
        // Revoke and grant again: a new grant, so a second welcome email for these three.
        for id in &contacts[..3] {
            revoke(&t.store, &acme, *id).await;
            grant(&t.store, &acme, *id).await;
        }
        let expected: HashMap<String, usize> = (0..30)
            .map(|i| (format!("user{i}@customer.example"), if i < 3 { 2 } else { 1 }))
            .collect();
        let count = |sink: &SmtpSink| {
            let mut n: HashMap<String, usize> = HashMap::new();
            for m in sink.received() {
                for to in m.to {
                    *n.entry(to).or_default() += 1;
                }
            }
            n
        };
        wait_until("33 welcome emails", Duration::from_secs(60), || async {
            sink.received().len() >= 33
        })
        .await;
        wait_notifier_caught_up(&t.store, &t.url).await;
        assert_eq!(count(&sink), expected, "one email per grant");

        // Every event again: the durable consumer is deleted and the checkpoint goes back to 0,
        // so the next notifier reads the whole log again (a replay). Nothing may be sent twice.
        drop(a);
        drop(_b);
        let js = fanout_common::jetstream(&nats).await;
        let stream = fanout_common::stream_of(&js, &names.stream).await;
        let _ = stream.delete_consumer("portal-notifier").await;
        let db = portal_notifier::Db::connect(&t.url, 2).await.unwrap();
        sqlx::query("UPDATE notifier_checkpoints SET position = 0")
            .execute(db.pool())
            .await
            .unwrap();
        let (again, _) = spawn_ready(role("notify"), "notifier running");
        let _again = Running(again);
        wait_notifier_caught_up(&t.store, &t.url).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(count(&sink), expected, "nothing sent again after a full replay");

        // Each email is a real one: multipart, headers, the carrier's name, the login link from
        // the public URL.
        let m = &sink.to("user5@customer.example")[0];
        for header in ["From", "To", "Subject", "Date", "Message-ID"] {
            assert!(m.header(header).is_some(), "{header} missing:\n{}", m.data);
        }
        assert!(
            m.header("Content-Type")
                .unwrap()
                .starts_with("multipart/alternative"),
            "{}",
            m.data
        );
        let text = m.decoded();
        assert!(text.contains("ACME Transport"), "{text}");
        assert_eq!(
            m.links("/login"),
            ["https://portal.example.com/login"],
            "{text}"
        );
    })
    .await;
}
