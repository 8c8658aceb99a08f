//! CSRF protection of every state-changing form (a token bound to the session, plus origin
//! checks), and the one test of "sent from another site" ([`from_another_site`]) that the JSON
//! API's check ([`super::api_csrf`]) shares.
//!
//! - A token is `nonce.mac`: a random nonce and HMAC-SHA256, under the server's `csrf` key
//!   ([`portal_identity::server_keys`]), of the session id and that nonce. Handlers take
//!   [`CsrfToken`] to embed a token in their forms as the hidden field `csrf`; taking it gives a
//!   fresh visitor a saved session first (the login forms must work before any login), so every
//!   token names a session. A token of another session, or of the session before a login (the id
//!   changes at login), does not verify.
//! - [`csrf_protect`] (every form POST route) refuses with 403, before the handler runs, a post
//!   whose `csrf` field is missing or does not verify against the request's session, whose
//!   `Origin` names another site than the public URL's (`null`, sent from no-referrer pages, names
//!   none), or that the browser labels `Sec-Fetch-Site: cross-site`.
//!
//! - Every form also carries a one-time form id (the hidden field `form_id`, minted with the page
//!   by [`crate::pages::layout::csrf_field`]). [`csrf_protect`] hands it to the handler as
//!   [`FormId`]; handlers use it as the idempotency key of their command, so Back + resubmit, a
//!   double click or a reloaded POST returns the first result and appends nothing.

use crate::AppState;
use crate::error::AppError;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use portal_identity::secret::new_secret;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use tower_sessions::Session;
use tracing::error;

/// The hidden form field.
pub const FIELD: &str = "csrf";
/// The hidden one-time form id field.
pub const FORM_ID_FIELD: &str = "form_id";
/// The name of the key in `server_keys`.
pub const KEY_NAME: &str = "csrf";
/// What a fresh visitor's session holds, so that it is saved (and gets an id) with no login.
const VISITOR_KEY: &str = "visitor";
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

type HmacSha256 = Hmac<Sha256>;

/// A CSRF token of the request's session, to embed in forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::internal("CSRF token asked for outside the sessions"))?;
        issue(state, &session).await.map(CsrfToken)
    }
}

/// The id of `session` as stored (`None` when the cookie names no live session).
async fn live_id(session: &Session) -> Option<String> {
    // Loads the record: an id from a cookie whose session is gone is dropped by the load.
    let _ = session.is_empty().await;
    session.id().map(|id| id.to_string())
}

fn mac(key: &[u8], session_id: &str, nonce: &str) -> Result<HmacSha256, AppError> {
    let mut mac = HmacSha256::new_from_slice(key)
        .map_err(|_| AppError::internal("the CSRF key has an unusable length"))?;
    for part in [session_id.as_bytes(), b".", nonce.as_bytes()] {
        mac.update(part);
    }
    Ok(mac)
}

async fn key(state: &AppState) -> Result<&[u8; 32], AppError> {
    state.auth.csrf_key.get(&state.db).await.map_err(|e| {
        error!(error = %e, "no CSRF key");
        AppError::internal("the CSRF key is not available")
    })
}

/// A fresh token of `session`, saving the session first if it has no id yet.
pub async fn issue(state: &AppState, session: &Session) -> Result<String, AppError> {
    let id = live_id(session).await;
    // An empty session is dropped (cookie removed) at the end of the request: give it content.
    let id = match id {
        Some(id) if !session.is_empty().await => id,
        _ => {
            session.insert(VISITOR_KEY, true).await?;
            session.save().await?;
            session
                .id()
                .map(|id| id.to_string())
                .ok_or_else(|| AppError::internal("a saved session has no id"))?
        }
    };
    let nonce = new_secret();
    let tag = mac(key(state).await?, &id, &nonce)?.finalize().into_bytes();
    Ok(format!("{nonce}.{}", hex::encode(tag)))
}

/// Whether `token` was issued to `session` (checked in constant time).
pub async fn verify(state: &AppState, session: &Session, token: &str) -> Result<bool, AppError> {
    let Some((nonce, tag)) = token.trim().split_once('.') else {
        return Ok(false);
    };
    let (Some(id), Ok(tag)) = (live_id(session).await, hex::decode(tag)) else {
        return Ok(false);
    };
    Ok(mac(key(state).await?, &id, nonce)?
        .verify_slice(&tag)
        .is_ok())
}

/// Whether the request says it comes from another site than `own_origin`: the browser labels it
/// `Sec-Fetch-Site: cross-site`, or its `Origin` names another origin. `Origin: null` (sent from
/// pages with `Referrer-Policy: no-referrer`, and from sandboxed or file pages) counts as another
/// site only when `null_is_foreign`.
pub fn from_another_site(headers: &HeaderMap, own_origin: &str, null_is_foreign: bool) -> bool {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    let foreign_origin = headers.get(header::ORIGIN).is_some_and(|o| {
        o.to_str().map_or(true, |o| {
            if o == "null" {
                null_is_foreign
            } else {
                o != own_origin
            }
        })
    });
    cross_site || foreign_origin
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
    // `Origin: null` is what browsers send from pages with `Referrer-Policy: no-referrer` (the
    // login pages): it names no site, so the token alone decides.
    if from_another_site(request.headers(), &state.auth.origin(), false) {
        return refused();
    }
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
    let session = parts.extensions.get::<Session>().cloned();
    let valid = match (sent, session) {
        (Some(sent), Some(session)) => match verify(&state, &session, &sent).await {
            Ok(valid) => valid,
            Err(e) => return e.into_response(),
        },
        _ => false,
    };
    if !valid {
        return refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
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
        h.insert(
            header::COOKIE,
            "a=1; portal_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&h, "portal_session").as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn other_sites() {
        let own = "https://portal.example";
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        assert!(!from_another_site(&with(&[]), own, true));
        assert!(!from_another_site(&with(&[("origin", own)]), own, true));
        assert!(from_another_site(
            &with(&[("origin", "https://evil.example")]),
            own,
            false
        ));
        assert!(from_another_site(&with(&[("origin", "null")]), own, true));
        assert!(!from_another_site(&with(&[("origin", "null")]), own, false));
        assert!(from_another_site(
            &with(&[("sec-fetch-site", "cross-site")]),
            own,
            false
        ));
        assert!(!from_another_site(
            &with(&[("sec-fetch-site", "same-origin")]),
            own,
            true
        ));
    }
}
