//! The account page through the real binary, on both backends: it lists the identity's own API
//! tokens (label or first characters, created, expires, last used, status) and revokes them with a
//! CSRF-protected form whose resubmission records nothing twice; new passwords that are short or
//! easy to guess are refused with zxcvbn's reason.

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{staff_member, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;

const OPS: &str = "ops@acme.example";
const BOB: &str = "bob@acme.example";

/// `portal token create` for staff `email` of acme with `args`: the raw token.
async fn token(url: &str, email: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--tenant", "acme", "--email", email];
    all.extend_from_slice(args);
    let (code, stdout) = cli(url, &all).await;
    assert_eq!(code, 0, "{stdout}");
    stdout.trim().to_owned()
}

/// The id of the token that starts with `prefix`, from `portal token list`.
async fn id_of(url: &str, raw: &str) -> String {
    let (code, stdout) = cli(url, &["token", "list"]).await;
    assert_eq!(code, 0);
    stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|c| raw.starts_with(c[1].trim_end_matches('…')))
        .map(|c| c[0].to_owned())
        .unwrap()
}

/// The table row of token `id` on the account page.
fn row<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("data-token=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id}:\n{page}"));
    let end = start + page[start..].find("</tr>").unwrap();
    &page[start..end]
}

async fn account_page_lists_and_revokes_tokens(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    staff_member(&t.store, &acme, BOB).await;
    let export = token(&t.url, OPS, &["--name", "Nightly export"]).await;
    let spare = token(&t.url, OPS, &["--expires-in", "7"]).await;
    let bobs = token(&t.url, BOB, &[]).await;
    let (export_id, spare_id, bobs_id) = (
        id_of(&t.url, &export).await,
        id_of(&t.url, &spare).await,
        id_of(&t.url, &bobs).await,
    );

    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    wait_projected(&t.store, &t.url).await;
    let b = Browser::new(&base_of(&server));
    b.login(&sink, OPS).await;
    assert_eq!(b.get_bearer("/api/v1/orders", &export).await.status, 200);

    let page = b.get("/account").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("API tokens"), "{}", page.body);
    let used = row(&page.body, &export_id);
    assert!(used.contains("Nightly export"), "{used}");
    assert!(used.contains(&format!("{}…", &export[..6])), "{used}");
    assert!(used.contains("active"), "{used}");
    let idle = row(&page.body, &spare_id);
    assert!(
        idle.contains("never"),
        "the spare token was never used: {idle}"
    );
    assert!(!used.contains("never"), "the export token was used: {used}");
    assert!(
        !page.body.contains(&bobs_id),
        "another identity's token is listed"
    );
    for raw in [&export, &spare, &bobs] {
        assert!(
            !page.body.contains(raw.as_str()),
            "a whole token on the page"
        );
    }

    // Revoke through the row's form: the token stops working; the same post again is a replay.
    let fields = hidden_inputs(used, "/account/tokens/revoke");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(fields.iter().any(|(k, _)| *k == "form_id"), "{fields:?}");
    assert!(fields.iter().any(|(k, _)| *k == "csrf"), "{fields:?}");
    let done = b.post_raw("/account/tokens/revoke", &fields, &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location(),
        Some("/account?saved=token-revoked#api-tokens")
    );
    assert_eq!(b.get_bearer("/api/v1/orders", &export).await.status, 401);
    assert_eq!(b.get_bearer("/api/v1/orders", &spare).await.status, 200);
    let again = b.post_raw("/account/tokens/revoke", &fields, &[]).await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(count_events(&t.store, "ApiTokenRevoked").await, 1);
    let page = b.get("/account?saved=token-revoked").await;
    assert!(
        page.body.contains("The token was revoked."),
        "{}",
        page.body
    );
    let revoked = row(&page.body, &export_id);
    assert!(revoked.contains("revoked"), "{revoked}");
    assert!(
        !revoked.contains("<form"),
        "no revoke form for a revoked token"
    );

    // Without the CSRF field: refused. Another identity's token: not found, still working.
    let forged = b
        .post_raw(
            "/account/tokens/revoke",
            &[("credential_id", &spare_id)],
            &[],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let foreign = b
        .submit("/account/tokens/revoke", &[("credential_id", &bobs_id)])
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(b.get_bearer("/api/v1/orders", &bobs).await.status, 200);
    assert_eq!(b.get_bearer("/api/v1/orders", &spare).await.status, 200);
    assert_eq!(count_events(&t.store, "ApiTokenRevoked").await, 1);
}

async fn weak_and_short_passwords_are_refused_with_the_reason(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    wait_projected(&t.store, &t.url).await;
    let b = Browser::new(&base_of(&server));
    b.login(&sink, OPS).await;
    let set = |password: &'static str| {
        let b = &b;
        async move {
            b.submit(
                "/account/password",
                &[("password", password), ("confirm", password)],
            )
            .await
        }
    };
    let short = set("Xk9#mQ2!").await;
    assert_eq!(short.status, 422, "{}", short.body);
    assert!(
        short.body.contains("at least 12 characters"),
        "{}",
        short.body
    );
    for weak in ["password1234", "qwertyuiop123", "ops@acme.example"] {
        let refused = set(weak).await;
        assert_eq!(refused.status, 422, "{weak}: {}", refused.body);
        assert!(
            refused.body.contains("Is too easy to guess: "),
            "{weak}: {}",
            refused.body
        );
    }
    // zxcvbn's own words: the warning for a common password and a suggestion.
    let common = set("password1234").await;
    assert!(
        common.body.contains("This is a very common password."),
        "{}",
        common.body
    );
    assert_eq!(count_events(&t.store, "PasswordSet").await, 0);
    let strong = set("plum orbit cactus lantern").await;
    assert_eq!(
        strong.location(),
        Some("/account?saved=1"),
        "{}",
        strong.body
    );
    assert_eq!(count_events(&t.store, "PasswordSet").await, 1);
}

on_both_backends!(
    account_page_lists_and_revokes_tokens,
    weak_and_short_passwords_are_refused_with_the_reason,
);
