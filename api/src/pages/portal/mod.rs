//! The customer portal's pages (the portal user's view): tabs *Dashboard*, *Orders*,
//! *Locations*, *Settings*.
//!
//! Plain HTML forms (no script needed), like the staff pages: every GET only reads; every form
//! POST sits behind [`crate::web::csrf::csrf_protect`], runs one use case of
//! [`portal_app::portal`], and on success waits for the read models, keeps a flash message
//! and redirects (303); invalid input re-renders the form with the messages next to the fields
//! (422) and saves nothing. Every page answers 404 to staff ([`common::PortalCtx`]) except the
//! dashboard, which sends them to `/staff`; another customer's ids answer 404 like unknown ones.
//!
//! | path | page |
//! |---|---|
//! | `/portal` | [`dashboard`]: figures and SVG charts ([`charts`]) |
//! | `/portal/orders`, `/portal/orders.csv` | [`orders`]: list with status tabs, search, export links (the `.csv` path redirects to the API) |
//! | `/portal/orders/new`, `/portal/orders/{id}/edit`, `/portal/orders/{id}/complete` | [`order_form`] (markup: [`order_form_view`], model: [`order_model`]) |
//! | `/portal/orders/{id}/review`, `/portal/orders/{id}/submit` | [`review`]: "Check and submit", then *Submit to carrier* |
//! | `/portal/orders/{id}[/cancel\|/again\|/documents/{kind}\|/charges/{c}/decision]` | [`order`] |
//! | `/portal/charges` | [`charges`]: charges to approve |
//! | `/portal/locations[/new\|/{id}[/archive]]` | [`locations`]: the address book |
//! | `/portal/settings` | [`settings`]: printers, account links |

pub mod charges;
pub mod charts;
pub mod common;
pub mod dashboard;
pub mod locations;
pub mod order;
pub mod order_form;
pub mod order_form_view;
pub mod order_model;
pub mod orders;
pub mod review;
pub mod settings;

use crate::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

/// The portal's page routes (form posts behind CSRF protection; GETs pass it untouched).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/portal", get(dashboard::dashboard))
        .route("/portal/orders", get(orders::list))
        .route("/portal/orders.csv", get(orders::export))
        .route(
            "/portal/orders/new",
            get(order_form::new_form).post(order_form::create),
        )
        .route("/portal/orders/{id}", get(order::show))
        .route(
            "/portal/orders/{id}/edit",
            get(order_form::edit_form).post(order_form::update),
        )
        .route(
            "/portal/orders/{id}/complete",
            get(order_form::complete_form),
        )
        .route("/portal/orders/{id}/review", get(review::show))
        .route("/portal/orders/{id}/submit", post(review::submit))
        .route("/portal/orders/{id}/cancel", post(order::cancel))
        .route("/portal/orders/{id}/again", post(order::again))
        .route("/portal/orders/{id}/documents/{kind}", get(order::document))
        .route(
            "/portal/orders/{id}/charges/{charge_id}/decision",
            post(order::decide),
        )
        .route("/portal/charges", get(charges::list))
        .route(
            "/portal/locations",
            get(locations::list).post(locations::create),
        )
        .route("/portal/locations/new", get(locations::new_form))
        .route(
            "/portal/locations/{id}",
            get(locations::edit).post(locations::save),
        )
        .route("/portal/locations/{id}/archive", post(locations::archive))
        .route("/portal/settings", get(settings::show))
        .route("/portal/settings/printers", post(settings::save_printers))
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::web::csrf::csrf_protect,
        ))
}
