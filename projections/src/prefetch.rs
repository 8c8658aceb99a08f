//! [`Prefetch`]: the rows a batch will touch, loaded before it is applied with one `SELECT` per
//! table and tenant instead of one per row.
//!
//! Before a batch is applied, each projection names the rows each of its new events reads
//! ([`crate::Projection::prefetch`]); the runner loads them all into the batch's
//! [`RowCache`], rows that do not exist included (as known absences), so that `apply` finds
//! every one in the cache. Names may depend on rows already loaded (an order event names its
//! customer's counters once the order row, which holds the customer, is in the cache): the
//! runner asks again after each load, for a few rounds, until nothing new is named.
//!
//! Prefetching is an optimisation only: a row `apply` reads that was not named is still loaded
//! on its own ([`crate::Ctx`]), counted in [`RowCache::single_loads`] so that tests can prove the
//! hot paths have none.

use crate::ctx::{RowCache, Slot, SlotKey};
use crate::error::ApplyError;
use crate::rows::{ErasedRow, Row, Table};
use crate::store::{MAX_BINDS, table_name};
use portal_domain::TenantId;
use sqlx::{AnyConnection, Row as _};
use std::collections::{BTreeMap, HashMap};

/// Decodes a stored document into a row of the table it was named for.
type Decode = fn(&str) -> Result<Box<dyn ErasedRow>, serde_json::Error>;

fn decode<R: Row>(doc: &str) -> Result<Box<dyn ErasedRow>, serde_json::Error> {
    Ok(Box::new(serde_json::from_str::<R>(doc)?))
}

/// The rows a batch will read, named by the projections before it is applied.
pub struct Prefetch<'a> {
    cache: &'a RowCache,
    wanted: HashMap<SlotKey, (&'static Table, Decode)>,
}

impl<'a> Prefetch<'a> {
    pub(crate) fn new(cache: &'a RowCache) -> Self {
        Self {
            cache,
            wanted: HashMap::new(),
        }
    }

    /// Names the row of `R` with this key (whether it exists or not).
    pub fn want<R: Row>(&mut self, tenant: &TenantId, key: &str) {
        let k = (R::TABLE.name, tenant.as_str().to_owned(), key.to_owned());
        if !self.cache.slots.contains_key(&k) {
            self.wanted.entry(k).or_insert((R::TABLE, decode::<R>));
        }
    }

    /// The row of `R` with this key if an earlier round loaded it (or the batch wrote it): what
    /// rows named from other rows are found with. `None` also when it was not loaded yet.
    pub fn cached<R: Row>(&self, tenant: &TenantId, key: &str) -> Option<&R> {
        let k = (R::TABLE.name, tenant.as_str().to_owned(), key.to_owned());
        self.cache
            .slots
            .get(&k)?
            .row
            .as_deref()?
            .as_any()
            .downcast_ref::<R>()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// Loads every named row into `cache` (absent ones as known absences) from the tables with
    /// `suffix`: one statement per table and tenant (more only past the bind limit).
    pub(crate) async fn load(
        self,
        conn: &mut AnyConnection,
        suffix: &str,
    ) -> Result<Loaded, ApplyError> {
        // (table, tenant) → keys, in a stable order.
        let mut groups: BTreeMap<(&'static str, String), (&'static Table, Decode, Vec<String>)> =
            BTreeMap::new();
        for ((name, tenant, key), (table, decode)) in self.wanted {
            groups
                .entry((name, tenant))
                .or_insert_with(|| (table, decode, Vec::new()))
                .2
                .push(key);
        }
        let mut loaded = Loaded::default();
        for ((_, tenant), (table, decode, mut keys)) in groups {
            keys.sort();
            for chunk in keys.chunks(MAX_BINDS - 1) {
                let list = (2..chunk.len() + 2)
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT key, doc FROM {} WHERE tenant = $1 AND key IN ({list})",
                    table_name(table, suffix)
                );
                // Not a cached prepared statement: lists of every length would each be one, and
                // a generic plan made while the table was small would outlive its growth (see
                // `store::load`).
                let mut query = sqlx::query(&sql).persistent(false).bind(tenant.as_str());
                for key in chunk {
                    query = query.bind(key.as_str());
                }
                let rows = query.fetch_all(&mut *conn).await?;
                loaded.statements += 1;
                let mut found = HashMap::with_capacity(rows.len());
                for row in rows {
                    let key: String = row.try_get(0)?;
                    let doc: String = row.try_get(1)?;
                    let value = decode(&doc).map_err(|e| ApplyError::CorruptRow {
                        table: table.name,
                        key: key.clone(),
                        reason: e.to_string(),
                    })?;
                    found.insert(key, value);
                }
                for key in chunk {
                    let row = found.remove(key);
                    loaded.rows += usize::from(row.is_some());
                    loaded
                        .slots
                        .push(((table.name, tenant.clone(), key.clone()), row));
                }
            }
        }
        Ok(loaded)
    }
}

/// Rounds of naming and loading per batch: rows named from rows named from the events.
const ROUNDS: usize = 3;

/// Loads the rows `name` names into `cache` from the tables with `suffix`, in rounds: `name` is
/// called again after each load (it then sees the loaded rows in [`Prefetch::cached`]) until it
/// names nothing new. Returns the statements run.
pub(crate) async fn load_named(
    conn: &mut AnyConnection,
    cache: &mut RowCache,
    suffix: &str,
    mut name: impl FnMut(&mut Prefetch<'_>),
) -> Result<usize, ApplyError> {
    let mut statements = 0;
    for _ in 0..ROUNDS {
        let mut rows = Prefetch::new(cache);
        name(&mut rows);
        if rows.is_empty() {
            break;
        }
        let loaded = rows.load(conn, suffix).await?;
        statements += loaded.statements;
        loaded.into_cache(cache);
    }
    Ok(statements)
}

/// What one prefetch round loaded, to be put in the cache.
#[derive(Default)]
pub(crate) struct Loaded {
    slots: Vec<(SlotKey, Option<Box<dyn ErasedRow>>)>,
    pub statements: usize,
    pub rows: usize,
}

impl Loaded {
    /// Puts the loaded rows in `cache`. A slot the cache already has is kept: it may hold a
    /// change not yet flushed.
    pub(crate) fn into_cache(self, cache: &mut RowCache) {
        for (key, row) in self.slots {
            cache.slots.entry(key).or_insert(Slot { row, dirty: false });
        }
    }
}
