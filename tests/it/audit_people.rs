//! The audit names people and says what happened, through the real service on both backends:
//! a portal user approves a charge with a comment and the staff audit of that order names her
//! (name and email) in words with the amount and the comment; every command path (JSON with
//! bearer tokens, pages with sessions; staff and portal) records the acting user's own identity;
//! the portal's order history shows a colleague's name and the carrier's name for staff, never
//! a staff email or another customer's people; the audit filters by person and day (bad filters
//! are 422 naming the parameter) and exports CSV; a person keeps their label after an email
//! change and removal; the OpenAPI document describes it all.

use crate::api_exports::{column, csv_records, order_body};
use portal_testkit::TestStoreRef;
use portal_testkit::api::{Api, Env, STAFF, field_error};
use portal_testkit::http::{Browser, hidden_inputs};
use portal_testkit::on_both_backends;
use portal_testkit::process::token;
use serde_json::{Value, json};

const ANN: &str = "ann.early@nordic.example";
const BO: &str = "bo.berg@nordic.example";
const CY: &str = "cy@other.example";
const EVA: &str = "Eva Lund";

fn user_id(email: &str) -> String {
    let email = portal_domain::values::Email::parse(email).unwrap();
    portal_domain::UserId::for_email(&email).to_string()
}

/// A customer with portal access and charges shown, with contacts `people` (name, email) who
/// have access: the customer's id and one API client per contact.
async fn customer_with(env: &Env, name: &str, people: &[(&str, &str)]) -> (String, Vec<Api>) {
    let id = env.api.customer(name).await;
    env.api.portal(&id, true, true).await;
    for (person, email) in people {
        let a = env
            .api
            .post(
                &format!("/api/v1/customers/{id}/contacts"),
                &json!({"name": person, "email": email, "portal_access": true}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    env.projected().await;
    let mut apis = Vec::new();
    for (_, email) in people {
        let t = token(&env.t.url, "acme", email, Some(&id)).await;
        apis.push(env.with_token(&t));
    }
    (id, apis)
}

fn event<'a>(history: &'a Value, event_type: &str) -> &'a Value {
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {history}"))
}

async fn audit_names_people(t: TestStoreRef) {
    let env = Env::start(t).await;
    let staff = &env.api;
    // The staff member gets a display name (`portal staff add --name`).
    let email = portal_domain::values::Email::parse(STAFF).unwrap();
    portal_eventlog::execute::<portal_domain::tenant::Tenant>(
        &env.t.store,
        &portal_eventlog::StreamId::of::<portal_domain::tenant::Tenant>(&env.acme),
        &portal_testkit::fixtures::staff_ctx(&env.acme),
        &portal_domain::tenant::TenantCommand::AddStaffMember {
            user_id: portal_domain::UserId::for_email(&email),
            email,
            name: Some(portal_domain::values::Name::parse(EVA).unwrap()),
        },
    )
    .await
    .unwrap();
    let (_nordic, apis) = customer_with(
        &env,
        "Nordic Timber AB",
        &[("Ann Early", ANN), ("Bo Berg", BO)],
    )
    .await;
    let (ann, bo) = (&apis[0], &apis[1]);
    let _ = customer_with(&env, "Other Co", &[("Cy Other", CY)]).await;

    // Ann drafts and submits; staff accept and add two charges; Ann approves one with a comment.
    let a = ann
        .post("/api/v1/orders", &order_body("PO-77", "Växjö"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let order = a.json()["id"].as_str().unwrap().to_owned();
    let a = ann
        .post(&format!("/api/v1/orders/{order}/submit"), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = staff
        .post(
            &format!("/api/v1/orders/{order}/status"),
            &json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut charges = Vec::new();
    for (description, minor) in [("Waiting time", 4500), ("Ferry", 12000)] {
        let a = staff
            .post(
                &format!("/api/v1/orders/{order}/charges"),
                &json!({"description": description, "amount_minor": minor,
                    "currency": "EUR", "request_approval": true}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        charges.push(a.json()["id"].as_str().unwrap().to_owned());
    }
    let a = ann
        .post(
            &format!("/api/v1/orders/{order}/charges/{}/approval", charges[0]),
            &json!({"decision": "approved", "comment": "driver waited"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);

    // Pages with sessions: staff plan the order, Bo rejects the ferry on the order page.
    let staff_web = Browser::new(&env.base());
    staff_web.login(&env.sink, STAFF).await;
    let page = staff_web.get(&format!("/staff/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let action = format!("/staff/orders/{order}/status");
    let mut fields = hidden_inputs(&page.body, &action);
    fields.push(("status".into(), "planned".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = staff_web.post_raw(&action, &fields, &[]).await;
    assert!(done.status == 303 || done.status == 200, "{}", done.body);
    let bo_web = Browser::new(&env.base());
    bo_web.login(&env.sink, BO).await;
    let page = bo_web.get(&format!("/portal/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let action = format!("/portal/orders/{order}/charges/{}/decision", charges[1]);
    let mut fields = hidden_inputs(&page.body, &action);
    fields.push(("decision".into(), "rejected".into()));
    fields.push(("comment".into(), "=too dear".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = bo_web.post_raw(&action, &fields, &[]).await;
    assert!(done.status == 303 || done.status == 200, "{}", done.body);
    env.projected().await;

    // The staff audit names the people in words.
    let stream = format!("/api/v1/audit/streams/order-{order}");
    let a = staff.get(&stream).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let h = a.json();
    let approved = event(&h, "ChargeApproved");
    assert_eq!(approved["actor"]["kind"], "portal_user", "{approved}");
    assert_eq!(approved["actor"]["name"], "Ann Early", "{approved}");
    assert_eq!(approved["actor"]["email"], ANN, "{approved}");
    assert_eq!(
        approved["summary"],
        "Ann Early approved charge “Waiting time” €45.00: “driver waited”"
    );
    assert!(
        approved["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "charges[0].approval"
                && c["before"] == "requested"
                && c["after"] == "approved"),
        "{approved}"
    );
    // The raw event stays: payload and metadata with ids only.
    assert_eq!(approved["payload"]["comment"], "driver waited");
    assert!(
        !approved["metadata"].to_string().contains("Ann"),
        "{approved}"
    );
    let accepted = event(&h, "OrderAccepted");
    assert_eq!(accepted["actor"]["email"], STAFF, "{accepted}");
    assert_eq!(accepted["actor"]["name"], EVA, "{accepted}");
    assert!(
        accepted["summary"]
            .as_str()
            .unwrap()
            .starts_with("Eva Lund accepted order"),
        "{accepted}"
    );
    assert!(
        accepted["summary"]
            .as_str()
            .unwrap()
            .ends_with("Status: submitted → accepted"),
        "{accepted}"
    );

    // Every path records the acting user's own identity: JSON with bearer tokens (Ann, staff),
    // pages with sessions (staff, Bo).
    let by = |event_type: &str| event(&h, event_type)["metadata"]["actor"]["user_id"].clone();
    assert_eq!(by("OrderSubmitted"), user_id(ANN));
    assert_eq!(by("ChargeApproved"), user_id(ANN));
    assert_eq!(by("OrderAccepted"), user_id(STAFF));
    assert_eq!(by("OrderPlanned"), user_id(STAFF));
    let rejected = event(&h, "ChargeRejected");
    assert_eq!(rejected["metadata"]["actor"]["user_id"], user_id(BO));
    assert_eq!(rejected["actor"]["name"], "Bo Berg");

    // The people of the stream, the filter's choices.
    let people: Vec<String> = h["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        people,
        vec!["Ann Early".to_owned(), "Bo Berg".into(), EVA.into()]
    );

    // Filters: by person, by day; bad ones name their parameter.
    let ann_only = staff
        .get(&format!("{stream}?person={}", user_id(ANN)))
        .await
        .json();
    let kinds: Vec<&str> = ann_only["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["OrderDraftCreated", "OrderSubmitted", "ChargeApproved"]
    );
    let today = time::OffsetDateTime::now_utc().date();
    let (before, after) = (
        today - time::Duration::days(2),
        today + time::Duration::days(2),
    );
    let all = h["events"].as_array().unwrap().len();
    let in_range = staff
        .get(&format!("{stream}?from={before}&to={after}"))
        .await
        .json();
    assert_eq!(in_range["events"].as_array().unwrap().len(), all);
    let none = staff.get(&format!("{stream}?to={before}")).await.json();
    assert_eq!(none["events"], json!([]), "{none}");
    let bad = staff
        .get(&format!("{stream}?person=ann&from=yesterday&format=xml"))
        .await;
    field_error(&bad, "person", "person not an id");
    field_error(&bad, "from", "from not a date");
    field_error(&bad, "format", "unknown format");
    field_error(
        &staff
            .get(&format!("{stream}?from={after}&to={before}"))
            .await,
        "to",
        "to before from",
    );

    // CSV: BOM, people in words, formulas neutralised.
    let (bytes, ctype) = staff
        .download(&format!("{stream}?format=csv&person={}", user_id(BO)))
        .await;
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    let rows = csv_records(&bytes);
    let (name, email, summary, changes) = (
        column(&rows[0], "actor_name"),
        column(&rows[0], "actor_email"),
        column(&rows[0], "summary"),
        column(&rows[0], "changes"),
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[1][name].as_str(), rows[1][email].as_str()),
        ("Bo Berg", BO)
    );
    assert_eq!(
        rows[1][summary],
        "Bo Berg rejected charge “Ferry” €120.00: “=too dear”"
    );
    assert!(
        rows[1][changes].contains("charges[1].comment: — → =too dear"),
        "{rows:?}"
    );

    // The portal's order history: a colleague's name, the carrier's name for staff; never a
    // staff email, a staff id or another customer's people.
    let detail = bo.get(&format!("/api/v1/orders/{order}")).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let d = detail.json();
    let names: Vec<String> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["by_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["Ann Early", "Ann Early", "ACME Transport", "ACME Transport"],
        "{d}"
    );
    for leak in [STAFF, &user_id(STAFF), EVA, "Cy Other", ANN] {
        assert!(!detail.body.contains(leak), "{leak} in {}", detail.body);
    }
    let page = bo_web.get(&format!("/portal/orders/{order}")).await;
    assert!(page.body.contains("by Ann Early"), "{}", page.body);
    assert!(page.body.contains("by ACME Transport"), "{}", page.body);
    assert!(!page.body.contains(STAFF), "{}", page.body);
    // Staff read the same history with names and emails.
    let page = staff_web.get(&format!("/staff/orders/{order}")).await;
    assert!(page.body.contains("by Ann Early"), "{}", page.body);
    assert!(page.body.contains(&format!("by {EVA}")), "{}", page.body);
    let audit = staff_web
        .get(&format!(
            "/staff/orders/{order}/audit?person={}",
            user_id(ANN)
        ))
        .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert!(
        audit
            .body
            .contains("Ann Early approved charge “Waiting time” €45.00: “driver waited”"),
        "{}",
        audit.body
    );
    assert!(
        audit.body.contains(ANN) && audit.body.contains("<details"),
        "{}",
        audit.body
    );
    assert!(!audit.body.contains("Bo Berg rejected"), "{}", audit.body);

    // A person keeps their label after their email changes (a new identity) and after removal.
    let bo_contact = staff.get("/api/v1/contacts?q=Berg").await.json()["items"][0]["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = staff
        .put(
            &format!("/api/v1/contacts/{bo_contact}"),
            &json!({"name": "Bo Berg-Ek", "email": "bo@nordic.example"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let contact_id: portal_domain::ContactId = bo_contact.parse().unwrap();
    portal_eventlog::execute::<portal_domain::contact::Contact>(
        &env.t.store,
        &portal_eventlog::StreamId::of::<portal_domain::contact::Contact>(contact_id),
        &portal_testkit::fixtures::staff_ctx(&env.acme),
        &portal_domain::contact::ContactCommand::RemoveContact,
    )
    .await
    .unwrap();
    env.projected().await;
    let later = staff.get(&stream).await.json();
    let rejected = event(&later, "ChargeRejected");
    assert_eq!(rejected["actor"]["name"], "Bo Berg-Ek", "{rejected}");
    assert_eq!(
        rejected["actor"]["email"], "bo@nordic.example",
        "{rejected}"
    );
}

/// The OpenAPI document describes the audit's filters, both content types and every status.
async fn audit_is_documented(t: TestStoreRef) {
    let env = Env::start(t).await;
    let spec = env.api.get("/api/openapi.json").await.json();
    let op = &spec["paths"]["/api/v1/audit/streams/{stream_id}"]["get"];
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["stream_id", "until", "person", "from", "to", "format"] {
        assert!(params.contains(&name), "{name} in {params:?}");
    }
    let ok = &op["responses"]["200"]["content"];
    assert!(
        ok["application/json"].is_object() && ok["text/csv"].is_object(),
        "{op}"
    );
    for status in ["404", "422"] {
        assert!(
            op["responses"][status]["content"]["application/problem+json"].is_object(),
            "{status}: {op}"
        );
    }
}

on_both_backends!(audit_names_people, audit_is_documented);
