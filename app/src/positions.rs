//! The positions a unit of work appended (an HTTP request, a CLI command): every command run
//! through [`crate::commands`] notes its append here, and whoever opened the unit with
//! [`track`] learns the highest position afterwards (the api answers it as `Portal-Position`
//! and waits for it before showing the next page).
//!
//! Hazard: the slot is task-local. Work spawned onto another task is outside the unit and its
//! appends are not noted.

use portal_eventlog::AppendResult;
use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    /// The highest position the current unit appended (0: none).
    static WRITTEN: Cell<i64>;
}

/// Notes `append` (a command's result) as written by the current unit; outside [`track`] a
/// no-op.
pub fn record(append: Option<&AppendResult>) {
    if let Some(a) = append {
        let _ = WRITTEN.try_with(|w| w.set(w.get().max(a.last_position)));
    }
}

/// The position of the last event the current unit appended so far, if any.
pub fn written() -> Option<i64> {
    WRITTEN
        .try_with(Cell::get)
        .ok()
        .filter(|position| *position > 0)
}

/// Runs `work` as one unit; its output and the position of the last event it appended (if it
/// appended any).
pub async fn track<F: Future>(work: F) -> (F::Output, Option<i64>) {
    WRITTEN
        .scope(Cell::new(0), async {
            let output = work.await;
            (output, written())
        })
        .await
}
