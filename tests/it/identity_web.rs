//! Emailed login links through the real binary, like a browser, on both backends: one email per
//! request; expired and superseded links answer a page with a form for a new link; twenty
//! simultaneous uses of one link make exactly one session; every link request answers the same
//! whatever the email; and the raw token appears nowhere but in the email.

use portal_identity::secret::hash_secret;
use portal_testkit::TestStoreRef;
use portal_testkit::db::*;
use portal_testkit::db::{wait_notifier_caught_up, wait_projected};
use portal_testkit::fixtures::{contact, customer, revoke, set_portal, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use std::time::Duration;

const ANN: &str = "ann@customer.example";

/// Waits until the notifier handled everything and a moment more, then the emails to `email`.
async fn settled_mail(t: &TestStoreRef, sink: &SmtpSink, email: &str) -> usize {
    settle_mail(&t.store, &t.url).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sink.to(email).len()
}

/// Asserts a "this link cannot be used" page: 410, the reason, and a form for a new link.
fn assert_unusable(a: &Answer, reason: &str, csrf: &str) {
    assert_eq!(a.status, 410, "{}", a.body);
    assert!(a.body.contains("This link cannot be used"), "{}", a.body);
    assert!(a.body.contains(reason), "{}", a.body);
    // The session's CSRF token and the form's one-time id, nothing else.
    let hidden = hidden_inputs(&a.body, "/login/link");
    let names: Vec<&str> = hidden.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["csrf", "form_id"], "{hidden:?}");
    // A token of the session (a fresh nonce each time, so only its shape compares).
    assert_eq!(hidden[0].1.len(), csrf.len(), "{hidden:?}");
    assert!(a.body.contains("Send a new login link"), "{}", a.body);
    assert_eq!(a.header("referrer-policy"), Some("no-referrer"));
    assert_page_headers(a, "an unusable link");
}

