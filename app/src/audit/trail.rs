//! A stream's history for people: each event with who did it (named at read time), what it did
//! in words and the fields it changed ([`crate::history`]), filtered by person and by day, and
//! the same as a CSV document.
//!
//! The filters narrow the list only: the descriptions are always computed over the whole stream
//! (an update's "before" comes from the events before it, shown or not).

use crate::export::{Cell, ExportError, Sheet, csv};
use crate::history::{Change, describe_stream};
use crate::people::{ActorView, Names};
use crate::zone::Zone;
use crate::{Context, Error, Principal};
use portal_domain::{Actor, UserId};
use portal_eventlog::RecordedEvent;
use serde::Serialize;
use time::Date;
use time::macros::format_description;

/// One event of the history, as stored (every field of the log's event) plus, for people, who
/// did it, a sentence and the changed fields.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub event: RecordedEvent,
    pub actor: ActorView,
    pub summary: String,
    pub changes: Vec<Change>,
}

/// Which events to list: by one person (a login identity), and from / to a day in the reader's
/// zone (both days included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub person: Option<UserId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

fn blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl AuditFilter {
    /// Parses the text of `person`, `from` and `to` (blank: no filter); every problem at once.
    pub fn parse(
        person: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let person = blank(person).and_then(|p| match p.parse::<uuid::Uuid>() {
            Ok(u) => Some(UserId(u)),
            Err(_) => {
                errors.push(portal_domain::FieldError::new(
                    "person",
                    "is not a person's id (a UUID from the list of people)",
                ));
                None
            }
        });
        let mut day = |field: &str, raw: Option<&str>| {
            blank(raw).and_then(|d| {
                Date::parse(d, format_description!("[year]-[month]-[day]"))
                    .map_err(|_| {
                        errors.push(portal_domain::FieldError::new(
                            field,
                            "is not a date like 2026-12-31",
                        ));
                    })
                    .ok()
            })
        };
        let from = day("from", from);
        let to = day("to", to);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push(portal_domain::FieldError::new("to", "is before from"));
        }
        if errors.is_empty() {
            Ok(Self { person, from, to })
        } else {
            Err(Error::Invalid(errors))
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    fn admits(&self, e: &RecordedEvent, zone: &Zone) -> bool {
        let day = zone.civil(e.recorded_at).date();
        let by = match &e.metadata.actor {
            Actor::Staff { user_id } | Actor::PortalUser { user_id, .. } => Some(*user_id),
            Actor::System | Actor::Operator => None,
        };
        self.person.is_none_or(|p| by == Some(p))
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
    }
}

/// The described events (`events` is a whole stream from version 1, in order) that `filter`
/// admits, and every person who acted on the stream (the filter's choices).
pub async fn entries(
    cx: &Context,
    principal: &Principal,
    category: &str,
    events: Vec<RecordedEvent>,
    filter: &AuditFilter,
    zone: &Zone,
) -> Result<(Vec<AuditEntry>, Vec<ActorView>), Error> {
    let mut names = Names::new(cx, principal);
    let mut actors = Vec::with_capacity(events.len());
    let mut people: Vec<ActorView> = Vec::new();
    for e in &events {
        let view = names.of(&e.metadata.actor).await?;
        if view.user_id.is_some() && !people.iter().any(|p| p.user_id == view.user_id) {
            people.push(view.clone());
        }
        actors.push(view);
    }
    people.sort_by_key(|p| p.label.to_lowercase());
    let who: Vec<String> = actors.iter().map(|a| a.label.clone()).collect();
    let described = describe_stream(category, &events, &who, zone).map_err(Error::internal)?;
    let out = events
        .into_iter()
        .zip(actors)
        .zip(described)
        .filter(|((e, _), _)| filter.admits(e, zone))
        .map(|((event, actor), d)| AuditEntry {
            event,
            actor,
            summary: d.summary,
            changes: d.changes,
        })
        .collect();
    Ok((out, people))
}

/// The entries as CSV (UTF-8 BOM, user text neutralised): when (in `zone`, named), who, their
/// email, what, the changed fields, and the event's type, version and position.
pub fn csv_document(entries: &[AuditEntry], zone: &Zone) -> Result<Vec<u8>, ExportError> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let sheet = Sheet {
        header: vec![
            "recorded_at",
            "time_zone",
            "actor_kind",
            "actor_name",
            "actor_email",
            "summary",
            "changes",
            "event_type",
            "version",
            "position",
        ],
        rows: entries
            .iter()
            .map(|e| {
                let changes: Vec<String> = e
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            c.field,
                            c.before.as_deref().unwrap_or("—"),
                            c.after.as_deref().unwrap_or("—")
                        )
                    })
                    .collect();
                vec![
                    Cell::DateTime(zone.civil(e.event.recorded_at)),
                    text(zone.name()),
                    text(e.actor.kind),
                    text(&e.actor.label),
                    e.actor.email.as_deref().map_or(Cell::Empty, text),
                    text(&e.summary),
                    text(&changes.join("; ")),
                    text(&e.event.event_type),
                    Cell::Int(e.event.version),
                    Cell::Int(e.event.position),
                ]
            })
            .collect(),
    };
    csv::write(&sheet)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use portal_eventlog::{Metadata, StreamId};
    use time::macros::datetime;

    fn entry(label: &str, summary: &str) -> AuditEntry {
        AuditEntry {
            event: RecordedEvent {
                position: 7,
                stream_id: StreamId::parse("order-00000000-0000-0000-0000-000000000001").unwrap(),
                version: 3,
                event_id: uuid::Uuid::from_u128(9),
                event_type: "ChargeApproved".into(),
                schema_version: 1,
                tenant: portal_domain::TenantId::parse("acme").unwrap(),
                payload: serde_json::json!({}),
                metadata: Metadata::new(Actor::System),
                recorded_at: datetime!(2026-07-01 08:00 UTC),
            },
            actor: ActorView {
                kind: "portal_user",
                user_id: None,
                customer_id: None,
                name: Some(label.into()),
                email: Some("ann@nordic.example".into()),
                label: label.into(),
            },
            summary: summary.into(),
            changes: vec![Change {
                field: "charges[0].approval".into(),
                before: Some("requested".into()),
                after: Some("approved".into()),
            }],
        }
    }

    #[test]
    fn the_csv_has_a_bom_local_times_and_no_formulas() {
        let zone = Zone::named("Europe/Stockholm").unwrap();
        let bytes = csv_document(&[entry("=SUM(A1)", "=SUM(A1) approved")], &zone).unwrap();
        assert!(bytes.starts_with(csv::BOM));
        let text = std::str::from_utf8(&bytes[csv::BOM.len()..]).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "recorded_at,time_zone,actor_kind,actor_name,actor_email,summary,changes,event_type,version,position"
        );
        assert_eq!(
            lines.next().unwrap(),
            "2026-07-01 10:00,Europe/Stockholm,portal_user,'=SUM(A1),ann@nordic.example,\
             '=SUM(A1) approved,charges[0].approval: requested → approved,ChargeApproved,3,7"
        );
    }

    #[test]
    fn filters_parse_with_every_problem_at_once() {
        let f = AuditFilter::parse(Some(" "), Some("2026-07-01"), Some("")).unwrap();
        assert_eq!(f.from, Some(time::macros::date!(2026 - 07 - 01)));
        assert!(f.person.is_none() && f.to.is_none());
        let Err(Error::Invalid(errors)) =
            AuditFilter::parse(Some("ann"), Some("July"), Some("2026-13-01"))
        else {
            panic!("refused")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["person", "from", "to"]);
        assert!(AuditFilter::parse(None, Some("2026-07-02"), Some("2026-07-01")).is_err());
    }

    #[test]
    fn days_are_the_readers() {
        let zone = Zone::named("Europe/Stockholm").unwrap();
        let mut e = entry("Ann", "x").event;
        // 23:30 UTC on 30 June is 1 July in Stockholm.
        e.recorded_at = datetime!(2026-06-30 23:30 UTC);
        let on = |d| AuditFilter {
            from: Some(d),
            to: Some(d),
            ..AuditFilter::default()
        };
        assert!(on(time::macros::date!(2026 - 07 - 01)).admits(&e, &zone));
        assert!(!on(time::macros::date!(2026 - 06 - 30)).admits(&e, &zone));
    }
}
