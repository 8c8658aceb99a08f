//! The staff's pages: customers, contacts, quick actions, the orders inbox, locations and audit.

use crate::AppState;
use axum::Router;

/// The staff's page routes (form posts behind CSRF protection).
pub fn routes(_state: &AppState) -> Router<AppState> {
    Router::new()
}
