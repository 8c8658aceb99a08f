//! The `portal` binary as a process: a command with a clean environment, running it, a served
//! process (its address read from its stdout, its log kept), `portal serve` against a test
//! database mailing through the test's SMTP sink, and `portal token create`.
//!
//! The binary is the one Cargo built for the root package's tests (`CARGO_BIN_EXE_portal`, set
//! when tests run through Cargo; else the `portal` next to the test binary's `deps` folder).

use crate::smtp::SmtpSink;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The `portal` binary under test.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CARGO_BIN_EXE_portal") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<test binary> -> target/<profile>/portal
    let exe = std::env::current_exe().expect("the test binary's path");
    let candidate = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join(format!("portal{}", std::env::consts::EXE_SUFFIX)));
    match candidate {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "cannot find the portal binary: run the tests through cargo (CARGO_BIN_EXE_portal)"
        ),
    }
}

/// `portal` against `database_url`, with none of the portal's variables inherited.
pub fn portal(database_url: &str) -> Command {
    let mut cmd = Command::new(binary());
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

/// Starts `portal serve` on a free port against `url`, mailing through `sink`, logging at debug
/// level, with `extra` arguments.
pub fn start(url: &str, sink: &SmtpSink, extra: &[&str]) -> Logged {
    let mut cmd = portal(url);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("SMTP_URL", sink.url())
        .env("PORTAL_MAIL_FROM", "ACME Portal <portal@acme.example>")
        .env("PORTAL_LOG", "debug");
    serve_logged(cmd)
}

/// `http://<addr>` of a started server.
pub fn base_of(server: &Logged) -> String {
    format!("http://{}", server.served.addr)
}

/// Runs `portal` with `args` against `url` (off the async runtime): exit code and stdout.
pub async fn cli(url: &str, args: &[&str]) -> (i32, String) {
    let url = url.to_owned();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let (code, stdout, stderr) = run(portal(&url).args(&args));
        assert!(!stderr.contains("panicked"), "{stderr}");
        (code, stdout)
    })
    .await
    .unwrap()
}

/// `portal token create` for `email` at `tenant` (and `customer`): the token.
pub async fn token(url: &str, tenant: &str, email: &str, customer: Option<&str>) -> String {
    token_with(url, tenant, email, customer, &[]).await
}

/// [`token`] with `settings` of every process of the database (e.g. its projection partitions,
/// which `token create` must share with the servers: it brings the read models up to date).
pub async fn token_with(
    url: &str,
    tenant: &str,
    email: &str,
    customer: Option<&str>,
    settings: &[&str],
) -> String {
    let mut args = vec!["token", "create", "--tenant", tenant, "--email", email];
    if let Some(c) = customer {
        args.extend(["--customer", c]);
    }
    args.extend_from_slice(settings);
    let (code, out) = cli(url, &args).await;
    assert_eq!(code, 0, "{out}");
    out.trim().to_owned()
}
