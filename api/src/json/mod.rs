//! The JSON API (`/api/v1/...`): bodies are snake_case, errors problem+json
//! ([`crate::error::AppError`]), auth by session cookie or bearer token ([`crate::auth::Caller`]).
//!
//! - [`me`]: who the caller is and in which scope.
//! - [`orders`]: the order list (cursor paging, filter `status`) and detail, both scoped;
//!   [`export`]: the list's filter as a CSV or XLSX download.
//! - [`staff`]: the staff's paths (customers, contacts, portal access, quick actions, orders).
//! - [`portal`]: the portal users' paths (drafts and submission, address book, charge
//!   decisions, dashboard, printer configuration).
//! - [`webhooks`]: both roles' webhook endpoints, delivery logs and *Send again*.

pub mod export;
pub mod me;
pub mod orders;
pub mod portal;
pub mod staff;
pub mod webhooks;
