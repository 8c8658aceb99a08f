//! [`Context`]: what the use cases reach outside themselves.

use portal_eventlog::Store;
use portal_projections::ReadDb;

/// The event store (the truth: commands are decided on it, facts across aggregates are read
/// from it) and the read models (queries). Cheap to clone: both are shared pools.
#[derive(Debug, Clone)]
pub struct Context {
    pub store: Store,
    pub read: ReadDb,
}

impl Context {
    pub fn new(store: Store, read: ReadDb) -> Self {
        Self { store, read }
    }
}
