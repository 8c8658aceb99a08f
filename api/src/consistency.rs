//! Read your writes.
//!
//! **Writes** answer `Portal-Position`: the global position of the last event the request
//! appended. Every command of a request reports its append to the request's unit of work
//! ([`portal_app::positions`]); [`layer`] writes the highest one into the header of a 2xx or
//! 3xx answer. An idempotent replay reports the position of the first execution's last event. A
//! request that appended nothing (every command a no-op) answers **no** `Portal-Position`: there
//! is nothing of its own to wait for.
//!
//! **Reads** (`GET`, `HEAD`) accept `Portal-Min-Position: N` (pages also the query parameter
//! `min_position=N`): the handler runs once the read models have applied N, or the answer is 503
//! with `Retry-After: 1` after [`MAX_WAIT`]. A route does not declare which projections it
//! reads, so the wait is for every projection of [`crate::AppState::projections`]; it is bounded
//! by N, never by the log's global head, so other tenants' later events never delay it. (The
//! projector moves every projection's checkpoint in the same transaction per batch, so waiting
//! for all costs next to nothing over waiting for the one a route reads.) With partitions, a
//! reader scoped to one customer (a portal session or a portal user's token) waits only for the
//! partitions that hold its rows (its customer's and its tenant's, see
//! [`portal_projections::accounts::customer_partitions`]); staff and unauthenticated reads wait
//! for every partition. The scope is taken by the handler's [`Caller`] extractor, which the layer
//! runs once and leaves in the request for the handler; a caller that does not authenticate
//! waits for everything and is then refused by its handler.
//!
//! **Pages**: a form post waits (quietly, at most [`POST_WAIT`]) for its own write only; when it
//! wrote something and redirects, it keeps its position in the session (a short-lived value,
//! like the flash message), and the session's next page takes it and waits for it like a
//! `Portal-Min-Position`. So the page after a redirect shows the write, its URL stays as it was,
//! and reloading it later waits for nothing.
//!
//! Why "checkpoint ≥ N" means "N applied": a projection's checkpoint is the last position of a
//! batch it applied, and batches are read only below the log's read horizon (on PostgreSQL no
//! transaction below it is still open) and checked to continue the previous batch without a gap
//! (`previous` position). So every event at or below a checkpoint had committed and was applied
//! when the checkpoint moved: none can appear below it later.

use crate::AppState;
use crate::auth::{Caller, ScopeRef};
use crate::error::AppError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portal_projections::accounts::customer_partitions;
use std::time::{Duration, Instant};
use tower_sessions::Session;

/// The response header of a write: the global position of its last event.
pub const POSITION_HEADER: &str = "portal-position";
/// The request header of a read: answer once the read models have applied this position.
pub const MIN_POSITION_HEADER: &str = "portal-min-position";
/// The query parameter of a page with the same meaning as the header.
pub const MIN_POSITION_QUERY: &str = "min_position";
/// The session key of a form post's position, taken by the session's next page.
const SESSION_KEY: &str = "read_your_writes.position";
/// Longest wait of a read for its position, then 503.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// Longest wait of a form post for its own write before it redirects (quietly given up: the
/// page it redirects to waits again, with its own bound).
const POST_WAIT: Duration = Duration::from_secs(3);

/// Notes a command's append for the request's `Portal-Position` (commands the api runs itself,
/// outside the use cases).
pub use portal_app::positions::{record, written};

/// Waits (at most [`POST_WAIT`], quietly) until the read models have applied the current
/// request's own write; returns at once when it wrote nothing.
pub async fn settle_own_write(state: &AppState) {
    if let Some(position) = written() {
        let _ = wait_for(state, position, POST_WAIT, None).await;
    }
}

