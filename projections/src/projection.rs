//! The [`Projection`] trait: one read model's event handler.

use crate::accounts::PartitionBy;
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::Event;
use crate::prefetch::Prefetch;
use crate::rows::Table;
use futures::future::BoxFuture;

/// A projection keeps one or more read-model tables current.
///
/// Contract:
/// - `apply` is deterministic: it reads and writes rows only through the [`Ctx`] (no clock, no
///   randomness, no other IO), so a rebuild from position 0 equals the live tables;
/// - it ignores events it does not care about (`Ok(())`), but fails with
///   [`ApplyError::Event`] for an event of a category it reads that does not decode
///   ([`crate::Decoded::Invalid`]);
/// - it writes only its own [`Projection::tables`];
/// - changing what `apply` stores or a table's columns needs a [`Projection::version`] bump: the
///   projection is then rebuilt at the next start.
pub trait Projection: Send + Sync + 'static {
    /// Stable name: checkpoint key, `portal rebuild --projection NAME`, metrics label.
    fn name(&self) -> &'static str;
    fn version(&self) -> u32;
    fn tables(&self) -> &'static [&'static Table];
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>>;
    /// Names the rows `apply` will read for `event`, so that a live batch loads them with one
    /// query per table ([`crate::prefetch`]). Called again after each load with the rows found
    /// so far in [`Prefetch::cached`], for rows whose key is in another row. Naming too few rows
    /// costs a `SELECT` per missing row, never correctness; the default names none.
    fn prefetch(&self, _event: &Event<'_>, _rows: &mut Prefetch<'_>) {}
    /// How the work splits into partitions ([`crate::partitions`]). Contract: no row is written
    /// by events of two partitions, and `apply` reads only rows of its event's partition; by
    /// customer account (the default) that holds for rows of one customer.
    fn partition_by(&self) -> PartitionBy {
        PartitionBy::Account
    }
}
