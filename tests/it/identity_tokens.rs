//! End-to-end tests of bearer tokens on both backends: a token is bound to the grant it was made
//! for (a re-granted contact's or re-added staff member's old token stays dead), expiry, and the
//! `portal token create | list | revoke` commands with the recorded last use.

use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::Email;
use portal_domain::{TenantId, UserId};
use portal_eventlog::{Store, StreamId, execute};
use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::{all_events, db, exec};
use portal_testkit::fixtures::{contact, customer, grant, revoke, staff_ctx, staff_member, tenant};
use portal_testkit::http::Browser;
use portal_testkit::on_both_backends;
use portal_testkit::process::cli;
use portal_testkit::process::*;
use portal_testkit::wait_until;
use std::time::Duration;

const ANN: &str = "ann@customer.example";
const OPS: &str = "ops@acme.example";

/// `portal token create` with `args`: the raw token.
async fn create(url: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--tenant", "acme"];
    all.extend_from_slice(args);
    let (code, stdout) = cli(url, &all).await;
    assert_eq!(code, 0, "{all:?}: {stdout}");
    let token = stdout.trim().to_owned();
    assert_eq!(token.len(), 43, "{token}");
    token
}

/// `portal token list` (with `args`): the lines after the header, split into their columns.
async fn list(url: &str, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["token", "list"];
    all.extend_from_slice(args);
    let (code, stdout) = cli(url, &all).await;
    assert_eq!(code, 0, "{stdout}");
    let mut lines = stdout.lines();
    assert!(
        lines.next().unwrap().starts_with("id\tprefix\t"),
        "{stdout}"
    );
    lines
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The line of `list` whose prefix column starts `token`.
fn line_of<'a>(lines: &'a [Vec<String>], token: &str) -> &'a Vec<String> {
    lines
        .iter()
        .find(|l| token.starts_with(l[1].trim_end_matches('…')))
        .unwrap_or_else(|| panic!("no line for the token in {lines:?}"))
}

fn start(url: &str) -> Served {
    let mut cmd = portal(url);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    serve(cmd)
}

/// Waits until `token` gets `status` from `GET /api/v1/orders`.
async fn wait_status(b: &Browser, token: &str, status: u16, what: &str) {
    wait_until(what, Duration::from_secs(30), || async {
        b.get_bearer("/api/v1/orders", token).await.status == status
    })
    .await;
}

async fn remove_staff(store: &Store, t: &TenantId, email: &str) {
    let user_id = UserId::for_email(&Email::parse(email).unwrap());
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(t),
        &staff_ctx(t),
        &TenantCommand::RemoveStaffMember { user_id },
    )
    .await
    .unwrap();
}

async fn regranted_contacts_old_token_is_refused(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let ann = contact(&t.store, &acme, c, ANN).await;
    let customer_id = c.to_string();
    let old = create(&t.url, &["--email", ANN, "--customer", &customer_id]).await;

    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 200);
    revoke(&t.store, &acme, ann).await;
    wait_status(&b, &old, 401, "the revoked contact's token to be refused").await;
    grant(&t.store, &acme, ann).await;
    // The read models have the grant again: only the binding can refuse the token now.
    wait_projected(&t.store, &t.url).await;
    let again = b.get_bearer("/api/v1/orders", &old).await;
    assert_eq!(again.status, 401, "{}", again.body);
    drop(server);

    // A token made for the new grant works; the old one stays dead, also after a restart.
    let new = create(&t.url, &["--email", ANN, "--customer", &customer_id]).await;
    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &new).await.status, 200);
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 401);
    let lines = list(&t.url, &["--email", ANN]).await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(line_of(&lines, &old)[8], "access ended");
    assert_eq!(line_of(&lines, &new)[8], "active");
}

async fn row_without_contact_or_versions_is_bound_to_the_whole_history(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let ann = contact(&t.store, &acme, c, ANN).await;
    let old = create(&t.url, &["--email", ANN, "--customer", &c.to_string()]).await;
    // A row as the migration leaves older ones: no contact, versions 0, no expiry.
    let db = db(&t.url).await;
    let sql = "UPDATE api_tokens SET contact_id = NULL, grant_version = 0, portal_version = 0, \
               expires_at = NULL, email = NULL, prefix = NULL";
    assert_eq!(exec(&db, sql, &[]).await, 1);
    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 200);
    revoke(&t.store, &acme, ann).await;
    wait_status(&b, &old, 401, "the revoked contact's token to be refused").await;
    grant(&t.store, &acme, ann).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 401);
}

async fn customer_portal_off_and_on_ends_the_token(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, ANN).await;
    let old = create(&t.url, &["--email", ANN, "--customer", &c.to_string()]).await;
    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 200);
    portal_testkit::fixtures::set_portal(&t.store, &acme, c, false).await;
    wait_status(
        &b,
        &old,
        401,
        "the token to be refused while the portal is off",
    )
    .await;
    portal_testkit::fixtures::set_portal(&t.store, &acme, c, true).await;
    wait_projected(&t.store, &t.url).await;
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 401);
}

