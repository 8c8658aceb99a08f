//! The webhook pages with a logged-in browser: the settings pages link them; adding shows the
//! secret once (never again, not in the list), the same form posted twice adds one endpoint, bad
//! input is 422 with an error summary and the message by the field, the delivery log shows the
//! attempts and *Send again* queues one; a portal user gets 404 for the staff's pages and the
//! staff's endpoint.

use super::ALLOW;
use super::receiver::Receiver;
use portal_testkit::api::{Env, STAFF};
use portal_testkit::http::{Browser, hidden_inputs};
use portal_testkit::{Backend, TestStoreRef, with_store};

const P: &str = "/staff/settings/webhooks";

async fn staff_manage_endpoints_by_form(t: TestStoreRef) {
    let rx = Receiver::start().await;
    let env = Env::start_with(t, &ALLOW).await;
    let browser = Browser::new(&env.base());
    browser.login(&env.sink, STAFF).await;
    let settings = browser.get("/staff/settings").await;
    assert_eq!(settings.status, 200);
    assert!(
        settings.body.contains(P),
        "the settings page links the webhooks"
    );

    // Bad input: 422, error summary, message by the field.
    let bad = browser
        .submit(
            P,
            &[("url", "ftp://x.example/"), ("event_types", "orders.*")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("error-summary"));
    assert!(bad.body.contains("id=\"url-error\""));
    assert!(bad.body.contains("id=\"event_types-error\""));

    // Added: the secret once.
    let page = browser.get(P).await;
    let mut fields = hidden_inputs(&page.body, P);
    fields.push(("url".into(), rx.url.clone()));
    fields.push(("event_types".into(), "customer.CustomerCreated".into()));
    fields.push(("description".into(), "ERP".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let added = browser.post_raw(P, &fields, &[]).await;
    assert_eq!(added.status, 201, "{}", added.body);
    let at = added.body.find("whsec_").expect("the secret is shown");
    let secret: String = added.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "_+/=".contains(*c))
        .collect();
    // The same form again: no second endpoint.
    let again = browser.post_raw(P, &fields, &[]).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let list = browser.get(P).await;
    assert!(
        !list.body.contains(&secret),
        "the secret is shown once only"
    );
    let endpoints = env.api.get("/api/v1/webhooks").await.json();
    let items = endpoints["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{endpoints}");
    let id = items[0]["id"].as_str().unwrap().to_owned();

    // A delivery, its log, Send again.
    env.api.customer("Logged").await;
    rx.wait_for(1).await;
    let detail_path = format!("{P}/{id}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let detail = loop {
        let d = browser.get(&detail_path).await;
        if d.body.contains("succeeded") || tokio::time::Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(detail.status, 200);
    assert!(
        detail.body.contains("customer.CustomerCreated"),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("HTTP 200"), "{}", detail.body);
    assert!(!detail.body.contains(&secret));
    let retry_action = {
        let at = detail.body.find("/retry\"").expect("a Send again form");
        let start = detail.body[..at].rfind("action=\"").unwrap() + "action=\"".len();
        detail.body[start..at + "/retry".len()].to_owned()
    };
    let sent = browser.submit(&retry_action, &[]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    rx.wait_for(2).await;

    // Disable, enable again, delete.
    for (action, enabled) in [("disable", false), ("enable", true)] {
        let a = browser
            .submit(&format!("{detail_path}/{action}"), &[])
            .await;
        assert_eq!(a.status, 303, "{action}: {}", a.body);
        let v = env.api.get(&format!("/api/v1/webhooks/{id}")).await.json();
        assert_eq!(v["enabled"], enabled, "{action}");
    }

    // A portal user: the staff's pages and endpoint do not exist.
    let (_, _api) = env.portal_user("Alpha", "ann@alpha.example", false).await;
    let portal = Browser::new(&env.base());
    portal.login(&env.sink, "ann@alpha.example").await;
    assert_eq!(portal.get(P).await.status, 404);
    assert_eq!(
        portal
            .get(&format!("/portal/settings/webhooks/{id}"))
            .await
            .status,
        404
    );
    let own = portal.get("/portal/settings").await;
    assert!(own.body.contains("/portal/settings/webhooks"));
    assert_eq!(portal.get("/portal/settings/webhooks").await.status, 200);

    let gone = browser.submit(&format!("{detail_path}/delete"), &[]).await;
    assert_eq!(gone.status, 303);
    assert_eq!(browser.get(&detail_path).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_manage_endpoints_by_form_postgres() {
    with_store(
        Backend::Postgres,
        "webhook_pages",
        staff_manage_endpoints_by_form,
    )
    .await;
}
