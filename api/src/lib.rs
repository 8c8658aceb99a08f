//! The HTTP interface of the portal: an axum [`Router`] over shared [`AppState`].
//!
//! Layout (grows with the issues): `health` holds `/healthz` (the process is alive) and
//! `/readyz` (the event store answers). The staff UI, the customer portal, the JSON API, sessions
//! and CSRF come in later issues, each in its own module.

mod health;

use axum::Router;
use axum::routing::get;
use portal_eventlog::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
}

/// The whole HTTP interface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
}
