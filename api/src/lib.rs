//! The HTTP interface of the portal: an axum [`Router`] over shared [`AppState`].
//!
//! Layout:
//! - [`health`]: `/healthz` (alive), `/readyz` (the event store answers; dead letters reported);
//!   [`metrics`]: `/metrics` (Prometheus text: appends, relay and projection positions and lags,
//!   dead letters, the mail outbox; optionally behind a token, or on an address of its own).
//! - [`auth`]: logins (emailed links, passwords, resets), sessions, scopes, rate limits, bearer
//!   tokens; the [`auth::Caller`] extractor every scoped handler takes.
//! - [`pages`]: server-rendered HTML (maud): the frame, login pages, the scope switcher, the
//!   account page, the portal and staff homes, order detail, error pages, `/dev/mail`.
//! - [`json`]: the JSON API (`/api/v1/...`). Both it and the pages run the use cases of
//!   [`portal_app`] through [`use_cases`] (the caller as a [`portal_app::Principal`], the state
//!   as a [`portal_app::Context`]); [`commands`]: the request's idempotency key.
//! - [`web`]: security headers and the stylesheet, CSRF protection, the client IP behind trusted
//!   proxies; [`error`]: [`error::AppError`], the one error type (problem+json, or an HTML page).
//! - [`config`]: [`AuthConfig`] (public URL, session timeouts, proxies, rate limits).
//!
//! Every form POST route sits behind [`web::csrf::csrf_protect`]; every unsafe `/api/` call
//! authenticated by the session cookie behind [`web::api_csrf::api_csrf`]; every answer gets the
//! security headers (`Cache-Control: no-store`, HSTS behind https); errors of HTML routes become
//! pages (a 401 a redirect to `/login`); every error answer under `/api/` is a problem document,
//! also those axum builds itself ([`web::problem`]).

pub mod auth;
pub mod caches;
pub mod commands;
pub mod config;
pub mod consistency;
pub mod error;
mod health;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod read_cache;
pub mod use_cases;
pub mod web;

pub use config::{AuthConfig, IpCidr, RateLimits};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use portal_eventlog::Store;
use portal_identity::Db;
use portal_identity::sessions::DbSessionStore;
use portal_projections::ReadDb;
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie (plain http).
pub const SESSION_COOKIE: &str = "portal_session";
/// The session cookie under an https public URL (see [`AuthConfig::session_cookie`]).
pub const SECURE_SESSION_COOKIE: &str = "__Host-portal_session";
/// Largest JSON body accepted.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Read models (queries).
    pub read: ReadDb,
    /// Checkpoint name of the relay (reported by `/metrics`).
    pub relay: String,
    /// Names of the projections this build runs.
    pub projections: Vec<String>,
    /// The durable tables of identity and mail (tokens, sessions, credentials, outbox).
    pub db: Db,
    pub auth: Arc<AuthConfig>,
    /// In-process memos of this server (token checks, read results).
    pub caches: caches::Caches,
}

/// The whole HTTP interface.
pub fn router(state: AppState) -> Router {
    let idle = time::Duration::try_from(state.auth.session_idle).unwrap_or(time::Duration::HOUR);
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(state.auth.session_cookie())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.auth.secure_cookies())
        .with_path("/")
        // Every request of a logged-in session moves its idle expiry on; the store writes that
        // at most once a minute unless the data changed (see `DbSessionStore`).
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(idle));

    // State-changing forms: CSRF-checked before their handlers run.
    let forms = Router::new()
        .route("/login/link", post(auth::links::login_link))
        .route("/login/password", post(auth::login::password_login))
        .route("/login/continue", post(auth::login::continue_login))
        .route("/logout", post(auth::login::logout))
        .route("/password/forgot", post(auth::links::forgot))
        .route("/password/reset", post(auth::reset::reset))
        .route("/switch", post(pages::home::switch))
        .route("/account/password", post(pages::account::set_password))
        .route("/account/time-zone", post(pages::account::set_time_zone))
        .route("/account/emails", post(pages::account_emails::set_emails))
        .route(
            "/account/tokens/revoke",
            post(pages::account_tokens::revoke),
        )
        .route("/staff/emails/retry", post(pages::home::retry_email))
        .route_layer(from_fn_with_state(state.clone(), web::csrf::csrf_protect));

    let pages = Router::new()
        .route("/", get(pages::home::root))
        .route("/login", get(auth::login::login_page))
        .route("/login/continue", get(auth::login::continue_page))
        .route("/password/forgot", get(auth::links::forgot_page))
        .route("/password/reset", get(auth::reset::reset_page))
        .route("/switch", get(pages::home::switcher))
        .route("/account", get(pages::account::account))
        .route("/staff", get(pages::home::staff))
        .route("/staff/orders/{id}", get(pages::orders::staff_order))
        .route("/dev/mail", get(pages::dev_mail::list))
        .route("/dev/mail/{id}", get(pages::dev_mail::show))
        // One-click unsubscribe (RFC 8058): mail clients post without a session or CSRF token;
        // the signed token in the path authorises it (see `pages::account_emails`).
        .route(
            "/unsubscribe/{token}",
            get(pages::account_emails::unsubscribe_form).post(pages::account_emails::unsubscribe),
        );

    let api = Router::new()
        .route("/api/v1/auth/login-link", post(auth::links::api_login_link))
        .route("/api/v1/me", get(json::me::me))
        .route("/api/v1/orders", get(json::orders::list))
        .route("/api/v1/orders/export", get(json::export::export))
        .route("/api/v1/orders/{id}", get(json::orders::get));

    let mut app = Router::new()
        .merge(forms)
        .merge(pages)
        .merge(api)
        .merge(json::staff::routes())
        .merge(json::portal::routes())
        .merge(json::webhooks::router().split_for_parts().0)
        .merge(pages::staff::routes(&state))
        .merge(pages::portal::routes(&state))
        .merge(pages::webhooks::routes(&state))
        .route("/assets/portal.css", get(web::headers::stylesheet))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if !state.auth.metrics_elsewhere {
        app = app.route("/metrics", get(metrics::metrics));
    }
    app.fallback(pages::errors::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Innermost: a read waits for its `Portal-Min-Position`, a write answers its
        // `Portal-Position` (errors still pass the error layers below).
        .layer(from_fn_with_state(state.clone(), consistency::layer))
        // Inside the sessions: a CSRF header is checked against the session.
        .layer(from_fn_with_state(state.clone(), web::api_csrf::api_csrf))
        // Inside the sessions: an error page shows the logged-in caller's navigation.
        .layer(from_fn_with_state(
            state.clone(),
            pages::errors::render_errors,
        ))
        .layer(sessions)
        .layer(from_fn_with_state(
            state.clone(),
            web::headers::security_headers,
        ))
        // Outermost: also answers the errors of the layers above as problem documents.
        .layer(from_fn(web::problem::api_problems))
        .with_state(state)
}
