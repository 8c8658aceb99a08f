//! CSRF protection of the JSON API (`/api/...`) for calls the browser authenticates by itself.
//!
//! A browser adds the session cookie to any request to this site, even one a page of another
//! site makes; a bearer token it never adds. So an unsafe call (POST, PUT, PATCH, DELETE) that
//! carries the session cookie and no `Authorization: Bearer` header is refused with 403
//! (problem+json), before any handler runs and so before anything is recorded, when:
//!
//! - it comes from another site ([`super::csrf::from_another_site`], the forms' own test; here
//!   `Origin: null` counts as another site: no page of the portal calls the API from an opaque
//!   origin), or
//! - it has neither `Content-Type: application/json` nor a valid `X-CSRF-Token` header (a token
//!   of the session, as the pages embed in their forms; see [`super::csrf`]). Another site can
//!   send a bodyless or `text/plain` POST with the cookie without asking the browser first; a
//!   JSON content type or a custom header needs a CORS preflight, which this server never grants.
//!
//! Calls without the session cookie carry no ambient authority and pass untouched (they are
//! then anonymous or bearer calls, and their handlers decide).

use super::csrf::{cookie_value, from_another_site, verify};
use crate::AppState;
use crate::error::AppError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;
use tracing::info;

/// The header a script may send a session's CSRF token in instead of a JSON content type.
pub const HEADER: &str = "x-csrf-token";

fn is_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn refused(why: &str) -> Response {
    AppError::Forbidden(why.to_owned()).into_response()
}

/// Middleware over every route (it acts on `/api/` paths only): see the module docs.
pub async fn api_csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    if !request.uri().path().starts_with("/api/")
        || !unsafe_method
        || is_bearer(headers)
        || cookie_value(headers, state.auth.session_cookie()).is_none()
    {
        return next.run(request).await;
    }
    if from_another_site(headers, &state.auth.origin(), true) {
        info!("cookie-authenticated API call from another site refused");
        return refused(
            "This call was sent from another site with the session cookie. Call the API from \
             the portal's own pages, or authenticate with a bearer token.",
        );
    }
    if is_json(headers) {
        return next.run(request).await;
    }
    let token = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let session = request.extensions().get::<Session>().cloned();
    if let (Some(token), Some(session)) = (token, session) {
        match verify(&state, &session, &token).await {
            Ok(true) => return next.run(request).await,
            Ok(false) => {}
            Err(e) => return e.into_response(),
        }
    }
    info!("cookie-authenticated API call without JSON content type or CSRF header refused");
    refused(
        "A call authenticated by the session cookie needs the header Content-Type: \
         application/json (also when it has no body) or a valid X-CSRF-Token header.",
    )
}
