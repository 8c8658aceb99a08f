//! Forms through the real binary, like a browser, on both backends: CSRF protection of every
//! state-changing form (nothing recorded, nothing sent when refused), the security headers of
//! pages, the session cookie (HttpOnly, SameSite=Lax, a new id at login), and the optional
//! password (set on /account, used to log in, one answer for every failure, never in events).

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use std::time::Duration;

const ANN: &str = "ann@customer.example";
const PASSWORD: &str = "a long and secret sentence 42";

async fn csrf_and_headers(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let ann = contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;

    // Pages before login: the login pages send no-referrer; every page its CSP and nosniff.
    let b = Browser::new(&base);
    for path in [
        "/login",
        "/password/forgot",
        "/login/continue?token=nonsense",
    ] {
        let a = b.get(path).await;
        assert!(a.status == 200 || a.status == 400, "{path}: {}", a.status);
        assert_page_headers(&a, path);
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
    // A fresh visitor gets a session with the login page: its forms' tokens are bound to it.
    let fresh = Browser::new(&base).get("/login").await;
    let visitor = fresh.set_cookie("portal_session").unwrap();
    assert!(visitor.contains("HttpOnly"), "{visitor}");
    assert!(visitor.contains("SameSite=Lax"), "{visitor}");
    assert!(!visitor.contains("Secure"), "plain http: {visitor}");
    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert_page_headers(&missing, "404 page");

    // The session id before login is not the one after (a new id at login).
    settle_mail(&t.store, &t.url).await;
    let before = sink.to(ANN).len();
    assert_eq!(before, 1, "the welcome email");
    let sent = b.submit("/login/link", &[("email", ANN)]).await;
    assert_page_headers(&sent, "link sent");
    assert_eq!(sent.header("referrer-policy"), Some("no-referrer"));
    let link = next_link(&sink, ANN, before).await;
    let page = b.get(link.strip_prefix(&base).unwrap()).await;
    assert_page_headers(&page, "continue");
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let planted = b.cookie("portal_session").unwrap();
    let csrf_before = csrf_in(&page.body).unwrap();
    let fields = hidden_inputs(&page.body, "/login/continue");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let login = b.post_raw("/login/continue", &fields, &[]).await;
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = login.set_cookie("portal_session").unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    let session = b.cookie("portal_session").unwrap();
    assert_ne!(session, planted);
    // A CSRF token of the session before the login no longer verifies.
    let stale = b
        .post_raw("/logout", &[("csrf", csrf_before.as_str())], &[])
        .await;
    assert_eq!(stale.status, 403, "{}", stale.body);
    assert_eq!(sessions_of(&db, ANN).await, 1);
    for path in ["/portal", "/account", "/switch"] {
        let a = b.get(path).await;
        assert_eq!(a.status, 200, "{path}");
        assert_page_headers(&a, path);
    }

    // Refused posts: no field, a wrong one, a foreign origin, a cross-site fetch.
    let csrf = b.csrf().await;
    let scope = format!("portal:acme:{c}:{ann}");
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        ("/login/link", vec![("email", ANN)]),
        ("/logout", vec![]),
        (
            "/account/password",
            vec![("password", PASSWORD), ("confirm", PASSWORD)],
        ),
        ("/switch", vec![("scope", &scope)]),
    ];
    let wrong = "x".repeat(43);
    // A well-formed token, of another browser's session.
    let stranger = Browser::new(&base);
    let foreign_token = stranger.csrf().await;
    let head = t.store.head_position().await.unwrap();
    let mails = sink.received().len();
    for (path, fields) in &forms {
        let wrong_field = {
            let mut all = fields.clone();
            all.push(("csrf", &wrong));
            all
        };
        let right = {
            let mut all = fields.clone();
            all.push(("csrf", &csrf));
            all
        };
        let other_session = {
            let mut all = fields.clone();
            all.push(("csrf", &foreign_token));
            all
        };
        let attempts = [
            ("no field", b.post_raw(path, fields, &[]).await),
            ("a wrong field", b.post_raw(path, &wrong_field, &[]).await),
            (
                "a foreign origin",
                b.post_raw(path, &right, &[("origin", "https://evil.example")])
                    .await,
            ),
            (
                "a cross-site fetch",
                b.post_raw(path, &right, &[("sec-fetch-site", "cross-site")])
                    .await,
            ),
            (
                "a token of another session",
                b.post_raw(path, &other_session, &[]).await,
            ),
            (
                "the token in another browser",
                stranger.post_raw(path, &right, &[]).await,
            ),
            (
                "no session",
                Browser::new(&base).post_raw(path, &right, &[]).await,
            ),
        ];
        for (what, a) in attempts {
            assert_eq!(a.status, 403, "{path} with {what}: {}", a.body);
            assert!(
                a.body.contains("sent from another site"),
                "{path}: {}",
                a.body
            );
            assert_page_headers(&a, path);
        }
    }
    // The JSON twin is no form: a cross-site form's text/plain body is refused, with the session
    // cookie before anything else (403), without it by the JSON extractor (415).
    for (client, status) in [(&b.http, 403), (&reqwest::Client::new(), 415)] {
        let plain = client
            .post(format!("{base}/api/v1/auth/login-link"))
            .header("content-type", "text/plain")
            .body(format!("{{\"email\": \"{ANN}\"}}"))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), status);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        t.store.head_position().await.unwrap(),
        head,
        "nothing recorded"
    );
    assert_eq!(sink.received().len(), mails, "nothing sent");
    assert_eq!(
        rate_buckets(&db, "link:ip:").await,
        [("link:ip:127.0.0.1".to_owned(), 1)],
        "no link request counted"
    );
    assert_eq!(b.get("/api/v1/me").await.status, 200, "still logged in");
    assert_eq!(b.cookie("portal_session").unwrap(), session);

    // The same posts with the field (and the site's own origin) work.
    let own = [("origin", base.as_str()), ("sec-fetch-site", "same-origin")];
    for (path, fields) in &forms {
        // The current token: logging in again (after /logout) gave the browser a new one.
        let csrf = b.csrf().await;
        let mut all = fields.clone();
        all.push(("csrf", &csrf));
        let mails = sink.to(ANN).len();
        let a = b.post_raw(path, &all, &own).await;
        let expected = match *path {
            "/login/link" => (200, None),
            "/logout" => (303, Some("/login")),
            "/account/password" => (303, Some("/account?saved=1")),
            _ => (303, Some("/portal")),
        };
        assert_eq!((a.status, a.location()), expected, "{path}: {}", a.body);
        if *path == "/login/link" {
            next_link(&sink, ANN, mails).await;
        }
        if *path == "/logout" {
            assert_eq!(b.get("/api/v1/me").await.status, 401);
            assert_eq!(sessions_of(&db, ANN).await, 0);
            b.login(&sink, ANN).await;
        }
    }
    assert_eq!(count_events(&t.store, "PasswordSet").await, 1);
    assert_eq!(b.get("/api/v1/me").await.status, 200);

    // Browsers send `Origin: null` from no-referrer pages (the login pages): the token decides.
    let csrf = b.csrf().await;
    let null_origin = [("origin", "null"), ("sec-fetch-site", "same-origin")];
    let a = b
        .post_raw(
            "/login/link",
            &[("csrf", &csrf), ("email", ANN)],
            &null_origin,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = b
        .post_raw(
            "/login/link",
            &[("csrf", "forged"), ("email", ANN)],
            &null_origin,
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
}

async fn passwords(t: TestStoreRef) {
    const NOBODY: &str = "nobody@customer.example";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let b = Browser::new(&base_of(&server));
    b.login(&sink, ANN).await;

    let account = b.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Set a password"), "{}", account.body);
    assert!(
        !account.body.contains("name=\"current\""),
        "no current password yet"
    );
    let short = b
        .submit(
            "/account/password",
            &[("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.body);
    let set = b
        .submit(
            "/account/password",
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(set.location(), Some("/account?saved=1"), "{}", set.body);
    let account = b.get("/account?saved=1").await;
    assert!(
        account.body.contains("Your password was saved."),
        "{}",
        account.body
    );
    assert!(
        account.body.contains("name=\"current\""),
        "{}",
        account.body
    );
    assert_eq!(count_events(&t.store, "PasswordSet").await, 1);
    assert_eq!(b.submit("/logout", &[]).await.location(), Some("/login"));

    // One answer for a wrong password and for an unknown email (but for the email it echoes).
    let refused = |a: &Answer, email: &str| {
        assert_eq!(a.status, 401, "{}", a.body);
        assert!(
            a.body.contains("Email or password is not correct"),
            "{}",
            a.body
        );
        // Each rendered form carries its own one-time id and CSRF nonce; everything else must
        // be equal.
        let mut body = a.body.replace(email, "EMAIL");
        for (field, placeholder) in [("form_id", "form-id=\""), ("csrf", "csrf-token=\"")] {
            let marker = format!("name=\"{field}\" value=\"");
            while let Some(at) = body.find(&marker) {
                let start = at + marker.len();
                let end = start + body[start..].find('"').unwrap();
                body.replace_range(at..end, placeholder);
            }
        }
        body
    };
    let wrong = b
        .submit(
            "/login/password",
            &[("email", ANN), ("password", "not the password at all")],
        )
        .await;
    let unknown = b
        .submit(
            "/login/password",
            &[("email", NOBODY), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused(&wrong, ANN), refused(&unknown, NOBODY));
    assert_eq!(sessions_of(&db, ANN).await, 0, "no session logged in");
    assert_eq!(b.get("/api/v1/me").await.status, 401);

    let login = b
        .submit(
            "/login/password",
            &[("email", "Ann@Customer.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(login.location(), Some("/portal"));
    assert!(login.set_cookie("portal_session").is_some());
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["email"], ANN);
    assert_eq!(count_events(&t.store, "UserLoggedIn").await, 2);

    // Changing it needs the current one.
    let change = b
        .submit(
            "/account/password",
            &[
                ("current", "wrong wrong wrong"),
                ("password", "x".repeat(12).as_str()),
                ("confirm", "x".repeat(12).as_str()),
            ],
        )
        .await;
    assert_eq!(change.status, 422, "{}", change.body);
    assert!(
        change.body.contains("Is not your current password"),
        "{}",
        change.body
    );
    assert_eq!(count_events(&t.store, "PasswordSet").await, 1);

    // Neither the password nor its hash is in any event, nor in the server's log.
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM credentials")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    for e in all_events(&t.store).await {
        let text = format!("{} {:?}", e.payload, e.metadata);
        assert!(!text.contains(PASSWORD), "the password in {}", e.event_type);
        assert!(
            !text.contains(&hash) && !text.contains("argon2"),
            "the hash in {}",
            e.event_type
        );
    }
    let log = server.log.lock().unwrap().clone();
    assert!(
        !log.contains(PASSWORD) && !log.contains(&hash),
        "a password in the server log"
    );
}

/// Behind https (the public URL), the session cookie is `__Host-` (Secure, `Path=/`, no
/// `Domain`), every answer carries HSTS, and only that origin may post forms.
async fn https_cookies(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &["--public-url", "https://portal.example"]);
    let base = base_of(&server);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;

    // A browser over http would not send Secure cookies back; this one is told them by hand.
    let b = Browser::new(&base);
    let page = b.get("/login").await;
    assert!(b.cookie("portal_session").is_none());
    let visitor = page.set_cookie("__Host-portal_session").unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(visitor.contains(attribute), "{visitor}");
    }
    assert!(!visitor.to_lowercase().contains("domain"), "{visitor}");
    let hsts = page.header("strict-transport-security").unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let session = visitor.split(';').next().unwrap().to_owned();
    let csrf = csrf_in(&page.body).unwrap();
    let api = b.api_link(ANN).await;
    assert_eq!(api.status, 202);
    assert!(api.header("strict-transport-security").is_some());
    let link = next_link(&sink, ANN, 1).await;
    let token = link
        .strip_prefix("https://portal.example/login/continue?token=")
        .unwrap_or_else(|| panic!("a link to the public URL: {link}"));
    let fields = [("csrf", csrf.as_str()), ("token", token)];
    let foreign = b
        .post_raw(
            "/login/continue",
            &fields,
            &[("origin", base.as_str()), ("cookie", &session)],
        )
        .await;
    assert_eq!(foreign.status, 403, "only https://portal.example may post");
    let login = b
        .post_raw(
            "/login/continue",
            &fields,
            &[("origin", "https://portal.example"), ("cookie", &session)],
        )
        .await;
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = login.set_cookie("__Host-portal_session").unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(login.set_cookie("portal_session").is_none());
}

on_both_backends!(csrf_and_headers, passwords, https_cookies);
