//! Read your writes through the real binary: a write answers `Portal-Position` (an idempotent
//! replay the first answer's position, a no-op none); a read sent with `Portal-Min-Position`
//! sees the write at once, on both backends and with projections fed through NATS; a position
//! the read models never reach is 503 problem+json with `Retry-After: 1` after the wait; a form
//! post's redirect answers its position, and the page it leads to shows the change.

use crate::fanout::{Names, StreamGuard, nats_url};
use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::values::Name;
use portal_domain::{CustomerId, TenantId};
use portal_eventlog::{Store, StreamId, execute};
use portal_testkit::api::{Api, Env, STAFF, problem};
use portal_testkit::db::wait_projected;
use portal_testkit::db::{db, user_id};
use portal_testkit::fixtures::{staff_ctx, staff_member, tenant};
use portal_testkit::http::{Answer, Browser};
use portal_testkit::on_both_backends;
use portal_testkit::process::base_of;
use portal_testkit::process::token;
use portal_testkit::smtp::SmtpSink;
use portal_testkit::{Backend, TestStoreRef, with_store};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `Portal-Position` of an answer.
pub(crate) fn position(a: &Answer) -> i64 {
    a.header("portal-position")
        .unwrap_or_else(|| panic!("no Portal-Position: {} {:?}", a.status, a.headers))
        .parse()
        .unwrap()
}

