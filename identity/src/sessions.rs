//! Server-side sessions in table `sessions` ([`DbSessionStore`], a tower-sessions store over the
//! durable [`Db`], both backends through sqlx `Any`).
//!
//! - The key is the SHA-256 (hex) of the session id, so a copy of the table cannot be replayed as
//!   cookies.
//! - On every save the ids of the identity and scope are copied out of the record into columns
//!   (`user_id`, `tenant`, `customer_id`, `contact_id`), so that sessions can be found and
//!   ended by query ([`end_for_user`] after a password reset). The record must keep them where
//!   [`USER_KEY`] and [`SCOPE_KEY`] say; a record that does not is stored, but cannot be ended by
//!   query. A session whose scope ended (access revoked, portal disabled, staff removed) is
//!   refused and deleted by its next request (the API's extractors check); until then its row is
//!   inert.
//! - `save` only updates: a session deleted meanwhile (logout, revoked access) is not brought back
//!   by a concurrent request that loaded it earlier. Only `create` inserts, with a fresh id on the
//!   (astronomically unlikely) collision.
//! - Expired rows are never loaded, and are deleted opportunistically when sessions are created.
//! - Touches are written at most once a minute ([`TOUCH_EVERY_MS`]): with an inactivity expiry,
//!   tower-sessions saves every request's session only to move its expiry on. The store remembers
//!   what each session's row holds (as last loaded or written, in a bounded in-process memo) and
//!   skips a save whose data is unchanged and whose new expiry is less than a minute later than
//!   the stored one. The stored expiry therefore lags the idle timeout by less than a minute: a
//!   session may end up to a minute before `idle` has passed since its last request, never later.
//!   Every request still loads its row, so a session ended elsewhere (logout, another process,
//!   [`end_for_user`]) is refused at once; a memo entry that is missing or evicted only costs a
//!   write.

use crate::db::{Db, from_millis, millis};
use crate::error::IdentityError;
use async_trait::async_trait;
use hashlink::LruCache;
use portal_domain::UserId;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

/// The key of a record's identity: an object with a `user_id` (copied into column `user_id`).
pub const USER_KEY: &str = "user";
/// The key of a record's scope: an object with `tenant` and, for a portal scope, `customer_id`
/// and `contact_id` (copied into the columns of the same names).
pub const SCOPE_KEY: &str = "scope";

/// A session's idle expiry is written again only when it moves on by at least this much.
pub const TOUCH_EVERY_MS: i64 = 60_000;
/// How many sessions the store remembers the rows of (a forgotten one costs one write).
const MEMO_SESSIONS: usize = 4096;

/// What a session's row holds, as this store last loaded or wrote it.
#[derive(Debug)]
struct Stored {
    data: HashMap<String, serde_json::Value>,
    expires_at: i64,
}

/// Sessions in the `sessions` table.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
    /// Keyed by [`id_hash`]. Never held across an await.
    memo: Arc<Mutex<LruCache<String, Stored>>>,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            memo: Arc::new(Mutex::new(LruCache::new(MEMO_SESSIONS))),
        }
    }

    fn remember(&self, key: String, record: &Record, expires_at: i64) {
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(
                key,
                Stored {
                    data: record.data.clone(),
                    expires_at,
                },
            );
        }
    }

    fn forget(&self, key: &str) {
        if let Ok(mut memo) = self.memo.lock() {
            memo.remove(key);
        }
    }

    /// Whether the row of `key` already holds `record` closely enough: the same data, and an
    /// expiry less than [`TOUCH_EVERY_MS`] before the record's.
    fn is_current(&self, key: &str, record: &Record) -> bool {
        let Ok(mut memo) = self.memo.lock() else {
            return false;
        };
        memo.get(key).is_some_and(|stored| {
            stored.data == record.data
                && millis(record.expiry_date) - stored.expires_at < TOUCH_EVERY_MS
        })
    }
}

/// The stored key of a session id.
pub fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

/// How a lost database connection is told apart from other store failures: tower-sessions
/// carries a store's errors as text only, so the text starts with this mark, which
/// [`is_unavailable`] looks for (a 503 with `Retry-After`, not a 500).
const UNAVAILABLE: &str = "database unavailable: ";

fn backend(e: sqlx::Error) -> Error {
    if portal_eventlog::error::is_connection_failure(&e) {
        Error::Backend(format!("{UNAVAILABLE}{e}"))
    } else {
        Error::Backend(e.to_string())
    }
}

/// Whether a session failed because the database could not be reached.
pub fn is_unavailable(e: &tower_sessions::session::Error) -> bool {
    matches!(e, tower_sessions::session::Error::Store(Error::Backend(text)) if text.starts_with(UNAVAILABLE))
}

/// The columns copied out of a record.
struct Columns {
    user_id: Option<String>,
    tenant: Option<String>,
    customer_id: Option<String>,
    contact_id: Option<String>,
}

fn columns(record: &Record) -> Columns {
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    let user = record.data.get(USER_KEY);
    let scope = record.data.get(SCOPE_KEY);
    Columns {
        user_id: text(user.and_then(|u| u.get("user_id"))),
        tenant: text(scope.and_then(|s| s.get("tenant"))),
        customer_id: text(scope.and_then(|s| s.get("customer_id"))),
        contact_id: text(scope.and_then(|s| s.get("contact_id"))),
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let now = millis(OffsetDateTime::now_utc());
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let c = columns(record);
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id_hash, data, expires_at, user_id, tenant, customer_id, \
                 contact_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_hash) DO NOTHING",
            )
            .bind(id_hash(&record.id))
            .bind(&data)
            .bind(millis(record.expiry_date))
            .bind(&c.user_id)
            .bind(&c.tenant)
            .bind(&c.customer_id)
            .bind(&c.contact_id)
            .execute(self.db.pool())
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                self.remember(id_hash(&record.id), record, millis(record.expiry_date));
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let key = id_hash(&record.id);
        if self.is_current(&key, record) {
            return Ok(());
        }
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let c = columns(record);
        sqlx::query(
            "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4, tenant = $5, \
             customer_id = $6, contact_id = $7 WHERE id_hash = $1",
        )
        .bind(&key)
        .bind(&data)
        .bind(millis(record.expiry_date))
        .bind(&c.user_id)
        .bind(&c.tenant)
        .bind(&c.customer_id)
        .bind(&c.contact_id)
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        self.remember(key, record, millis(record.expiry_date));
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> Result<Option<Record>> {
        let key = id_hash(session_id);
        let row = sqlx::query(
            "SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(&key)
        .bind(millis(OffsetDateTime::now_utc()))
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            self.forget(&key);
            return Ok(None);
        };
        let data: String = row.try_get(0).map_err(backend)?;
        let expires: i64 = row.try_get(1).map_err(backend)?;
        let record = Record {
            id: *session_id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: from_millis(expires),
        };
        self.remember(key, &record, expires);
        Ok(Some(record))
    }

    async fn delete(&self, session_id: &Id) -> Result<()> {
        let key = id_hash(session_id);
        self.forget(&key);
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&key)
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of identity `user_id`.
pub async fn end_for_user(db: &Db, user_id: UserId) -> std::result::Result<u64, IdentityError> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}
