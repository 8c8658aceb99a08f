//! A private PostgreSQL 15 cluster for the tests that stop their database (the shared test
//! server must never be stopped): Debian's binaries, its own folder (owned by
//! the `postgres` user when the tests run as root, as PostgreSQL refuses to run as root) and a
//! free port; stopped the hard way (`pg_ctl stop -m immediate`, as a power cut would leave it)
//! and started again on the same folder and port; stopped and removed when dropped.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Where Debian installs PostgreSQL 15's server binaries.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().unwrap().port()
}

/// True when this process runs as root (then PostgreSQL's tools run as `postgres`).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, through `runuser -u postgres --` when running as root.
fn as_postgres(program: &str, args: &[&str]) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", program]).args(args);
        cmd
    } else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }
}

fn run(mut cmd: Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// True when the binaries are installed; otherwise prints a skip (or panics when services are
/// required).
pub fn available(test: &str) -> bool {
    let initdb = format!("{PG_BIN}/initdb");
    if std::path::Path::new(&initdb).is_file() {
        return true;
    }
    if portal_eventlog::testing::services_required() {
        panic!("{test}: {initdb} is missing but PORTAL_TEST_REQUIRE_SERVICES=1 requires it");
    }
    eprintln!("skipped {test}: no PostgreSQL 15 server binaries ({initdb})");
    false
}

pub struct PgCluster {
    pub dir: PathBuf,
    pub port: u16,
    running: bool,
}

impl PgCluster {
    /// `initdb` (trust authentication, user `postgres`) in a fresh folder, then starts it.
    pub fn start() -> Self {
        let out = run(
            as_postgres("mktemp", &["-d", "-t", "portal-crash-pg-XXXXXX"]),
            "mktemp",
        );
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let data = dir.join("data");
        run(
            as_postgres(
                &format!("{PG_BIN}/initdb"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ],
            ),
            "initdb",
        );
        let mut cluster = Self {
            dir,
            port: free_port(),
            running: false,
        };
        cluster.up();
        cluster
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_str().unwrap().to_owned()
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&mut self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 \
             -c shared_buffers=32MB",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        run(
            as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &[
                    "-D",
                    &self.data(),
                    "-o",
                    &options,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
            "pg_ctl start",
        );
        self.running = true;
    }

    /// Stops the server at once: no checkpoint, open connections cut, crash recovery at the
    /// next start.
    pub fn crash(&mut self) {
        run(
            as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            ),
            "pg_ctl stop -m immediate",
        );
        self.running = false;
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.running {
            let _ = as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
