//! Small types and helpers shared by the read models.

use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use portal_domain::order::OrderStatus;
use portal_domain::{Actor, CustomerId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

/// Who reads: the carrier's staff see the whole tenant, a portal user one customer of it. The
/// customer comes from the session, never from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Staff (or an integration token of staff): every customer of the tenant.
    Tenant,
    /// A portal user acting for this customer.
    Customer(CustomerId),
}

impl Scope {
    pub fn customer(&self) -> Option<CustomerId> {
        match self {
            Self::Tenant => None,
            Self::Customer(c) => Some(*c),
        }
    }
}

/// The kind of actor behind an event, without ids: what read models show about who did what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    System,
    Operator,
    Staff,
    PortalUser,
}

impl From<&Actor> for ActorKind {
    fn from(a: &Actor) -> Self {
        match a {
            Actor::System => Self::System,
            Actor::Operator => Self::Operator,
            Actor::Staff { .. } => Self::Staff,
            Actor::PortalUser { .. } => Self::PortalUser,
        }
    }
}

/// Orders in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub count: i64,
}

/// Orders per status (every status, in lifecycle order, zeros included) and their total: the
/// counts of the status tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub by_status: Vec<StatusCount>,
    pub total: i64,
}

impl StatusCounts {
    /// Every status with the count `count_of` gives it.
    pub fn from_fn(count_of: impl Fn(OrderStatus) -> i64) -> Self {
        let by_status: Vec<StatusCount> = OrderStatus::ALL
            .into_iter()
            .map(|status| StatusCount {
                status,
                count: count_of(status),
            })
            .collect();
        let total = by_status.iter().map(|c| c.count).sum();
        Self { by_status, total }
    }

    /// The count of one status.
    pub fn get(&self, status: OrderStatus) -> i64 {
        self.by_status
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.count)
    }
}

/// The failure for an undecodable event of one of `categories` (the categories the projection
/// reads); `None` for any other event.
pub(crate) fn invalid_in(event: &Event<'_>, categories: &[&str]) -> Option<ApplyError> {
    match event.decoded {
        Decoded::Invalid(reason) if categories.contains(&event.recorded.stream_id.category()) => {
            Some(event.invalid(reason))
        }
        _ => None,
    }
}

/// The error for an event of an entity whose row is missing (its creation was not applied).
pub(crate) fn missing(event: &Event<'_>, what: &str, id: impl std::fmt::Display) -> ApplyError {
    ApplyError::Event(format!(
        "{} at position {} is for {what} {id}, which this read model does not know (was its creation dead-lettered?)",
        event.recorded.event_type, event.recorded.position
    ))
}

/// Lowercased text for `LIKE` searches: the parts joined by spaces.
pub(crate) fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The sort key of names: lowercased, so that both backends order plain names alike.
pub(crate) fn sort_name(name: &str) -> String {
    name.to_lowercase()
}

/// The UTC calendar day of an instant.
/// The key of a counter row of `base` (a customer, a customer's day, …) in `partition`: rows that
/// sum events of many streams are kept per partition (see [`crate::partitions`]) and summed when
/// read. Partition 0 keeps the bare key, so one partition stores what it always did.
pub(crate) fn partitioned_key(base: &str, partition: u16) -> String {
    if partition == 0 {
        base.to_owned()
    } else {
        format!("{base}@{partition}")
    }
}

/// Every key [`partitioned_key`] gives `base` with `count` partitions (a read sums their rows).
pub(crate) fn partitioned_keys(base: &str, count: u16) -> Vec<String> {
    (0..count.max(1))
        .map(|p| partitioned_key(base, p))
        .collect()
}

pub(crate) fn utc_day(at: OffsetDateTime) -> Date {
    at.to_offset(UtcOffset::UTC).date()
}

/// `YYYY-MM-DD`, the form dates take in keys and text columns (sorts like the dates).
pub(crate) fn day_key(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Serde for `Option<Date>` as `"YYYY-MM-DD"` or `null` (the domain pins the format of `Date`;
/// see `portal_domain::values::serde_time`).
pub(crate) mod opt_date {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "portal_domain::values::serde_time::date")] Date);

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        d.map(Wrap).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn days_are_utc_and_sortable_text() {
        assert_eq!(
            utc_day(datetime!(2025-06-01 23:30 -02:00)),
            date!(2025 - 06 - 02)
        );
        assert_eq!(day_key(date!(2025 - 06 - 02)), "2025-06-02");
        assert!(day_key(date!(2025 - 06 - 09)) < day_key(date!(2025 - 06 - 10)));
    }

    #[test]
    fn search_text_is_lowercased_and_skips_blanks() {
        assert_eq!(search_text(["Acme GmbH", "", "ÄB-1"]), "acme gmbh äb-1");
    }

    #[test]
    fn status_counts_list_every_status() {
        let c = StatusCounts::from_fn(|s| i64::from(s == OrderStatus::Submitted) * 3);
        assert_eq!(c.by_status.len(), 8);
        assert_eq!(c.get(OrderStatus::Submitted), 3);
        assert_eq!(c.total, 3);
    }
}
