//! The HTTP interface of the portal: an axum [`Router`] over shared [`AppState`].
//!
//! Layout (grows with the issues): `health` holds `/healthz` (the process is alive) and
//! `/readyz` (the event store answers; dead-lettered events are reported); `metrics` holds
//! `/metrics` (Prometheus text: appends, relay and projection positions and lags, dead letters). The staff UI, the customer portal, the JSON API, sessions
//! and CSRF come in later issues, each in its own module.

mod health;
mod metrics;

use axum::Router;
use axum::routing::get;
use portal_eventlog::Store;
use portal_projections::ReadDb;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Read models (queries).
    pub read: ReadDb,
    /// Checkpoint name of the relay (reported by `/metrics`).
    pub relay: String,
    /// Names of the projections this build runs.
    pub projections: Vec<String>,
}

/// The whole HTTP interface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .with_state(state)
}
