//! A private `nats-server` process for fault tests: started on a free port with its own
//! JetStream store folder, killed (SIGKILL) and restarted on the same port and folder, and always
//! killed and removed when the guard drops (also when the test panics).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Overrides where the `nats-server` binary is.
pub const NATS_SERVER_VAR: &str = "PORTAL_TEST_NATS_SERVER";

/// The `nats-server` binary, or `None` (after printing why) when the test should skip. Panics
/// when services are required but no binary is found.
pub fn nats_server_binary(test: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os(NATS_SERVER_VAR)
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/usr/sbin/nats-server",
                "/usr/bin/nats-server",
                "/usr/local/bin/nats-server",
            ]
            .map(PathBuf::from),
        );
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if portal_eventlog::testing::services_required() {
        panic!("{test}: no nats-server binary found (set {NATS_SERVER_VAR})");
    }
    eprintln!("skipped {test}: no nats-server binary (set {NATS_SERVER_VAR} to run it)");
    None
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().unwrap().port()
}

pub struct NatsServer {
    binary: PathBuf,
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    starts: u32,
}

impl NatsServer {
    /// Starts a server with JetStream and waits until it accepts connections.
    pub async fn start(binary: PathBuf) -> Self {
        let dir = std::env::temp_dir().join(format!("portal-nats-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create the JetStream folder");
        let mut server = Self {
            binary,
            port: free_port(),
            dir,
            child: None,
            starts: 0,
        };
        server.spawn().await;
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> PathBuf {
        self.dir.join("nats-server.log")
    }

    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "nats-server is already running");
        self.starts += 1;
        let child = Command::new(&self.binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.join("js"))
            .arg("-l")
            .arg(self.log())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        self.wait_ready().await;
    }

    /// Waits until the server accepts TCP connections and JetStream answers.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "nats-server exited at start ({status}); log:\n{}",
                    tail(&self.log())
                );
            }
            let last = if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                match jetstream_ready(&self.url()).await {
                    Ok(()) => return,
                    Err(e) => e,
                }
            } else {
                "port not open".to_owned()
            };
            assert!(
                Instant::now() < deadline,
                "nats-server (start #{}) on port {} not ready after 60 s: {last}; log:\n{}",
                self.starts,
                self.port,
                tail(&self.log())
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the server at once (SIGKILL: no flush, no goodbye), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and store folder.
    pub async fn restart(&mut self) {
        self.spawn().await;
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn jetstream_ready(url: &str) -> Result<(), String> {
    let client = tokio::time::timeout(Duration::from_secs(2), async_nats::connect(url))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    // A raw account-info request: async-nats' typed answer does not parse 2.9's reply.
    let reply = tokio::time::timeout(
        Duration::from_secs(2),
        client.request("$JS.API.INFO", bytes::Bytes::new()),
    )
    .await
    .map_err(|_| "JetStream account info timed out".to_string())?
    .map_err(|e| format!("JetStream: {e}"))?;
    let info: serde_json::Value =
        serde_json::from_slice(&reply.payload).map_err(|e| format!("JetStream reply: {e}"))?;
    if let Some(error) = info.get("error") {
        return Err(format!("JetStream: {error}"));
    }
    Ok(())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
