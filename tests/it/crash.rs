//! Crashes under load: the real `portal serve` on a private PostgreSQL 15 cluster, the shared
//! NATS server (a stream and subjects of the test's own) and an SMTP server inside the test.
//! A few clients send a few hundred commands (customers with portal access, contacts given
//! access, orders drafted, submitted and accepted), each with an `Idempotency-Key`, sending it again with
//! the same key after a connection error or a 5xx until it is acknowledged. Meanwhile the server
//! is killed (SIGKILL) and restarted five times and PostgreSQL is stopped the hard way
//! (`pg_ctl stop -m immediate`) and started three times, once together with the server (see
//! [`SCHEDULE`]). Afterwards: every acknowledged command has
//! its events in the log exactly once, the read models equal a rebuild from the log, every
//! grant got exactly one welcome email and every acceptance exactly one status email.

use crate::crash_support::client::{Client, Ledger};
use crate::crash_support::{assert_emails_exactly_once, assert_log_matches, load, wait_converged};
use crate::fanout::readmodels::{assert_same_dump, dump};
use crate::fanout::{Names, StreamGuard, nats_url, server::free_port};
use portal_testkit::pg::PgCluster;
use portal_testkit::process::{Logged, portal, serve_logged};
use portal_testkit::smtp::SmtpSink;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TEST: &str = "crash";
const STAFF: &str = "staff@acme.example";
/// Concurrent clients, and rounds of each (a round is 5 or 6 commands).
const WORKERS: usize = 6;
const ROUNDS: usize = 16;

/// What goes down at one point of the load.
enum Crash {
    /// `portal serve` killed (SIGKILL) and started again.
    Server,
    /// PostgreSQL stopped with `-m immediate` and started again; the server keeps running.
    Database,
    /// Both; the server is started again once the database is back.
    Both,
}

/// When (percent of the load's commands acknowledged) what goes down.
const SCHEDULE: [(usize, Crash); 7] = [
    (10, Crash::Server),
    (20, Crash::Database),
    (30, Crash::Server),
    (45, Crash::Server),
    (55, Crash::Both),
    (70, Crash::Server),
    (85, Crash::Database),
];

/// How to start `portal serve` again and again on one port.
struct Launcher {
    url: String,
    nats: String,
    names: Names,
    smtp: String,
    port: u16,
}

