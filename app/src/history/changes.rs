//! The fields an event changed: the aggregate's state before and after it, both in their audit
//! serialisation, compared leaf by leaf. Nested objects and lists are walked (`address.city`,
//! `charges[1].approval`); a value that appears or disappears as a whole is written compactly.
//! Bookkeeping fields (`exists`, the aggregate's own ids) are left out; instants are shown in
//! the reader's zone.

use crate::zone::Zone;
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

/// Fields never listed: bookkeeping, ids that never change, and the copy of the submitted
/// content (the order's `content` shows the same).
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
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.dedup();
            let mut seen = std::collections::BTreeSet::new();
            for k in keys {
                if !seen.insert(k) || (path.is_empty() && SKIPPED.contains(&k.as_str())) {
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
        // Lists of records (charges, consignments) item by item; lists of plain values (roles)
        // as a whole.
        (Value::Array(b), Value::Array(a)) if b.iter().chain(a).any(Value::is_object) => {
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
        _ => out.push(Change {
            field: path.to_owned(),
            before: text(before, zone),
            after: text(after, zone),
        }),
    }
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
