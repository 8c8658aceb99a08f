//! A customer of the carrier: master data, status, and the portal switches staff control
//! (*Access to Customer Portal*, *Show charges on customer portal*).
//!
//! Cross-aggregate rule (customer portal ⇄ contact access): contacts are separate aggregates, so
//! this aggregate cannot change them in the same transaction. Two mechanisms together keep access
//! correct:
//! 1. Revocation by process manager. Disabling a customer's portal (explicitly, or by blocking the
//!    customer) emits `CustomerPortalDisabled`; a process manager (built in a later issue) reacts
//!    by sending `RevokeContactAccess` to each of the customer's contacts with access. This makes
//!    the contacts' state say what is true and ends their sessions, but it is eventually
//!    consistent: a `GrantContactAccess` decided on a just-read "portal enabled" fact can race
//!    with the disable and land afterwards.
//! 2. Effective access is checked at use. A contact's access counts only while the customer's
//!    portal is enabled too: login and every request's scope check both flags. So a racing
//!    grant can never give anyone access to a disabled customer; at worst the contact shows
//!    "access on" until the next revocation pass, and re-enabling the portal does not silently
//!    restore access for contacts that were revoked (staff grant again).
//!
//! `GrantContactAccess` and `AddContact` additionally refuse while the portal is disabled (the
//! command handler passes the customer's current state in as `CustomerFacts`), which is the rule
//! the UI shows.

use crate::error::DomainError;
use crate::ids::CustomerId;
use crate::values::{Name, no_hidden, optional_text};
use crate::{Aggregate, DomainEvent, apply_all};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg(test)]
mod tests;

/// The customer aggregate, stream `customer-<uuid>`.
pub struct Customer;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    #[default]
    Prospect,
    Approved,
    Blocked,
}

impl CustomerStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Prospect => "prospect",
            Self::Approved => "approved",
            Self::Blocked => "blocked",
        }
    }
}

impl fmt::Display for CustomerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerState {
    pub exists: bool,
    pub customer_id: Option<CustomerId>,
    pub name: Option<Name>,
    pub code: Option<String>,
    pub status: CustomerStatus,
    pub portal_enabled: bool,
    pub show_charges: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CustomerCommand {
    /// `code` is the carrier's short customer code: trimmed, blank means none, ≤ 32 characters.
    CreateCustomer {
        customer_id: CustomerId,
        name: Name,
        code: Option<String>,
        status: CustomerStatus,
    },
    UpdateCustomerDetails {
        name: Name,
        code: Option<String>,
    },
    /// Blocking a customer with portal access also disables the portal.
    ChangeCustomerStatus {
        status: CustomerStatus,
    },
    EnablePortalForCustomer,
    DisablePortalForCustomer,
    SetShowCharges {
        show: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum CustomerEvent {
    CustomerCreated {
        customer_id: CustomerId,
        name: Name,
        #[schemars(length(min = 1, max = MAX_CODE))]
        code: Option<String>,
        status: CustomerStatus,
    },
    CustomerDetailsUpdated {
        customer_id: CustomerId,
        name: Name,
        #[schemars(length(min = 1, max = MAX_CODE))]
        code: Option<String>,
    },
    CustomerStatusChanged {
        customer_id: CustomerId,
        from: CustomerStatus,
        to: CustomerStatus,
    },
    CustomerPortalEnabled {
        customer_id: CustomerId,
    },
    /// Contacts' access is revoked in reaction to this event (see the module docs).
    CustomerPortalDisabled {
        customer_id: CustomerId,
    },
    CustomerChargesShown {
        customer_id: CustomerId,
    },
    CustomerChargesHidden {
        customer_id: CustomerId,
    },
}

impl CustomerEvent {
    /// The customer the event is about.
    pub fn customer_id(&self) -> CustomerId {
        match self {
            Self::CustomerCreated { customer_id, .. }
            | Self::CustomerDetailsUpdated { customer_id, .. }
            | Self::CustomerStatusChanged { customer_id, .. }
            | Self::CustomerPortalEnabled { customer_id }
            | Self::CustomerPortalDisabled { customer_id }
            | Self::CustomerChargesShown { customer_id }
            | Self::CustomerChargesHidden { customer_id } => *customer_id,
        }
    }
}

impl DomainEvent for CustomerEvent {
    const TYPES: &'static [&'static str] = &[
        "CustomerCreated",
        "CustomerDetailsUpdated",
        "CustomerStatusChanged",
        "CustomerPortalEnabled",
        "CustomerPortalDisabled",
        "CustomerChargesShown",
        "CustomerChargesHidden",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::CustomerCreated { .. } => "CustomerCreated",
            Self::CustomerDetailsUpdated { .. } => "CustomerDetailsUpdated",
            Self::CustomerStatusChanged { .. } => "CustomerStatusChanged",
            Self::CustomerPortalEnabled { .. } => "CustomerPortalEnabled",
            Self::CustomerPortalDisabled { .. } => "CustomerPortalDisabled",
            Self::CustomerChargesShown { .. } => "CustomerChargesShown",
            Self::CustomerChargesHidden { .. } => "CustomerChargesHidden",
        }
    }
}

/// The longest customer code, in characters.
const MAX_CODE: usize = 32;

/// The customer code rule: trimmed, blank → `None`, at most 32 characters, single line, no
/// hidden characters (input only: `decide` runs it, stored events do not).
pub fn customer_code(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    optional_text("code", raw, MAX_CODE, false)
        .and_then(|code| no_hidden("code", code))
        .map_err(Into::into)
}

fn existing(state: &CustomerState) -> Result<CustomerId, DomainError> {
    state.customer_id.ok_or(DomainError::NotFound("customer"))
}

impl Aggregate for Customer {
    const CATEGORY: &'static str = "customer";
    type State = CustomerState;
    type Command = CustomerCommand;
    type Event = CustomerEvent;

