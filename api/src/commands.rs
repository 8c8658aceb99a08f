//! Running a domain command for a [`Caller`]: the caller's tenant, the caller as the actor in the
//! event metadata, and the request's `Idempotency-Key` (if any) with the fingerprint of the
//! request's content. Every write of the JSON API and of the pages goes through [`run`], so a
//! rejection maps to its 4xx, a version conflict that outlived the executor's retries to 409, and
//! a reused key with different content to 409 (see [`crate::error::AppError`]). A use case that
//! changes several things of one aggregate runs them through [`run_many`]: one append, one
//! correlation id, one key. Each append is noted for the request's `Portal-Position` answer
//! ([`crate::consistency`]).

use crate::auth::Caller;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use portal_domain::Aggregate;
use portal_eventlog::{
    CommandContext, Executed, ExecutedMany, Idempotency, Metadata, StreamId, execute,
    execute_loaded, execute_many,
};
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

/// Runs `command` on `stream` as `caller`, in the caller's tenant.
pub async fn run<A: Aggregate>(
    state: &crate::AppState,
    caller: &Caller,
    stream: &StreamId,
    command: &A::Command,
    idempotency: Option<Idempotency>,
) -> Result<Executed<A>, AppError> {
    let ctx = context(caller, idempotency);
    let executed = execute::<A>(&state.store, stream, &ctx, command).await?;
    crate::consistency::record(executed.append.as_ref());
    Ok(executed)
}

/// The caller's tenant, the caller as the actor, and the request's key.
fn context(caller: &Caller, idempotency: Option<Idempotency>) -> CommandContext {
    CommandContext {
        tenant: caller.tenant().clone(),
        metadata: Metadata::new(caller.actor()),
        idempotency,
    }
}

/// [`run`] deciding first on `current` at `version`, as the service just loaded them from the
/// same stream in the caller's tenant (saves reading the stream twice; a stale state only costs
/// a retry on the version conflict).
pub async fn run_loaded<A: Aggregate>(
    state: &crate::AppState,
    caller: &Caller,
    stream: &StreamId,
    command: &A::Command,
    idempotency: Option<Idempotency>,
    current: A::State,
    version: i64,
) -> Result<Executed<A>, AppError> {
    let ctx = context(caller, idempotency);
    let loaded = Some((current, version));
    let executed = execute_loaded::<A>(&state.store, stream, &ctx, command, loaded).await?;
    crate::consistency::record(executed.append.as_ref());
    Ok(executed)
}

/// Runs several `commands` on one `stream` as `caller`: decided in turn, appended together in
/// one transaction under one correlation id and `idempotency`; a rejection of any appends
/// nothing. `loaded` as in [`run_loaded`].
pub async fn run_many<A: Aggregate>(
    state: &crate::AppState,
    caller: &Caller,
    stream: &StreamId,
    commands: &[A::Command],
    idempotency: Option<Idempotency>,
    loaded: Option<(A::State, i64)>,
) -> Result<ExecutedMany<A>, AppError> {
    let ctx = context(caller, idempotency);
    let many = execute_many::<A>(&state.store, stream, &ctx, commands, loaded).await?;
    crate::consistency::record(many.executed.append.as_ref());
    Ok(many)
}
