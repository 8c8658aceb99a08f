//! Planner statistics of the read-model tables (PostgreSQL), gathered as autovacuum would.
//!
//! The read models grow by the projector's upserts; the planner estimates from statistics that
//! only `ANALYZE` gathers. Where autovacuum is off (or slow to get round), a table that grew from
//! empty keeps "never analysed" estimates: the trigram index of the order search is then passed
//! over for a scan of the customer's whole history. [`analyze_grown`] analyses every live
//! read-model table whose rows changed since its last analysis by more than autovacuum's default
//! threshold (50 rows plus 10 % of the table), and the service calls it every [`EVERY`]. With
//! autovacuum on, it usually finds nothing to do. (`portal rebuild` analyses what it loads.)
//!
//! The change counts come from PostgreSQL's cumulative statistics, which backends report about
//! once a second: a table is analysed within a few seconds of passing the threshold.

use crate::error::QueryError;
use crate::store::{Backend, ReadDb};
use sqlx::Row as _;
use std::time::Duration;

/// How often the service looks for grown read models.
pub const EVERY: Duration = Duration::from_secs(10);

/// The live read-model tables (`rm_…`, not a rebuild's `…__rebuild`) of the current schema whose
/// changes since their last `ANALYZE` pass autovacuum's default analyse threshold.
const GROWN: &str = "SELECT s.relname::text FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
     WHERE s.schemaname = current_schema() AND s.relname LIKE 'rm\\_%' \
     AND s.relname NOT LIKE '%\\_\\_rebuild' \
     AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0) ORDER BY s.relname";

/// Analyses the read-model tables that grew (see the module docs); the names of those analysed.
/// Nothing on SQLite, whose planner has no such statistics to lose.
pub async fn analyze_grown(db: &ReadDb) -> Result<Vec<String>, QueryError> {
    if db.backend() != Backend::Postgres {
        return Ok(vec![]);
    }
    let mut analysed = Vec::new();
    for row in sqlx::query(GROWN).fetch_all(db.pool()).await? {
        let table: String = row.try_get(0)?;
        // The name comes from the catalogue and matched `rm_…`; quoted all the same.
        sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
            .execute(db.pool())
            .await?;
        analysed.push(table);
    }
    Ok(analysed)
}
