//! The notifier of the portal: emails sent in answer to events, and the login tokens they carry.
//!
//! Layout:
//! - [`db`]: the durable pool of the notifier's and the API's own tables.
//! - [`secret`]: random secrets and their stored (hashed) form.
//! - [`tokens`]: login and password-reset tokens: mint (when the email is sent), check, consume.
//!
//! Planned: `render` (maud HTML + plain text), `transport` (lettre SMTP and file), `outbox`
//! (one row per event id and email kind: dedupe, retry, dead letters) and the event handler.

pub mod db;
pub mod secret;
pub mod tokens;

pub use db::{Backend, Db};
