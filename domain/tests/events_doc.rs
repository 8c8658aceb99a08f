//! `docs/events.md`, the contract for outside subscribers of the event stream, is generated from
//! the code: the hand-written parts (`events_doc/intro.md`, `events_doc/consuming.md`) and, from
//! [`event_catalog`], a table and the payload schema of every event type.
//!
//! This test fails when the file differs from what the code generates. To regenerate it:
//! `PORTAL_BLESS_DOCS=1 cargo test -p portal-domain --test events_doc`.
#![allow(clippy::unwrap_used)]

use portal_domain::customer::CustomerEvent;
use portal_domain::schema::{EventDoc, event_catalog};
use serde_json::Value;
use std::fmt::Write as _;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md");
const BLESS_VAR: &str = "PORTAL_BLESS_DOCS";
const BLESS_COMMAND: &str = "PORTAL_BLESS_DOCS=1 cargo test -p portal-domain --test events_doc";
const INTRO: &str = include_str!("events_doc/intro.md");
const CONSUMING: &str = include_str!("events_doc/consuming.md");
const PREFIX: &str = "portal.events";
const TENANT: &str = "<tenant>";

/// The whole document.
fn render(catalog: &[EventDoc]) -> String {
    let mut out = String::new();
    out.push_str("# Events on the wire\n\n");
    let _ = writeln!(
        out,
        "<!-- Generated from the code by domain/tests/events_doc.rs: do not edit here. Edit the \
         texts in domain/tests/events_doc/ or the event types, then run `{BLESS_COMMAND}`. -->\n"
    );
    out.push_str(INTRO.trim_end());
    out.push_str("\n\n");
    out.push_str(CONSUMING.trim_end());
    out.push_str("\n\n");
    render_catalog(&mut out, catalog);
    out
}

fn categories(catalog: &[EventDoc]) -> Vec<&'static str> {
    let mut categories: Vec<&str> = catalog.iter().map(|d| d.category).collect();
    categories.dedup();
    categories
}

fn render_catalog(out: &mut String, catalog: &[EventDoc]) {
    out.push_str("## Event catalog\n\n");
    out.push_str(
        "Every event type, by category. The `data` of each is described by a JSON Schema\n\
         (draft 2020-12) of what the portal writes: every property is listed in `required`, and\n\
         optional values are `null`.\n\n",
    );
    out.push_str("| category | event types |\n|---|---|\n");
    for category in categories(catalog) {
        let types: Vec<String> = catalog
            .iter()
            .filter(|d| d.category == category)
            .map(|d| format!("`{}`", d.event_type))
            .collect();
        let _ = writeln!(
            out,
            "| [`{category}`](#{}) | {} |",
            anchor(&category_heading(category)),
            types.join(", ")
        );
    }
    for category in categories(catalog) {
        let _ = writeln!(out, "\n## {}\n", category_heading(category));
        let _ = writeln!(
            out,
            "Subjects `{PREFIX}.{TENANT}.{category}.<EventType>`.\n"
        );
        out.push_str("| event type | subject | CloudEvents `type` |\n|---|---|---|\n");
        let docs: Vec<&EventDoc> = catalog.iter().filter(|d| d.category == category).collect();
        for doc in &docs {
            let _ = writeln!(
                out,
                "| [`{}`](#{}) | `{}` | `{}` |",
                doc.event_type,
                anchor(&event_heading(doc)),
                doc.subject(PREFIX, TENANT),
                doc.cloud_event_type()
            );
        }
        for doc in docs {
            let _ = writeln!(out, "\n### {}\n", event_heading(doc));
            let _ = writeln!(
                out,
                "Subject `{}`, type `{}`, schema version {}.\n",
                doc.subject(PREFIX, TENANT),
                doc.cloud_event_type(),
                doc.schema_version
            );
            let _ = writeln!(out, "```json\n{}\n```", doc.schema_json());
        }
    }
}

fn category_heading(category: &str) -> String {
    format!("Category `{category}`")
}

fn event_heading(doc: &EventDoc) -> String {
    format!("{} (`{}`)", doc.event_type, doc.subject(PREFIX, TENANT))
}

/// The anchor GitHub gives a heading: lowercase, spaces to `-`, other punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn bless_requested() -> bool {
    std::env::var(BLESS_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn docs_events_md_is_up_to_date() {
    let expected = render(&event_catalog());
    if bless_requested() {
        let dir = std::path::Path::new(DOC_PATH).parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(DOC_PATH, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(DOC_PATH).unwrap_or_default();
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "docs/events.md is out of date with the event types in the code (first difference \
             at line {}). Regenerate it with\n\n    {BLESS_COMMAND}\n\nand commit the result.",
            line + 1
        );
    }
}

/// The JSON body of the example message in the intro, and its `Nats-Msg-Id`.
fn example() -> (Value, String) {
    let body = INTRO
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap();
    let msg_id = INTRO
        .lines()
        .find_map(|l| l.strip_prefix("Nats-Msg-Id: "))
        .unwrap();
    (serde_json::from_str(body).unwrap(), msg_id.to_owned())
}

#[test]
fn the_example_message_is_a_valid_event() {
    let (body, msg_id) = example();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
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
        "actortype",
        "actorid",
    ];
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(body["id"], msg_id.as_str());
    assert_eq!(
        body["source"],
        format!("/portal/{}", body["tenant"].as_str().unwrap())
    );

    let event: CustomerEvent = serde_json::from_value(serde_json::json!({
        "type": "CustomerCreated",
        "data": body["data"],
    }))
    .unwrap();
    let CustomerEvent::CustomerCreated { customer_id, .. } = event else {
        panic!("not a CustomerCreated: {event:?}");
    };
    assert_eq!(body["subject"], format!("customer-{customer_id}"));
    let doc = event_catalog()
        .into_iter()
        .find(|d| d.event_type == "CustomerCreated")
        .unwrap();
    assert_eq!(body["type"], doc.cloud_event_type());
    assert!(body["position"].as_i64().unwrap() > body["previousposition"].as_i64().unwrap());
}

#[test]
fn every_event_type_has_its_section() {
    let doc = render(&event_catalog());
    for event in event_catalog() {
        let heading = format!("\n### {}\n", event_heading(&event));
        assert!(doc.contains(&heading), "{heading}");
        assert!(doc.contains(&format!("(#{})", anchor(&event_heading(&event)))));
    }
    assert_eq!(
        anchor("OrderSubmitted (`portal.events.<tenant>.order.OrderSubmitted`)"),
        "ordersubmitted-portaleventstenantorderordersubmitted"
    );
}
