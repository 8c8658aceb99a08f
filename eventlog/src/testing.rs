//! Throw-away event stores for tests (feature `testing`).
//!
//! - SQLite: a fresh database file in a fresh temporary folder, removed afterwards.
//! - PostgreSQL: a fresh database `portal_test_<uuid>` created through the server named by
//!   `PORTAL_TEST_DATABASE_URL` and dropped afterwards. Without that variable the test prints a
//!   skip line and passes, unless `PORTAL_TEST_REQUIRE_SERVICES=1`, which makes it fail (CI).
//!
//! [`with_store`] runs a test body on a store and cleans up even when the body panics.

use crate::store::{Store, StoreOptions};
use std::future::Future;
use std::path::PathBuf;

pub const DATABASE_URL_VAR: &str = "PORTAL_TEST_DATABASE_URL";
pub const REQUIRE_SERVICES_VAR: &str = "PORTAL_TEST_REQUIRE_SERVICES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated store in its own database, and how to get rid of it.
#[derive(Debug)]
pub struct TestStore {
    pub store: Store,
    /// The URL of this test's own database (for spawning the binary against it).
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

/// True when tests must not skip a missing service.
pub fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES_VAR).is_ok_and(|v| v == "1" || v == "true")
}

/// The PostgreSQL server for tests, or `None` (after printing why) when the test should skip.
/// Panics when services are required but the variable is missing.
pub fn postgres_admin_url(test: &str) -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if services_required() => panic!(
            "{test}: {DATABASE_URL_VAR} is not set but {REQUIRE_SERVICES_VAR}=1 requires PostgreSQL"
        ),
        _ => {
            eprintln!("skipped {test}: set {DATABASE_URL_VAR} to run it against PostgreSQL");
            None
        }
    }
}

impl TestStore {
    /// A fresh SQLite store in a temporary folder.
    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("portal-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create temporary folder");
        let url = format!("sqlite://{}", dir.join("portal.db").display());
        let store = Store::connect(&url, &StoreOptions::default())
            .await
            .expect("open SQLite test store");
        store.migrate().await.expect("migrate SQLite test store");
        Self {
            store,
            url,
            cleanup: Cleanup::Folder(dir),
        }
    }

    /// A fresh PostgreSQL database on the server at `admin_url`.
    pub async fn postgres(admin_url: &str) -> Self {
        use sqlx::Connection;
        let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {DATABASE_URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let mut url = url::Url::parse(admin_url).expect("PostgreSQL URL");
        url.set_path(&name);
        let store = Store::connect(url.as_str(), &StoreOptions::default())
            .await
            .expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        Self {
            store,
            url: url.to_string(),
            cleanup: Cleanup::Database {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// Closes the store and deletes its database.
    pub async fn cleanup(self) {
        match &self.store {
            Store::Postgres(s) => s.pool().close().await,
            Store::Sqlite(s) => {
                s.writer().close().await;
                s.reader().close().await;
            }
        }
        match self.cleanup {
            Cleanup::Folder(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut admin)
                            .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// Runs `test` on a fresh store of `backend` and removes it afterwards, also when `test` panics
/// (the panic is then resumed). Skips (returns) for PostgreSQL without a test server, unless
/// services are required.
pub async fn with_store<F, Fut>(backend: Backend, name: &str, test: F)
where
    F: FnOnce(TestStoreRef) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let test_store = match backend {
        Backend::Sqlite => TestStore::sqlite().await,
        Backend::Postgres => {
            let Some(admin) = postgres_admin_url(name) else {
                return;
            };
            TestStore::postgres(&admin).await
        }
    };
    let handle = tokio::spawn(test(TestStoreRef {
        store: test_store.store.clone(),
        url: test_store.url.clone(),
    }));
    let outcome = handle.await;
    test_store.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("{name}: test task failed: {e}");
    }
}

/// What a test body gets: the store and its URL.
#[derive(Debug, Clone)]
pub struct TestStoreRef {
    pub store: Store,
    pub url: String,
}
