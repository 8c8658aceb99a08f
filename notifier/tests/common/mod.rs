//! Shared fixtures of the notifier's integration tests: a throw-away event store (SQLite always,
//! PostgreSQL at `PORTAL_TEST_DATABASE_URL`, skipped without it unless
//! `PORTAL_TEST_REQUIRE_SERVICES=1`; see `portal_eventlog::testing`), carriers, customers and
//! contacts created through the real write path (`execute`), login-link requests, and the
//! handler and sender driven pass by pass.

#![allow(dead_code, clippy::unwrap_used)]

mod parsed;
pub mod smtp;

#[allow(unused_imports)] // not every test file reads emails
pub use parsed::Parsed;

use portal_domain::contact::{Contact, ContactCommand, CustomerFacts};
use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::user::{LinkPurpose, User, UserCommand};
use portal_domain::values::{Email, Name};
use portal_domain::{Actor, ContactId, CustomerId, LoginRequestId, TenantId, UserId};
use portal_eventlog::subscription::catch_up;
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
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
pub const CARRIER: &str = "Fast Freight Lines";
pub const CUSTOMER: &str = "Acme Steelworks";
pub const CONTACT_NAME: &str = "Ann Example";

/// What a test body gets: the store, the notifier's database and a configuration.
#[derive(Clone)]
pub struct Env {
    pub store: Store,
    pub url: String,
    pub db: Db,
    pub config: NotifierConfig,
    pub backend: Backend,
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
            backend,
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
        Notifier::new(self.db.clone(), &self.config)
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

pub fn staff_ctx(tenant: &TenantId) -> CommandContext {
    CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::Staff {
            user_id: UserId(Uuid::now_v7()),
        }),
        idempotency: None,
    }
}

pub async fn tenant(store: &Store, slug: &str, name: &str) -> TenantId {
    let t = TenantId::parse(slug).unwrap();
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(&t),
        &staff_ctx(&t),
        &TenantCommand::CreateTenant {
            tenant_id: t.clone(),
            name: Name::parse(name).unwrap(),
        },
    )
    .await
    .unwrap();
    t
}

/// A customer with *Access to Customer Portal* on.
pub async fn customer(store: &Store, t: &TenantId, name: &str) -> CustomerId {
    let id = CustomerId(Uuid::now_v7());
    let stream = StreamId::of::<Customer>(id);
    for command in [
        CustomerCommand::CreateCustomer {
            customer_id: id,
            name: Name::parse(name).unwrap(),
            code: None,
            status: CustomerStatus::Approved,
        },
        CustomerCommand::EnablePortalForCustomer,
    ] {
        execute::<Customer>(store, &stream, &staff_ctx(t), &command)
            .await
            .unwrap();
    }
    id
}

const PORTAL_ON: CustomerFacts = CustomerFacts {
    exists: true,
    portal_enabled: true,
};

/// A contact of `c` added with portal access: `ContactAdded` + `ContactAccessGranted`.
pub async fn contact(store: &Store, t: &TenantId, c: CustomerId, email: &str) -> ContactId {
    let id = ContactId(Uuid::now_v7());
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::AddContact {
            contact_id: id,
            customer_id: c,
            name: Name::parse(CONTACT_NAME).unwrap(),
            email: Email::parse(email).unwrap(),
            phone: None,
            roles: vec![],
            portal_access: true,
            customer: PORTAL_ON,
            email_in_use: false,
        },
    )
    .await
    .unwrap();
    id
}

pub async fn revoke(store: &Store, t: &TenantId, id: ContactId) {
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::RevokeContactAccess,
    )
    .await
    .unwrap();
}

/// The carrier, its customer with portal access, and a contact with access: the grant's event id.
pub async fn granted_contact(
    store: &Store,
    slug: &str,
    email: &str,
) -> (TenantId, ContactId, Uuid) {
    let t = tenant(store, slug, CARRIER).await;
    let c = customer(store, &t, CUSTOMER).await;
    let id = contact(store, &t, c, email).await;
    let grant = grant_event(store, id).await;
    (t, id, grant)
}

/// The id of the (last) `ContactAccessGranted` event of contact `id`.
pub async fn grant_event(store: &Store, id: ContactId) -> Uuid {
    store
        .read_stream(&StreamId::of::<Contact>(id))
        .await
        .unwrap()
        .iter()
        .rev()
        .find(|e| e.event_type == "ContactAccessGranted")
        .expect("a ContactAccessGranted event")
        .event_id
}

fn identity_ctx() -> CommandContext {
    CommandContext {
        tenant: TenantId::identity(),
        metadata: Metadata::new(Actor::System),
        idempotency: None,
    }
}

/// Someone asked for a link for `email` (as the API does: register, then request). Returns the
/// id of the `LoginLinkRequested` event.
pub async fn request_link(store: &Store, email: &str, purpose: LinkPurpose) -> Uuid {
    let email = Email::parse(email).unwrap();
    let user_id = UserId::for_email(&email);
    let stream = StreamId::of::<User>(user_id);
    let ctx = identity_ctx();
    execute::<User>(
        store,
        &stream,
        &ctx,
        &UserCommand::RegisterUser {
            user_id,
            email: email.clone(),
        },
    )
    .await
    .unwrap();
    let done = execute::<User>(
        store,
        &stream,
        &ctx,
        &UserCommand::RequestLoginLink {
            request_id: LoginRequestId(Uuid::now_v7()),
            purpose,
        },
    )
    .await
    .unwrap();
    let position = done.append.expect("appended").last_position;
    store
        .read_stream(&stream)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.position == position)
        .expect("the request event")
        .event_id
}

/// Polls `check` every 20 ms until it is true, panicking with `what` after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
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
