//! [`Ctx`]: the rows a projection reads and writes while it applies events.
//!
//! Rows live in a [`RowCache`] for the length of one transaction (live projection) or of a whole
//! rebuild. A miss loads the row from the database when there is one (live) and is simply absent
//! otherwise (rebuild: memory is the whole truth, the tables start empty). Writes only mark the
//! cache; [`crate::store`] flushes dirty rows at the end, in the transaction that also moves the
//! projection's checkpoint.

use crate::error::ApplyError;
use crate::rows::{ErasedRow, Row};
use portal_domain::TenantId;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub(crate) type SlotKey = (&'static str, String, String);

pub(crate) struct Slot {
    pub row: Option<Box<dyn ErasedRow>>,
    /// Written since loaded: flushed as an upsert (`Some`) or a delete (`None`).
    pub dirty: bool,
}

/// Rows touched in one transaction or one rebuild, by (table, tenant, key).
#[derive(Default)]
pub struct RowCache {
    pub(crate) slots: HashMap<SlotKey, Slot>,
    /// Rows loaded one `SELECT` each on a miss (not prefetched, see [`crate::prefetch`]).
    pub(crate) single_loads: usize,
}

impl RowCache {
    pub fn len(&self) -> usize {
        self.slots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    /// Rows loaded one `SELECT` each because they were not prefetched.
    pub fn single_loads(&self) -> usize {
        self.single_loads
    }
}

/// What a projection's `apply` works on.
pub struct Ctx<'a> {
    cache: &'a mut RowCache,
    /// Loads misses; `None` during rebuilds.
    conn: Option<&'a mut AnyConnection>,
    /// Table-name suffix: "" for live tables, `__rebuild` while rebuilding.
    suffix: &'static str,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        cache: &'a mut RowCache,
        conn: Option<&'a mut AnyConnection>,
        suffix: &'static str,
    ) -> Self {
        Self {
            cache,
            conn,
            suffix,
        }
    }

    /// In-memory only (tests of projections, rebuilds).
    pub fn in_memory(cache: &'a mut RowCache) -> Self {
        Self::new(cache, None, "")
    }

    async fn slot<R: Row>(
        &mut self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<&mut Slot, ApplyError> {
        let k = (R::TABLE.name, tenant.as_str().to_owned(), key.to_owned());
        match self.cache.slots.entry(k) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(v) => {
                let row = match self.conn.as_deref_mut() {
                    Some(conn) => {
                        self.cache.single_loads += 1;
                        crate::store::load::<R>(conn, self.suffix, tenant, key)
                            .await?
                            .map(|r| Box::new(r) as Box<dyn ErasedRow>)
                    }
                    None => None,
                };
                Ok(v.insert(Slot { row, dirty: false }))
            }
        }
    }

    /// The row with this key, if there is one.
    pub async fn get<R: Row>(
        &mut self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<&R>, ApplyError> {
        let slot = self.slot::<R>(tenant, key).await?;
        Ok(slot
            .row
            .as_deref()
            .and_then(|r| r.as_any().downcast_ref::<R>()))
    }

    /// The row with this key for changing, if there is one; marks it dirty.
    pub async fn get_mut<R: Row>(
        &mut self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<Option<&mut R>, ApplyError> {
        let slot = self.slot::<R>(tenant, key).await?;
        if slot.row.is_some() {
            slot.dirty = true;
        }
        Ok(slot
            .row
            .as_deref_mut()
            .and_then(|r| r.as_any_mut().downcast_mut::<R>()))
    }

    /// The row with this key for changing, created with `init` when missing; marks it dirty.
    pub async fn get_or_insert_with<R: Row>(
        &mut self,
        tenant: &TenantId,
        key: &str,
        init: impl FnOnce() -> R,
    ) -> Result<&mut R, ApplyError> {
        let slot = self.slot::<R>(tenant, key).await?;
        slot.dirty = true;
        let row = slot.row.get_or_insert_with(|| Box::new(init()));
        row.as_any_mut()
            .downcast_mut::<R>()
            .ok_or_else(|| ApplyError::Event(format!("row type mismatch in {}", R::TABLE.name)))
    }

    /// Inserts or replaces a row.
    pub fn put<R: Row>(&mut self, row: R) {
        let k = (R::TABLE.name, row.tenant().as_str().to_owned(), row.key());
        self.cache.slots.insert(
            k,
            Slot {
                row: Some(Box::new(row)),
                dirty: true,
            },
        );
    }

    /// Deletes the row with this key (a no-op when there is none).
    pub fn delete<R: Row>(&mut self, tenant: &TenantId, key: &str) {
        let k = (R::TABLE.name, tenant.as_str().to_owned(), key.to_owned());
        self.cache.slots.insert(
            k,
            Slot {
                row: None,
                dirty: true,
            },
        );
    }
}
