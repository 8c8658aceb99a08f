//! The staff's JSON API (the staff rows of DESIGN.md's table).

use crate::AppState;
use axum::Router;

/// The staff's JSON routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
