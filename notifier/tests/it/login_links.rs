//! Login and password-reset links: `LoginLinkRequested` → an email with a one-time link, whose
//! token can be consumed once; a newer request supersedes older links; the raw token is stored
//! nowhere (only its hash). SQLite always; PostgreSQL at `PORTAL_TEST_DATABASE_URL`.

use crate::common::smtp::SmtpSink;
use crate::common::{DbBackend, Env, Parsed, run};
use portal_domain::UserId;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use portal_identity::secret::hash_secret;
use portal_identity::tokens::{self, TokenProblem};
use portal_notifier::sender::EXPIRED;
use portal_notifier::{Mailer, outbox};
use std::time::Duration;
use time::OffsetDateTime;

const EMAIL: &str = "bob@acme.example";
const CONTINUE: &str = "https://portal.test.example/base/login/continue?token=";
const RESET: &str = "https://portal.test.example/base/password/reset?token=";

/// Requests a link and sends it: the email.
async fn request_and_send(
    env: &Env,
    sink: &SmtpSink,
    mailer: &Mailer,
    purpose: LinkPurpose,
) -> (uuid::Uuid, Parsed) {
    let before = sink.received().len();
    let event = crate::common::request_link(&env.store, EMAIL, purpose).await;
    let report = env.deliver(mailer).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let received = sink.received();
    assert_eq!(received.len(), before + 1);
    let m = received.last().unwrap();
    assert_eq!(m.to, [EMAIL]);
    (event, Parsed::of(m))
}

