//! Rate limits through the real binary, on both backends: link requests per email (the answer
//! never changes, the emails stop), password tries per email (429), and the per-IP limit behind
//! a trusted proxy, which a client cannot dodge by forging `X-Forwarded-For` entries; without
//! trusted proxies the header is ignored entirely.

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
const PAM: &str = "pam@customer.example";
const PASSWORD: &str = "a long and secret sentence 42";

/// Hits of rate-limit bucket `bucket` (0 when absent).
async fn hits(db: &portal_identity::Db, bucket: &str) -> i64 {
    rate_buckets(db, bucket)
        .await
        .into_iter()
        .find(|(b, _)| b == bucket)
        .map_or(0, |(_, h)| h)
}

/// The rate-limit bucket of `email` for `action`.
fn email_bucket(action: &str, email: &str) -> String {
    format!(
        "{action}:email:{}",
        portal_identity::secret::hash_secret(email)
    )
}

/// Waits while the current rate-limit window ends within two minutes. The windows are fixed
/// quarter hours of the wall clock (the server's default), and a burst that straddles an edge is
/// counted in two windows: the limit would rightly not be reached.
async fn clear_of_window_edge() {
    const WINDOW: u64 = 15 * 60;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = WINDOW - now % WINDOW;
    if left < 120 {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

/// A forged address, different for each `i`.
fn forged(i: usize) -> String {
    format!("198.51.{}.{}", i / 200, 1 + i % 200)
}

async fn per_email_limits(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    contact(&t.store, &acme, c, PAM).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    assert_eq!(sink.to(ANN).len(), 1, "the welcome email");
    let b = Browser::new(&base_of(&server));
    let csrf = b.csrf().await;

    // Eight requests for one email (each with another forged X-Forwarded-For, which this server,
    // trusting no proxy, ignores): five links, then the same answer and nothing more.
    clear_of_window_edge().await;
    let mut answers = Vec::new();
    for i in 0..8 {
        let ip = forged(i);
        let a = b
            .post_raw(
                "/login/link",
                &[("csrf", &csrf), ("email", ANN)],
                &[("x-forwarded-for", &ip)],
            )
            .await;
        answers.push((a.status, a.body));
        if i < 5 {
            next_link(&sink, ANN, 1 + i).await;
        }
    }
    assert_eq!(answers[0].0, 200);
    assert!(answers.iter().all(|a| *a == answers[0]));
    let bucket = email_bucket("link", ANN);
    wait_until(
        "eight counted requests",
        Duration::from_secs(30),
        || async { hits(&db, &bucket).await == 8 },
    )
    .await;
    settle_mail(&t.store, &t.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.to(ANN).len(), 1 + 5);
    assert_eq!(count_events(&t.store, "LoginLinkRequested").await, 5);
    assert_eq!(
        rate_buckets(&db, "link:ip:").await,
        [("link:ip:127.0.0.1".to_owned(), 8)],
        "the forged X-Forwarded-For was ignored"
    );
    let api = b.api_link(ANN).await;
    assert_eq!(api.status, 202, "the JSON answer does not change either");
    assert_eq!(b.api_link("nobody@customer.example").await.body, api.body);

    // Password tries: ten refused, then 429, even for the right password.
    b.login(&sink, PAM).await;
    let set = b
        .submit(
            "/account/password",
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(set.location(), Some("/account?saved=1"), "{}", set.body);
    assert_eq!(b.submit("/logout", &[]).await.location(), Some("/login"));
    clear_of_window_edge().await;
    for i in 0..10 {
        let wrong = format!("wrong password number {i}");
        let a = b
            .submit("/login/password", &[("email", PAM), ("password", &wrong)])
            .await;
        assert_eq!(a.status, 401, "try {i}: {}", a.body);
    }
    let right = b
        .submit("/login/password", &[("email", PAM), ("password", PASSWORD)])
        .await;
    assert_eq!(right.status, 429, "{}", right.body);
    assert!(
        right.body.contains("Too many attempts, try again later"),
        "{}",
        right.body
    );
    assert_eq!(sessions_of(&db, PAM).await, 0, "no session logged in");
    assert_page_headers(&right, "429 page");
    assert_eq!(b.get("/api/v1/me").await.status, 401);
    assert_eq!(hits(&db, &email_bucket("password", PAM)).await, 11);
    // Another email from the same address still gets its tries (the IP limit is 50).
    let other = b
        .submit("/login/password", &[("email", ANN), ("password", PASSWORD)])
        .await;
    assert_eq!(other.status, 401, "{}", other.body);
}

async fn per_ip_behind_proxy(t: TestStoreRef) {
    const CLIENT: &str = "203.0.113.5";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &["--trusted-proxies", "127.0.0.1"]);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let emails: Vec<String> = (0..8)
        .map(|i| format!("user{i}@customer.example"))
        .collect();
    for e in &emails {
        contact(&t.store, &acme, c, e).await;
    }
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let b = Browser::new(&base_of(&server));

    // 40 requests, five per email (within the per-email limit), each claiming another origin
    // left of what the proxy appended: only 30 count as requests of 203.0.113.5.
    clear_of_window_edge().await;
    let mut bodies = Vec::new();
    for i in 0..40 {
        let xff = format!("{}, {CLIENT}", forged(i));
        let r = b
            .http
            .post(format!("{}/api/v1/auth/login-link", b.base))
            .header("x-forwarded-for", xff)
            .json(&serde_json::json!({ "email": emails[i % 8] }))
            .send()
            .await
            .unwrap();
        bodies.push((r.status().as_u16(), r.text().await.unwrap()));
    }
    assert_eq!(bodies[0].0, 202);
    assert!(bodies.iter().all(|a| *a == bodies[0]));
    let bucket = format!("link:ip:{CLIENT}");
    wait_until(
        "forty counted requests",
        Duration::from_secs(30),
        || async { hits(&db, &bucket).await == 40 },
    )
    .await;
    wait_until(
        "thirty requests recorded",
        Duration::from_secs(30),
        || async { count_events(&t.store, "LoginLinkRequested").await >= 30 },
    )
    .await;
    settle_mail(&t.store, &t.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_events(&t.store, "LoginLinkRequested").await, 30);
    assert_eq!(
        rate_buckets(&db, "link:ip:").await,
        [(bucket.clone(), 40)],
        "no bucket for a forged or the proxy's address"
    );
    let sent: usize = emails.iter().map(|e| sink.to(e).len() - 1).sum();
    assert!((8..=30).contains(&sent), "{sent} login emails");

    // Password tries of that client, all at once: 50 refused, one over the limit (429),
    // whatever the forged part and the email.
    let csrf = b.csrf().await;
    clear_of_window_edge().await;
    let tries = (0..51).map(|i| {
        let (b, csrf) = (b.clone(), csrf.clone());
        let xff = format!("{}, {CLIENT}", forged(100 + i));
        let email = emails[i % 8].clone();
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("email", &email),
                ("password", "not it"),
            ];
            b.post_raw("/login/password", &fields, &[("x-forwarded-for", &xff)])
                .await
        }
    });
    let mut statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .iter()
        .map(|a| a.status)
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [vec![401; 50], vec![429]].concat());
    assert_eq!(hits(&db, &format!("password:ip:{CLIENT}")).await, 51);
    // The proxy's own requests (no forwarded client) are another address.
    let direct = b
        .submit(
            "/login/password",
            &[("email", &emails[0]), ("password", "nope")],
        )
        .await;
    assert_eq!(direct.status, 401, "{}", direct.body);
}

on_both_backends!(per_email_limits, per_ip_behind_proxy);
