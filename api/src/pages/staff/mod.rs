//! The staff's pages: customers, contacts, quick actions, the orders inbox, locations and audit.
//!
//! Plain HTML forms (no script needed): every GET only reads; every form POST sits behind
//! [`crate::web::csrf::csrf_protect`], runs one use case of [`portal_app`], and on success
//! waits for the read models, keeps a flash message and redirects (303); invalid input
//! re-renders the form with the messages next to the fields (422). Every page answers 404 to
//! anyone who is not staff ([`common::StaffCtx`]).
//!
//! | path | page |
//! |---|---|
//! | `/staff/customers` | [`customers`]: list, search, filters, paging, quick actions ([`quick`]) |
//! | `/staff/customers/new`, `/staff/customers/{id}` | [`customers`] creation, [`customer`] profile |
//! | `/staff/contacts`, `/staff/contacts/{id}` | [`contacts`]: list view and edit form |
//! | `/staff/orders`, `/staff/orders/{id}/…` | [`inbox`]: inbox, status changes, charges |
//! | `/staff/orders/{id}/documents/{kind}` | the CMR and labels ([`crate::pages::orders`]) |
//! | `/staff/locations[/new\|/{id}]` | [`locations`]: carrier locations and their visibility |
//! | `…/{id}/audit` | [`audit`]: a stream's events and its state at any of them |
//! | `/staff/settings` | [`settings`]: the tenant's time zone |
//!
//! The order detail itself (`/staff/orders/{id}`) is [`crate::pages::orders`].

pub mod audit;
pub mod common;
pub mod contacts;
pub mod customer;
pub mod customers;
pub mod inbox;
pub mod locations;
pub mod quick;
pub mod settings;

use crate::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

/// The staff's page routes (form posts behind CSRF protection; GETs pass it untouched).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/staff/customers",
            get(customers::list).post(customers::create),
        )
        .route("/staff/customers/new", get(customers::new_form))
        .route("/staff/customers/quick-actions", post(quick::apply))
        .route("/staff/customers/quick-actions/report", get(quick::report))
        .route("/staff/customers/{id}", get(customer::profile))
        .route(
            "/staff/customers/{id}/details",
            post(customer::save_details),
        )
        .route("/staff/customers/{id}/portal", post(customer::save_portal))
        .route(
            "/staff/customers/{id}/contacts",
            post(customer::add_contact),
        )
        .route("/staff/customers/{id}/audit", get(audit::customer))
        .route("/staff/contacts", get(contacts::list))
        .route("/staff/contacts/{id}", get(contacts::edit))
        .route("/staff/contacts/{id}/details", post(contacts::save_details))
        .route("/staff/contacts/{id}/access", post(contacts::save_access))
        .route("/staff/contacts/{id}/audit", get(audit::contact))
        .route("/staff/orders", get(inbox::list))
        .route("/staff/orders/{id}/status", post(inbox::change_status))
        .route("/staff/orders/{id}/charges", post(inbox::add_charge))
        .route("/staff/orders/{id}/audit", get(audit::order))
        .route(
            "/staff/orders/{id}/documents/{kind}",
            get(crate::pages::orders::staff_document),
        )
        .route(
            "/staff/locations",
            get(locations::list).post(locations::create),
        )
        .route("/staff/locations/new", get(locations::new_form))
        .route("/staff/locations/{id}", get(locations::edit))
        .route("/staff/locations/{id}/save", post(locations::save))
        .route("/staff/settings", get(settings::show))
        .route("/staff/settings/time-zone", post(settings::save_time_zone))
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::web::csrf::csrf_protect,
        ))
}
