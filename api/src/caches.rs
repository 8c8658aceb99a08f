//! The in-process memos of one server, shared by its handlers (cheap to clone).

use crate::auth::token_checks::TokenChecks;
use crate::read_cache::ReadCache;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Caches {
    /// Passed bearer-token checks.
    pub tokens: Arc<TokenChecks>,
    /// Read answers of the current read-model position.
    pub reads: Arc<ReadCache>,
}
