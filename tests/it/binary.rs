//! End-to-end tests of the `portal` binary: the real executable against a fresh SQLite folder or
//! a fresh PostgreSQL database (`PORTAL_TEST_DATABASE_URL`), with the variables it reads removed
//! from the environment so a developer's shell cannot leak in.

use portal_testkit::TestStoreRef;
use portal_testkit::on_both_backends;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use portal_testkit::http::get_json;
use portal_testkit::process::*;

async fn tenants_and_events(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        for _ in 0..2 {
            let (code, _, stderr) = run(portal(&url).arg("migrate"));
            assert_eq!(code, 0, "{stderr}");
            assert!(stderr.contains("database"), "settings banner: {stderr}");
        }
        let (code, stdout, stderr) =
            run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme Transport"]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("created tenant acme"), "{stdout}");
        let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "acme", "--name", "Acme"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "already exists");
        let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "Acme!", "--name", "X"]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "slug");
        let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "beta", "--name", " "]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--name");
        let (code, _, _) = run(portal(&url).args(["tenant", "add", "beta", "--name", "Beta"]));
        assert_eq!(code, 0);

        let (code, stdout, stderr) = run(portal(&url).arg("events"));
        assert_eq!(code, 0, "{stderr}");
        let events: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(events.len(), 2, "{stdout}");
        let first = &events[0];
        assert_eq!(first["stream_id"], "tenant-acme");
        assert_eq!(first["version"], 1);
        assert_eq!(first["event_type"], "TenantCreated");
        assert_eq!(first["schema_version"], 1);
        assert_eq!(first["tenant"], "acme");
        assert_eq!(first["payload"]["name"], "Acme Transport");
        assert_eq!(first["metadata"]["actor"]["kind"], "operator");
        assert!(first["event_id"].is_string() && first["recorded_at"].is_string());
        let p1 = first["position"].as_i64().unwrap();
        assert!(events[1]["position"].as_i64().unwrap() > p1);

        let after = p1.to_string();
        let (_, stdout, _) = run(portal(&url).args(["events", "--after", after.as_str()]));
        assert_eq!(stdout.lines().count(), 1);
        assert!(stdout.contains("tenant-beta"));
        let (_, stdout, _) = run(portal(&url).args(["events", "--limit", "1"]));
        assert_eq!(stdout.lines().count(), 1);
        assert!(stdout.contains("tenant-acme"));
    })
    .await
    .unwrap();
}

async fn serve_answers_health_and_readiness(t: TestStoreRef) {
    let url = t.url.clone();
    let backend = t.store.backend();
    tokio::task::spawn_blocking(move || {
        let mut child = portal(&url)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30));
        let result = addr.map(|addr| {
            let base = format!("http://{addr}");
            let rt = tokio::runtime::Handle::current();
            (
                rt.block_on(get_json(&base, "/healthz")),
                rt.block_on(get_json(&base, "/readyz")),
            )
        });
        let _ = child.kill();
        let _ = child.wait();
        let ((health_status, health), (ready_status, ready)) = result.expect("server started");
        assert_eq!(health_status, 200);
        assert_eq!(health["status"], "ok");
        assert_eq!(ready_status, 200);
        assert_eq!(ready["store"], backend);
    })
    .await
    .unwrap();
}

on_both_backends!(tenants_and_events, serve_answers_health_and_readiness);

#[test]
fn embedded_default_creates_the_sqlite_file_in_the_data_dir() {
    let dir = std::env::temp_dir().join(format!("portal-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = portal("");
    cmd.env_remove("DATABASE_URL");
    let (code, _, stderr) = run(cmd
        .arg("--data-dir")
        .arg(&dir)
        .args(["tenant", "add", "acme", "--name", "Acme"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("(embedded)"), "{stderr}");
    assert!(dir.join("portal.db").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_database_settings_are_one_line_naming_the_setting() {
    let (code, _, stderr) = run(portal("mysql://db/portal").arg("migrate"));
    assert_eq!(code, 1);
    assert_one_error_line(&stderr, "DATABASE_URL");

    let started = Instant::now();
    let (code, _, stderr) = run(portal("postgres://app:s3cret@127.0.0.1:1/portal").arg("migrate"));
    assert_eq!(code, 1);
    assert_one_error_line(&stderr, "DATABASE_URL");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(stderr.contains("app:***@"), "banner redacts: {stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn bad_mail_settings_are_one_line_naming_the_setting() {
    let dir = std::env::temp_dir().join(format!("portal-mail-{}", uuid::Uuid::now_v7()));
    for (var, value, needle) in [
        ("PORTAL_MAIL_LEASE", "0", "PORTAL_MAIL_LEASE"),
        ("PORTAL_MAIL_LEASE", "soon", "mail-lease"),
        ("PORTAL_SMTP_POOL", "0", "PORTAL_SMTP_POOL"),
        ("SMTP_URL", "http://mail", "SMTP_URL"),
    ] {
        let (code, _, stderr) = run(portal("")
            .env_remove("DATABASE_URL")
            .env("PORTAL_DATA_DIR", &dir)
            .env(var, value)
            .args(["tenant", "add", "acme", "--name", "Acme"]));
        assert_ne!(code, 0, "{var}={value}: {stderr}");
        assert!(stderr.contains(needle), "{var}={value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_explains_the_settings() {
    let (code, stdout, _) = run(portal("").arg("--help"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("DATABASE_URL") && stdout.contains("PORTAL_DATA_DIR"),
        "{stdout}"
    );
    let (_, stdout, _) = run(portal("").args(["tenant", "add", "--help"]));
    assert!(
        stdout.contains("slug") || stdout.contains("SLUG"),
        "{stdout}"
    );
}
