//! Events on the wire: the CloudEvents 1.0 JSON document (structured mode) the relay publishes and
//! consumers read back, and the NATS subject of each event. The format is documented for outside
//! subscribers in `docs/events.md`; change both together.

use crate::envelope::{Metadata, RecordedEvent, StreamId, WireEvent};
use portal_domain::{Actor, CustomerId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A committed event as a CloudEvent, with the portal's extension attributes. `D` is the payload:
/// a parsed value when reading, raw JSON text when the relay copies it from the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent<D = serde_json::Value> {
    pub specversion: String,
    pub id: Uuid,
    /// `/portal/<tenant>`.
    pub source: String,
    /// `portal.<category>.<EventType>.v<schema_version>`.
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The stream id, `<category>-<id>`.
    pub subject: String,
    pub datacontenttype: String,
    pub data: D,
    /// Global position in the log: increasing, sparse.
    pub position: i64,
    /// Position of the event the relay published just before this one (0 before the first): a
    /// consumer whose last applied position is below it has missed events.
    pub previousposition: i64,
    pub streamversion: i64,
    pub tenant: String,
    pub correlationid: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causationid: Option<Uuid>,
    /// `system`, `operator`, `staff` or `portal_user`.
    pub actortype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actorid: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actorcustomer: Option<Uuid>,
}

/// A message that cannot be read back into an event.
#[derive(Debug, thiserror::Error)]
#[error("not a portal CloudEvent: {0}")]
pub struct WireError(String);

type ActorAttributes = (&'static str, Option<Uuid>, Option<Uuid>);

fn actor_attributes(actor: &Actor) -> ActorAttributes {
    match actor {
        Actor::System => ("system", None, None),
        Actor::Operator => ("operator", None, None),
        Actor::Staff { user_id } => ("staff", Some(user_id.0), None),
        Actor::PortalUser {
            user_id,
            customer_id,
        } => ("portal_user", Some(user_id.0), Some(customer_id.0)),
    }
}

impl<'a> CloudEvent<&'a serde_json::value::RawValue> {
    /// The relay's encoding: the payload is copied as it is stored.
    pub fn from_wire(e: &'a WireEvent, previous: i64) -> Self {
        let (actortype, actorid, actorcustomer) = actor_attributes(&e.metadata.actor);
        Self {
            specversion: "1.0".into(),
            id: e.event_id,
            source: format!("/portal/{}", e.tenant),
            ty: format!(
                "portal.{}.{}.v{}",
                e.stream_id.category(),
                e.event_type,
                e.schema_version
            ),
            time: e.recorded_at,
            subject: e.stream_id.to_string(),
            datacontenttype: "application/json".into(),
            data: &e.payload,
            position: e.position,
            previousposition: previous,
            streamversion: e.version,
            tenant: e.tenant.to_string(),
            correlationid: e.metadata.correlation_id,
            causationid: e.metadata.causation_id,
            actortype: actortype.into(),
            actorid,
            actorcustomer,
        }
    }
}

impl CloudEvent {
    pub fn from_recorded(e: &RecordedEvent, previous: i64) -> Self {
        let (actortype, actorid, actorcustomer) = actor_attributes(&e.metadata.actor);
        Self {
            specversion: "1.0".into(),
            id: e.event_id,
            source: format!("/portal/{}", e.tenant),
            ty: format!(
                "portal.{}.{}.v{}",
                e.stream_id.category(),
                e.event_type,
                e.schema_version
            ),
            time: e.recorded_at,
            subject: e.stream_id.to_string(),
            datacontenttype: "application/json".into(),
            data: e.payload.clone(),
            position: e.position,
            previousposition: previous,
            streamversion: e.version,
            tenant: e.tenant.to_string(),
            correlationid: e.metadata.correlation_id,
            causationid: e.metadata.causation_id,
            actortype: actortype.into(),
            actorid,
            actorcustomer,
        }
    }

    /// The event back, with the previous position.
    pub fn into_recorded(self) -> Result<(RecordedEvent, i64), WireError> {
        let err = |m: &str| WireError(m.to_owned());
        let mut parts = self.ty.splitn(4, '.');
        let (Some("portal"), Some(_category), Some(event_type), Some(version)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err("type is not portal.<category>.<EventType>.v<N>"));
        };
        let schema_version = version
            .strip_prefix('v')
            .and_then(|v| v.parse::<i32>().ok())
            .ok_or_else(|| err("type has no .v<N> schema version"))?;
        let actor = match (self.actortype.as_str(), self.actorid, self.actorcustomer) {
            ("system", _, _) => Actor::System,
            ("operator", _, _) => Actor::Operator,
            ("staff", Some(u), _) => Actor::Staff { user_id: UserId(u) },
            ("portal_user", Some(u), Some(c)) => Actor::PortalUser {
                user_id: UserId(u),
                customer_id: CustomerId(c),
            },
            _ => return Err(err("actortype/actorid/actorcustomer do not fit together")),
        };
        let event = RecordedEvent {
            position: self.position,
            stream_id: StreamId::parse(&self.subject).map_err(|e| WireError(e.to_string()))?,
            version: self.streamversion,
            event_id: self.id,
            event_type: event_type.to_owned(),
            schema_version,
            tenant: TenantId::parse(&self.tenant).map_err(|e| WireError(e.to_string()))?,
            payload: self.data,
            metadata: Metadata {
                actor,
                correlation_id: self.correlationid,
                causation_id: self.causationid,
            },
            recorded_at: self.time,
        };
        Ok((event, self.previousposition))
    }

    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        serde_json::from_slice(body).map_err(|e| WireError(e.to_string()))
    }
}

