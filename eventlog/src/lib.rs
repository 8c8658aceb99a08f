//! The event log of the portal: an append-only store of domain events on PostgreSQL (production)
//! or SQLite (embedded mode), and the generic command executor on top of it.
//!
//! Layout:
//! - [`envelope`]: what goes in ([`NewEvent`], [`Metadata`], [`Idempotency`]) and what comes out
//!   ([`RecordedEvent`], [`AppendResult`]), plus [`StreamId`].
//! - [`store`]: [`Store`], one enum over the two backends (`store/postgres.rs`,
//!   `store/sqlite.rs`) with the same contract, proven by one conformance suite run on both
//!   (`tests/conformance.rs`). Appends are atomic per stream with an expected version; readers of
//!   the global log never skip an event whose transaction commits late (see the migrations).
//!   [`store::statistics`] keeps the planner statistics of every table of its database.
//! - [`codec`]: domain events ⇄ stored payloads (`type` + `data` of the serde tagging).
//! - [`executor`]: load → fold → decide → append, with bounded retries on version conflicts and
//!   idempotent replays; [`execute_many`] runs several commands on one stream as one append (one
//!   transaction, one correlation id, all or nothing).
//! - [`error`]: [`StoreError`] and [`ExecuteError`]; a database that cannot be reached is
//!   [`StoreError::Unavailable`] (see [`error::is_connection_failure`]), which the API answers 503.
//! - `testing` (feature `testing`): throw-away databases for tests of this and other crates.
//!
//! - [`wire`]: the CloudEvents document and NATS subject of an event (see `docs/events.md`).
//! - [`bus`]: [`bus::EventBus`] over NATS JetStream ([`bus::NatsBus`]) or an in-process broadcast
//!   ([`bus::MemoryBus`], embedded mode).
//! - [`relay`]: the log is the outbox; the relay publishes committed events in order and
//!   checkpoints after the acknowledgement.
//! - [`subscription`]: the runner that feeds a checkpointed [`subscription::Handler`] from the bus,
//!   catching up from the log at start, when idle, and on gaps.
//! - [`metrics`]: process-wide counters for `/metrics`.

pub mod bus;
pub mod codec;
pub mod envelope;
pub mod error;
pub mod executor;
pub mod metrics;
pub mod relay;
pub mod store;
pub mod subscription;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use envelope::{
    AppendResult, Idempotency, Metadata, NewEvent, RecordedEvent, StreamId, WireEvent,
};
pub use error::{ExecuteError, StoreError};
pub use executor::{CommandContext, Executed, ExecutedMany, execute, execute_loaded, execute_many};
pub use store::Store;
