//! The staff's JSON API (the staff rows of DESIGN.md's table), plus `GET
//! /api/v1/orders/{id}/charges` (both roles) and `GET /api/openapi.json`.
//!
//! The routes are declared once, in [`router`], as a `utoipa_axum` router: every handler carries
//! its `#[utoipa::path]`, so the served routes and their OpenAPI entries come from the same list
//! and cannot drift apart ([`crate::openapi`] merges them with the routes of `lib.rs`).
//!
//! Modules: [`customers`], [`contacts`], [`orders`] (status, charges), [`locations`] (carrier
//! locations), [`audit`] (event export, stream history), [`tenant`] (the time-zone setting, read
//! by both roles); [`body`] (the JSON body extractor whose rejections are problem documents, 413
//! included); [`schemas`] (shapes of read-model rows for the spec).
//!
//! Every handler takes the [`crate::auth::Caller`] (401 without a session or token), answers 404
//! to a caller who is not staff (except the charges list and the time-zone read), runs the use case
//! of [`portal_app`], and honours `Idempotency-Key` on writes (bound to the route, the path's
//! ids and the body).

pub mod audit;
pub mod body;
pub mod contacts;
pub mod customers;
pub mod locations;
pub mod orders;
pub mod schemas;
pub mod tenant;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every staff route with its OpenAPI entry: the single list of these routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customers::create, customers::list))
        .routes(routes!(customers::profile, customers::update))
        .routes(routes!(customers::set_portal))
        .routes(routes!(customers::bulk))
        .routes(routes!(contacts::add))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::get, contacts::update))
        .routes(routes!(contacts::set_access))
        .routes(routes!(orders::change_status))
        .routes(routes!(orders::add_charge, orders::list_charges))
        .routes(routes!(locations::list, locations::create))
        .routes(routes!(locations::update))
        .routes(routes!(audit::events))
        .routes(routes!(audit::stream_history))
        .routes(routes!(tenant::get_time_zone, tenant::set_time_zone))
}

/// The staff's JSON routes and `GET /api/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (routes, _) = router().split_for_parts();
    routes.route("/api/openapi.json", get(crate::openapi::serve))
}