impl Launcher {
    fn start(&self) -> Logged {
        let mut cmd = portal(&self.url);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("NATS_URL", &self.nats)
            .env("PORTAL_NATS_STREAM", &self.names.stream)
            .env("PORTAL_NATS_SUBJECT_PREFIX", &self.names.prefix)
            .env("SMTP_URL", &self.smtp)
            // An email claimed by a killed process is sent again after this many seconds.
            .env("PORTAL_MAIL_LEASE", "3")
            .env("PORTAL_DB_MAX_CONNECTIONS", "8")
            .env("PORTAL_LOG", "info");
        serve_logged(cmd)
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Kills the server (SIGKILL) and waits for it to be gone.
fn kill(server: &mut Logged) {
    let _ = server.served.child.kill();
    let _ = server.served.child.wait();
}

/// Waits until `ledger` holds `n` acknowledged commands.
async fn progress(ledger: &Ledger, n: usize, deadline: Instant) {
    while ledger.acked_count() < n {
        assert!(
            Instant::now() < deadline,
            "the load stalled before {n} commands"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_commands_survive_crashes_exactly_once() {
    if !portal_testkit::pg::available(TEST) {
        return;
    }
    let Some(nats) = nats_url(TEST) else { return };
    let started = Instant::now();
    let mut pg = PgCluster::start();
    let url = pg.url();
    let names = Names::new();
    let _guard = StreamGuard {
        url: nats.clone(),
        stream: names.stream.clone(),
    };
    let sink = SmtpSink::start().await;
    let launcher = Launcher {
        url: url.clone(),
        nats,
        names,
        smtp: sink.url(),
        port: free_port(),
    };
    let mut server = launcher.start();
    let (code, out) =
        portal_testkit::process::cli(&url, &["tenant", "add", "acme", "--name", "ACME"]).await;
    assert_eq!(code, 0, "{out}");
    let (code, out) = portal_testkit::process::cli(
        &url,
        &["staff", "add", "--tenant", "acme", "--email", STAFF],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    let deadline = Instant::now() + Duration::from_secs(150);
    let staff_token = crate::crash_support::token(&url, "acme", STAFF, None).await;
    let staff = Client::new(&launcher.base(), &staff_token, deadline);
    let ledger = Arc::new(Ledger::default());
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();

    // Each client's portal user, made before the crashes (its token comes from the CLI).
    let mut portals = Vec::new();
    let mut submitters = Vec::new();
    for w in 0..WORKERS {
        let key = format!("{run}-setup{w}");
        let id = load::customer(&staff, &ledger, &key, &format!("Shipper {w}")).await;
        let email = format!("user{w}@shipper.example");
        let contact = load::contact(&staff, &ledger, &key, &id, &email, false).await;
        // `token create` finds the grant in the read models, as the server's projector has it.
        staff
            .until(&format!("/api/v1/contacts/{contact}"), |c| {
                c["portal_access"] == true && c["customer_portal_enabled"] == true
            })
            .await;
        let token = crate::crash_support::token(&url, "acme", &email, Some(&id)).await;
        portals.push(Client::new(&launcher.base(), &token, deadline));
        submitters.push(email);
    }

    let total = ledger.acked_count() + WORKERS * ROUNDS * 13 / 2;
    let mut workers = tokio::task::JoinSet::new();
    for (w, (portal, submitter)) in portals.into_iter().zip(submitters).enumerate() {
        workers.spawn(load::worker(
            staff.clone(),
            portal,
            submitter,
            ledger.clone(),
            run.clone(),
            w,
            ROUNDS,
        ));
    }
    let load_started = Instant::now();
    // The crashes, at points of the load's progress (percent of its commands acknowledged).
    for (percent, crash) in SCHEDULE {
        progress(&ledger, total * percent / 100, deadline).await;
        if matches!(crash, Crash::Database | Crash::Both) {
            pg.crash();
        }
        if matches!(crash, Crash::Server | Crash::Both) {
            kill(&mut server);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        if matches!(crash, Crash::Database | Crash::Both) {
            pg.up();
        }
        if matches!(crash, Crash::Server | Crash::Both) {
            server = launcher.start();
        }
    }
    assert!(
        ledger.acked_count() < total,
        "the load ended before the last crash"
    );
    while let Some(result) = workers.join_next().await {
        if let Err(e) = result {
            eprintln!("server log:\n{}", server.log.lock().unwrap());
            eprintln!("PostgreSQL log:\n{}", pg.log_tail());
            std::panic::resume_unwind(e.into_panic());
        }
    }
    let load_time = load_started.elapsed();

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let emails = ledger.grants.lock().unwrap().len() + ledger.status_emails.lock().unwrap().len();
    wait_converged(&pool, emails).await;
    let lost_answers = assert_log_matches(&pool, "acme", &ledger).await;
    // Give a late duplicate email a moment to show up before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_emails_exactly_once(&pool, &sink, &ledger).await;

    let live = dump(&pool).await;
    let (code, out) = portal_testkit::process::cli(&url, &["rebuild"]).await;
    assert_eq!(code, 0, "{out}");
    let rebuilt = dump(&pool).await;
    assert_same_dump(&live, &rebuilt, "read models after the crashes");
    assert!(
        live.get("rm_orders")
            .is_some_and(|rows| rows.len() == WORKERS * ROUNDS),
        "every order in the read model"
    );

    eprintln!(
        "{} commands acknowledged ({} requests, {} sent again, {lost_answers} of them committed \
         before their answer was lost), {emails} welcome and status emails; load {load_time:.1?}, whole \
         test {:.1?}",
        ledger.acked_count(),
        ledger.attempts.load(std::sync::atomic::Ordering::Relaxed),
        ledger.retries.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    );
    kill(&mut server);
}
