//! What emails a contact with portal access wants, per kind of news: at once, in one daily digest,
//! or not at all. Essential emails (welcome, login links) are not covered: they always go out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a kind of news reaches the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// One email per change, as it happens.
    #[default]
    Immediate,
    /// One digest a day at 07:00 in the user's time zone.
    Daily,
    /// No email.
    Off,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Immediate, Delivery::Daily, Delivery::Off];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Daily => "daily",
            Self::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The kinds of news a contact can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewsKind {
    /// An order the contact follows changed status (accepted, rejected, planned, in transit,
    /// delivered, cancelled).
    OrderStatus,
    /// A charge waits for the customer's approval.
    ChargeApproval,
}

impl NewsKind {
    pub const ALL: [NewsKind; 2] = [NewsKind::OrderStatus, NewsKind::ChargeApproval];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::OrderStatus => "order_status",
            Self::ChargeApproval => "charge_approval",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A contact's choices; new contacts get every kind at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct NotificationPreferences {
    pub order_status: Delivery,
    pub charge_approval: Delivery,
}

impl NotificationPreferences {
    pub fn of(&self, kind: NewsKind) -> Delivery {
        match kind {
            NewsKind::OrderStatus => self.order_status,
            NewsKind::ChargeApproval => self.charge_approval,
        }
    }

    /// These preferences with `kind` set to `delivery`.
    pub fn with(mut self, kind: NewsKind, delivery: Delivery) -> Self {
        match kind {
            NewsKind::OrderStatus => self.order_status = delivery,
            NewsKind::ChargeApproval => self.charge_approval = delivery,
        }
        self
    }
}
