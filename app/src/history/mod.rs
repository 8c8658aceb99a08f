//! History in words: what each event of a stream did, as a sentence ("Ann Early approved charge
//! “Waiting time” €45.00: “driver waited”") and the fields it changed (before → after), for the
//! audit pages, the audit JSON and CSV, and order histories.
//!
//! Contract: pure. No IO, no clock: the caller passes the events of one stream in version order,
//! a label for each event's actor (looked up at read time from the read models; event metadata
//! carries ids only) and the reader's [`Zone`]. Each event is described against the aggregate's
//! state folded from the events before it, so an update names what it replaced. Money is written
//! with its currency, instants in the reader's zone with the zone's abbreviation.
//!
//! Hazard: the summary quotes user text (charge descriptions, comments, reasons) verbatim; HTML
//! interfaces must escape it (maud does) and CSV must neutralise it ([`crate::export::csv`]).

mod changes;
mod describe;
#[cfg(test)]
mod tests;

pub use changes::{Change, diff};

use crate::zone::Zone;
use portal_domain::{Aggregate, contact, customer, location, order, printer, tenant, user};
use portal_eventlog::RecordedEvent;
use serde::Serialize;

/// One event in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Description {
    /// The sentence: who did what, with the amounts, names and comments that matter.
    pub summary: String,
    /// The fields of the aggregate this event changed, before → after (`null`: not set).
    pub changes: Vec<Change>,
}

/// A payload that does not decode as its stream's event type (a bug or a newer writer).
#[derive(Debug, thiserror::Error)]
#[error("event {position} does not decode: {message}")]
pub struct UndecodableEvent {
    pub position: i64,
    pub message: String,
}

/// Describes the events of one stream (all of one category, in version order, from its first
/// event on). `who[i]` names the actor of `events[i]`. A stream of an unknown category gets the
/// event type as its summary and no changes.
pub fn describe_stream(
    category: &str,
    events: &[RecordedEvent],
    who: &[String],
    zone: &Zone,
) -> Result<Vec<Description>, UndecodableEvent> {
    let f = Fmt { zone };
    match category {
        c if c == tenant::Tenant::CATEGORY => {
            walk::<tenant::Tenant>(events, who, &f, describe::tenant)
        }
        c if c == customer::Customer::CATEGORY => {
            walk::<customer::Customer>(events, who, &f, describe::customer)
        }
        c if c == contact::Contact::CATEGORY => {
            walk::<contact::Contact>(events, who, &f, describe::contact)
        }
        c if c == order::Order::CATEGORY => walk::<order::Order>(events, who, &f, describe::order),
        c if c == location::Location::CATEGORY => {
            walk::<location::Location>(events, who, &f, describe::location)
        }
        c if c == printer::PrinterConfig::CATEGORY => {
            walk::<printer::PrinterConfig>(events, who, &f, describe::printer)
        }
        c if c == user::User::CATEGORY => walk::<user::User>(events, who, &f, describe::user),
        _ => Ok(events
            .iter()
            .zip(who)
            .map(|(e, w)| Description {
                summary: format!("{w}: {}", e.event_type),
                changes: Vec::new(),
            })
            .collect()),
    }
}

/// What a summary needs besides the event: the reader's zone.
pub(crate) struct Fmt<'a> {
    pub zone: &'a Zone,
}

type Summarise<A> =
    fn(&<A as Aggregate>::State, &<A as Aggregate>::Event, &str, &Fmt<'_>) -> String;

fn walk<A: Aggregate>(
    events: &[RecordedEvent],
    who: &[String],
    f: &Fmt<'_>,
    summarise: Summarise<A>,
) -> Result<Vec<Description>, UndecodableEvent>
where
    A::State: Serialize,
{
    let mut state = A::State::default();
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let event =
            portal_eventlog::codec::decode::<A::Event>(e).map_err(|err| UndecodableEvent {
                position: e.position,
                message: err.to_string(),
            })?;
        let label = who.get(i).map_or("Someone", String::as_str);
        let summary = summarise(&state, &event, label, f);
        // Before the aggregate exists its defaults are no "before": a creation lists what it set.
        let before = serde_json::to_value(&state).unwrap_or_default();
        let before = if before.get("exists") == Some(&serde_json::Value::Bool(false)) {
            serde_json::Value::Null
        } else {
            before
        };
        state = A::evolve(state, &event);
        let after = serde_json::to_value(&state).unwrap_or_default();
        out.push(Description {
            summary,
            changes: diff(&before, &after, f.zone),
        });
    }
    Ok(out)
}
