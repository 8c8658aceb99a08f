//! What an order-status or charge email says: the facts of one piece of news, read from the log
//! when the event is handled and stored with the outbox row (so an email, or a digest sent the
//! next morning, says what was true at the event, and rendering needs no further reads).
//! Facts only, never a secret; the recipient's address is in the row, not here.

use portal_domain::contact::NewsKind;
use portal_domain::{ContactId, CustomerId, OrderId};
use serde::{Deserialize, Serialize};

/// One piece of news for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct News {
    /// The carrier's name.
    pub carrier: String,
    pub customer: String,
    pub customer_id: CustomerId,
    /// The recipient's contact at the customer (portal users; `None` for staff, whose emails
    /// carry no preferences).
    pub contact_id: Option<ContactId>,
    pub recipient_name: Option<String>,
    /// IANA zone the recipient reads times in.
    pub time_zone: String,
    pub order_id: OrderId,
    pub number: String,
    pub reference: Option<String>,
    /// When it happened (Unix ms).
    pub at: i64,
    pub what: What,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum What {
    /// The order moved from one status to another (snake_case status names).
    Status {
        from: String,
        to: String,
        /// For `planned`: when the carrier plans the transport (Unix ms).
        planned_at: Option<i64>,
        /// For `rejected` and `cancelled`: the carrier's reason.
        reason: Option<String>,
    },
    /// A charge waits for the customer's approval.
    ChargeAwaiting {
        description: String,
        /// The amount as shown, e.g. `45.00 EUR`.
        amount: String,
    },
    /// The customer decided on a charge (emailed to the staff member who asked).
    ChargeDecided {
        description: String,
        amount: String,
        approved: bool,
        comment: Option<String>,
        /// Who decided: the contact's name.
        by: String,
    },
}

impl News {
    /// The preference that governs this news (`None`: staff emails, always sent).
    pub fn kind(&self) -> Option<NewsKind> {
        match self.what {
            What::Status { .. } => Some(NewsKind::OrderStatus),
            What::ChargeAwaiting { .. } => Some(NewsKind::ChargeApproval),
            What::ChargeDecided { .. } => None,
        }
    }

    /// The outbox kind of its email.
    pub fn mail_kind(&self) -> &'static str {
        match self.what {
            What::Status { .. } => "order_status",
            What::ChargeAwaiting { .. } => "charge_approval",
            What::ChargeDecided { .. } => "charge_decision",
        }
    }
}

/// The day's news of one recipient at one customer, sent at 07:00 in their zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub carrier: String,
    pub customer: String,
    pub customer_id: CustomerId,
    pub contact_id: ContactId,
    pub recipient_name: Option<String>,
    /// The local day the digest is sent on (`2026-12-07`).
    pub day: String,
    /// In log order.
    pub items: Vec<News>,
}

/// A status name in words (`in_transit` → `in transit`).
pub fn status_words(status: &str) -> String {
    status.replace('_', " ")
}
