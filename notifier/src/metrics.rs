//! Process-wide counters of the notifier, for `/metrics` (outbox totals shared by all processes
//! come from [`crate::outbox::counts`] instead).

use std::sync::atomic::{AtomicU64, Ordering};

/// Outbox rows this process's event handler inserted (emails decided).
pub static QUEUED: AtomicU64 = AtomicU64::new(0);
/// Emails this process sent (or wrote).
pub static SENT: AtomicU64 = AtomicU64::new(0);
/// Tries that failed (each is retried or dead-lettered).
pub static FAILED_ATTEMPTS: AtomicU64 = AtomicU64::new(0);
/// Emails this process dead-lettered.
pub static DEAD: AtomicU64 = AtomicU64::new(0);
/// Emails this process skipped (superseded or expired links, revoked access).
pub static SKIPPED: AtomicU64 = AtomicU64::new(0);

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// A reading of every counter: (name, help, value).
pub fn snapshot() -> [(&'static str, &'static str, u64); 5] {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    [
        (
            "portal_notifier_queued",
            "emails queued by this process",
            get(&QUEUED),
        ),
        (
            "portal_notifier_sent",
            "emails sent by this process",
            get(&SENT),
        ),
        (
            "portal_notifier_failed_attempts",
            "failed send attempts of this process",
            get(&FAILED_ATTEMPTS),
        ),
        (
            "portal_notifier_dead",
            "emails dead-lettered by this process",
            get(&DEAD),
        ),
        (
            "portal_notifier_skipped",
            "emails skipped by this process",
            get(&SKIPPED),
        ),
    ]
}
