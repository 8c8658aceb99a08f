//! What an outside subscriber must find in each message (docs/events.md, "Events on the wire"),
//! checked with plain JSON, not the project's own wire code.

use portal_eventlog::RecordedEvent;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The documented attributes; nothing else may appear.
pub const ATTRIBUTES: &[&str] = &[
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "data",
    "position",
    "previousposition",
    "streamversion",
    "tenant",
    "correlationid",
    "causationid",
    "actortype",
    "actorid",
    "actorcustomer",
];

/// Checks one message against the event it must carry (docs/events.md), without the project's
/// own wire code.
pub fn check_message(
    prefix: &str,
    subject: &str,
    msg_id: Option<&str>,
    body: &[u8],
    e: &RecordedEvent,
    previous: i64,
) {
    let at = format!("event at position {}", e.position);
    let category = e.stream_id.category();
    assert_eq!(
        subject,
        format!("{prefix}.{}.{category}.{}", e.tenant, e.event_type),
        "subject of {at}"
    );
    assert_eq!(
        msg_id,
        Some(e.event_id.to_string().as_str()),
        "Nats-Msg-Id of {at}"
    );
    let v: Value =
        serde_json::from_slice(body).unwrap_or_else(|err| panic!("{at}: body is not JSON: {err}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{at}: body is not an object: {v}"));
    for k in obj.keys() {
        assert!(
            ATTRIBUTES.contains(&k.as_str()),
            "{at}: undocumented attribute {k}: {v}"
        );
    }
    assert_eq!(v["specversion"], "1.0", "{at}: {v}");
    assert_eq!(v["id"], e.event_id.to_string(), "{at}: {v}");
    assert_eq!(v["source"], format!("/portal/{}", e.tenant), "{at}: {v}");
    let ty = format!("portal.{category}.{}.v{}", e.event_type, e.schema_version);
    assert_eq!(v["type"], ty, "{at}: {v}");
    let time = v["time"]
        .as_str()
        .unwrap_or_else(|| panic!("{at}: no time: {v}"));
    assert!(time.ends_with('Z'), "{at}: time is not UTC: {time}");
    assert_eq!(
        OffsetDateTime::parse(time, &Rfc3339).unwrap(),
        e.recorded_at,
        "{at}: time"
    );
    assert_eq!(v["subject"], e.stream_id.as_str(), "{at}: {v}");
    assert_eq!(v["datacontenttype"], "application/json", "{at}: {v}");
    assert_eq!(v["data"], e.payload, "{at}: data");
    assert_eq!(v["position"], e.position, "{at}: {v}");
    assert_eq!(v["previousposition"], previous, "{at}: previousposition");
    assert_eq!(v["streamversion"], e.version, "{at}: {v}");
    assert_eq!(v["tenant"], e.tenant.as_str(), "{at}: {v}");
    assert_eq!(
        v["correlationid"],
        e.metadata.correlation_id.to_string(),
        "{at}: {v}"
    );
    let actor = serde_json::to_value(&e.metadata.actor).unwrap();
    let kind = v["actortype"].as_str().unwrap_or_default();
    assert!(
        ["system", "operator", "staff", "portal_user"].contains(&kind),
        "{at}: {v}"
    );
    assert_eq!(
        v.get("actorid").is_some(),
        matches!(kind, "staff" | "portal_user"),
        "{at}: {v} ({actor})"
    );
    assert_eq!(
        v.get("actorcustomer").is_some(),
        kind == "portal_user",
        "{at}: {v} ({actor})"
    );
}
