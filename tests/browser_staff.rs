//! The staff's side of the help article "Giving access to Customer Portal", in headless Chromium
//! through WebDriver against the real binary (SQLite, an SMTP server inside the test). Saves
//! screenshots of the pages it passes under `docs/screenshots/`.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod browser_common;
mod identity_common;
mod identity_web_common;
#[macro_use]
mod support;

use identity_common::{staff_member, tenant, wait_projected};
use identity_web_common::{base_of, next_link, settle_mail, start};
use portal_eventlog::testing::{Backend, with_store};
use support::smtp::SmtpSink;

const STAFF: &str = "staff@acme.example";

#[tokio::test(flavor = "multi_thread")]
async fn staff_log_in_with_an_emailed_link() {
    let Some(b) = browser_common::browser("staff_log_in_with_an_emailed_link").await else {
        return;
    };
    with_store(
        Backend::Sqlite,
        "browser_staff_login",
        move |t| async move {
            let sink = SmtpSink::start().await;
            let server = start(&t.url, &sink, &[]);
            let base = base_of(&server);
            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            staff_member(&t.store, &acme, STAFF).await;
            wait_projected(&t.store, &t.url).await;
            settle_mail(&t.store, &t.url).await;

            b.goto(&format!("{base}/login")).await;
            b.screenshot("login").await;

            b.fill("#link-email", STAFF).await;
            b.click("form[action='/login/link'] button[type=submit]")
                .await;
            b.wait_text("Check your email").await;
            let link = next_link(&sink, STAFF, 0).await;
            b.goto(&link).await;
            b.wait_text(&format!("Continue as {STAFF}")).await;
            b.click("form[action='/login/continue'] button[type=submit]")
                .await;
            b.wait_text("ACME Transport — Staff").await;
            assert_eq!(b.path().await, "/staff");
            b.screenshot("staff-home").await;
        },
    )
    .await;
}
