//! The shapes that cross the store's boundary.

use crate::error::StoreError;
use portal_domain::{Actor, Aggregate, TenantId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stream id: `<category>-<id>`, e.g. `customer-0190…`. The category (the part before the first
/// `-`) names the aggregate type and becomes part of NATS subjects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(String);

impl StreamId {
    /// The stream of aggregate `A` with id `id`.
    pub fn of<A: Aggregate>(id: impl fmt::Display) -> Self {
        Self(format!("{}-{id}", A::CATEGORY))
    }

    /// Parses `<category>-<id>`: a lowercase category of `a-z` and `_`, a non-empty id of
    /// printable ASCII without spaces, at most 200 characters in all.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        let valid = s.len() <= 200
            && s.split_once('-').is_some_and(|(cat, id)| {
                !cat.is_empty()
                    && cat.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_graphic())
            });
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(StoreError::InvalidStreamId(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn category(&self) -> &str {
        self.0.split_once('-').map_or(self.0.as_str(), |(c, _)| c)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for StreamId {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<StreamId> for String {
    fn from(s: StreamId) -> Self {
        s.0
    }
}

/// Who caused an event and in answer to what. Travels with the event to NATS and audits, so it
/// holds ids only: no emails, names, tokens or session ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub actor: Actor,
    /// Shared by every event caused by one user request.
    pub correlation_id: Uuid,
    /// The event or command that caused this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
}

impl Metadata {
    /// Metadata for a new request by `actor`, with a fresh correlation id.
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            correlation_id: Uuid::now_v7(),
            causation_id: None,
        }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// UUID v7: unique, and roughly time-ordered for indexes and humans.
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: serde_json::Value,
    pub metadata: Metadata,
}

/// An event as stored, with its place in the stream and in the global log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position: increases along the log, the order in which readers see events. Sparse on
    /// PostgreSQL (derived from transaction ids), dense on SQLite: never rely on +1.
    pub position: i64,
    pub stream_id: StreamId,
    /// Version within the stream: 1, 2, 3, … without gaps.
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub tenant: TenantId,
    pub payload: serde_json::Value,
    pub metadata: Metadata,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A recorded event whose payload stays JSON text, for readers that only copy it (the relay):
/// no parse and re-serialisation of every payload.
#[derive(Debug, Clone)]
pub struct WireEvent {
    pub position: i64,
    pub stream_id: StreamId,
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub tenant: TenantId,
    pub payload: Box<serde_json::value::RawValue>,
    pub metadata: Metadata,
    pub recorded_at: OffsetDateTime,
}

/// The outcome of an append: the versions and positions the events got. For a replayed
/// idempotent append it is the first append's outcome and nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppendResult {
    pub stream_id: StreamId,
    pub first_version: i64,
    /// The stream's version after the append.
    pub last_version: i64,
    pub first_position: i64,
    pub last_position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// True when the idempotency key had been used before and this is the first result again.
    pub replayed: bool,
}

/// An idempotency key with the fingerprint of the request it belongs to. Keys are scoped by
/// tenant. The fingerprint must identify the *request* (what the client sent), not the events
/// derived from it: a retried request may decide on a newer state and yield other events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    key: String,
    fingerprint: String,
}

impl Idempotency {
    /// `key` as sent by the client (1–200 printable ASCII characters); `request` is anything
    /// serialisable that identifies the request's content (e.g. method, path and body).
    pub fn new(key: &str, request: &impl Serialize) -> Result<Self, StoreError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(StoreError::InvalidIdempotencyKey);
        }
        let bytes = serde_json::to_vec(request).map_err(StoreError::Encode)?;
        Ok(Self {
            key: key.to_owned(),
            fingerprint: hex::encode(Sha256::digest(&bytes)),
        })
    }

    /// A key whose fingerprint is the content of the events themselves (types and payloads, not
    /// ids or metadata), for callers without a request of their own.
    pub fn for_events(
        key: &str,
        stream: &StreamId,
        events: &[NewEvent],
    ) -> Result<Self, StoreError> {
        let content: Vec<_> = events
            .iter()
            .map(|e| (&e.event_type, e.schema_version, &e.payload))
            .collect();
        Self::new(key, &(stream, content))
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
