//! CSRF protection of every state-changing form (double-submit cookie, plus origin checks).
//!
//! - [`csrf_cookie`] (every route) makes sure each browser has a random token in the
//!   `portal_csrf` cookie (HttpOnly, SameSite=Strict, Secure behind https), setting it on the
//!   first HTML answer, and hands the token to handlers ([`CsrfToken`]) to embed in their forms
//!   as the hidden field `csrf`. Every login replaces it ([`rotate`]).
//! - [`csrf_protect`] (every form POST route) refuses with 403, before the handler runs, a post
//!   whose `csrf` field is missing or differs from the cookie (compared in constant time), whose
//!   `Origin` names another site than the public URL's (`null`, sent from no-referrer pages, names
//!   none), or that the browser labels `Sec-Fetch-Site: cross-site`.
//!
//! - Every form also carries a one-time form id (the hidden field `form_id`, minted with the page
//!   by [`crate::pages::layout::csrf_field`]). [`csrf_protect`] hands it to the handler as
//!   [`FormId`]; handlers use it as the idempotency key of their command, so Back + resubmit, a
//!   double click or a reloaded POST returns the first result and appends nothing.
//!
//! JSON endpoints are not forms: they accept only `Content-Type: application/json`
//! ([`crate::error::ApiJson`]), which a cross-site form cannot send without a CORS preflight that
//! this server never grants.

use crate::AppState;
use crate::error::AppError;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portal_notifier::secret::{looks_like_secret, new_secret};
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use tower_sessions::cookie::{Cookie, SameSite};

pub const COOKIE: &str = "portal_csrf";
/// The hidden form field.
pub const FIELD: &str = "csrf";
/// The hidden one-time form id field.
pub const FORM_ID_FIELD: &str = "form_id";
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The browser's CSRF token, to embed in forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Always present behind `csrf_cookie`; a fresh token otherwise (its forms then fail the
        // check, which is the safe side).
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or_else(|| CsrfToken(new_secret())))
    }
}

/// The one-time id of the form a POST came from (see the module docs); `None` for a form
/// without one or with a malformed one. `digest` identifies the values sent (every field but the
/// token and the id), for forms whose resubmission with other values is a new intention.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormId(pub Option<String>, pub String);

impl FormId {
    /// A fresh id for a form being rendered: 128 random bits.
    pub fn mint() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    fn parse(raw: &str) -> Option<String> {
        let ok = (16..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| raw.to_owned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FormId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<FormId>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// Middleware: see the module docs.
pub async fn csrf_cookie(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let existing = cookie_value(request.headers(), COOKIE).filter(|v| looks_like_secret(v));
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(new_secret);
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let rotated = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{COOKIE}=").as_bytes()));
    if fresh
        && is_html
        && !rotated
        && let Some(v) = cookie_header(&token, state.auth.secure_cookies())
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn cookie_header(token: &str, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((COOKIE, token.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// Gives `response` a new CSRF token (at login: a token planted or seen before the login is not
/// the one of the logged-in session).
pub fn rotate(response: &mut Response, secure: bool) {
    if let Some(v) = cookie_header(&new_secret(), secure) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn refused() -> Response {
    AppError::Forbidden(
        "This form was sent from another site, or the page was too old. Go back, reload the page \
         and send the form again."
            .to_owned(),
    )
    .into_response()
}

/// Middleware for form POST routes: see the module docs.
pub async fn csrf_protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    // `Origin: null` is what browsers send from pages with `Referrer-Policy: no-referrer` (the
    // login pages): it names no site, so the token alone decides.
    let foreign_origin = headers.get(header::ORIGIN).is_some_and(|o| {
        o.to_str()
            .map_or(true, |o| o != "null" && o != state.auth.origin())
    });
    if cross_site || foreign_origin {
        return refused();
    }
    let Some(cookie) = cookie_value(headers, COOKIE) else {
        return refused();
    };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::Status(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "The form is too large.".to_owned(),
        )
        .into_response();
    };
    let mut sent = None;
    let mut form_id = None;
    let mut values = Sha256::new();
    for (k, v) in url::form_urlencoded::parse(&bytes) {
        if k == FIELD && sent.is_none() {
            sent = Some(v.into_owned());
        } else if k == FORM_ID_FIELD && form_id.is_none() {
            form_id = FormId::parse(&v);
        } else {
            for part in [k.as_bytes(), b"=", v.as_bytes(), b"&"] {
                values.update(part);
            }
        }
    }
    let digest = hex::encode(&values.finalize()[..12]);
    parts.extensions.insert(FormId(form_id, digest));
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), cookie.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused(),
    }
}

/// Equality whose running time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; portal_csrf=xyz; b=2".parse().unwrap());
        assert_eq!(cookie_value(&h, COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