    fn decide(
        state: &CustomerState,
        command: &CustomerCommand,
    ) -> Result<Vec<CustomerEvent>, DomainError> {
        use CustomerCommand as C;
        use CustomerEvent as E;

        let events = match command {
            C::CreateCustomer {
                customer_id,
                name,
                code,
                status,
            } => {
                if state.exists {
                    return Err(DomainError::AlreadyExists("customer"));
                }
                vec![E::CustomerCreated {
                    customer_id: *customer_id,
                    name: name.clone(),
                    code: customer_code(code.as_deref())?,
                    status: *status,
                }]
            }
            C::UpdateCustomerDetails { name, code } => {
                let customer_id = existing(state)?;
                let code = customer_code(code.as_deref())?;
                if state.name.as_ref() == Some(name) && state.code == code {
                    vec![]
                } else {
                    vec![E::CustomerDetailsUpdated {
                        customer_id,
                        name: name.clone(),
                        code,
                    }]
                }
            }
            C::ChangeCustomerStatus { status } => {
                let customer_id = existing(state)?;
                if state.status == *status {
                    return Ok(vec![]);
                }
                let mut events = vec![E::CustomerStatusChanged {
                    customer_id,
                    from: state.status,
                    to: *status,
                }];
                let after = apply_all::<Customer>(state, &events);
                if after.status == CustomerStatus::Blocked && after.portal_enabled {
                    events.push(E::CustomerPortalDisabled { customer_id });
                }
                events
            }
            C::EnablePortalForCustomer => {
                let customer_id = existing(state)?;
                if state.status == CustomerStatus::Blocked {
                    return Err(DomainError::CustomerBlocked);
                }
                if state.portal_enabled {
                    vec![]
                } else {
                    vec![E::CustomerPortalEnabled { customer_id }]
                }
            }
            C::DisablePortalForCustomer => {
                let customer_id = existing(state)?;
                if state.portal_enabled {
                    vec![E::CustomerPortalDisabled { customer_id }]
                } else {
                    vec![]
                }
            }
            C::SetShowCharges { show } => {
                let customer_id = existing(state)?;
                match (state.show_charges, *show) {
                    (false, true) => vec![E::CustomerChargesShown { customer_id }],
                    (true, false) => vec![E::CustomerChargesHidden { customer_id }],
                    _ => vec![],
                }
            }
        };
        Ok(events)
    }

    fn evolve(mut state: CustomerState, event: &CustomerEvent) -> CustomerState {
        use CustomerEvent as E;
        match event {
            E::CustomerCreated {
                customer_id,
                name,
                code,
                status,
            } => {
                state.exists = true;
                state.customer_id = Some(*customer_id);
                state.name = Some(name.clone());
                state.code = code.clone();
                state.status = *status;
            }
            E::CustomerDetailsUpdated { name, code, .. } => {
                state.name = Some(name.clone());
                state.code = code.clone();
            }
            E::CustomerStatusChanged { to, .. } => state.status = *to,
            E::CustomerPortalEnabled { .. } => state.portal_enabled = true,
            E::CustomerPortalDisabled { .. } => state.portal_enabled = false,
            E::CustomerChargesShown { .. } => state.show_charges = true,
            E::CustomerChargesHidden { .. } => state.show_charges = false,
        }
        state
    }
}
