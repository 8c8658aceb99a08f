//! The idempotency key of a request: the `Idempotency-Key` header of the JSON API
//! ([`IdempotencyKey`]) bound to the fingerprint of the request's content, or a form's one-time
//! id ([`form_idempotency`]). The use cases take the key and run their commands as the caller
//! ([`portal_app::commands`]); a reused key with different content answers 409 (see
//! [`crate::error::AppError`]).

use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use portal_eventlog::Idempotency;
use serde::Serialize;
use std::convert::Infallible;

/// The `Idempotency-Key` header of a request, if sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get("idempotency-key")
                // Not `to_str`: a key with bytes outside visible ASCII must be refused by the
                // key's check, not ignored as if no key had been sent (a retry would then run
                // the command twice).
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        ))
    }
}

impl IdempotencyKey {
    /// The key bound to `request` (what identifies the request's content: e.g. the route, the
    /// path's ids and the body); a malformed key is a field error of `Idempotency-Key`.
    pub fn for_request(&self, request: &impl Serialize) -> Result<Option<Idempotency>, AppError> {
        match &self.0 {
            None => Ok(None),
            Some(key) => Idempotency::new(key, request).map(Some).map_err(|_| {
                AppError::field(
                    "Idempotency-Key",
                    "must be 1 to 200 printable ASCII characters without spaces",
                )
            }),
        }
    }
}

/// The idempotency key of a form post. `values: false` (forms that create something): the
/// one-time form id bound to `action` (what the form does, e.g. `portal.order.create`) rather
/// than to the typed values, so the form sent again — after Back, even with something changed —
/// returns what the first post created instead of creating a second one. `values: true` (forms
/// that change something that exists): the id and the values sent, so the same post again is a
/// replay, while other values sent from the same page (switch on, Back, switch off) are a new
/// intention and run.
pub fn form_idempotency(
    form: &crate::web::csrf::FormId,
    action: &str,
    values: bool,
) -> Option<Idempotency> {
    let id = form.0.as_deref()?;
    let key = if values {
        format!("form:{id}:{}", form.1)
    } else {
        format!("form:{id}")
    };
    Idempotency::new(&key, &("form", action)).ok()
}
