//! Connection-pool options shared by every pool of the service (the log's, the read models',
//! identity's).
//!
//! sqlx tests a connection twice per use by default: a round trip to the server when it is taken
//! from the pool (`test_before_acquire`) and another when it is given back. On a busy request
//! path that is three round trips per query. The test on return is kept (it is what finds a
//! connection left broken by a cancelled query); the test on taking is done only for connections
//! idle longer than [`PING_IF_IDLE`], which may have been cut while they waited (a database
//! restart, a proxy's idle timeout). A connection used within that time was just tested on
//! return.

use sqlx::pool::PoolOptions;
use sqlx::{Connection as _, Database};
use std::time::Duration;

/// Connections idle longer than this are tested before use.
pub const PING_IF_IDLE: Duration = Duration::from_secs(1);

/// Pool options with the connection test described in the module docs.
pub fn options<DB: Database>() -> PoolOptions<DB> {
    PoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_IF_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}
