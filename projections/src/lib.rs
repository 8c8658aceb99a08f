//! Projection builders, read models and their queries.
//!
//! Layout:
//! - [`rows`]: the one shape of every read-model table (`tenant`, `key`, a JSON `doc`, a few typed
//!   columns) and the [`Row`] trait that typed rows implement.
//! - [`ctx`]: [`Ctx`], the rows a projection reads and writes while applying events (cached,
//!   loaded on a miss, flushed at the end).
//! - [`event`]: the event handed to projections, decoded once ([`Decoded`]).
//! - [`projection`]: the [`Projection`] trait.
//! - [`prefetch`]: [`Prefetch`], the rows a live batch will touch, named by the projections and
//!   loaded before the batch with one query per table.
//! - [`store`]: the read-model database (`sqlx::Any` over PostgreSQL or SQLite): DDL generated from
//!   the [`rows::Table`]s, loading, flushing, checkpoints and dead letters.
//! - [`runner`]: [`Projector`], the checkpointed handler the subscription runner drives: one
//!   transaction per projection and batch holds the rows and the checkpoint; poison events are
//!   dead-lettered after a few tries.
//! - [`accounts`]: the customer (or tenant) account an event belongs to, for partitioning.
//! - [`partitions`]: which partition an event belongs to, and the leases that share the
//!   partitions out among `portal project` processes.
//! - [`rebuild`]: replay the log from 0 in memory into fresh tables, then swap.
//! - one module per read model, each with its rows, its projection and its tenant-scoped queries.

pub mod accounts;
mod checkpoints;
pub mod ctx;
pub mod error;
pub mod event;
pub mod models;
pub mod partitions;
pub mod prefetch;
pub mod projection;
pub mod rebuild;
pub mod rows;
pub mod runner;
pub mod store;

pub use ctx::{Ctx, RowCache};
pub use error::{ApplyError, QueryError};
pub use event::{Decoded, Event};
pub use prefetch::Prefetch;
pub use projection::Projection;
pub use rows::{ColType, ColValue, Column, Row, Table};
pub use runner::Projector;
pub use store::ReadDb;
