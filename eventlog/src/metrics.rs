//! Process-wide counters of the event log, read by `/metrics`. Gauges that other processes can
//! move (checkpoints, lags) are read from the database at scrape time instead.

use std::sync::atomic::{AtomicU64, Ordering};

/// Events appended by this process.
pub static EVENTS_APPENDED: AtomicU64 = AtomicU64::new(0);
/// Events the relay of this process published and had acknowledged.
pub static RELAY_PUBLISHED: AtomicU64 = AtomicU64::new(0);
/// Publish batches that failed and were retried.
pub static RELAY_FAILURES: AtomicU64 = AtomicU64::new(0);
/// Gaps consumers detected (missed or lost messages) and caught up from the log.
pub static SUBSCRIPTION_GAPS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
