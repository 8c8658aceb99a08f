//! Password reset through the real binary, on both backends: *Forgot password?* sends a reset link
//! (the same answer for every email), the link's page consumes nothing, a rejected new password
//! (short, easy to guess: with zxcvbn's reason) leaves the link usable, the accepted one logs in, ends every other session of the identity,
//! is recorded as `PasswordSet { reset: true }` without the password, and works for the next
//! password login; the link then works no more.

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use std::time::Duration;

const ANN: &str = "ann@customer.example";
const NEW_PASSWORD: &str = "a brand new sentence for ann";

/// Waits for the email after the first `before` to `email`, and returns its reset link.
async fn next_reset_link(sink: &SmtpSink, email: &str, before: usize) -> String {
    wait_until("a reset email", Duration::from_secs(30), || async {
        sink.to(email).len() > before
    })
    .await;
    let mail = sink.to(email).remove(before);
    let links = mail.links("/password/reset");
    assert_eq!(links.len(), 1, "{}", mail.decoded());
    links[0].clone()
}

async fn password_reset(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;

    // Another browser is logged in already: the reset ends its session.
    let other = Browser::new(&base);
    other.login(&sink, ANN).await;
    assert_eq!(other.get("/api/v1/me").await.status, 200);

    let b = Browser::new(&base);
    let page = b.get("/password/forgot").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let before = sink.to(ANN).len();
    let known = b.submit("/password/forgot", &[("email", ANN)]).await;
    let unknown = b
        .submit("/password/forgot", &[("email", "nobody@customer.example")])
        .await;
    assert_eq!(known.status, 200, "{}", known.body);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let link = next_reset_link(&sink, ANN, before).await;
    let path = link.strip_prefix(&base).unwrap().to_owned();

    // The page consumes nothing: twice the same form.
    let form = b.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(b.get(&path).await.status, 200);
    let token = token_of(&link);
    let fields = |password: &'static str, confirm: &'static str| {
        vec![
            ("token", token.clone()),
            ("password", password.to_owned()),
            ("confirm", confirm.to_owned()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.submit("/password/reset", &f).await
        }
    };
    let short = send(fields("short", "short")).await;
    assert_eq!(short.status, 422, "{}", short.body);
    assert!(
        short.body.contains("at least 12 characters"),
        "{}",
        short.body
    );
    // Long enough but easy to guess: refused with zxcvbn's reason, the link still usable.
    let weak = send(fields("password1234", "password1234")).await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    assert!(
        weak.body
            .contains("Is too easy to guess: This is a very common password."),
        "{}",
        weak.body
    );
    let mismatch = send(fields(NEW_PASSWORD, "something else entirely")).await;
    assert_eq!(mismatch.status, 422, "{}", mismatch.body);
    assert!(
        mismatch.body.contains("Does not match"),
        "{}",
        mismatch.body
    );
    assert_eq!(count_events(&t.store, "PasswordSet").await, 0);

    let done = send(fields(NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), Some("/portal"));
    assert_eq!(b.get("/api/v1/me").await.status, 200);
    assert_eq!(
        other.get("/api/v1/me").await.status,
        401,
        "other sessions end"
    );
    assert_eq!(sessions_of(&db, ANN).await, 1);
    let set: Vec<_> = all_events(&t.store)
        .await
        .into_iter()
        .filter(|e| e.event_type == "PasswordSet")
        .collect();
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].payload["reset"], true);
    for e in all_events(&t.store).await {
        assert!(!e.payload.to_string().contains(NEW_PASSWORD));
    }

    // The link is used up; the new password logs in.
    let again = send(fields(NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert_eq!(b.submit("/logout", &[]).await.location(), Some("/login"));
    let login = b
        .submit(
            "/login/password",
            &[("email", ANN), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(login.status, 303, "{}", login.body);
}

on_both_backends!(password_reset);
