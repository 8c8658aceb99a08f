//! The server's own secret keys, made once and kept in table `server_keys` (see the migration):
//! every process of a deployment signs and checks with the same key, and a restart keeps the
//! tokens already handed out valid.
//!
//! [`ServerKey`] loads its key on first use (creating it if no process has yet) and keeps it in
//! memory for the life of the process.

use crate::db::{Db, millis};
use crate::error::IdentityError;
use rand::RngCore as _;
use sqlx::Row as _;
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::OnceCell;

/// Length of a key in bytes.
pub const KEY_BYTES: usize = 32;

/// One named key, loaded lazily and shared by clones.
#[derive(Clone)]
pub struct ServerKey {
    name: &'static str,
    key: Arc<OnceCell<[u8; KEY_BYTES]>>,
}

// Never print the key.
impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ServerKey {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            key: Arc::new(OnceCell::new()),
        }
    }

    /// The key, from memory, else from the database (made there first if missing).
    pub async fn get(&self, db: &Db) -> Result<&[u8; KEY_BYTES], IdentityError> {
        self.key.get_or_try_init(|| load(db, self.name)).await
    }
}

async fn load(db: &Db, name: &'static str) -> Result<[u8; KEY_BYTES], IdentityError> {
    let mut fresh = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut fresh);
    // Concurrent first starts: one insert wins, everyone reads the winner.
    sqlx::query(
        "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(hex::encode(fresh))
    .bind(millis(OffsetDateTime::now_utc()))
    .execute(db.pool())
    .await?;
    let row = sqlx::query("SELECT secret FROM server_keys WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await?;
    let stored: String = row.try_get(0)?;
    hex::decode(stored.trim())
        .ok()
        .and_then(|bytes| <[u8; KEY_BYTES]>::try_from(bytes).ok())
        .ok_or(IdentityError::MalformedKey(name))
}
