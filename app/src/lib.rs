//! The use cases of the portal, shared by the pages, the JSON API and the command line, without
//! HTTP. Each takes a [`Context`] (the event store and the read models), the [`Principal`] who
//! acts and validated input, gathers the facts a command needs from the event log, runs it
//! through [`commands`] and answers a view or an [`Error`]; interfaces turn that into their own
//! answers (the api crate into statuses and problem documents, or pages).
//!
//! Layout:
//! - [`context`], [`principal`], [`error`]: the crate's own types.
//! - [`commands`]: running a command as a principal (tenant, actor, idempotency key);
//!   [`positions`]: the positions a unit of work appended (for reading one's own writes).
//! - [`access`]: read-side authorisation (the role a use case is for, whether charges may be
//!   seen, the orders a principal may see); [`input`]: field errors, ids, idempotent creations.
//! - Staff: [`customers`], [`contacts`], [`bulk`] (quick actions), [`orders`] (status and
//!   charges), [`locations`] (carrier locations), [`audit`] (event export and stream history),
//!   [`time_zone`] (the tenant's zone). Both roles: [`exports`] (the order list as CSV or XLSX).
//!   Portal users: [`portal`] (drafts, address book, approvals, printer, documents).
//! - [`token_grants`]: what a bearer token is bound to (its grant, as the log records it);
//!   [`token_admin`]: listing and revoking tokens (the account page and `portal token`).
//! - [`webhooks`]: webhook endpoints of both roles, their delivery logs and *Send again*.
//! - [`mail`]: dead emails and sending them again, the outbox's counts, the file mailbox.
//! - [`zone`]: the zone a reader sees times in and the one format of an instant; [`export`]:
//!   CSV and XLSX writers; [`schema`]: the JSON Schemas of inputs and views for the OpenAPI
//!   document.
//!
//! Conventions every use case follows:
//! - **Role first.** A staff use case turns a portal user away with [`Error::NotFound`] (staff
//!   paths do not exist for portal users), checked first by [`staff_only`]; a portal use case
//!   turns staff away the same way ([`portal_only`]).
//! - **Tenant scope.** Streams are loaded in the principal's tenant: an id of another tenant is
//!   [`Error::NotFound`], exactly like an unknown id.
//! - **Input.** Inputs are plain structs of strings, booleans and numbers in the shape of the
//!   JSON bodies (so HTML forms can fill them too); validation returns every problem at once as
//!   field errors ([`Error::Invalid`]) named like the JSON body's fields.
//! - **Idempotency.** Every write takes an optional [`portal_eventlog::Idempotency`]; a replay
//!   returns the same answer and appends nothing. Creations reuse the id of the first execution
//!   ([`creation_id`]); use cases that run commands on several aggregates derive one key per
//!   aggregate ([`sub_key`]).
//! - **One request, one append.** Several changes of one aggregate (a customer's details and
//!   status, both portal switches, a carrier location's details and visibility) run through
//!   [`commands::run_many`]: one transaction, one correlation id, the request's key, and a
//!   rejection of any appends nothing. Across aggregates this cannot hold (an append is per
//!   stream): the bulk quick action appends once per customer by design and reports each; the
//!   order form's "save to address book" creates each location before the draft is saved.

pub mod access;
pub mod audit;
pub mod bulk;
pub mod commands;
pub mod contacts;
pub mod context;
pub mod customers;
pub mod error;
pub mod export;
pub mod exports;
pub mod history;
pub mod input;
pub mod locations;
pub mod mail;
pub mod orders;
pub mod people;
pub mod portal;
pub mod positions;
pub mod principal;
pub mod schema;
pub mod time_zone;
pub mod token_admin;
pub mod token_grants;
pub mod webhooks;
pub mod zone;

pub use access::{PortalUser, portal_only, staff_only};
pub use context::Context;
pub use error::Error;
pub(crate) use input::checked;
pub use input::{Fields, creation_id, parse_id, stream, sub_key};
pub use principal::{Principal, Role};
