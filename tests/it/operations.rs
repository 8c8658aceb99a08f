//! End-to-end tests of the operations and audit subcommands (`replay`, `rebuild`,
//! `events --follow`), the roles (`relay`, `project`) and `/metrics`, on both backends.

use portal_domain::Actor;
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::Name;
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
use portal_testkit::TestStoreRef;
use portal_testkit::http::{get_json, get_text};
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

async fn rename(store: &Store, slug: &str, name: &str) {
    let tenant = portal_domain::TenantId::parse(slug).unwrap();
    let ctx = CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::Operator),
        idempotency: None,
    };
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(&tenant),
        &ctx,
        &TenantCommand::RenameTenant {
            name: Name::parse(name).unwrap(),
        },
    )
    .await
    .unwrap();
}

async fn replay_shows_the_state_at_any_position(t: TestStoreRef) {
    let url = t.url.clone();
    let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme One"]));
    assert_eq!(code, 0, "{stderr}");
    rename(&t.store, "acme", "Acme Two").await;
    let log = t.store.read_all(0, 10).await.unwrap();
    let first = log[0].position;
    tokio::task::spawn_blocking(move || {
        let (code, stdout, stderr) = run(portal(&url).args(["replay", "--stream", "tenant-acme"]));
        assert_eq!(code, 0, "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(
            lines[0].contains("TenantCreated") && lines[1].contains("TenantRenamed"),
            "{stdout}"
        );
        assert!(lines[2].starts_with("# state after version 2"), "{stdout}");
        let state: serde_json::Value = serde_json::from_str(&lines[3..].join("\n")).unwrap();
        assert_eq!(state["name"], "Acme Two");

        // Time travel: the state as it was after the first event.
        let until = first.to_string();
        let (code, stdout, _) =
            run(portal(&url).args(["replay", "--stream", "tenant-acme", "--until", &until]));
        assert_eq!(code, 0);
        assert!(!stdout.contains("TenantRenamed"), "{stdout}");
        assert!(stdout.contains("# state after version 1"), "{stdout}");
        assert!(stdout.contains("\"name\": \"Acme One\""), "{stdout}");

        let (code, _, stderr) = run(portal(&url).args(["replay", "--stream", "tenant-nope"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "no events");
        let (code, _, stderr) = run(portal(&url).args(["replay", "--stream", "Not A Stream"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--stream");
    })
    .await
    .unwrap();
}

async fn rebuild_replaces_the_read_models(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme"]));
        assert_eq!(code, 0, "{stderr}");
        let (code, stdout, _) = run(portal(&url).args(["rebuild", "--projection", "list"]));
        assert_eq!(code, 0);
        assert!(stdout.lines().any(|l| l == "tenants"), "{stdout}");
        let (code, _, stderr) = run(portal(&url).args(["rebuild", "--projection", "nope"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "tenants");
        let (code, stdout, stderr) = run(portal(&url).arg("rebuild"));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("from 1 events"), "{stdout}");
        let (code, stdout, stderr) = run(portal(&url).args(["rebuild", "--projection", "tenants"]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.starts_with("rebuilt 1 projection(s)"), "{stdout}");
        assert!(stdout.contains("tenants"), "{stdout}");
    })
    .await
    .unwrap();
    // A stray row planted in a read model is gone after a rebuild; the real one stays.
    let db = portal_projections::ReadDb::connect(&t.url, 2)
        .await
        .unwrap();
    sqlx::query("INSERT INTO rm_tenants (tenant, key, doc) VALUES ('ghost', 'ghost', '{}')")
        .execute(db.pool())
        .await
        .unwrap();
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let (code, _, stderr) = run(portal(&url).arg("rebuild"));
        assert_eq!(code, 0, "{stderr}");
    })
    .await
    .unwrap();
    let tenants: Vec<String> = sqlx::query_scalar("SELECT tenant FROM rm_tenants ORDER BY tenant")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(tenants, ["acme"]);
}

async fn events_follow_tails_the_log(t: TestStoreRef) {
    let url = t.url.clone();
    let (code, _, _) = run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme"]));
    assert_eq!(code, 0);
    let mut child = portal(&url)
        .args(["events", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(first.contains("TenantCreated"), "{first}");
    // Appended by another process after `events --follow` reached the head.
    rename(&t.store, "acme", "Acme Renamed").await;
    let started = Instant::now();
    let second = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(second.contains("TenantRenamed"), "{second}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
}

async fn roles_need_nats(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        for role in ["relay", "project"] {
            let (code, _, stderr) = run(portal(&url).arg(role));
            assert_eq!(code, 1, "{stderr}");
            assert_one_error_line(&stderr, "NATS_URL");
        }
        let (code, _, stderr) = run(portal(&url).args(["--nats-url", "http://x", "migrate"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--nats-url / NATS_URL");
    })
    .await
    .unwrap();
}

async fn metrics_report_positions_and_lags(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let (code, _, _) = run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme"]));
        assert_eq!(code, 0);
        let mut cmd = portal(&url);
        cmd.args(["serve", "--listen", "127.0.0.1:0"]);
        let served = serve(cmd);
        // The embedded relay and projections catch up with the event appended before start.
        let deadline = Instant::now() + Duration::from_secs(30);
        let base = format!("http://{}", served.addr);
        let rt = tokio::runtime::Handle::current();
        let body = loop {
            let (status, body) = rt.block_on(get_text(&base, "/metrics", None));
            assert_eq!(status, 200);
            if body.contains("portal_projection_lag_events{projection=\"tenants\"} 0")
                && body.contains("portal_relay_lag_events{relay=\"in-process\"} 0")
            {
                break body;
            }
            assert!(Instant::now() < deadline, "{body}");
            std::thread::sleep(Duration::from_millis(100));
        };
        for metric in [
            "portal_events_appended_total",
            "portal_log_head_position",
            "portal_relay_position{relay=\"in-process\"}",
            "portal_projection_position{projection=\"tenants\"}",
            "portal_projection_dead_letters{projection=\"tenants\"} 0",
        ] {
            assert!(body.contains(metric), "{metric} missing from\n{body}");
        }
        let (status, ready) = rt.block_on(get_json(&base, "/readyz"));
        assert_eq!(status, 200);
        assert_eq!(ready["dead_letters"], 0);
    })
    .await
    .unwrap();
}

on_both_backends!(
    replay_shows_the_state_at_any_position,
    rebuild_replaces_the_read_models,
    events_follow_tails_the_log,
    roles_need_nats,
    metrics_report_positions_and_lags,
);

#[test]
fn in_memory_sqlite_is_refused() {
    for url in ["sqlite::memory:", "sqlite:"] {
        let (code, _, stderr) = run(portal(url).arg("migrate"));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "in-memory");
    }
}
