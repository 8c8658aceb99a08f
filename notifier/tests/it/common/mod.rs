//! The notifier tests' harness: a throw-away event store (SQLite always, PostgreSQL at
//! `PORTAL_TEST_DATABASE_URL`, skipped without it unless `PORTAL_TEST_REQUIRE_SERVICES=1`), the
//! notifier's tables and configuration, the handler and sender driven pass by pass, and the
//! outbox's rows. Fixtures, the SMTP sink and waits come from the test kit.

mod parsed;

pub use parsed::Parsed;
pub use portal_testkit::fixtures::{
    CARRIER, CONTACT_NAME, CUSTOMER, contact, customer, granted_contact, request_link, revoke,
    tenant,
};
pub use portal_testkit::{smtp, wait_until};

use portal_eventlog::Store;
use portal_eventlog::subscription::catch_up;
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_identity::Db;
use portal_notifier::sender::{PassReport, send_due};
use portal_notifier::{Mailer, Notifier, NotifierConfig};
use sqlx::Row as _;
use std::future::Future;
use std::time::Duration;
use url::Url;
use uuid::Uuid;

pub use portal_eventlog::testing::Backend as DbBackend;

pub const PUBLIC_URL: &str = "https://portal.test.example/base/";

/// What a test body gets: the store, the notifier's database and a configuration.
#[derive(Clone)]
pub struct Env {
    pub store: Store,
    pub url: String,
    pub db: Db,
    pub config: NotifierConfig,
}

/// Runs `test` on a fresh store of `backend` (see `portal_eventlog::testing::with_store`).
pub async fn run<F, Fut>(backend: Backend, name: &str, test: F)
where
    F: FnOnce(Env) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_store(backend, name, move |t: TestStoreRef| async move {
        let db = Db::connect(&t.url, 8).await.unwrap();
        let env = Env {
            store: t.store,
            url: t.url,
            db: db.clone(),
            config: config(),
        };
        test(env).await;
        db.pool().close().await;
    })
    .await;
}

/// The configuration of the tests: links under a base path, a Reply-To, fast retries.
pub fn config() -> NotifierConfig {
    let mut c = NotifierConfig::new(
        Url::parse(PUBLIC_URL).unwrap(),
        "Fast Freight Portal <portal@carrier.example>"
            .parse()
            .unwrap(),
    );
    c.reply_to = Some(
        "Customer Service <service@carrier.example>"
            .parse()
            .unwrap(),
    );
    c.retry_base = Duration::from_millis(100);
    c.retry_cap = Duration::from_secs(2);
    c.poll = Duration::from_millis(200);
    c
}

impl Env {
    /// A handler with this environment's configuration.
    pub fn notifier(&self) -> Notifier {
        Notifier::new(self.db.clone(), self.store.clone(), &self.config)
    }

    /// Feeds `notifier` from its checkpoint to the head of the log.
    pub async fn handle(&self, notifier: &Notifier) -> u64 {
        catch_up(&self.store, notifier, 100).await.unwrap()
    }

    /// Sender passes until nothing is due now; the sum of their reports.
    pub async fn send_all(&self, mailer: &Mailer) -> PassReport {
        let mut total = PassReport::default();
        loop {
            let r = send_due(&self.store, &self.db, mailer, &self.config)
                .await
                .unwrap();
            if r.claimed == 0 {
                return total;
            }
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.skipped += r.skipped;
            total.retried += r.retried;
            total.dead += r.dead;
        }
    }

    /// Handler then sender: everything in the log is queued and every due email tried once.
    pub async fn deliver(&self, mailer: &Mailer) -> PassReport {
        self.handle(&self.notifier()).await;
        self.send_all(mailer).await
    }

    /// Every value of `column` in `table` (text columns).
    pub async fn column(&self, table: &str, column: &str) -> Vec<String> {
        sqlx::query(&format!("SELECT {column} FROM {table}"))
            .fetch_all(self.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| {
                r.try_get::<Option<String>, _>(0)
                    .unwrap()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Every text cell of `table`, joined (to look for a secret anywhere in it).
    pub async fn dump(&self, table: &str, columns: &[&str]) -> String {
        let mut out = String::new();
        for c in columns {
            out.push_str(&self.column(table, c).await.join("\n"));
            out.push('\n');
        }
        out
    }
}

/// The state of one outbox row: status, attempts, next_attempt_at (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowState {
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

impl Env {
    pub async fn row_state(&self, event_id: &Uuid, kind: &str) -> Option<RowState> {
        sqlx::query(
            "SELECT status, attempts, next_attempt_at FROM mail_outbox \
             WHERE event_id = $1 AND kind = $2",
        )
        .bind(event_id.to_string())
        .bind(kind)
        .fetch_optional(self.db.pool())
        .await
        .unwrap()
        .map(|r| RowState {
            status: r.try_get(0).unwrap(),
            attempts: r.try_get(1).unwrap(),
            next_attempt_at: r.try_get(2).unwrap(),
        })
    }
}

/// Now as Unix ms (the outbox's unit).
pub fn now_ms() -> i64 {
    portal_identity::db::millis(time::OffsetDateTime::now_utc())
}
