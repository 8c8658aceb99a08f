//! The fields an event changed: the aggregate's state before and after it, both in their audit
//! serialisation, compared leaf by leaf. Nested objects and lists are walked (`address.city`,
//! `charges[1].approval`); a value that appears or disappears as a whole is written compactly.
//! Bookkeeping fields (`exists`, the aggregate's own ids) are left out; instants are shown in
//! the reader's zone.

use crate::zone::Zone;
use portal_domain::values::Money;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One changed field: `null` before means "not set yet", `null` after "no longer set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Dotted path of the field in the aggregate's state (`status`, `address.city`,
    /// `charges[0].approval`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Top-level fields never listed: bookkeeping and the copy of the submitted content (the order's
/// `content` shows the same). Ids (`…_id`) are left out at every level.
const SKIPPED: [&str; 12] = [
    "exists",
    "tenant_id",
    "customer_id",
    "contact_id",
    "order_id",
    "location_id",
    "user_id",
    "submitted_content",
    "link_requests",
    "logins",
    "owner",
    "removed",
];

/// Longest value text; longer ones end in `…`.
const MAX_VALUE: usize = 160;
/// Most changes listed for one event (a first draft can fill dozens of fields).
const MAX_CHANGES: usize = 40;

/// The leaves that differ between `before` and `after`, in field order.
pub fn diff(before: &Value, after: &Value, zone: &Zone) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", before, after, zone, &mut out);
    out.truncate(MAX_CHANGES);
    out
}

fn walk(path: &str, before: &Value, after: &Value, zone: &Zone, out: &mut Vec<Change>) {
    if before == after {
        return;
    }
    let empty = serde_json::Map::new();
    match (before, after) {
        // A record that appears or goes (a new charge, a first draft) is listed field by field;
        // an amount of money stays one value.
        (Value::Object(b), Value::Null) if !is_money(before) => {
            walk_objects(path, b, &empty, zone, out);
        }
        (Value::Null, Value::Object(a)) if !is_money(after) => {
            walk_objects(path, &empty, a, zone, out);
        }
        (Value::Object(b), Value::Object(a)) if !is_money(before) && !is_money(after) => {
            walk_objects(path, b, a, zone, out);
        }
        // Lists of records (charges, consignments) item by item, also as they appear or go;
        // lists of plain values (roles) as a whole.
        (Value::Array(b), Value::Array(a)) if b.iter().chain(a).any(Value::is_object) => {
            walk_arrays(path, b, a, zone, out);
        }
        (Value::Null, Value::Array(a)) if a.iter().any(Value::is_object) => {
            walk_arrays(path, &[], a, zone, out);
        }
        (Value::Array(b), Value::Null) if b.iter().any(Value::is_object) => {
            walk_arrays(path, b, &[], zone, out);
        }
        _ => {
            let (b, a) = (text(before, zone), text(after, zone));
            // Nothing to say: both empty, or a new record's unset switch.
            let unset = before.is_null() && after == &Value::Bool(false);
            if b != a && !unset {
                out.push(Change {
                    field: path.to_owned(),
                    before: b,
                    after: a,
                });
            }
        }
    }
}

fn walk_objects(
    path: &str,
    b: &serde_json::Map<String, Value>,
    a: &serde_json::Map<String, Value>,
    zone: &Zone,
    out: &mut Vec<Change>,
) {
    let mut seen = std::collections::BTreeSet::new();
    for k in b.keys().chain(a.keys()) {
        let skipped = (path.is_empty() && SKIPPED.contains(&k.as_str())) || k.ends_with("_id");
        if !seen.insert(k) || skipped {
            continue;
        }
        let null = Value::Null;
        let child = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        walk(
            &child,
            b.get(k).unwrap_or(&null),
            a.get(k).unwrap_or(&null),
            zone,
            out,
        );
    }
}

fn walk_arrays(path: &str, b: &[Value], a: &[Value], zone: &Zone, out: &mut Vec<Change>) {
    for i in 0..b.len().max(a.len()) {
        let null = Value::Null;
        walk(
            &format!("{path}[{i}]"),
            b.get(i).unwrap_or(&null),
            a.get(i).unwrap_or(&null),
            zone,
            out,
        );
    }
}

/// An amount of money as the domain serialises it: `{amount_minor, currency}`.
fn is_money(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 2 && m.contains_key("amount_minor") && m.contains_key("currency")
    })
}

/// A value as a reader sees it: strings as they are (an RFC 3339 instant in the reader's zone),
/// numbers and booleans plainly, objects as `key: value` pairs, lists comma-separated; `None`
/// for `null` and empty lists.
pub fn text(v: &Value, zone: &Zone) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(at) => zone.format(at),
            Err(_) => s.clone(),
        },
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => return None,
        Value::Array(items) => items
            .iter()
            .filter_map(|i| text(i, zone))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) if is_money(v) => match serde_json::from_value::<Money>(v.clone()) {
            Ok(m) => super::describe::money(&m),
            Err(_) => v.to_string(),
        },
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| text(v, zone).map(|t| format!("{k}: {t}")))
            .collect::<Vec<_>>()
            .join(", "),
    };
    Some(shorten(s))
}

fn shorten(s: String) -> String {
    if s.chars().count() > MAX_VALUE {
        let short: String = s.chars().take(MAX_VALUE - 1).collect();
        format!("{short}…")
    } else {
        s
    }
}
