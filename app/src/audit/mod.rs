//! Audit: the tenant's events in log order (the export behind `GET /api/v1/events`), and one
//! stream's history with the aggregate's state as it was at a position or time (what
//! `portal replay` prints, for `GET /api/v1/audit/streams/{stream_id}`).
//!
//! Both read the event log itself, never a read model; the people behind the events are named
//! from the people read model at read time ([`trail`]). Another tenant's stream is not found,
//! like an unknown one.

mod trail;

pub use trail::{AuditEntry, AuditFilter, csv_document};

use crate::Context;
use crate::Error;
use crate::Principal;
use crate::people::ActorView;
use crate::staff_only;
use crate::zone::{Zone, reader_zone};
use portal_domain::{Aggregate, contact, customer, location, order, printer, tenant};
use portal_eventlog::codec::decode;
use portal_eventlog::{ExecuteError, RecordedEvent, StreamId};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Largest page of the export.
pub const MAX_LIMIT: u32 = 1000;
/// Default page of the export.
pub const DEFAULT_LIMIT: u32 = 100;
/// Events of other tenants scanned at most per request (the page may come back short).
const SCAN_BUDGET: usize = 20_000;

/// One page of the export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPage {
    /// Events of the principal's tenant, in increasing `position`: `{position, stream_id,
    /// version, event_id, event_type, schema_version, tenant, payload, metadata,
    /// recorded_at}`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<RecordedEvent>,
    /// The `after` of the next page: the last position read (positions are sparse; never add
    /// 1). Equal to the request's `after` when nothing new was committed.
    pub next: i64,
}

/// The tenant's events after `after`, at most `limit` (1–1000).
pub async fn events(
    cx: &Context,
    principal: &Principal,
    after: i64,
    limit: u32,
) -> Result<EventPage, Error> {
    staff_only(principal)?;
    let limit = limit.clamp(1, MAX_LIMIT) as usize;
    let mut items = Vec::new();
    let mut next = after.max(0);
    let mut scanned = 0;
    'pages: while scanned < SCAN_BUDGET {
        let batch = cx
            .store
            .read_all(next, MAX_LIMIT)
            .await
            .map_err(ExecuteError::from)?;
        if batch.is_empty() {
            break;
        }
        scanned += batch.len();
        for e in batch {
            next = e.position;
            if &e.tenant == principal.tenant() {
                items.push(e);
                if items.len() == limit {
                    break 'pages;
                }
            }
        }
    }
    Ok(EventPage { items, next })
}

/// Where to stop a stream's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Events at or below this global position.
    Position(i64),
    /// Events recorded at or before this instant.
    Time(OffsetDateTime),
}

impl Until {
    /// Parses `?until=`: a position (integer) or an RFC 3339 time.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        if let Ok(p) = raw.parse::<i64>() {
            // Positions start at 0; a negative one is a client's mistake, not "before the log".
            return if p < 0 {
                Err(Error::field("until", "a log position is 0 or more"))
            } else {
                Ok(Self::Position(p))
            };
        }
        OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
            .map(Self::Time)
            .map_err(|_| {
                Error::field(
                    "until",
                    "is neither a log position nor an RFC 3339 time (2025-06-01T12:00:00Z)",
                )
            })
    }

    fn includes(&self, e: &RecordedEvent) -> bool {
        match self {
            Self::Position(p) => e.position <= *p,
            Self::Time(t) => e.recorded_at <= *t,
        }
    }
}

/// A stream's history up to a point and the state it folds into.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StreamHistory {
    pub stream_id: String,
    pub category: String,
    /// The events up to `until` (all without it) that the filters admit, in version order:
    /// `{position, stream_id, version, event_id, event_type, schema_version, tenant, payload,
    /// metadata, recorded_at}` as in the log, plus `actor: {kind, user_id, customer_id, name,
    /// email, label}` (named at read time), `summary` (the event in words) and `changes:
    /// [{field, before, after}]` (the aggregate's fields it changed).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<AuditEntry>,
    /// Everyone who acted on the stream up to `until` (the choices of the `person` filter).
    pub people: Vec<ActorView>,
    /// The zone the `from`/`to` days and the summaries' times are in.
    pub time_zone: String,
    /// The aggregate's state after those events (its audit serialisation).
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    /// Version and position of the last event included (`null` before the first).
    pub version: Option<i64>,
    pub position: Option<i64>,
    /// Events of the stream after `until`, not included.
    pub later_events: usize,
}

/// The history of `stream_id` up to `until`, listing the events `filter` admits; not found for
/// an unknown stream, another tenant's, or a stream id that does not parse.
pub async fn stream_history(
    cx: &Context,
    principal: &Principal,
    stream_id: &str,
    until: Option<Until>,
    filter: &AuditFilter,
) -> Result<StreamHistory, Error> {
    let zone = reader_zone(cx, principal).await?;
    stream_history_in(cx, principal, stream_id, until, filter, &zone).await
}

/// [`stream_history`] with times in `zone`.
pub async fn stream_history_in(
    cx: &Context,
    principal: &Principal,
    stream_id: &str,
    until: Option<Until>,
    filter: &AuditFilter,
    zone: &Zone,
) -> Result<StreamHistory, Error> {
    staff_only(principal)?;
    let sid = StreamId::parse(stream_id).map_err(|_| Error::NotFound)?;
    let all = cx
        .store
        .read_stream(&sid)
        .await
        .map_err(ExecuteError::from)?;
    if all.is_empty() || all.iter().any(|e| &e.tenant != principal.tenant()) {
        return Err(Error::NotFound);
    }
    let total = all.len();
    let events: Vec<RecordedEvent> = all
        .into_iter()
        .filter(|e| until.is_none_or(|u| u.includes(e)))
        .collect();
    let folded = match sid.category() {
        c if c == tenant::Tenant::CATEGORY => fold::<tenant::Tenant>(&events),
        c if c == customer::Customer::CATEGORY => fold::<customer::Customer>(&events),
        c if c == contact::Contact::CATEGORY => fold::<contact::Contact>(&events),
        c if c == order::Order::CATEGORY => fold::<order::Order>(&events),
        c if c == location::Location::CATEGORY => fold::<location::Location>(&events),
        c if c == printer::PrinterConfig::CATEGORY => fold::<printer::PrinterConfig>(&events),
        _ => Ok(serde_json::Value::Null),
    }?;
    let (version, position) = (
        events.last().map(|e| e.version),
        events.last().map(|e| e.position),
    );
    let later_events = total - events.len();
    let (entries, people) =
        trail::entries(cx, principal, sid.category(), events, filter, zone).await?;
    Ok(StreamHistory {
        stream_id: sid.to_string(),
        category: sid.category().to_owned(),
        version,
        position,
        later_events,
        events: entries,
        people,
        time_zone: zone.name().to_owned(),
        state: folded,
    })
}

fn fold<A: Aggregate>(events: &[RecordedEvent]) -> Result<serde_json::Value, Error>
where
    A::State: Serialize,
{
    let decoded = events
        .iter()
        .map(decode::<A::Event>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::internal)?;
    serde_json::to_value(A::fold(&decoded)).map_err(Error::internal)
}