/// Whether every projection of this build has applied `position` within `limit`, in the
/// partitions a reader in `scope` reads (every partition without a scope, or for staff).
pub async fn wait_for(
    state: &AppState,
    position: i64,
    limit: Duration,
    scope: Option<&ScopeRef>,
) -> Result<bool, AppError> {
    let count = state.read.partition_count();
    let partitions = match scope {
        Some(ScopeRef::Portal {
            tenant,
            customer_id,
            ..
        }) if count > 1 => Some(customer_partitions(tenant, *customer_id, count)),
        _ => None,
    };
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        // A projection stands where its furthest-behind partition (of those read) does.
        let rows = checkpoints(state, partitions.as_deref())
            .await
            .map_err(|e| AppError::Unavailable(e.into()))?;
        let behind = state
            .projections
            .iter()
            .any(|name| rows.iter().all(|(n, at)| n != name || *at < position));
        if !behind {
            return Ok(true);
        }
        if started.elapsed() >= limit {
            return Ok(false);
        }
        tokio::time::sleep(pause.min(limit.saturating_sub(started.elapsed()))).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Each projection's lowest checkpoint over `partitions` (every partition when `None`).
async fn checkpoints(
    state: &AppState,
    partitions: Option<&[u16]>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let Some(partitions) = partitions else {
        return sqlx::query_as(
            "SELECT name, min(position) FROM projection_checkpoints GROUP BY name",
        )
        .fetch_all(state.read.pool())
        .await;
    };
    // One or two partitions (see `customer_partitions`); several partitions exist only on
    // PostgreSQL, so its placeholders.
    let first = partitions.first().copied().map_or(0, i32::from);
    let last = partitions.last().copied().map_or(0, i32::from);
    sqlx::query_as(
        "SELECT name, min(position) FROM projection_checkpoints \
         WHERE partition_no IN ($1, $2) GROUP BY name",
    )
    .bind(first)
    .bind(last)
    .fetch_all(state.read.pool())
    .await
}

/// The scope of a read's caller, authenticated as its handler will (see the module docs).
async fn reader_scope(state: &AppState, parts: &mut Parts) -> Option<ScopeRef> {
    if state.read.partition_count() <= 1 {
        return None;
    }
    let caller = Caller::from_request_parts(parts, state).await.ok()?;
    let scope = caller.scope.clone();
    // The handler's extractor takes it from here instead of authenticating a second time.
    parts.extensions.insert(caller);
    Some(scope)
}

/// The position a read asked for: the header, or on a page the query parameter, or else the
/// position a form post of the session left for the next page (taken).
async fn min_position(
    headers: &HeaderMap,
    uri: &Uri,
    session: Option<&Session>,
) -> Result<Option<i64>, AppError> {
    if let Some(value) = headers.get(MIN_POSITION_HEADER) {
        return value
            .to_str()
            .ok()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| {
                AppError::field(
                    "Portal-Min-Position",
                    "must be a position: digits only, as answered in Portal-Position",
                )
            });
    }
    if crate::web::problem::is_api(uri.path()) {
        return Ok(None);
    }
    let pending = match session {
        Some(session) => take_pending(session).await,
        None => None,
    };
    let asked = uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == MIN_POSITION_QUERY)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    });
    Ok(asked.max(pending))
}

/// The position a form post of `session` left for the next page, removed from the session. A
/// session without a cookie, or without that value, is left untouched (not even marked as
/// changed); one that cannot be loaded is the page's own error to report.
async fn take_pending(session: &Session) -> Option<i64> {
    session.id()?;
    session.get::<i64>(SESSION_KEY).await.ok().flatten()?;
    session.remove::<i64>(SESSION_KEY).await.ok().flatten()
}

/// Middleware: waits for a read's `Portal-Min-Position`, and answers a write's
/// `Portal-Position` (see the module docs).
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let form_post =
        *request.method() == Method::POST && !crate::web::problem::is_api(request.uri().path());
    let session = request.extensions().get::<Session>().cloned();
    let mut request = request;
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        let (headers, uri) = (request.headers().clone(), request.uri().clone());
        match min_position(&headers, &uri, session.as_ref()).await {
            Err(e) => return e.into_response(),
            Ok(Some(position)) if position > 0 => {
                let (mut parts, body) = request.into_parts();
                let scope = reader_scope(&state, &mut parts).await;
                request = Request::from_parts(parts, body);
                match wait_for(&state, position, MAX_WAIT, scope.as_ref()).await {
                    Ok(true) => {}
                    Ok(false) => return not_yet(position),
                    Err(e) => return e.into_response(),
                }
            }
            Ok(_) => {}
        }
    }
    let (mut response, written) = portal_app::positions::track(next.run(request)).await;
    let status = response.status();
    if let Some(position) = written
        && (status.is_success() || status.is_redirection())
    {
        response
            .headers_mut()
            .insert(POSITION_HEADER, HeaderValue::from(position));
        // Only into a session that exists (a form post without one gets no cookie for this).
        // Lost only if the session cannot be saved: the next page is then merely a moment behind.
        if form_post
            && status.is_redirection()
            && let Some(session) = session.filter(|s| s.id().is_some())
        {
            let _ = session.insert(SESSION_KEY, position).await;
        }
    }
    response
}

/// 503: the read models have not applied `position` in time.
fn not_yet(position: i64) -> Response {
    let mut response = AppError::Status(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "The data is not yet up to date with position {position}. Please try again in a moment."
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
    response
}
