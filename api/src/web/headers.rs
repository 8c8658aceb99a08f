//! Headers every answer gets, and the one stylesheet.
//!
//! Every HTML page carries a strict Content-Security-Policy (no inline script or style: the pages
//! have no script at all and style only from `/assets/portal.css`) and `X-Frame-Options: DENY`.
//! Every answer gets `X-Content-Type-Options: nosniff` and `Cache-Control: no-store` (pages,
//! JSON, exports and documents are personal, and pages carry CSRF tokens: no shared or browser
//! cache may keep them) unless its handler chose a cache policy itself (the stylesheet). Under an
//! https public URL every answer also carries `Strict-Transport-Security`, so that browsers never
//! try plain http again. Pages whose URL carries a token, and the login pages, send
//! `Referrer-Policy: no-referrer` themselves ([`no_referrer`]); every other answer gets
//! `same-origin`.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

const CSS: &str = include_str!("../../assets/portal.css");

/// `GET /assets/portal.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// One year: long enough to matter, as `Strict-Transport-Security` is renewed by every answer.
const HSTS: &str = "max-age=31536000";

/// Middleware: the headers above.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    if is_html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if is_html || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.auth.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// Marks an answer `Referrer-Policy: no-referrer` (login pages, pages whose URL holds a token).
pub fn no_referrer(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
