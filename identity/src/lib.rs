//! Identity storage of the portal: who may log in and how, kept outside the event log.
//!
//! The event log records that things happened (a link was requested, a password was set, a token
//! was issued or revoked); the secrets and the state that must be checked on every request live
//! here, in tables of the durable [`Db`] pool, and never travel in events, messages or logs.
//! Everything here works on both backends through sqlx `Any`, with instants as Unix milliseconds.
//! No HTTP: the API's extractors, handlers, cookies and CSRF checks use these functions.
//!
//! Layout:
//! - [`db`]: [`Db`], the durable pool (shared with the notifier's outbox), [`Backend`],
//!   [`db::millis`] and [`db::from_millis`].
//! - [`secret`]: random secrets handed to people and their stored (hashed) form.
//! - [`tokens`]: login and password-reset tokens (`login_tokens`): mint (by the notifier, when it
//!   sends the email), check, consume once.
//! - [`passwords`]: argon2id hashes in `credentials`, the strength check of new passwords.
//! - [`sessions`]: [`sessions::DbSessionStore`], the tower-sessions store over `sessions`.
//! - [`api_tokens`]: bearer tokens in `api_tokens`: store, look up, last use, list, revoke.
//! - [`rate_limits`]: fixed-window counters in `rate_limits`.
//! - [`server_keys`]: the deployment's own secret keys in `server_keys`.
//! - [`IdentityError`] (in [`error`]): what can go wrong here.
//!
//! The tables come from the event store's migrations (which must have run):
//! `migrations/{postgres,sqlite}/0003_identity.sql` creates `login_tokens`, `credentials`,
//! `sessions`, `rate_limits` and `api_tokens`; `migrations/postgres/0006_api_token_grants.sql`
//! (`migrations/sqlite/0004_api_token_grants.sql`) adds the grant, lifetime and use columns of
//! `api_tokens`; `migrations/postgres/0007_server_keys.sql`
//! (`migrations/sqlite/0005_server_keys.sql`) creates `server_keys`.

pub mod api_tokens;
pub mod db;
pub mod error;
pub mod passwords;
pub mod rate_limits;
pub mod secret;
pub mod server_keys;
pub mod sessions;
pub mod tokens;

pub use db::{Backend, Db};
pub use error::IdentityError;
