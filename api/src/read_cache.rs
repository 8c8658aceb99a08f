//! Read results cached by the read models' position, and their `ETag`s.
//!
//! The log says exactly when a read model changes: a projection's checkpoint moves in the same
//! transaction as its rows. So a query's answer is fully determined by (the checkpoints of the
//! projections, the caller's scope, the query), and [`answer`] keys both its in-process cache
//! and the `ETag` by that triple:
//!
//! - **Position.** The checkpoints of every projection this build runs (`projection_checkpoints`,
//!   a row per projection and partition), as a [`Position`]: the lowest
//!   (what the reads have applied, as `Portal-Min-Position` waits for) and the sum, which tells
//!   any two states of the checkpoints apart because each of them only ever grows. Checkpoints
//!   move together per batch, so caching per projection would not keep entries longer.
//! - **Only exact answers are kept and tagged.** The position is read before and after the
//!   query; the answer is cached and gets an `ETag` only when both are equal, i.e. no projection
//!   committed in between, so the body is the read models' state at exactly that position. An
//!   answer computed while the projector moved on is sent untagged and not cached.
//! - **Dropped when the position moves.** The cache holds the answers of one position; the first
//!   request that reads another drops them all. It is bounded by [`MAX_BYTES`] of bodies (least
//!   recently used first out), so it stays small next to the server's memory budget.
//! - **`If-None-Match`** with the current `ETag` answers 304 without running the query. The
//!   `ETag` is weak (`W/`): two servers at the same position may serialise maps in another order.
//!   Answers stay `Cache-Control: no-store` ([`crate::web::headers`]: personal data is kept by
//!   no browser or shared cache); the `ETag` serves clients that keep answers themselves.
//!
//! Never stale after a write: a read waits for `Portal-Min-Position` before its handler runs
//! ([`crate::consistency`]), so the position it reads is at least the write's, and every
//! answer cached under a position holds every event up to it.

use crate::AppState;
use crate::error::AppError;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hashlink::LruCache;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// Most bytes of bodies kept.
pub const MAX_BYTES: usize = 8 << 20;
/// Most answers kept (a bound on the keys' memory besides the bodies').
const MAX_ENTRIES: usize = 2048;

/// The state of the read models: see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub lowest: i64,
    pub sum: i64,
}

/// Reads the checkpoints of the projections of this build.
pub async fn position(state: &AppState) -> Result<Position, AppError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, position FROM projection_checkpoints")
            .fetch_all(state.read.pool())
            .await
            .map_err(|e| AppError::Unavailable(e.into()))?;
    let mut lowest = i64::MAX;
    let mut sum = 0i64;
    // Every row: one per projection, or with partitions one per (projection, partition).
    for name in &state.projections {
        let mut found = false;
        for (_, at) in rows.iter().filter(|(n, _)| n == name) {
            found = true;
            lowest = lowest.min(*at);
            sum = sum.wrapping_add(*at);
        }
        if !found {
            lowest = 0;
        }
    }
    Ok(Position {
        lowest: if lowest == i64::MAX { 0 } else { lowest },
        sum,
    })
}

#[derive(Debug)]
struct Inner {
    at: Option<Position>,
    bodies: LruCache<String, Bytes>,
    bytes: usize,
}

/// The answers of one position, by key.
#[derive(Debug)]
pub struct ReadCache {
    inner: Mutex<Inner>,
}

impl Default for ReadCache {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                at: None,
                bodies: LruCache::new(MAX_ENTRIES),
                bytes: 0,
            }),
        }
    }
}

impl ReadCache {
    /// The body kept for `key` at `at`; a cache of another position is dropped.
    pub fn get(&self, at: Position, key: &str) -> Option<Bytes> {
        let mut inner = self.inner.lock().ok()?;
        if inner.at != Some(at) {
            return None;
        }
        inner.bodies.get(key).cloned()
    }

