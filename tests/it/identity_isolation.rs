//! Scopes through the real binary, on both backends: an order of one customer is invisible
//! (404, like an unknown id) to another customer's users, bearer tokens and the staff of another
//! tenant; sessions end at logout, when access is revoked or the customer's portal disabled, and
//! at the idle and absolute timeouts.

use portal_identity::db::millis;
use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{
    contact, customer, revoke, set_portal, staff_member, submitted_order, tenant,
};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use std::time::Duration;
use time::OffsetDateTime;

const ANN: &str = "ann@a.example";
const BOB: &str = "bob@b.example";
const OPS: &str = "ops@acme.example";
const EVE: &str = "eve@beta.example";

/// Order ids of a `GET /api/v1/orders` answer.
fn listed(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["order_id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_json_404(a: &Answer, what: &str) {
    assert_eq!(a.status, 404, "{what}: {}", a.body);
    assert_eq!(
        a.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(a.json()["status"], 404, "{what}");
}

fn assert_page_404(a: &Answer, what: &str) {
    assert_eq!(a.status, 404, "{what}: {}", a.body);
    assert_page_headers(a, what);
    assert!(!a.body.contains("ORD-A-1"), "{what}: {}", a.body);
}

async fn isolation(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let beta = tenant(&t.store, "beta", "Beta Haulage").await;
    let a = customer(&t.store, &acme, "Customer A").await;
    let b = customer(&t.store, &acme, "Customer B").await;
    let c = customer(&t.store, &beta, "Customer C").await;
    let ann_contact = contact(&t.store, &acme, a, ANN).await;
    contact(&t.store, &acme, b, BOB).await;
    contact(&t.store, &beta, c, "cat@c.example").await;
    staff_member(&t.store, &acme, OPS).await;
    staff_member(&t.store, &beta, EVE).await;
    let order = submitted_order(&t.store, &acme, a, "ORD-A-1")
        .await
        .to_string();
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;

    let token = |email: &'static str, customer: String| {
        let url = t.url.clone();
        async move {
            let (code, out) = cli(
                &url,
                &[
                    "token",
                    "create",
                    "--tenant",
                    "acme",
                    "--email",
                    email,
                    "--customer",
                    &customer,
                ],
            )
            .await;
            assert_eq!(code, 0, "{out}");
            out.trim().to_owned()
        }
    };
    let token_a = token(ANN, a.to_string()).await;
    let token_b = token(BOB, b.to_string()).await;
    let api = Browser::new(&base);
    let one = format!("/api/v1/orders/{order}");
    wait_until(
        "the order in the read model",
        Duration::from_secs(30),
        || async { api.get_bearer(&one, &token_a).await.status == 200 },
    )
    .await;
    let unknown = format!("/api/v1/orders/{}", uuid::Uuid::now_v7());

    // A's user and A's token see it.
    let ann = Browser::new(&base);
    assert_eq!(ann.login(&sink, ANN).await.location(), Some("/portal"));
    let page = ann.get(&format!("/portal/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ORD-A-1"), "{}", page.body);
    assert_eq!(ann.get(&one).await.json()["order_id"], order.as_str());
    assert_eq!(listed(&ann.get("/api/v1/orders").await), [order.as_str()]);
    assert_eq!(
        listed(&api.get_bearer("/api/v1/orders", &token_a).await),
        [order.as_str()]
    );

    // B's user and B's token: 404 exactly like an id that does not exist, absent from lists.
    let bob = Browser::new(&base);
    assert_eq!(bob.login(&sink, BOB).await.location(), Some("/portal"));
    let theirs = bob.get(&format!("/portal/orders/{order}")).await;
    assert_page_404(&theirs, "B's user, A's order page");
    let nothing = bob
        .get(&format!("/portal/orders/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(without_csrf(&theirs.body), without_csrf(&nothing.body));
    assert_page_404(
        &bob.get(&format!("/staff/orders/{order}")).await,
        "B on staff pages",
    );
    let theirs = bob.get(&one).await;
    assert_json_404(&theirs, "B's user, A's order");
    assert_eq!(theirs.body, bob.get(&unknown).await.body);
    assert!(listed(&bob.get("/api/v1/orders").await).is_empty());
    assert_json_404(&api.get_bearer(&one, &token_b).await, "B's token");
    assert!(listed(&api.get_bearer("/api/v1/orders", &token_b).await).is_empty());
    assert!(!bob.get("/portal").await.body.contains("ORD-A-1"));

    // Staff of another tenant: 404; staff of acme see it.
    let eve = Browser::new(&base);
    assert_eq!(eve.login(&sink, EVE).await.location(), Some("/staff"));
    assert_page_404(
        &eve.get(&format!("/staff/orders/{order}")).await,
        "beta staff page",
    );
    assert_json_404(&eve.get(&one).await, "beta staff API");
    assert!(listed(&eve.get("/api/v1/orders").await).is_empty());
    let ops = Browser::new(&base);
    assert_eq!(ops.login(&sink, OPS).await.location(), Some("/staff"));
    let page = ops.get(&format!("/staff/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ORD-A-1"), "{}", page.body);
    assert!(ops.get("/staff").await.body.contains("ORD-A-1"));
    assert_eq!(ops.get(&one).await.json()["order_id"], order.as_str());
    assert_page_404(
        &ops.get(&format!("/portal/orders/{order}")).await,
        "staff on portal pages",
    );

    // A's token stops working when A's access is revoked: once projected, within the second a
    // server trusts a passed check of the token's grant.
    revoke(&t.store, &acme, ann_contact).await;
    wait_projected(&t.store, &t.url).await;
    wait_until("A's token refused", Duration::from_secs(5), || async {
        api.get_bearer(&one, &token_a).await.status == 401
    })
    .await;
    assert_eq!(api.get_bearer("/api/v1/me", &token_a).await.status, 401);
}

async fn sessions(t: TestStoreRef) {
    const LIV: &str = "liv@a.example";
    const ABE: &str = "abe@a.example";
    const DAN: &str = "dan@d.example";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let db = db(&t.url).await;
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let a = customer(&t.store, &acme, "Customer A").await;
    let d = customer(&t.store, &acme, "Customer D").await;
    let ann = contact(&t.store, &acme, a, ANN).await;
    for email in [LIV, ABE] {
        contact(&t.store, &acme, a, email).await;
    }
    contact(&t.store, &acme, d, DAN).await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;
    let logged_out = |b: Browser| async move {
        assert_eq!(b.get("/api/v1/me").await.status, 401);
        let page = b.get("/portal").await;
        assert_eq!((page.status, page.location()), (303, Some("/login")));
    };

    // Logout deletes the row: the old cookie, replayed, is worth nothing.
    let liv = Browser::new(&base);
    liv.login(&sink, LIV).await;
    let old = liv.cookie("portal_session").unwrap();
    assert_eq!(sessions_of(&db, LIV).await, 1);
    let out = liv.submit("/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    let removal = out.set_cookie("portal_session").unwrap();
    assert!(
        removal.contains("Max-Age=0"),
        "the cookie is removed: {removal}"
    );
    assert_eq!(liv.cookie("portal_session"), None);
    assert_eq!(sessions_of(&db, LIV).await, 0);
    let replay = Browser::new(&base);
    replay.plant_cookie("portal_session", &old);
    logged_out(replay).await;

    // Revoking access ends both of A's sessions at their next request.
    let (ann1, ann2) = (Browser::new(&base), Browser::new(&base));
    ann1.login(&sink, ANN).await;
    ann2.login(&sink, ANN).await;
    assert_eq!(sessions_of(&db, ANN).await, 2);
    assert_eq!(ann1.get("/api/v1/me").await.status, 200);
    revoke(&t.store, &acme, ann).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(ann1.get("/api/v1/me").await.status, 401);
    let page = ann2.get("/portal").await;
    assert_eq!((page.status, page.location()), (303, Some("/login")));
    assert_eq!(sessions_of(&db, ANN).await, 0);
    logged_out(ann1).await;

    // Disabling the customer's portal does the same.
    let dan = Browser::new(&base);
    dan.login(&sink, DAN).await;
    assert_eq!(dan.get("/api/v1/me").await.status, 200);
    set_portal(&t.store, &acme, d, false).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(dan.get("/api/v1/me").await.status, 401);
    assert_eq!(sessions_of(&db, DAN).await, 0);
    logged_out(dan).await;

    // Idle: requests move the expiry on (written at most once a minute); a session left alone
    // too long is gone.
    let liv = Browser::new(&base);
    liv.login(&sink, LIV).await;
    let expiry = || async {
        let e: i64 = sqlx::query_scalar("SELECT expires_at FROM sessions WHERE user_id = $1")
            .bind(user_id(LIV))
            .fetch_one(db.pool())
            .await
            .unwrap();
        e
    };
    let first = expiry().await;
    let now = millis(OffsetDateTime::now_utc());
    assert!(
        first > now + 110 * 60_000 && first <= now + 120 * 60_000,
        "{first} vs {now}"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(liv.get("/portal").await.status, 200);
    assert_eq!(
        expiry().await,
        first,
        "a request within the minute writes nothing"
    );
    // A minute later (the stored expiry as a minute older), a request moves it on.
    let older = (first - 61_000).to_string();
    let sql = "UPDATE sessions SET expires_at = CAST($1 AS BIGINT) WHERE user_id = $2";
    assert_eq!(exec(&db, sql, &[&older, &user_id(LIV)]).await, 1);
    assert_eq!(liv.get("/portal").await.status, 200);
    assert!(expiry().await > first, "a request moves the idle expiry on");
    let past = (millis(OffsetDateTime::now_utc()) - 1000).to_string();
    let sql = "UPDATE sessions SET expires_at = CAST($1 AS BIGINT) WHERE user_id = $2";
    assert_eq!(exec(&db, sql, &[&past, &user_id(LIV)]).await, 1);
    logged_out(liv).await;

    // Absolute: a session whose login is older than 12 hours ends, however active.
    let abe = Browser::new(&base);
    abe.login(&sink, ABE).await;
    assert_eq!(abe.get("/api/v1/me").await.status, 200);
    let (data,): (String,) = sqlx::query_as("SELECT data FROM sessions WHERE user_id = $1")
        .bind(user_id(ABE))
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let login_at = data["user"]["login_at"].as_i64().unwrap();
    data["user"]["login_at"] = (login_at - 12 * 3_600_000 - 1000).into();
    let sql = "UPDATE sessions SET data = $1 WHERE user_id = $2";
    assert_eq!(exec(&db, sql, &[&data.to_string(), &user_id(ABE)]).await, 1);
    assert_eq!(abe.get("/api/v1/me").await.status, 401);
    assert_eq!(sessions_of(&db, ABE).await, 0);
    logged_out(abe).await;
}

on_both_backends!(isolation, sessions);
