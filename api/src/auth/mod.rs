//! Identity: logins, sessions and scopes.
//!
//! - [`session`]: what a session holds (identity and current scope), start/choose/end.
//! - [`scopes`]: an email's scopes (staff memberships + effective portal grants) and the
//!   per-request check that a scope still holds.
//! - [`caller`]: the [`caller::SignedIn`] and [`caller::Caller`] extractors (session or bearer).
//! - [`links`]: link requests (login and password reset; uniform answers, work off the response
//!   path), [`login`]: login page, *Continue*, password login, logout; [`reset`]: password reset.
//! - [`rate_limit`]: which limit an attempt counts against.
//! - [`identity`]: the commands on the user aggregate; [`api_tokens`]: bearer tokens (issue and
//!   check), bound to their grant by [`token_grants`], listed and revoked by [`token_admin`]
//!   (both use cases of `portal_app`, shared with the command line); [`token_checks`]: the
//!   verdicts of a token's scope and grant checks, reused for a second.
//!
//! What is stored (sessions, login tokens, passwords, API tokens, rate-limit counters, server
//! keys) and how is [`portal_identity`]'s; this module holds the HTTP side and the checks that
//! need the read models or the log.
//!
//! Secrets never reach logs or events: spans carry no email, token, session id or password.

pub mod api_tokens;
pub mod caller;
pub mod identity;
pub mod links;
pub mod login;
pub mod rate_limit;
pub mod reset;
pub mod scopes;
pub mod session;
pub mod token_checks;

pub use caller::{Caller, SignedIn, Via};
pub use session::ScopeRef;
// Token listing, revocation and grant binding are use cases shared with the command line.
pub use portal_app::{token_admin, token_grants};
