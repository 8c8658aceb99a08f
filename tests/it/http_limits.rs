//! The HTTP server's limits through the real binary (embedded mode): a client that sends half a
//! request head, nothing at all, or half a body is dropped within its timeout while a thousand
//! others hang on, and `/healthz` keeps answering meanwhile; past the connection cap new
//! connections wait until one ends.

use portal_testkit::process::{Served, portal, serve};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Slow connections held open at once: a thousand, or fewer where the open-file limit (which the
/// server inherits from this process) would not allow them.
fn held() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(usize::MAX);
    1_000.min(soft.saturating_sub(200) / 2)
}

/// `portal serve` on a fresh embedded data folder with `limits` as extra flags.
fn served(name: &str, limits: &[&str]) -> (Served, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("portal-{name}-{}", uuid::Uuid::now_v7()));
    let mut cmd = portal("");
    cmd.arg("--data-dir")
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(limits);
    (serve(cmd), dir)
}

/// Connects and sends `prefix`, then waits (up to `patience`) for the server to close the
/// connection: how long that took after `prefix` was sent, or `None` while it stays open.
async fn closed_after(addr: &str, prefix: &[u8], patience: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(prefix).await.unwrap();
    let sent = Instant::now();
    let mut buf = [0_u8; 1024];
    let waited = tokio::time::timeout(patience, async {
        loop {
            match stream.read(&mut buf).await {
                // An answer (a 4xx to a body that never came) may come before the close.
                Ok(n) if n > 0 => continue,
                _ => break,
            }
        }
    })
    .await;
    waited.ok().map(|()| sent.elapsed())
}

/// `GET /healthz` on a new connection: its status and how long the answer took.
async fn healthz(addr: &str) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("/healthz answers")
        .unwrap();
    let status = answer.split(' ').nth(1).unwrap_or("0").parse().unwrap();
    (status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_clients_are_dropped_within_the_header_timeout_while_healthz_answers() {
    let (server, dir) = served(
        "slow",
        &["--header-read-timeout", "3", "--idle-timeout", "30"],
    );
    let addr = server.addr.clone();
    // A thousand clients that stop in the middle of their request head, and one that stops in
    // the middle of the request line.
    let count = held();
    let mut held = Vec::with_capacity(count + 1);
    for i in 0..=count {
        let addr = addr.clone();
        let prefix: &'static [u8] = if i == 0 {
            b"GET /heal"
        } else {
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        };
        held.push(tokio::spawn(async move {
            closed_after(&addr, prefix, Duration::from_secs(12)).await
        }));
    }
    // Meanwhile /healthz answers, again and again, without waiting for the held connections'
    // timeout (the bound is generous for a busy machine, and still below that timeout).
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..10 {
        let (status, took) = healthz(&addr).await;
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(2), "/healthz took {took:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut slowest = Duration::ZERO;
    for (i, task) in held.into_iter().enumerate() {
        let closed = task.await.unwrap();
        let took = closed.unwrap_or_else(|| panic!("connection {i} was still open after 12 s"));
        assert!(
            took >= Duration::from_millis(2900),
            "closed too early: {took:?}"
        );
        slowest = slowest.max(took);
    }
    assert!(
        slowest < Duration::from_secs(8),
        "slowest close {slowest:?}"
    );
    let (status, _) = healthz(&addr).await;
    assert_eq!(status, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_and_stalled_bodies_are_dropped() {
    let (server, dir) = served(
        "idle",
        &[
            "--header-read-timeout",
            "30",
            "--idle-timeout",
            "1",
            "--body-read-timeout",
            "30",
        ],
    );
    // Nothing sent at all: the idle timeout, not the header timeout, ends it.
    let took = closed_after(&server.addr, b"", Duration::from_secs(6)).await;
    let took = took.expect("an idle connection is closed");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    drop(server);

    let (server, _) = served(
        "body",
        &[
            "--header-read-timeout",
            "30",
            "--idle-timeout",
            "30",
            "--body-read-timeout",
            "1",
        ],
    );
    // A body announced at 200 bytes of which 10 come.
    let request = b"POST /api/v1/auth/login-link HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"email\":";
    let took = closed_after(&server.addr, request, Duration::from_secs(6)).await;
    let took = took.expect("a stalled body ends its connection");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_connection_cap_new_connections_wait_for_a_free_slot() {
    let (server, dir) = served(
        "cap",
        &["--header-read-timeout", "2", "--max-connections", "20"],
    );
    let (status, took) = healthz(&server.addr).await;
    assert_eq!((status, took < Duration::from_secs(1)), (200, true));
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(&server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // All 20 slots are taken: this one is served once the idle ones time out (2 s).
    let (status, took) = healthz(&server.addr).await;
    assert_eq!(status, 200);
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(5),
        "{took:?}"
    );
    drop(idle);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn limits_are_settings_with_flags_and_variables() {
    let (code, stdout, _) = portal_testkit::process::run(portal("").args(["serve", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "--header-read-timeout",
        "PORTAL_HEADER_READ_TIMEOUT",
        "--body-read-timeout",
        "PORTAL_BODY_READ_TIMEOUT",
        "--idle-timeout",
        "PORTAL_IDLE_TIMEOUT",
        "--max-connections",
        "PORTAL_MAX_CONNECTIONS",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
    let dir = std::env::temp_dir().join(format!("portal-limits-{}", uuid::Uuid::now_v7()));
    for (var, value) in [
        ("PORTAL_HEADER_READ_TIMEOUT", "0"),
        ("PORTAL_IDLE_TIMEOUT", "soon"),
        ("PORTAL_MAX_CONNECTIONS", "0"),
    ] {
        let (code, _, stderr) = portal_testkit::process::run(
            portal("")
                .env("PORTAL_DATA_DIR", &dir)
                .env(var, value)
                .args(["serve", "--listen", "127.0.0.1:0"]),
        );
        assert_ne!(code, 0, "{var}={value}");
        let name = var
            .trim_start_matches("PORTAL_")
            .to_lowercase()
            .replace('_', "-");
        assert!(
            stderr.contains(var) || stderr.contains(&name),
            "{var}={value}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
