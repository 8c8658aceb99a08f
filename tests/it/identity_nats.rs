//! The notifier as its own processes against PostgreSQL, a real NATS server and an SMTP server
//! inside the test: every access grant gets exactly one welcome email, although a notifier process
//! is killed and restarted while grants come in, a second notifier shares the work, and finally
//! every event is delivered again (consumer deleted, checkpoint reset to 0: a full replay).
//!
//! A notifier killed between sending an email and recording it leaves the row claimed for its
//! lease; the email then goes out again with the same Message-ID (at-least-once, as SMTP
//! allows), so emails are counted by Message-ID. The tests use a 5 s lease instead of the
//! default 5 minutes, or such a row would wait longer than the test.

use crate::fanout::{Names, StreamGuard, nats_url};
use portal_eventlog::testing::{Backend, with_store};
use portal_testkit::db::wait_notifier_caught_up;
use portal_testkit::fixtures::{contact, customer, grant, revoke, tenant};
use portal_testkit::process::{Running, portal, spawn_ready};
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// The `portal <name>` process of a role on the test's stream and subjects, mailing to `sink`.
fn role(
    name: &str,
    url: &str,
    nats: &str,
    names: &Names,
    sink: &SmtpSink,
) -> std::process::Command {
    let mut cmd = portal(url);
    cmd.arg(name)
        .env("NATS_URL", nats)
        .env("PORTAL_NATS_STREAM", &names.stream)
        .env("PORTAL_NATS_SUBJECT_PREFIX", &names.prefix)
        .env("SMTP_URL", sink.url())
        .env("PORTAL_MAIL_LEASE", "5")
        .env("PORTAL_PUBLIC_URL", "https://portal.example.com/");
    cmd
}

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
        let role = |name: &str| role(name, &t.url, &nats, &names, &sink);
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
        // Every first welcome email out before the revocations below (a grant revoked before its
        // email went out is skipped, rightly; that is another test's case).
        let db = portal_identity::Db::connect(&t.url, 2).await.unwrap();
        let sent = |n: i64| {
            let db = db.clone();
            move || {
                let db = db.clone();
                async move {
                    let c = portal_notifier::outbox::counts(&db).await.unwrap();
                    c.pending == 0 && c.sent == n
                }
            }
        };
        wait_until("30 welcome emails sent", Duration::from_secs(90), sent(30)).await;
        // Revoke and grant again: a new grant, so a second welcome email for these three.
        for id in &contacts[..3] {
            revoke(&t.store, &acme, *id).await;
            grant(&t.store, &acme, *id).await;
        }
        let expected: HashMap<String, usize> = (0..30)
            .map(|i| {
                (
                    format!("user{i}@customer.example"),
                    if i < 3 { 2 } else { 1 },
                )
            })
            .collect();
        // Distinct emails (Message-IDs) per recipient.
        let count = |sink: &SmtpSink| {
            let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
            for m in sink.received() {
                let id = m.header("Message-ID").unwrap_or_default();
                for to in m.to {
                    ids.entry(to).or_default().insert(id.clone());
                }
            }
            ids.into_iter()
                .map(|(to, ids)| (to, ids.len()))
                .collect::<HashMap<_, _>>()
        };
        wait_until("33 welcome emails sent", Duration::from_secs(60), sent(33)).await;
        wait_notifier_caught_up(&t.store, &t.url).await;
        assert_eq!(count(&sink), expected, "one email per grant");
        let received = sink.received().len();

        // Every event again: the durable consumer is deleted and the checkpoint goes back to 0,
        // so the next notifier reads the whole log again (a replay). Nothing may be sent twice.
        drop(a);
        drop(_b);
        let js = crate::fanout::jetstream(&nats).await;
        let stream = crate::fanout::stream_of(&js, &names.stream).await;
        let _ = stream.delete_consumer("portal-notifier").await;
        sqlx::query("UPDATE notifier_checkpoints SET position = 0")
            .execute(db.pool())
            .await
            .unwrap();
        let (again, _) = spawn_ready(role("notify"), "notifier running");
        let _again = Running(again);
        wait_notifier_caught_up(&t.store, &t.url).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(
            count(&sink),
            expected,
            "nothing sent again after a full replay"
        );
        assert_eq!(
            sink.received().len(),
            received,
            "no email at all after the replay"
        );

        // Each email is a real one: multipart, headers, the carrier's name, the login link from
        // the public URL.
        let m = &sink.to("user5@customer.example")[0];
        for header in ["From", "To", "Subject", "Date", "Message-ID"] {
            assert!(
                m.header(header).is_some(),
                "{header} missing:\n{}",
                m.text()
            );
        }
        assert!(
            m.header("Content-Type")
                .unwrap()
                .starts_with("multipart/alternative"),
            "{}",
            m.text()
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

/// A login link's raw token exists only in memory and in the email: not in the event log, not in
/// any message the relay publishes (captured live on the subjects and read back from the
/// stream), not in the notifier's tables (only its SHA-256 is stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_tokens_never_travel_on_nats() {
    let Some(nats) = nats_url("login_tokens_never_travel_on_nats") else {
        return;
    };
    with_store(
        Backend::Postgres,
        "identity_nats_tokens",
        move |t| async move {
            let names = Names::new();
            let _guard = StreamGuard {
                url: nats.clone(),
                stream: names.stream.clone(),
            };
            // Every message published under the test's prefix, as it flies by.
            let client = async_nats::connect(&nats).await.unwrap();
            let mut live = client
                .subscribe(format!("{}.>", names.prefix))
                .await
                .unwrap();
            let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
            let sink_of_live = std::sync::Arc::clone(&captured);
            let capture = tokio::spawn(async move {
                use futures::StreamExt as _;
                while let Some(m) = live.next().await {
                    let text = String::from_utf8_lossy(&m.payload).into_owned();
                    sink_of_live.lock().unwrap().push(text);
                }
            });

            let sink = SmtpSink::start().await;
            let role = |name: &str| role(name, &t.url, &nats, &names, &sink);
            let (relay, _) = spawn_ready(role("relay"), "relay running");
            let _relay = Running(relay);
            let (notifier, _) = spawn_ready(role("notify"), "notifier running");
            let _notifier = Running(notifier);

            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            let c = customer(&t.store, &acme, "Customer One").await;
            contact(&t.store, &acme, c, "ann@customer.example").await;
            let email = portal_domain::values::Email::parse("ann@customer.example").unwrap();
            portal_api::auth::identity::request_link(
                &t.store,
                &email,
                portal_domain::user::LinkPurpose::Login,
            )
            .await
            .unwrap();
            wait_until("the login email", Duration::from_secs(30), || async {
                sink.to("ann@customer.example")
                    .iter()
                    .any(|m| !m.links("/login/continue").is_empty())
            })
            .await;
            let link = sink
                .to("ann@customer.example")
                .iter()
                .flat_map(|m| m.links("/login/continue"))
                .next()
                .unwrap();
            let token = link.split("token=").nth(1).unwrap().to_owned();
            assert_eq!(token.len(), 43, "256 bits, base64url: {link}");

            // Everything committed is published before the search.
            let log = t.store.read_all(0, 10_000).await.unwrap();
            let js = crate::fanout::jetstream(&nats).await;
            wait_until(
                "the relay to publish the log",
                Duration::from_secs(30),
                || async {
                    crate::fanout::stream_messages(&js, &names.stream).await >= log.len() as u64
                },
            )
            .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            capture.abort();

            let stored = crate::fanout::read_stream(&js, &names.stream).await;
            assert!(
                stored
                    .iter()
                    .any(|m| m.subject.ends_with("LoginLinkRequested"))
            );
            for m in &stored {
                assert!(
                    !String::from_utf8_lossy(&m.body).contains(&token),
                    "token in stream message {}",
                    m.subject
                );
            }
            let live = captured.lock().unwrap().clone();
            assert!(
                live.len() >= log.len(),
                "{} live of {}",
                live.len(),
                log.len()
            );
            assert!(
                live.iter().all(|body| !body.contains(&token)),
                "token in a live message"
            );
            for e in &log {
                let text = format!(
                    "{} {}",
                    e.payload,
                    serde_json::to_string(&e.metadata).unwrap()
                );
                assert!(!text.contains(&token), "token in event {}", e.event_type);
            }
            let db = portal_identity::Db::connect(&t.url, 2).await.unwrap();
            for table in ["login_tokens", "mail_outbox"] {
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                        .fetch_all(db.pool())
                        .await
                        .unwrap();
                assert!(!rows.is_empty(), "{table} is empty");
                assert!(
                    rows.iter().all(|(r,)| !r.contains(&token)),
                    "token in {table}"
                );
            }
            let hashes: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM login_tokens")
                .fetch_all(db.pool())
                .await
                .unwrap();
            assert_eq!(
                hashes,
                [(portal_identity::secret::hash_secret(&token),)],
                "only the SHA-256 is stored"
            );
        },
    )
    .await;
}