    /// Keeps `body` for `key` at `at`, dropping every answer of another position, and the least
    /// recently used ones while over [`MAX_BYTES`].
    pub fn put(&self, at: Position, key: String, body: Bytes) {
        if body.len() > MAX_BYTES / 8 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.at != Some(at) {
            // Answers of an older position are stale; of a newer one (a slower request that
            // read before the projector moved on) this one is: then keep nothing of it.
            if inner.at.is_some_and(|current| current.sum > at.sum) {
                return;
            }
            inner.bodies.clear();
            inner.bytes = 0;
            inner.at = Some(at);
        }
        if let Some(old) = inner.bodies.remove(&key) {
            inner.bytes -= old.len() + key.len();
        }
        // Room made here, so that no entry leaves uncounted by the cache's own bound.
        while inner.bodies.len() >= MAX_ENTRIES {
            let Some((k, old)) = inner.bodies.remove_lru() else {
                break;
            };
            inner.bytes -= old.len() + k.len();
        }
        inner.bytes += body.len() + key.len();
        inner.bodies.insert(key, body);
        while inner.bytes > MAX_BYTES {
            let Some((k, old)) = inner.bodies.remove_lru() else {
                break;
            };
            inner.bytes -= old.len() + k.len();
        }
    }
}

/// The weak `ETag` of `key` at `at`.
pub fn etag(at: Position, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!(
        "W/\"{}.{}.{}\"",
        at.lowest,
        at.sum,
        hex::encode(&digest[..8])
    )
}

/// Whether `If-None-Match` names `etag` (or is `*`), compared weakly.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == ours)
}

fn json(body: Bytes, etag: Option<&str>) -> Response {
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// The JSON answer of the read `key` (which must name the caller's tenant and read scope and
/// every input of the query): 304 for a matching `If-None-Match`, else the cached body of the
/// current position, else `compute`'s, cached and tagged when the position held still.
pub async fn answer<T, F>(
    state: &AppState,
    headers: &HeaderMap,
    key: String,
    compute: F,
) -> Result<Response, AppError>
where
    T: Serialize,
    F: AsyncFnOnce() -> Result<T, AppError>,
{
    let before = position(state).await?;
    let tag = etag(before, &key);
    if none_match(headers, &tag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(value) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        return Ok(response);
    }
    let cache = &state.caches.reads;
    if let Some(body) = cache.get(before, &key) {
        return Ok(json(body, Some(&tag)));
    }
    let value = compute().await?;
    let body = Bytes::from(
        serde_json::to_vec(&value)
            .map_err(|e| AppError::internal(format!("an answer does not serialise: {e}")))?,
    );
    if position(state).await? != before {
        return Ok(json(body, None));
    }
    cache.put(before, key, body.clone());
    Ok(json(body, Some(&tag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lowest: i64, sum: i64) -> Position {
        Position { lowest, sum }
    }

    #[test]
    fn answers_are_kept_for_their_position_only() {
        let cache = ReadCache::default();
        cache.put(at(5, 10), "a".into(), Bytes::from_static(b"A"));
        assert_eq!(cache.get(at(5, 10), "a"), Some(Bytes::from_static(b"A")));
        assert_eq!(cache.get(at(5, 11), "a"), None);
        // A newer position drops the older answers.
        cache.put(at(5, 11), "b".into(), Bytes::from_static(b"B"));
        assert_eq!(cache.get(at(5, 10), "a"), None);
        assert_eq!(cache.get(at(5, 11), "a"), None);
        // A late answer of an older position is not kept over the newer ones.
        cache.put(at(5, 10), "a".into(), Bytes::from_static(b"A"));
        assert_eq!(cache.get(at(5, 11), "b"), Some(Bytes::from_static(b"B")));
        assert_eq!(cache.get(at(5, 10), "a"), None);
    }

    #[test]
    fn bodies_are_bounded() {
        let cache = ReadCache::default();
        let big = Bytes::from(vec![b'x'; MAX_BYTES / 8]);
        for i in 0..20 {
            cache.put(at(1, 1), format!("k{i}"), big.clone());
        }
        let inner = cache.inner.lock().unwrap();
        assert!(inner.bytes <= MAX_BYTES, "{}", inner.bytes);
        assert!(inner.bodies.len() < 20);
        assert!(!inner.bodies.contains_key("k0"));
    }

    #[test]
    fn if_none_match_is_compared_weakly() {
        let tag = etag(at(3, 9), "k");
        let mut headers = HeaderMap::new();
        assert!(!none_match(&headers, &tag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", {}", tag.trim_start_matches("W/"))).unwrap(),
        );
        assert!(none_match(&headers, &tag));
        assert!(!none_match(&headers, &etag(at(3, 10), "k")));
        assert!(!none_match(&headers, &etag(at(3, 9), "other")));
    }
}
