//! Who issued a command. Recorded in every event's metadata; carries ids only, never an email or
//! a name (metadata travels to NATS and logs, which must hold no PII).

use crate::ids::{CustomerId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// The service itself (process managers, bootstrap).
    System,
    /// An operator at the command line (`portal tenant add`, …).
    Operator,
    /// A member of the carrier's staff.
    Staff { user_id: UserId },
    /// A contact with portal access, acting for one customer.
    PortalUser {
        user_id: UserId,
        customer_id: CustomerId,
    },
}

impl Actor {
    pub fn is_portal_user(&self) -> bool {
        matches!(self, Actor::PortalUser { .. })
    }
}
