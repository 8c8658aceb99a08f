//! Shared helpers of the binary's end-to-end tests: a `portal` command with a clean environment,
//! running it, a served process and minimal HTTP.

#![allow(clippy::unwrap_used)] // tests may unwrap
#![allow(dead_code)] // each test file uses its own subset

pub mod smtp;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub fn portal(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portal"));
    for var in [
        "DATABASE_URL",
        "PORTAL_DATA_DIR",
        "PORTAL_LISTEN",
        "PORTAL_PUBLIC_URL",
        "PORTAL_DB_MAX_CONNECTIONS",
        "PORTAL_LOG",
        "NATS_URL",
        "PORTAL_NATS_STREAM",
        "PORTAL_NATS_SUBJECT_PREFIX",
        "PORTAL_NATS_REPLICAS",
        "PORTAL_NATS_DUPLICATE_WINDOW",
        "SMTP_URL",
        "PORTAL_SMTP_POOL",
        "PORTAL_MAIL_LEASE",
        "PORTAL_MAIL_FROM",
        "PORTAL_MAIL_REPLY_TO",
        "PORTAL_TRUSTED_PROXIES",
        "PORTAL_SESSION_IDLE_MINUTES",
        "PORTAL_SESSION_ABSOLUTE_HOURS",
        "PORTAL_HEADER_READ_TIMEOUT",
        "PORTAL_BODY_READ_TIMEOUT",
        "PORTAL_IDLE_TIMEOUT",
        "PORTAL_MAX_CONNECTIONS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("DATABASE_URL", database_url);
    cmd
}

pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// A failing command ends with exactly one `error:` line and no panic.
pub fn assert_one_error_line(stderr: &str, needle: &str) {
    let errors: Vec<_> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(needle), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.lines().rfind(|l| !l.trim().is_empty()),
        Some(errors[0])
    );
}

/// A minimal HTTP/1.1 GET: status code and JSON body.
pub fn get(addr: &str, path: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    (status, serde_json::from_str(body).unwrap())
}

/// A minimal HTTP/1.1 GET with `Authorization: Bearer <token>`: status code and raw body.
pub fn get_bearer(addr: &str, path: &str, token: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, body.to_owned())
}

/// A minimal HTTP/1.1 GET: status code and body text.
pub fn get_text(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, body.to_owned())
}

/// A running `portal serve` (killed on drop) and its address.
pub struct Served {
    pub child: Child,
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` (a `portal serve --listen 127.0.0.1:0 …`) and waits for its address.
pub fn serve(cmd: Command) -> Served {
    let (child, line) = spawn_ready(cmd, "listening on http://");
    let addr = line.trim_start_matches("listening on http://").to_owned();
    Served { child, addr }
}

/// Starts `cmd` and waits until it prints a line starting with `ready` on stdout (the child is
/// killed when that does not happen within a minute). Returns the child and that line; the rest
/// of stdout is drained in the background.
pub fn spawn_ready(mut cmd: Command, ready: &str) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let ready = ready.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with(&ready) {
                let _ = tx.send(line);
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => (child, line),
        Err(_) => {
            let _ = child.kill();
            panic!("the process did not get ready");
        }
    }
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Like [`serve`], keeping everything the process writes to stderr (its log) in `log`.
pub struct Logged {
    pub served: Served,
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

pub fn serve_logged(mut cmd: Command) -> Logged {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let out = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("listening on http://") {
                let _ = tx.send(line.clone());
            }
            let mut log = out.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => {
            let addr = line.trim_start_matches("listening on http://").to_owned();
            Logged {
                served: Served { child, addr },
                log,
            }
        }
        Err(_) => {
            let _ = child.kill();
            panic!("the server did not start: {}", log.lock().unwrap());
        }
    }
}

/// Runs each named `async fn(TestStoreRef)` of the test file as two tests, `sqlite::<name>` and
/// `postgres::<name>` (the test file imports `with_store` and `Backend`; declare `support` with
/// `#[macro_use]`).
#[allow(unused_macros)] // not every test file runs on both backends
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread")] async fn $name() {
                super::with_store(super::Backend::Sqlite, stringify!($name), super::$name).await;
            } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread")] async fn $name() {
                super::with_store(super::Backend::Postgres, stringify!($name), super::$name).await;
            } )*
        }
    };
}

/// The calendar day `offset` days from today (UTC, the tenants' default zone) as `YYYY-MM-DD`:
/// orders must book days from today on, so fixtures cannot use fixed dates.
pub fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}