async fn removed_staff_members_token_is_refused(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    let old = create(&t.url, &["--email", OPS, "--name", "ERP export"]).await;
    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &old).await.status, 200);
    remove_staff(&t.store, &acme, OPS).await;
    wait_status(&b, &old, 401, "the removed member's token to be refused").await;
    staff_member(&t.store, &acme, OPS).await;
    wait_projected(&t.store, &t.url).await;
    let again = b.get_bearer("/api/v1/orders", &old).await;
    assert_eq!(again.status, 401, "{}", again.body);
    let lines = list(&t.url, &[]).await;
    assert_eq!(line_of(&lines, &old)[2], "ERP export");
    assert_eq!(line_of(&lines, &old)[8], "access ended");
}

async fn expired_token_is_refused(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    for days in ["0", "3651", "soon"] {
        let url = t.url.clone();
        let (code, _, stderr) = tokio::task::spawn_blocking(move || {
            run(portal(&url).args([
                "token",
                "create",
                "--tenant",
                "acme",
                "--email",
                OPS,
                "--expires-in",
                days,
            ]))
        })
        .await
        .unwrap();
        assert_ne!(code, 0, "--expires-in {days}: {stderr}");
        assert!(stderr.contains("expires-in"), "{stderr}");
    }
    let token = create(&t.url, &["--email", OPS, "--expires-in", "1"]).await;
    let lines = list(&t.url, &[]).await;
    let tomorrow = portal_testkit::fixtures::day(1);
    assert!(
        line_of(&lines, &token)[6].starts_with(&tomorrow),
        "{lines:?}"
    );
    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &token).await.status, 200);
    // A day later: the expiry moved into the past.
    let db = db(&t.url).await;
    let past = (time::OffsetDateTime::now_utc().unix_timestamp() - 1) * 1000;
    let changed = exec(
        &db,
        &format!("UPDATE api_tokens SET expires_at = {past}"),
        &[],
    )
    .await;
    assert_eq!(changed, 1);
    assert_eq!(b.get_bearer("/api/v1/orders", &token).await.status, 401);
    assert_eq!(line_of(&list(&t.url, &[]).await, &token)[8], "expired");
}

async fn cli_lists_revokes_and_records_last_use(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    staff_member(&t.store, &acme, OPS).await;
    let used = create(&t.url, &["--email", OPS, "--name", "Warehouse"]).await;
    let idle = create(&t.url, &["--email", OPS]).await;
    let lines = list(&t.url, &["--email", OPS]).await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    for token in [&used, &idle] {
        let line = line_of(&lines, token);
        assert_eq!(line[3], OPS);
        assert_eq!(line[4], "staff of acme");
        assert_eq!(line[7], "never", "{line:?}");
        assert_eq!(line[8], "active");
        assert!(
            !line.join(" ").contains(token.as_str()),
            "a whole token is listed"
        );
    }
    assert!(list(&t.url, &["--email", ANN]).await.is_empty());

    let server = start(&t.url);
    let b = Browser::new(&format!("http://{}", server.addr));
    assert_eq!(b.get_bearer("/api/v1/orders", &used).await.status, 200);
    let db = db(&t.url).await;
    let last_use = || async {
        let rows: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT prefix, last_used_at FROM api_tokens")
                .fetch_all(db.pool())
                .await
                .unwrap();
        rows.into_iter()
            .find(|(p, _)| used.starts_with(p.as_str()))
            .unwrap()
            .1
    };
    let first = last_use().await.expect("the use is recorded");
    // Within the minute: no write, the recorded use stays.
    for _ in 0..3 {
        assert_eq!(b.get_bearer("/api/v1/orders", &used).await.status, 200);
    }
    assert_eq!(last_use().await, Some(first));
    let lines = list(&t.url, &[]).await;
    assert_ne!(line_of(&lines, &used)[7], "never", "{lines:?}");
    assert_eq!(line_of(&lines, &idle)[7], "never", "{lines:?}");

    // Revoke by id: refused at once; a second revoke and an unknown id say so.
    let id = line_of(&lines, &used)[0].clone();
    let (code, stdout) = cli(&t.url, &["token", "revoke", &id]).await;
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("is revoked"), "{stdout}");
    assert_eq!(b.get_bearer("/api/v1/orders", &used).await.status, 401);
    assert_eq!(b.get_bearer("/api/v1/orders", &idle).await.status, 200);
    let (code, stdout) = cli(&t.url, &["token", "revoke", &id]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("already revoked"), "{stdout}");
    let unknown = uuid::Uuid::now_v7().to_string();
    let (code, _) = cli(&t.url, &["token", "revoke", &unknown]).await;
    assert_eq!(code, 1);
    let (code, _) = cli(&t.url, &["token", "revoke", "not-an-id"]).await;
    assert_eq!(code, 1);
    let lines = list(&t.url, &[]).await;
    assert_eq!(line_of(&lines, &used)[8], "revoked");
    let revoked: Vec<_> = all_events(&t.store)
        .await
        .into_iter()
        .filter(|e| e.event_type == "ApiTokenRevoked")
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].payload["credential_id"], id.as_str());
    for e in all_events(&t.store).await {
        let text = format!("{} {:?}", e.payload, e.metadata);
        assert!(
            !text.contains(&used) && !text.contains(&idle),
            "a token in the log"
        );
    }
}

on_both_backends!(
    regranted_contacts_old_token_is_refused,
    row_without_contact_or_versions_is_bound_to_the_whole_history,
    customer_portal_off_and_on_ends_the_token,
    removed_staff_members_token_is_refused,
    expired_token_is_refused,
    cli_lists_revokes_and_records_last_use,
);
