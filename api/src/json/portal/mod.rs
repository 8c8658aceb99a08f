//! The portal users' JSON API (the portal rows of DESIGN.md's table): drafts and submission
//! ([`orders`]), the address book ([`locations`]), charge decisions, the dashboard and the
//! printer configuration ([`settings`]). `GET /api/v1/orders` and `GET /api/v1/orders/{id}`
//! (both roles) stay in `lib.rs`; axum merges the methods of a path across routers.
//!
//! Handlers take the [`crate::auth::Caller`] (401 without a session or token), answer 404 to
//! staff where the path acts for one customer, run the use case of
//! [`portal_app::portal`], and honour `Idempotency-Key` on writes (bound to the route, the
//! path's ids and the body). Bodies are read with the staff API's
//! [`crate::json::staff::body::Body`] (problem documents for every rejection, 413 included).

pub mod locations;
pub mod orders;
pub mod settings;

use crate::AppState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every portal route with its OpenAPI entry: the single list of these routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(orders::create))
        .routes(routes!(orders::update))
        .routes(routes!(orders::submit))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::order_again))
        .routes(routes!(orders::document))
        .routes(routes!(settings::decide_charge))
        .routes(routes!(settings::dashboard))
        .routes(routes!(
            settings::notification_preferences,
            settings::set_notification_preferences
        ))
        .routes(routes!(
            settings::printer_config,
            settings::set_printer_config
        ))
        .routes(routes!(locations::list, locations::create))
        .routes(routes!(locations::get, locations::update))
        .routes(routes!(locations::archive))
}

/// The portal's JSON routes.
pub fn routes() -> Router<AppState> {
    router().split_for_parts().0
}