async fn links(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(settled_mail(&t, &sink, ANN).await, 1, "the welcome email");

    // The login form: one request, exactly one email.
    let b = Browser::new(&base);
    let csrf = b.csrf().await;
    let sent = b.submit("/login/link", &[("email", ANN)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(
        sent.body.contains("If this email has access"),
        "{}",
        sent.body
    );
    let first = next_link(&sink, ANN, 1).await;
    assert_eq!(settled_mail(&t, &sink, ANN).await, 2);

    // The JSON twin: one more, and the first link is now superseded (GET and POST say so).
    let api = b.api_link(ANN).await;
    assert_eq!(api.status, 202, "{}", api.body);
    let second = next_link(&sink, ANN, 2).await;
    assert_eq!(settled_mail(&t, &sink, ANN).await, 3);
    assert_ne!(token_of(&first), token_of(&second));
    let path = |link: &str| link.strip_prefix(&base).unwrap().to_owned();
    assert_unusable(&b.get(&path(&first)).await, "A newer link was sent", &csrf);
    let used_first = b
        .submit("/login/continue", &[("token", &token_of(&first))])
        .await;
    assert_unusable(&used_first, "A newer link was sent", &csrf);

    // The newer link, once expired: the same kind of page, whose form asks for a new link.
    let expired = exec(
        &db,
        "UPDATE login_tokens SET expires_at = created_at - 1 WHERE token_hash = $1",
        &[&hash_secret(&token_of(&second))],
    )
    .await;
    assert_eq!(expired, 1);
    let page = b.get(&path(&second)).await;
    assert_unusable(&page, "This link has expired", &csrf);
    let used_second = b
        .submit("/login/continue", &[("token", &token_of(&second))])
        .await;
    assert_unusable(&used_second, "This link has expired", &csrf);
    assert_eq!(count_events(&t.store, "UserLoggedIn").await, 0);
    let again = b
        .post_raw("/login/link", &[("csrf", &csrf), ("email", ANN)], &[])
        .await;
    assert_eq!((again.status, &again.body), (200, &sent.body));
    let third = next_link(&sink, ANN, 3).await;
    assert_eq!(settled_mail(&t, &sink, ANN).await, 4);

    // Twenty browsers press Continue on the newest link at once: exactly one session.
    let token = token_of(&third);
    let browsers: Vec<Browser> = (0..20).map(|_| Browser::new(&base)).collect();
    for browser in &browsers {
        browser.csrf().await;
    }
    let fields = [("token", token.as_str())];
    let answers = futures::future::join_all(
        browsers
            .iter()
            .map(|browser| browser.submit("/login/continue", &fields)),
    )
    .await;
    let (won, lost): (Vec<&Answer>, Vec<&Answer>) = answers.iter().partition(|a| a.status == 303);
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(won[0].location(), Some("/portal"));
    assert!(
        won[0].set_cookie("portal_session").is_some(),
        "{:?}",
        won[0].headers
    );
    for a in &lost {
        assert!(a.body.contains("This link was already used"), "{}", a.body);
        assert_eq!(a.status, 410);
    }
    assert_eq!(count_events(&t.store, "UserLoggedIn").await, 1);
    assert_eq!(sessions_of(&db, ANN).await, 1);
    let winner = answers.iter().position(|a| a.status == 303).unwrap();
    let home = browsers[winner].get("/portal").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Customer One"), "{}", home.body);
}

async fn uniform_answers(t: TestStoreRef) {
    const GONE: &str = "gone@customer.example";
    const OFF: &str = "off@customer.example";
    const NOBODY: &str = "nobody@customer.example";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let dark = customer(&t.store, &acme, "Customer Dark").await;
    contact(&t.store, &acme, c, ANN).await;
    let gone = contact(&t.store, &acme, c, GONE).await;
    contact(&t.store, &acme, dark, OFF).await;
    revoke(&t.store, &acme, gone).await;
    set_portal(&t.store, &acme, dark, false).await;
    wait_projected(&t.store, &t.url).await;
    let emails = [ANN, NOBODY, GONE, OFF];
    let mut before = Vec::new();
    for e in emails {
        before.push(settled_mail(&t, &sink, e).await);
    }

    let b = Browser::new(&base_of(&server));
    let mut forms = Vec::new();
    for e in emails {
        let a = b.submit("/login/link", &[("email", e)]).await;
        forms.push((
            a.status,
            a.header("content-type").map(str::to_owned),
            a.body,
        ));
    }
    let mut apis = Vec::new();
    for e in emails {
        let a = b.api_link(e).await;
        apis.push((
            a.status,
            a.header("content-type").map(str::to_owned),
            a.body,
        ));
    }
    assert_eq!(forms[0].0, 200);
    assert_eq!(apis[0].0, 202);
    for (i, e) in emails.iter().enumerate() {
        assert_eq!(forms[i], forms[0], "the form's answer for {e}");
        assert_eq!(apis[i], apis[0], "the API's answer for {e}");
    }

    // Only the email with access gets links (one per request); the others get nothing.
    wait_until(
        "every request to be counted",
        Duration::from_secs(30),
        || async { rate_buckets(&db, "link:ip:").await == [("link:ip:127.0.0.1".to_owned(), 8)] },
    )
    .await;
    wait_until(
        "both requests of ANN recorded",
        Duration::from_secs(30),
        || async { count_events(&t.store, "LoginLinkRequested").await == 2 },
    )
    .await;
    // ANN's two requests are sent concurrently: when the newer link is minted first, the older
    // is superseded and not sent (a link that could not work anyway), so one or two emails.
    for (i, e) in emails.iter().enumerate() {
        let got = settled_mail(&t, &sink, e).await - before[i];
        if i == 0 {
            assert!((1..=2).contains(&got), "{e}: {got} emails");
        } else {
            assert_eq!(got, 0, "{e}");
        }
    }
    assert_eq!(count_events(&t.store, "LoginLinkRequested").await, 2);
}

async fn tokens_never_leak(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(settled_mail(&t, &sink, ANN).await, 1, "the welcome email");
    let b = Browser::new(&base_of(&server));
    let sent = b.submit("/login/link", &[("email", ANN)]).await;
    assert_eq!(sent.status, 200);
    let link = next_link(&sink, ANN, 1).await;
    let token = token_of(&link);
    assert_eq!(token.len(), 43, "{link}");
    let login = b.follow_link(&link).await;
    assert_eq!(login.status, 303, "{}", login.body);
    let session = b.cookie("portal_session").unwrap();
    let csrf = b.csrf().await;
    assert_eq!(b.get("/portal").await.status, 200);
    assert_eq!(b.get("/account").await.status, 200);
    assert_eq!(b.submit("/logout", &[]).await.location(), Some("/login"));
    wait_notifier_caught_up(&t.store, &t.url).await;

    // Not in the event log (payloads or metadata).
    let events = all_events(&t.store).await;
    assert!(events.iter().any(|e| e.event_type == "UserLoggedIn"));
    for e in &events {
        let text = format!("{} {:?}", e.payload, e.metadata);
        for secret in [&token, &session, &csrf] {
            assert!(
                !text.contains(secret.as_str()),
                "a secret in event {}",
                e.event_type
            );
        }
    }
    // Not in the server's log at debug level.
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("DEBUG"), "the log was captured at debug level");
    for secret in [&token, &session, &csrf] {
        assert!(!log.contains(secret.as_str()), "a secret in the server log");
    }
    // The outbox holds the email's context, never the token; login_tokens only its SHA-256.
    let outbox: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT kind, recipient, context || ' ' || message_id || ' ' || COALESCE(last_error, '') \
         FROM mail_outbox",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(
        outbox
            .iter()
            .any(|(kind, to, _)| kind.contains("login") && to == ANN),
        "{outbox:?}"
    );
    for row in &outbox {
        assert!(
            !format!("{row:?}").contains(&token),
            "the token in the outbox: {row:?}"
        );
    }
    let tokens: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT token_hash, user_id, email, request_id FROM login_tokens")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].0, hash_secret(&token));
    assert!(!format!("{tokens:?}").contains(&token));
    // Sessions are keyed by the SHA-256 of the id, the cookie's value appears nowhere.
    let sessions: Vec<(String, String)> = sqlx::query_as("SELECT id_hash, data FROM sessions")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert!(!format!("{sessions:?}").contains(&session), "{sessions:?}");
    assert!(!format!("{sessions:?}").contains(&token), "{sessions:?}");
}

on_both_backends!(links, uniform_answers, tokens_never_leak);