/// `GET path` with `Portal-Min-Position: min`.
pub(crate) async fn get_at(api: &Api, path: &str, min: &str) -> Answer {
    let r = api
        .http
        .get(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .header("portal-min-position", min)
        .send()
        .await
        .unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

/// Writes and reads each right after the other: every read sees its write.
async fn writes_then_reads(api: &Api) {
    for i in 0..5 {
        let name = format!("Fresh Freight {i}");
        let a = api
            .post("/api/v1/customers", &json!({ "name": name }))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let at = position(&a);
        assert!(at > 0);
        let id = a.json()["id"].as_str().unwrap().to_owned();
        let read = get_at(api, &format!("/api/v1/customers/{id}"), &at.to_string()).await;
        assert_eq!(read.status, 200, "read {i} after its write: {}", read.body);
        assert_eq!(read.json()["name"], name.as_str(), "{}", read.body);
        assert!(
            read.header("portal-position").is_none(),
            "a read wrote nothing"
        );

        let put = api.portal(&id, true, false).await;
        let switched = position(&put);
        assert!(switched > at);
        let list = get_at(
            api,
            "/api/v1/customers?portal_enabled=true",
            &switched.to_string(),
        )
        .await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(
            list.body.contains(&id),
            "list after the switch: {}",
            list.body
        );
    }
}

async fn api_reads_its_writes(t: TestStoreRef) {
    let env = Env::start(t).await;
    let api = &env.api;
    writes_then_reads(api).await;

    // An idempotent replay answers the first execution's position; a no-op answers none.
    let first = api
        .send_keyed(
            "POST",
            "/api/v1/customers",
            &json!({"name": "Keyed"}),
            "ryw-1",
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = api
        .send_keyed(
            "POST",
            "/api/v1/customers",
            &json!({"name": "Keyed"}),
            "ryw-1",
        )
        .await;
    assert!(again.status < 300, "{}", again.body);
    assert_eq!(position(&again), position(&first));
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/customers/{id}/portal");
    let off = json!({"enabled": false, "show_charges": false});
    let same = api.put(&path, &off).await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert!(
        same.header("portal-position").is_none(),
        "{:?}",
        same.headers
    );

    // Not a position: a field error of the header.
    for bad in ["soon", "-1", "1.5", ""] {
        let a = get_at(api, "/api/v1/customers", bad).await;
        let p = problem(&a, 422, bad);
        assert_eq!(p["errors"][0]["field"], "Portal-Min-Position", "{p}");
    }

    // A position the read models never reach: 503 with Retry-After after the wait.
    let future = (position(&first) + (1 << 40)).to_string();
    let started = Instant::now();
    let a = get_at(api, &format!("/api/v1/customers/{id}"), &future).await;
    let waited = started.elapsed();
    problem(&a, 503, "future position");
    assert_eq!(a.header("retry-after"), Some("1"));
    assert!(waited >= Duration::from_millis(4900), "{waited:?}");
    assert!(waited < Duration::from_secs(15), "{waited:?}");
}

async fn form_post_redirects_with_its_position(t: TestStoreRef) {
    let env = Env::start(t).await;
    let staff = Browser::new(&env.base());
    staff.login(&env.sink, STAFF).await;

    let created = staff
        .submit(
            "/staff/customers",
            &[("name", "Quick Quarry"), ("status", "approved")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let at = position(&created);
    assert!(at > 0);
    let to = created.location().unwrap().to_owned();
    assert!(to.starts_with("/staff/customers/"), "{to}");
    // The session keeps the position for its next page, which takes it and waits for it.
    let db = db(&env.t.url).await;
    let pending = |db: portal_identity::Db| async move {
        let data: Vec<String> = sqlx::query_scalar("SELECT data FROM sessions WHERE user_id = $1")
            .bind(user_id(STAFF))
            .fetch_all(db.pool())
            .await
            .unwrap();
        data.concat()
    };
    let kept = pending(db.clone()).await;
    assert!(
        kept.contains(&format!("\"read_your_writes.position\":{at}")),
        "{kept}"
    );
    let page = staff.get(&to).await;
    assert!(!pending(db).await.contains("read_your_writes.position"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Quick Quarry"), "{}", page.body);
    assert!(
        page.body.contains("Customer Quick Quarry created."),
        "{}",
        page.body
    );

    // A page asked for a position its read models never reach: the 503 error page.
    let profile = to.split('?').next().unwrap();
    let future = at + (1 << 40);
    let late = staff.get(&format!("{profile}?min_position={future}")).await;
    assert_eq!(late.status, 503, "{}", late.body);
    assert_eq!(late.header("retry-after"), Some("1"));
}

on_both_backends!(api_reads_its_writes, form_post_redirects_with_its_position);

/// `portal serve` on PostgreSQL with NATS: projections are fed through JetStream, and a read
/// with the write's position still sees the write at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_see_writes_with_projections_through_nats() {
    let Some(nats) = nats_url("reads_see_writes_with_projections_through_nats") else {
        return;
    };
    with_store(
        Backend::Postgres,
        "read_your_writes_nats",
        move |t| async move {
            let names = Names::new();
            let _guard = StreamGuard {
                url: nats.clone(),
                stream: names.stream.clone(),
            };
            let sink = SmtpSink::start().await;
            let mut cmd = portal_testkit::process::portal(&t.url);
            cmd.args(["serve", "--listen", "127.0.0.1:0"])
                .env("NATS_URL", &nats)
                .env("PORTAL_NATS_STREAM", &names.stream)
                .env("PORTAL_NATS_SUBJECT_PREFIX", &names.prefix)
                .env("SMTP_URL", sink.url())
                .env("PORTAL_MAIL_FROM", "ACME Portal <portal@acme.example>");
            let server = portal_testkit::process::serve_logged(cmd);
            let acme = tenant(&t.store, "acme", "ACME Transport").await;
            staff_member(&t.store, &acme, STAFF).await;
            wait_projected(&t.store, &t.url).await;
            let token = token(&t.url, "acme", STAFF, None).await;
            let api = Api::new(&base_of(&server), &token);
            writes_then_reads(&api).await;
        },
    )
    .await;
}
/// Another tenant's steady writes: a customer created every 2 ms (500 events/s), each append in
/// its own task, until `stop`, counting the appends that committed in `written`.
async fn other_tenant_writes(
    store: Store,
    other: TenantId,
    stop: Arc<AtomicBool>,
    written: Arc<AtomicU64>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(2));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        n += 1;
        let (store, other, written) = (store.clone(), other.clone(), written.clone());
        tokio::spawn(async move {
            let id = CustomerId(uuid::Uuid::now_v7());
            let command = CustomerCommand::CreateCustomer {
                customer_id: id,
                name: Name::parse(&format!("Load Customer {n}")).unwrap(),
                code: None,
                status: CustomerStatus::Approved,
            };
            let stream = StreamId::of::<Customer>(id);
            if execute::<Customer>(&store, &stream, &staff_ctx(&other), &command)
                .await
                .is_ok()
            {
                written.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

/// While another tenant writes 500 events/s, every form post's redirect leads to a page that
/// shows the change (the page waits for its own write, which the projections reach in the
/// stream of the other tenant's events).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn form_posts_show_their_change_while_another_tenant_writes() {
    with_store(
        Backend::Postgres,
        "form_posts_show_their_change_while_another_tenant_writes",
        |t| async move {
            let env = Env::start(t).await;
            let other = tenant(&env.t.store, "other", "Other Carrier").await;
            let staff = Browser::new(&env.base());
            staff.login(&env.sink, STAFF).await;

            let stop = Arc::new(AtomicBool::new(false));
            let written = Arc::new(AtomicU64::new(0));
            let writer = tokio::spawn(other_tenant_writes(
                env.t.store.clone(),
                other,
                stop.clone(),
                written.clone(),
            ));
            tokio::time::sleep(Duration::from_millis(500)).await;
            let before = written.load(Ordering::Relaxed);
            // At least 20 posts, and as many as it takes for 1,000 of the other tenant's events
            // to be written meanwhile.
            let mut i = 0;
            while i < 20 || written.load(Ordering::Relaxed) - before < 1000 {
                assert!(i < 2000, "the other tenant's writes stalled");
                let name = format!("Busy Freight {i:02}");
                let created = staff
                    .submit(
                        "/staff/customers",
                        &[("name", &name), ("status", "approved")],
                    )
                    .await;
                assert_eq!(created.status, 303, "{}", created.body);
                let page = staff.get(created.location().unwrap()).await;
                assert_eq!(page.status, 200, "{}", page.body);
                assert!(
                    page.body.contains(&format!("Customer {name} created.")),
                    "{}",
                    page.body
                );
                i += 1;
            }
            stop.store(true, Ordering::Relaxed);
            writer.await.unwrap();
        },
    )
    .await;
}