async fn login_link_works_once(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (event, p) = request_and_send(&env, &sink, &mailer, LinkPurpose::Login).await;

    assert_eq!(p.content_type, "multipart/alternative");
    assert_eq!(p.part_types, ["text/plain", "text/html"]);
    assert_eq!(p.header("Subject"), Some("Your login link"));
    assert_eq!(
        p.header("Message-ID").unwrap(),
        format!("<{event}.login_link@carrier.example>")
    );
    assert!(p.header("Date").is_some() && p.header("Reply-To").is_some());
    let links = p.links("/login/continue");
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].starts_with(CONTINUE), "{}", links[0]);
    assert!(
        p.html
            .contains(&format!("href=\"{}\"", links[0].replace('&', "&amp;")))
    );
    let token = p.token("/login/continue");

    let now = OffsetDateTime::now_utc();
    let owner = tokens::status(&env.db, &token, LinkPurpose::Login, now)
        .await
        .unwrap()
        .unwrap();
    let email = Email::parse(EMAIL).unwrap();
    assert_eq!(owner.user_id, UserId::for_email(&email));
    assert_eq!(owner.email, email);
    assert!(owner.expires_at > now);
    // Not for the other purpose.
    assert_eq!(
        tokens::consume(&env.db, &token, LinkPurpose::PasswordReset, now)
            .await
            .unwrap(),
        Err(TokenProblem::Unknown)
    );
    let used = tokens::consume(&env.db, &token, LinkPurpose::Login, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.user_id, owner.user_id);
    for _ in 0..2 {
        assert_eq!(
            tokens::consume(
                &env.db,
                &token,
                LinkPurpose::Login,
                OffsetDateTime::now_utc()
            )
            .await
            .unwrap(),
            Err(TokenProblem::Used)
        );
    }
    assert_eq!(
        tokens::status(
            &env.db,
            &token,
            LinkPurpose::Login,
            OffsetDateTime::now_utc()
        )
        .await
        .unwrap(),
        Err(TokenProblem::Used)
    );
    let entry = outbox::entry(&env.db, &event.to_string(), "login_link")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.status.as_str(), entry.attempts), (outbox::SENT, 1));
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_link_works_once_sqlite() {
    run(
        DbBackend::Sqlite,
        "login_link_works_once_sqlite",
        login_link_works_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_link_works_once_postgres() {
    run(
        DbBackend::Postgres,
        "login_link_works_once_postgres",
        login_link_works_once,
    )
    .await;
}

async fn newer_request_supersedes_older_links(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (_, first) = request_and_send(&env, &sink, &mailer, LinkPurpose::Login).await;
    let old = first.token("/login/continue");
    let (_, second) = request_and_send(&env, &sink, &mailer, LinkPurpose::Login).await;
    let new = second.token("/login/continue");
    assert_ne!(old, new);
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        tokens::status(&env.db, &old, LinkPurpose::Login, now)
            .await
            .unwrap(),
        Err(TokenProblem::Superseded)
    );
    assert_eq!(
        tokens::consume(&env.db, &old, LinkPurpose::Login, now)
            .await
            .unwrap(),
        Err(TokenProblem::Superseded)
    );
    // A reset link supersedes login links too, and the reset link works for its purpose only.
    let (_, reset) = request_and_send(&env, &sink, &mailer, LinkPurpose::PasswordReset).await;
    let links = reset.links("/password/reset");
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].starts_with(RESET), "{}", links[0]);
    assert_eq!(reset.header("Subject"), Some("Reset your password"));
    let reset_token = reset.token("/password/reset");
    assert_eq!(
        tokens::consume(&env.db, &new, LinkPurpose::Login, now)
            .await
            .unwrap(),
        Err(TokenProblem::Superseded)
    );
    assert_eq!(
        tokens::consume(&env.db, &reset_token, LinkPurpose::Login, now)
            .await
            .unwrap(),
        Err(TokenProblem::Unknown)
    );
    let owner = tokens::consume(&env.db, &reset_token, LinkPurpose::PasswordReset, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.purpose, LinkPurpose::PasswordReset);
    assert_eq!(
        tokens::consume(&env.db, &reset_token, LinkPurpose::PasswordReset, now)
            .await
            .unwrap(),
        Err(TokenProblem::Used)
    );
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn newer_request_supersedes_older_links_sqlite() {
    run(
        DbBackend::Sqlite,
        "newer_request_supersedes_older_links_sqlite",
        newer_request_supersedes_older_links,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn newer_request_supersedes_older_links_postgres() {
    run(
        DbBackend::Postgres,
        "newer_request_supersedes_older_links_postgres",
        newer_request_supersedes_older_links,
    )
    .await;
}

/// Several requests queued before the sender runs (sent concurrently in one pass): whatever the
/// order of minting, only the newest request's link works.
async fn requests_sent_in_one_pass_leave_one_working_link(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(crate::common::request_link(&env.store, EMAIL, LinkPurpose::Login).await);
    }
    let report = env.deliver(&mailer).await;
    assert_eq!(report.claimed, 6, "{report:?}");
    assert_eq!(report.sent + report.skipped, 6, "{report:?}");
    let newest = format!("<{}.login_link@carrier.example>", events.last().unwrap());
    let now = OffsetDateTime::now_utc();
    let mut working = Vec::new();
    for m in sink.received() {
        let p = Parsed::of(&m);
        let token = p.token("/login/continue");
        if tokens::status(&env.db, &token, LinkPurpose::Login, now)
            .await
            .unwrap()
            .is_ok()
        {
            working.push(p.header("Message-ID").unwrap().to_owned());
        }
    }
    assert_eq!(working, [newest], "only the newest request's link works");
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_sent_in_one_pass_leave_one_working_link_sqlite() {
    run(
        DbBackend::Sqlite,
        "requests_sent_in_one_pass_leave_one_working_link_sqlite",
        requests_sent_in_one_pass_leave_one_working_link,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_sent_in_one_pass_leave_one_working_link_postgres() {
    run(
        DbBackend::Postgres,
        "requests_sent_in_one_pass_leave_one_working_link_postgres",
        requests_sent_in_one_pass_leave_one_working_link,
    )
    .await;
}

async fn raw_token_is_never_stored(env: Env) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let (_, login) = request_and_send(&env, &sink, &mailer, LinkPurpose::Login).await;
    let (_, reset) = request_and_send(&env, &sink, &mailer, LinkPurpose::PasswordReset).await;
    let raws = [
        login.token("/login/continue"),
        reset.token("/password/reset"),
    ];

    let outbox = env
        .dump(
            "mail_outbox",
            &[
                "event_id",
                "kind",
                "tenant",
                "recipient",
                "context",
                "status",
                "last_error",
                "message_id",
            ],
        )
        .await;
    let tokens = env
        .dump(
            "login_tokens",
            &["token_hash", "user_id", "email", "purpose", "request_id"],
        )
        .await;
    let hashes = env.column("login_tokens", "token_hash").await;
    let mut log = String::new();
    for e in env.store.read_all(0, 10_000).await.unwrap() {
        log.push_str(&serde_json::to_string(&e).unwrap());
    }
    for raw in &raws {
        assert!(!outbox.contains(raw.as_str()), "raw token in mail_outbox");
        assert!(!tokens.contains(raw.as_str()), "raw token in login_tokens");
        assert!(!log.contains(raw.as_str()), "raw token in the event log");
        assert!(hashes.contains(&hash_secret(raw)), "its hash is stored");
    }
    assert_eq!(hashes.len(), 2);
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_token_is_never_stored_sqlite() {
    run(
        DbBackend::Sqlite,
        "raw_token_is_never_stored_sqlite",
        raw_token_is_never_stored,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_token_is_never_stored_postgres() {
    run(
        DbBackend::Postgres,
        "raw_token_is_never_stored_postgres",
        raw_token_is_never_stored,
    )
    .await;
}

/// A request older than the token TTL when the sender gets to it: no dead link is sent.
async fn expired_request_is_skipped(mut env: Env) {
    env.config.token_ttl = Duration::from_millis(300);
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let event = crate::common::request_link(&env.store, EMAIL, LinkPurpose::Login).await;
    env.handle(&env.notifier()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let report = env.send_all(&mailer).await;
    assert_eq!((report.skipped, report.sent), (1, 0), "{report:?}");
    assert!(sink.received().is_empty());
    let entry = outbox::entry(&env.db, &event.to_string(), "login_link")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, outbox::SKIPPED);
    assert_eq!(entry.last_error.as_deref(), Some(EXPIRED));
    assert!(
        env.column("login_tokens", "token_hash").await.is_empty(),
        "nothing minted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_request_is_skipped_sqlite() {
    run(
        DbBackend::Sqlite,
        "expired_request_is_skipped_sqlite",
        expired_request_is_skipped,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_request_is_skipped_postgres() {
    run(
        DbBackend::Postgres,
        "expired_request_is_skipped_postgres",
        expired_request_is_skipped,
    )
    .await;
}
