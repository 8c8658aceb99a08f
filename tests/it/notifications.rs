//! Order-status and charge emails through the real service and an SMTP sink, on both backends:
//! each status change emails the submitter and the `operations` contacts with access and
//! nobody else; a charge awaiting approval emails the submitter and the `invoices` contacts; a
//! rejected charge emails the staff member who asked, naming the person; `off` and `daily` are
//! honoured and the digest goes out once; the one-click unsubscribe turns the kind off; a replay
//! of the notifier from position 0 sends nothing again, not even to a contact added since.

use crate::api_portal::order_body;
use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, STAFF};
use portal_testkit::db::{db, exec, settle_mail, wait_notifier_caught_up};
use portal_testkit::on_both_backends;
use portal_testkit::smtp::Received;
use portal_testkit::wait_until;
use serde_json::json;
use std::time::Duration;

const ANN: &str = "ann@timber.example";
const OLLE: &str = "olle@timber.example";
const IVY: &str = "ivy@timber.example";
const NILS: &str = "nils@timber.example";
const BOB: &str = "bob@beta.example";

/// A contact of `customer` with `roles`; a client with their portal token where they have
/// access.
async fn contact(
    env: &Env,
    customer: &str,
    name: &str,
    email: &str,
    roles: &[&str],
    access: bool,
) -> Option<Api> {
    let a = env
        .api
        .post(
            &format!("/api/v1/customers/{customer}/contacts"),
            &json!({"name": name, "email": email, "roles": roles, "portal_access": access}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    if !access {
        return None;
    }
    env.projected().await;
    let token = portal_testkit::process::token(&env.t.url, "acme", email, Some(customer)).await;
    Some(env.with_token(&token))
}

/// The emails the sink holds for `to`, in arrival order.
fn mail_of(env: &Env, to: &str) -> Vec<Received> {
    env.sink.to(to)
}

fn subjects(env: &Env, to: &str) -> Vec<String> {
    mail_of(env, to)
        .iter()
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect()
}

async fn staff_status(env: &Env, order: &str, status: &str) {
    let a = env
        .api
        .post(
            &format!("/api/v1/orders/{order}/status"),
            &json!({"status": status, "reason": "Customer asked"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

async fn request_charge(env: &Env, order: &str, description: &str, amount: i64) -> String {
    let a = env
        .api
        .post(
            &format!("/api/v1/orders/{order}/charges"),
            &json!({"description": description, "amount_minor": amount, "currency": "EUR",
                "request_approval": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_owned()
}

async fn settled(env: &Env) {
    settle_mail(&env.t.store, &env.t.url).await;
}

async fn status_and_charge_emails(t: TestStoreRef) {
    let env = Env::start(t).await;
    let timber = env.api.customer("Nordic Timber AB").await;
    env.api.portal(&timber, true, true).await;
    let beta = env.api.customer("Beta Steel").await;
    env.api.portal(&beta, true, true).await;
    let ann = contact(&env, &timber, "Ann Early", ANN, &["orders"], true)
        .await
        .unwrap();
    let olle = contact(&env, &timber, "Olle Ops", OLLE, &["operations"], true)
        .await
        .unwrap();
    let ivy = contact(&env, &timber, "Ivy Invoice", IVY, &["invoices"], true)
        .await
        .unwrap();
    contact(
        &env,
        &timber,
        "Nils Noaccess",
        NILS,
        &["operations", "invoices"],
        false,
    )
    .await;
    contact(
        &env,
        &beta,
        "Bob Beta",
        BOB,
        &["operations", "invoices"],
        true,
    )
    .await;

    // Ann submits an order.
    let a = ann.post("/api/v1/orders", &order_body("PO-77", None)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let order = a.json()["id"].as_str().unwrap().to_owned();
    let number = a.json()["number"].as_str().unwrap_or_default().to_owned();
    let a = ann
        .post(&format!("/api/v1/orders/{order}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    settled(&env).await;
    let welcomes = env.sink.received().len();

    // Accepted: Ann (submitter) and Olle (operations); nobody else.
    staff_status(&env, &order, "accepted").await;
    settled(&env).await;
    assert_eq!(env.sink.received().len(), welcomes + 2, "two status emails");
    for who in [ANN, OLLE] {
        let s = subjects(&env, who);
        assert_eq!(
            s.last().unwrap(),
            &format!("ACME Transport: order {number} (your ref. PO-77) is accepted"),
            "{who}: {s:?}"
        );
    }
    let m = mail_of(&env, ANN).pop().unwrap();
    let text = m.decoded();
    assert!(text.contains("Hello Ann Early,"), "{text}");
    // The arrow is quoted-printable encoded in the message.
    assert!(
        text.contains("Status: submitted =E2=86=92 accepted"),
        "{text}"
    );
    assert!(
        !m.links(&format!("/portal/orders/{order}")).is_empty(),
        "{text}"
    );
    let unsubscribe = m.header("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with('<') && unsubscribe.contains("/unsubscribe/"),
        "{unsubscribe}"
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    for nobody in [IVY, NILS, BOB, STAFF] {
        assert!(
            !subjects(&env, nobody)
                .iter()
                .any(|s| s.contains("is accepted")),
            "{nobody} got a status email"
        );
    }

    // A charge awaiting approval: Ann and Ivy (invoices), with the amount; not Olle.
    let charge = request_charge(&env, &order, "Waiting time", 4500).await;
    settled(&env).await;
    for who in [ANN, IVY] {
        let m = mail_of(&env, who).pop().unwrap();
        let text = m.decoded();
        assert!(
            m.header("Subject")
                .unwrap()
                .contains("waits for your approval"),
            "{who}"
        );
        assert!(text.contains("Charge: Waiting time"), "{text}");
        assert!(text.contains("Amount: 45.00 EUR"), "{text}");
    }
    assert!(!subjects(&env, OLLE).iter().any(|s| s.contains("approval")));

    // Ann rejects it with a comment: the staff member who asked hears, with Ann's name.
    let a = ann
        .post(
            &format!("/api/v1/orders/{order}/charges/{charge}/approval"),
            &json!({"decision": "rejected", "comment": "driver was early"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    settled(&env).await;
    let m = mail_of(&env, STAFF)
        .pop()
        .expect("the staff member is emailed");
    let text = m.decoded();
    assert_eq!(
        m.header("Subject").unwrap(),
        format!("Nordic Timber AB rejected charge Waiting time on order {number}")
    );
    assert!(text.contains("Decision: rejected by Ann Early"), "{text}");
    assert!(text.contains("Comment: driver was early"), "{text}");
    assert!(
        m.header("List-Unsubscribe").is_none(),
        "staff emails have no unsubscribe"
    );

    // Preferences: Olle turns status emails off, Ann chooses the daily digest.
    let a = olle.get("/api/v1/me/notifications").await;
    assert_eq!(
        a.json(),
        json!({"order_status": "immediate", "charge_approval": "immediate"})
    );
    let a = olle
        .put(
            "/api/v1/me/notifications",
            &json!({"order_status": "off", "charge_approval": "immediate"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = ann
        .put(
            "/api/v1/me/notifications",
            &json!({"order_status": "daily", "charge_approval": "weekly"}),
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    portal_testkit::api::field_error(&a, "charge_approval", "unknown delivery");
    let a = ann
        .put(
            "/api/v1/me/notifications",
            &json!({"order_status": "daily", "charge_approval": "immediate"}),
        )
        .await;
    assert_eq!(a.json()["order_status"], "daily");
    let before = env.sink.received().len();
    staff_status(&env, &order, "planned").await;
    staff_status(&env, &order, "in_transit").await;
    settled(&env).await;
    assert_eq!(env.sink.received().len(), before, "nothing at once");

    // The digest falls due (as if it were 07:00 in Ann's zone): one email with both changes.
    let db = db(&env.t.url).await;
    exec(
        &db,
        "UPDATE mail_outbox SET next_attempt_at = 0 WHERE status = 'held'",
        &[],
    )
    .await;
    wait_until("the digest", Duration::from_secs(40), || async {
        env.sink.received().len() > before
    })
    .await;
    settled(&env).await;
    let digests: Vec<Received> = mail_of(&env, ANN)
        .into_iter()
        .filter(|m| {
            m.header("Subject")
                .unwrap_or_default()
                .contains("2 updates")
        })
        .collect();
    assert_eq!(digests.len(), 1, "{:?}", subjects(&env, ANN));
    let text = digests[0].decoded();
    assert!(
        text.contains(&format!("Order {number} is planned")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Order {number} is in transit")),
        "{text}"
    );
    assert_eq!(env.sink.received().len(), before + 1, "only the digest");
    // Folding again finds nothing: the digest goes out once.
    exec(
        &db,
        "UPDATE mail_outbox SET next_attempt_at = 0 WHERE status = 'held'",
        &[],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    settled(&env).await;
    assert_eq!(env.sink.received().len(), before + 1);

    // One-click unsubscribe (RFC 8058) from Ivy's charge email: charge emails off for Ivy.
    let m = mail_of(&env, IVY).pop().unwrap();
    let link = m.header("List-Unsubscribe").unwrap();
    let link = link.trim_matches(|c| c == '<' || c == '>');
    let page = reqwest::get(link).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Unsubscribe"));
    let a = ivy.get("/api/v1/me/notifications").await;
    assert_eq!(
        a.json()["charge_approval"],
        "immediate",
        "a GET changes nothing"
    );
    let posted = reqwest::Client::new()
        .post(link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let a = ivy.get("/api/v1/me/notifications").await;
    assert_eq!(a.json()["charge_approval"], "off");
    assert_eq!(a.json()["order_status"], "immediate", "only that kind");
    // A forged token is not found.
    let forged = format!("{}x", link);
    let r = reqwest::Client::new().post(&forged).send().await.unwrap();
    assert_eq!(r.status(), 404);

    let before = env.sink.received().len();
    request_charge(&env, &order, "Ferry", 12000).await;
    settled(&env).await;
    assert_eq!(
        env.sink.received().len(),
        before + 1,
        "{:?}",
        subjects(&env, IVY)
    );
    assert!(
        mail_of(&env, ANN)
            .last()
            .unwrap()
            .decoded()
            .contains("Amount: 120.00 EUR")
    );

    // A contact added afterwards, then a replay of the notifier from position 0: nothing is
    // sent again, and the newcomer hears nothing about the old news.
    contact(
        &env,
        &timber,
        "Pia Later",
        "pia@timber.example",
        &["operations"],
        true,
    )
    .await;
    settled(&env).await;
    let before = env.sink.received().len();
    exec(&db, "UPDATE notifier_checkpoints SET position = 0", &[]).await;
    // Any new event wakes the notifier; it finds the gap and reads the log from the start.
    env.api.customer("Wake Up Ltd").await;
    wait_notifier_caught_up(&env.t.store, &env.t.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    settled(&env).await;
    assert_eq!(
        env.sink.received().len(),
        before,
        "nothing sent again after a replay"
    );
    assert!(
        subjects(&env, "pia@timber.example")
            .iter()
            .all(|s| s.contains("customer portal")),
        "only Pia's welcome"
    );
}

on_both_backends!(status_and_charge_emails);
