//! The welcome email of a contact given portal access, through a real SMTP server and a real
//! database (SQLite always; PostgreSQL at `PORTAL_TEST_DATABASE_URL`): its headers and content,
//! that handling the same events again sends nothing more, that a grant revoked before the
//! email went out is skipped, and the whole notifier loop (`run_notifier`).

use crate::common::smtp::SmtpSink;
use crate::common::{CARRIER, CONTACT_NAME, CUSTOMER, DbBackend, Env, Parsed, run, wait_until};
use portal_eventlog::bus::MemoryBus;
use portal_notifier::config::CHECKPOINT_NAME;
use portal_notifier::sender::REVOKED;
use portal_notifier::{Mailer, Notifier, outbox, run_notifier};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;
use tokio_util::sync::CancellationToken;

const EMAIL: &str = "ann@acme.example";

async fn welcome_email_is_sent_once_with_all_headers(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (_, _, grant) = crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;

    let before = OffsetDateTime::now_utc() - Duration::from_secs(5);
    let report = env.deliver(&mailer).await;
    assert_eq!((report.claimed, report.sent), (1, 1), "{report:?}");

    let received = sink.received();
    assert_eq!(received.len(), 1, "exactly one email");
    let m = &received[0];
    assert_eq!(m.to, vec![EMAIL.to_owned()], "envelope recipient");
    assert_eq!(m.from, "portal@carrier.example", "envelope sender");

    let p = Parsed::of(m);
    assert_eq!(p.content_type, "multipart/alternative", "{}", p.raw);
    assert_eq!(p.part_types, ["text/plain", "text/html"], "{}", p.raw);
    let from = p.header("From").unwrap();
    assert!(from.contains("portal@carrier.example"), "{from}");
    let reply_to = p.header("Reply-To").unwrap();
    assert!(reply_to.contains("service@carrier.example"), "{reply_to}");
    let to = p.header("To").unwrap();
    assert!(to.contains(EMAIL) && to.contains(CONTACT_NAME), "{to}");
    assert_eq!(
        p.header("Message-ID").unwrap(),
        format!("<{grant}.welcome@carrier.example>")
    );
    let date = OffsetDateTime::parse(p.header("Date").unwrap(), &Rfc2822).unwrap();
    assert!(date >= before && date <= OffsetDateTime::now_utc() + Duration::from_secs(5));
    let subject = p.header("Subject").unwrap();
    assert!(subject.contains(CARRIER), "{subject}");

    // Carrier, customer and contact names in both parts; the link is public URL + /login.
    for body in [&p.text, &p.html] {
        assert!(body.contains(CARRIER), "{body}");
        assert!(body.contains(CUSTOMER), "{body}");
        assert!(body.contains(CONTACT_NAME), "{body}");
    }
    let login = "https://portal.test.example/base/login";
    assert_eq!(p.links("/login"), [login]);
    assert!(p.html.contains(&format!("href=\"{login}\"")), "{}", p.html);
    assert!(
        !p.text.contains("token="),
        "a welcome email carries no token"
    );

    let entry = outbox::entry(&env.db, &grant.to_string(), "welcome")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, outbox::SENT);
    assert_eq!(entry.attempts, 1);
    assert_eq!(
        entry.message_id,
        format!("<{grant}.welcome@carrier.example>")
    );
    assert!(entry.sent_at.is_some());
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!((counts.sent, counts.pending, counts.dead), (1, 0, 0));
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn welcome_email_sqlite() {
    run(
        DbBackend::Sqlite,
        "welcome_email_sqlite",
        welcome_email_is_sent_once_with_all_headers,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn welcome_email_postgres() {
    run(
        DbBackend::Postgres,
        "welcome_email_postgres",
        welcome_email_is_sent_once_with_all_headers,
    )
    .await;
}

async fn handling_again_sends_nothing_more(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (_, _, grant) = crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;
    let notifier = env.notifier();
    env.handle(&notifier).await;
    let head = env.store.head_position().await.unwrap();
    assert_eq!(notifier.position().await.unwrap(), head);
    assert_eq!(env.send_all(&mailer).await.sent, 1);

    // A replay: the checkpoint back to 0, every event offered again.
    notifier.set_checkpoint(0).await.unwrap();
    assert_eq!(notifier.position().await.unwrap(), 0);
    assert!(env.handle(&notifier).await > 0, "events offered again");
    assert_eq!(notifier.position().await.unwrap(), head);
    // A second handler with the same checkpoint, and one of another deployment (from 0).
    env.handle(&Notifier::new(
        env.db.clone(),
        env.store.clone(),
        &env.config,
    ))
    .await;
    let mut other = env.config.clone();
    other.checkpoint_name = format!("{CHECKPOINT_NAME}-replica");
    let second = Notifier::new(env.db.clone(), env.store.clone(), &other);
    assert_eq!(second.position().await.unwrap(), 0);
    assert!(env.handle(&second).await > 0);
    assert_eq!(second.position().await.unwrap(), head);

    let again = env.send_all(&mailer).await;
    assert_eq!(again.claimed, 0, "nothing queued twice: {again:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.received().len(), 1, "still exactly one email");
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!((counts.sent, counts.pending), (1, 0));
    let entry = outbox::entry(&env.db, &grant.to_string(), "welcome")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.status.as_str(), entry.attempts), (outbox::SENT, 1));
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn handling_again_sends_nothing_more_sqlite() {
    run(
        DbBackend::Sqlite,
        "handling_again_sends_nothing_more_sqlite",
        handling_again_sends_nothing_more,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn handling_again_sends_nothing_more_postgres() {
    run(
        DbBackend::Postgres,
        "handling_again_sends_nothing_more_postgres",
        handling_again_sends_nothing_more,
    )
    .await;
}

async fn revoked_before_sending_is_skipped(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (tenant, contact, grant) =
        crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;
    env.handle(&env.notifier()).await;
    crate::common::revoke(&env.store, &tenant, contact).await;
    let report = env.deliver(&mailer).await;
    assert_eq!((report.skipped, report.sent), (1, 0), "{report:?}");
    assert!(sink.received().is_empty());
    let entry = outbox::entry(&env.db, &grant.to_string(), "welcome")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, outbox::SKIPPED);
    assert_eq!(entry.last_error.as_deref(), Some(REVOKED));
    assert_eq!(outbox::counts(&env.db).await.unwrap().skipped, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_before_sending_is_skipped_sqlite() {
    run(
        DbBackend::Sqlite,
        "revoked_before_sending_is_skipped_sqlite",
        revoked_before_sending_is_skipped,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_before_sending_is_skipped_postgres() {
    run(
        DbBackend::Postgres,
        "revoked_before_sending_is_skipped_postgres",
        revoked_before_sending_is_skipped,
    )
    .await;
}

/// The notifier as the binary runs it: subscription (catching up from the log; the in-process
/// bus carries nothing here) and sender, until cancelled.
async fn run_notifier_delivers_on_its_own(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run_notifier(
        env.store.clone(),
        MemoryBus::default(),
        env.db.clone(),
        mailer,
        env.config.clone(),
        cancel.clone(),
    ));
    let (_, _, grant) = crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;
    let login =
        crate::common::request_link(&env.store, EMAIL, portal_domain::user::LinkPurpose::Login)
            .await;
    wait_until("both emails", Duration::from_secs(20), || async {
        sink.received().len() >= 2
    })
    .await;
    // Give a wrongly repeated send the time to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("run_notifier stops when cancelled")
        .unwrap();
    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|m| Parsed::of(m).header("Message-ID").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        ids.contains(&format!("<{grant}.welcome@carrier.example>")),
        "{ids:?}"
    );
    assert!(
        ids.contains(&format!("<{login}.login_link@carrier.example>")),
        "{ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_notifier_delivers_on_its_own_sqlite() {
    run(
        DbBackend::Sqlite,
        "run_notifier_delivers_on_its_own_sqlite",
        run_notifier_delivers_on_its_own,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn run_notifier_delivers_on_its_own_postgres() {
    run(
        DbBackend::Postgres,
        "run_notifier_delivers_on_its_own_postgres",
        run_notifier_delivers_on_its_own,
    )
    .await;
}
