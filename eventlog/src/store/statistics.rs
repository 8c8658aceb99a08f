//! Planner statistics of the service's tables (PostgreSQL), gathered as autovacuum would.
//! They live here, with the store, because the log, the read models and the notifier's tables
//! share its database: one pass, on the store's pool, covers them all.
//!
//! The read models, the notifier's and the webhooks' tables and the log itself all grow from
//! empty; the planner estimates from statistics that only `ANALYZE` gathers. Where autovacuum is
//! off (or slow to get round), a table that grew keeps "never analysed" estimates, and plans are
//! luck: the trigram index of the order search was passed over for a scan of the customer's whole
//! history, and the notifier's one-row update of a contact chose an index on the handler alone,
//! reading every contact (about 1,400 buffers for one row). [`Store::analyze_grown`] analyses every
//! table of the schema (not a rebuild's `…__rebuild` copies) whose rows changed since its last
//! analysis by more than autovacuum's default threshold (50 rows plus 10 % of the table); every
//! long-running process calls it every [`EVERY`]. With autovacuum on, it usually finds nothing to
//! do. (`portal rebuild` analyses what it loads.) `ANALYZE` invalidates the cached plans of the
//! statements that read the table, so a plan made on "never analysed" estimates is made again.
//!
//! The change counts come from PostgreSQL's cumulative statistics, which backends report about
//! once a second: a table is analysed within a few seconds of passing the threshold.

use super::Store;
use crate::error::StoreError;
use sqlx::Row as _;
use std::time::Duration;

/// How often the service looks for grown tables.
pub const EVERY: Duration = Duration::from_secs(10);

/// The tables of the current schema (not a rebuild's `…__rebuild` copies) whose changes since
/// their last `ANALYZE` pass autovacuum's default analyse threshold.
const GROWN: &str = "SELECT s.relname::text FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
     WHERE s.schemaname = current_schema() \
     AND s.relname NOT LIKE '%\\_\\_rebuild' \
     AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0) ORDER BY s.relname";

impl Store {
    /// Analyses the tables of this database that grew (see the module docs); the names of
    /// those analysed. Nothing on SQLite, whose planner has no such statistics to lose.
    pub async fn analyze_grown(&self) -> Result<Vec<String>, StoreError> {
        let Self::Postgres(s) = self else {
            return Ok(vec![]);
        };
        let mut analysed = Vec::new();
        for row in sqlx::query(GROWN).fetch_all(s.pool()).await? {
            let table: String = row.try_get(0)?;
            // The name comes from the catalogue; quoted all the same.
            sqlx::query(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
                .execute(s.pool())
                .await?;
            analysed.push(table);
        }
        Ok(analysed)
    }
}
