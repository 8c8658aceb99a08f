//! What the HTTP benchmarks share: the `portal` binary on a throw-away PostgreSQL database,
//! `wrk` runs and their figures, JSON requests with a bearer token.
#![allow(dead_code)] // each bench uses a part

pub mod events;

use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CONNECTIONS: u32 = 32;

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn portal(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portal"));
    cmd.env("DATABASE_URL", url)
        .env_remove("NATS_URL")
        .env_remove("SMTP_URL")
        .env("PORTAL_LOG", "warn");
    cmd
}

pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run portal");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The server, killed when dropped.
pub struct Server(pub Child);

/// Migrates the database and creates tenant `bench` with a staff member; the staff member's
/// bearer token.
pub fn bootstrap(url: &str) -> String {
    run(portal(url).args(["migrate"]));
    run(portal(url).args(["tenant", "add", "bench", "--name", "Bench Carrier"]));
    run(portal(url).args([
        "staff",
        "add",
        "--tenant",
        "bench",
        "--email",
        "staff@bench.example",
    ]));
    run(portal(url).args([
        "token",
        "create",
        "--tenant",
        "bench",
        "--email",
        "staff@bench.example",
    ]))
    .lines()
    .map(str::trim)
    .find(|l| l.len() == 43)
    .expect("a token line")
    .to_owned()
}

impl Server {
    /// The server's peak resident memory so far (`VmHWM` of `/proc/<pid>/status`), in MB;
    /// `None` where there is no such file.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        status_kb(self.0.id(), "VmHWM:").map(|kb| kb / 1024.0)
    }

    /// Starts a new peak: the kernel sets `VmHWM` back to the current RSS (`clear_refs` with 5),
    /// so that a later [`Server::peak_rss_mb`] covers only what ran after this. Whether it did.
    pub fn reset_peak_rss(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.0.id()), "5").is_ok()
    }

    /// Prints [`Server::peak_rss_mb`] for the measurements of `what`.
    pub fn print_peak_rss(&self, what: &str) {
        match self.peak_rss_mb() {
            Some(mb) => {
                println!("server peak RSS (VmHWM) after {what}: {mb:.1} MB");
                println!("figure: server peak RSS, {what} | {mb:.1} MB | — | — | — | ≤ 100 MB");
            }
            None => println!("server peak RSS: not available on this system"),
        }
    }
}

/// A `kB` line of `/proc/<pid>/status`.
fn status_kb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(url: &str, data: &std::path::Path) -> (Server, String) {
    serve_with(url, data, &[])
}

/// [`serve`] with extra environment variables (settings).
pub fn serve_with(url: &str, data: &std::path::Path, env: &[(&str, &str)]) -> (Server, String) {
    let mut child = portal(url)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start portal serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("serve ended").expect("read stdout");
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), addr)
}

/// Waits until every consumer of the log (relay, projections, notifier, webhooks) stands at its
/// head; the seconds it took.
pub async fn wait_until_settled(url: &str) -> f64 {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let started = Instant::now();
    loop {
        let behind: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM (
                 SELECT position FROM relay_checkpoints
                 UNION ALL SELECT position FROM projection_checkpoints
                 UNION ALL SELECT position FROM notifier_checkpoints
                 UNION ALL SELECT position FROM webhook_checkpoints) c
               WHERE c.position < (SELECT max(position) FROM events))",
        )
        .fetch_one(&pool)
        .await
        .expect("checkpoints");
        if behind == 0 {
            pool.close().await;
            return started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "{behind} consumers still behind the log"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `wrk` figures: requests/s and p99 in ms.
pub struct Wrk {
    pub rps: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
}

pub fn parse_ms(v: &str) -> f64 {
    let (n, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
    let n: f64 = n.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        _ => f64::NAN,
    }
}

pub fn wrk(url: &str, script: Option<&std::path::Path>, seconds: u64) -> Wrk {
    wrk_with(url, script, seconds, CONNECTIONS)
}

/// [`wrk`] with `connections` connections (at least 2: one per wrk thread).
pub fn wrk_with(
    url: &str,
    script: Option<&std::path::Path>,
    seconds: u64,
    connections: u32,
) -> Wrk {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t", "2", "-c", &connections.max(2).to_string()])
        .args(["-d", &format!("{seconds}s"), "--latency", "--timeout", "5s"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk (apt-get install wrk) must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut w = Wrk {
        rps: f64::NAN,
        p99_ms: f64::NAN,
        non_2xx: 0,
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => w.rps = v.parse().unwrap_or(f64::NAN),
            ["99%", v] => w.p99_ms = parse_ms(v),
            ["Non-2xx", "or", "3xx", "responses:", n] => w.non_2xx = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    if w.rps.is_nan() {
        eprintln!(
            "wrk output:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    w
}

/// Sends `body` as JSON with the bearer token; the answer's JSON (`null` if none). Panics on a
/// non-2xx answer.
async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Value,
) -> Value {
    let r = http
        .request(method.clone(), &url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {url}: {status} {v}");
    v
}

pub async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    send(http, reqwest::Method::POST, url, token, body).await
}

pub async fn put(http: &reqwest::Client, url: String, token: &str, body: Value) {
    send(http, reqwest::Method::PUT, url, token, body).await;
}

/// The calendar day `offset` days from today (UTC) as `YYYY-MM-DD`: orders book days from today on.
pub fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

/// Customer `i` with portal access and charges shown, and its user `user{i}@customer.example`
/// with access: the customer's id and the user's bearer token.
pub async fn portal_customer(base: &str, staff: &str, url: &str, i: usize) -> (String, String) {
    let http = reqwest::Client::new();
    let c = post(
        &http,
        format!("{base}/api/v1/customers"),
        staff,
        json!({"name": format!("Customer {i}")}),
    )
    .await;
    let id = c["id"].as_str().expect("customer id").to_owned();
    put(
        &http,
        format!("{base}/api/v1/customers/{id}/portal"),
        staff,
        json!({"enabled": true, "show_charges": true}),
    )
    .await;
    let email = format!("user{i}@customer.example");
    post(
        &http,
        format!("{base}/api/v1/customers/{id}/contacts"),
        staff,
        json!({"name": format!("User {i}"), "email": email, "portal_access": true}),
    )
    .await;
    // The grant reaches the identity tables through the projections: retry for a moment.
    let started = Instant::now();
    loop {
        let out = portal(url)
            .args([
                "token",
                "create",
                "--tenant",
                "bench",
                "--email",
                &email,
                "--customer",
                &id,
            ])
            .output()
            .expect("run portal");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(token) = text.lines().map(str::trim).find(|l| l.len() == 43) {
            return (id, token.to_owned());
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
