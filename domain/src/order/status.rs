//! The order lifecycle and the only transitions it allows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// draft → submitted → accepted | rejected; accepted → planned → in transit → delivered;
/// cancelled from any state before in transit. Rejected, delivered and cancelled are final.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[default]
    Draft,
    Submitted,
    Accepted,
    Rejected,
    Planned,
    InTransit,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        Self::Draft,
        Self::Submitted,
        Self::Accepted,
        Self::Rejected,
        Self::Planned,
        Self::InTransit,
        Self::Delivered,
        Self::Cancelled,
    ];

    /// The snake_case name used in JSON, URLs (`?status=in_transit`) and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Planned => "planned",
            Self::InTransit => "in_transit",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The statuses this one may move to.
    pub fn allowed_next(&self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Draft => &[Submitted, Cancelled],
            Submitted => &[Accepted, Rejected, Cancelled],
            Accepted => &[Planned, Cancelled],
            Planned => &[InTransit, Cancelled],
            InTransit => &[Delivered],
            Rejected | Delivered | Cancelled => &[],
        }
    }

    pub fn can_move_to(&self, next: OrderStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    pub fn is_terminal(&self) -> bool {
        self.allowed_next().is_empty()
    }

    /// Whether staff may add charges: once the customer submitted, until it is off the table.
    pub fn allows_charges(&self) -> bool {
        !matches!(self, Self::Draft | Self::Rejected | Self::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn transitions_follow_the_lifecycle() {
        let allowed: Vec<(OrderStatus, OrderStatus)> = OrderStatus::ALL
            .into_iter()
            .flat_map(|from| OrderStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_move_to(*to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Draft, Submitted),
                (Draft, Cancelled),
                (Submitted, Accepted),
                (Submitted, Rejected),
                (Submitted, Cancelled),
                (Accepted, Planned),
                (Accepted, Cancelled),
                (Planned, InTransit),
                (Planned, Cancelled),
                (InTransit, Delivered),
            ]
        );
        assert!(Rejected.is_terminal() && Delivered.is_terminal() && Cancelled.is_terminal());
    }

    #[test]
    fn names_are_snake_case_and_parse_back() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(s.as_str().into()));
        }
        assert_eq!(InTransit.to_string(), "in_transit");
        assert_eq!(OrderStatus::parse("shipped"), None);
    }
}