/// `<prefix>.<tenant>.<category>.<EventType>`.
pub fn subject(prefix: &str, e: &RecordedEvent) -> String {
    subject_of(prefix, &e.tenant, &e.stream_id, &e.event_type)
}

/// [`subject`] from its parts.
pub fn subject_of(prefix: &str, tenant: &TenantId, stream: &StreamId, event_type: &str) -> String {
    format!("{prefix}.{tenant}.{}.{event_type}", stream.category())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(actor: Actor) -> RecordedEvent {
        RecordedEvent {
            position: 655_361,
            stream_id: StreamId::parse("order-0190aaaa-0000-7000-8000-000000000001").unwrap(),
            version: 3,
            event_id: Uuid::now_v7(),
            event_type: "OrderSubmitted".into(),
            schema_version: 1,
            tenant: TenantId::parse("acme").unwrap(),
            payload: serde_json::json!({"order_id": "x"}),
            metadata: Metadata {
                actor,
                correlation_id: Uuid::now_v7(),
                causation_id: Some(Uuid::now_v7()),
            },
            recorded_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        }
    }

    #[test]
    fn round_trips_every_actor_kind() {
        for actor in [
            Actor::System,
            Actor::Operator,
            Actor::Staff {
                user_id: UserId(Uuid::now_v7()),
            },
            Actor::PortalUser {
                user_id: UserId(Uuid::now_v7()),
                customer_id: CustomerId(Uuid::now_v7()),
            },
        ] {
            let e = sample(actor);
            let ce = CloudEvent::from_recorded(&e, 42);
            let body = serde_json::to_vec(&ce).unwrap();
            let (back, prev) = CloudEvent::parse(&body).unwrap().into_recorded().unwrap();
            assert_eq!(back, e);
            assert_eq!(prev, 42);
        }
    }

    #[test]
    fn the_relay_encoding_equals_the_parsed_one() {
        let e = sample(Actor::System);
        let wire = WireEvent {
            position: e.position,
            stream_id: e.stream_id.clone(),
            version: e.version,
            event_id: e.event_id,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            tenant: e.tenant.clone(),
            payload: serde_json::value::RawValue::from_string(e.payload.to_string()).unwrap(),
            metadata: e.metadata.clone(),
            recorded_at: e.recorded_at,
        };
        let a = serde_json::to_value(CloudEvent::from_wire(&wire, 5)).unwrap();
        let b = serde_json::to_value(CloudEvent::from_recorded(&e, 5)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn has_the_documented_attributes() {
        let e = sample(Actor::System);
        let v = serde_json::to_value(CloudEvent::from_recorded(&e, 7)).unwrap();
        assert_eq!(v["specversion"], "1.0");
        assert_eq!(v["type"], "portal.order.OrderSubmitted.v1");
        assert_eq!(v["source"], "/portal/acme");
        assert_eq!(v["subject"], e.stream_id.as_str());
        assert_eq!(v["datacontenttype"], "application/json");
        assert_eq!(v["position"], 655_361);
        assert_eq!(v["previousposition"], 7);
        assert_eq!(v["streamversion"], 3);
        assert_eq!(v["tenant"], "acme");
        assert_eq!(v["time"], "2023-11-14T22:13:20Z");
        assert!(v.get("actorid").is_none());
        assert_eq!(
            subject("portal.events", &e),
            "portal.events.acme.order.OrderSubmitted"
        );
    }

    #[test]
    fn refuses_foreign_messages() {
        assert!(CloudEvent::parse(b"{}").is_err());
        let e = sample(Actor::System);
        let mut ce = CloudEvent::from_recorded(&e, 0);
        ce.ty = "com.example.thing".into();
        assert!(ce.into_recorded().is_err());
    }
}
