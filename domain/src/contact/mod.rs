//! A contact person of a customer, and their portal access.
//!
//! Facts from other aggregates come in with the command, computed by the command handler from
//! current read state: [`CustomerFacts`] (does the customer exist, is its portal enabled) and
//! `email_in_use` (another live contact of the same customer has this email). Both are checks at
//! decision time, not guarantees:
//! - Portal access may outlive a later portal disable for a moment; access is therefore only
//!   effective while the customer's portal is enabled as well (see [`crate::customer`]).
//! - Two concurrent commands for different contacts can both see an email as free. Where a hard
//!   guarantee is needed, the read model's unique index (customer, email) must back it.
//!
//! Changing the email of a contact with access moves the access to the new email (a portal user
//! is one identity per email): consumers key access by contact id and take the email from the
//! latest `ContactAdded`/`ContactUpdated`/`ContactAccessGranted`.

use crate::error::DomainError;
use crate::ids::{ContactId, CustomerId};
use crate::values::{Email, Name, Phone};
use crate::{Aggregate, DomainEvent, apply_all};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod notifications;
#[cfg(test)]
mod tests;

pub use notifications::{Delivery, NewsKind, NotificationPreferences};

/// The contact aggregate, stream `contact-<uuid>`.
pub struct Contact;

/// What a contact is responsible for at the customer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    Orders,
    Invoices,
    Operations,
    Management,
    Other,
}

/// What the command handler read about the contact's customer just before deciding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerFacts {
    pub exists: bool,
    pub portal_enabled: bool,
}

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContactState {
    pub exists: bool,
    pub removed: bool,
    pub contact_id: Option<ContactId>,
    pub customer_id: Option<CustomerId>,
    pub name: Option<Name>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    /// Sorted, without duplicates.
    pub roles: Vec<ContactRole>,
    pub portal_access: bool,
    /// Which emails the contact wants (only meaningful while it has access).
    pub notifications: NotificationPreferences,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContactCommand {
    /// With `portal_access` the contact is also granted access (and gets the welcome email);
    /// refused as a whole while the customer's portal is disabled.
    AddContact {
        contact_id: ContactId,
        customer_id: CustomerId,
        name: Name,
        email: Email,
        phone: Option<Phone>,
        roles: Vec<ContactRole>,
        portal_access: bool,
        customer: CustomerFacts,
        email_in_use: bool,
    },
    /// `email_in_use` only matters when the email changes.
    UpdateContact {
        name: Name,
        email: Email,
        phone: Option<Phone>,
        roles: Vec<ContactRole>,
        email_in_use: bool,
    },
    GrantContactAccess {
        customer: CustomerFacts,
    },
    RevokeContactAccess,
    /// Revokes access first when the contact has it.
    RemoveContact,
    /// The contact (a portal user acting for themselves, or a one-click unsubscribe link) chooses
    /// which emails to get; the same choice again is a no-op. Refused without portal access:
    /// only portal users get these emails.
    SetNotificationPreferences {
        preferences: NotificationPreferences,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum ContactEvent {
    ContactAdded {
        contact_id: ContactId,
        customer_id: CustomerId,
        name: Name,
        email: Email,
        phone: Option<Phone>,
        /// Sorted, without duplicates.
        #[schemars(extend("uniqueItems" = true))]
        roles: Vec<ContactRole>,
    },
    ContactUpdated {
        contact_id: ContactId,
        customer_id: CustomerId,
        name: Name,
        email: Email,
        phone: Option<Phone>,
        /// Sorted, without duplicates.
        #[schemars(extend("uniqueItems" = true))]
        roles: Vec<ContactRole>,
    },
    /// Carries the email because the notifier sends the one-time welcome email from it.
    ContactAccessGranted {
        contact_id: ContactId,
        customer_id: CustomerId,
        email: Email,
    },
    ContactAccessRevoked {
        contact_id: ContactId,
        customer_id: CustomerId,
    },
    ContactRemoved {
        contact_id: ContactId,
        customer_id: CustomerId,
    },
    /// The contact's email preferences from now on (the whole set, not a change).
    ContactNotificationsChanged {
        contact_id: ContactId,
        customer_id: CustomerId,
        preferences: NotificationPreferences,
    },
}

impl ContactEvent {
    /// The customer whose contact the event is about.
    pub fn customer_id(&self) -> CustomerId {
        match self {
            Self::ContactAdded { customer_id, .. }
            | Self::ContactUpdated { customer_id, .. }
            | Self::ContactAccessGranted { customer_id, .. }
            | Self::ContactAccessRevoked { customer_id, .. }
            | Self::ContactRemoved { customer_id, .. }
            | Self::ContactNotificationsChanged { customer_id, .. } => *customer_id,
        }
    }
}

impl DomainEvent for ContactEvent {
    const TYPES: &'static [&'static str] = &[
        "ContactAdded",
        "ContactUpdated",
        "ContactAccessGranted",
        "ContactAccessRevoked",
        "ContactRemoved",
        "ContactNotificationsChanged",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::ContactAdded { .. } => "ContactAdded",
            Self::ContactUpdated { .. } => "ContactUpdated",
            Self::ContactAccessGranted { .. } => "ContactAccessGranted",
            Self::ContactAccessRevoked { .. } => "ContactAccessRevoked",
            Self::ContactRemoved { .. } => "ContactRemoved",
            Self::ContactNotificationsChanged { .. } => "ContactNotificationsChanged",
        }
    }
}

fn canonical_roles(roles: &[ContactRole]) -> Vec<ContactRole> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
}

/// The ids of a live contact: unknown → `NotFound`, removed → `ContactRemoved`.
fn live(state: &ContactState) -> Result<(ContactId, CustomerId, Email), DomainError> {
    if state.removed {
        return Err(DomainError::ContactRemoved);
    }
    match (state.contact_id, state.customer_id, &state.email) {
        (Some(contact), Some(customer), Some(email)) => Ok((contact, customer, email.clone())),
        _ => Err(DomainError::NotFound("contact")),
    }
}

fn check_portal(customer: &CustomerFacts) -> Result<(), DomainError> {
    if !customer.exists {
        Err(DomainError::NotFound("customer"))
    } else if !customer.portal_enabled {
        Err(DomainError::CustomerPortalNotEnabled)
    } else {
        Ok(())
    }
}

impl Aggregate for Contact {
    const CATEGORY: &'static str = "contact";
    type State = ContactState;
    type Command = ContactCommand;
    type Event = ContactEvent;

    fn decide(
        state: &ContactState,
        command: &ContactCommand,
    ) -> Result<Vec<ContactEvent>, DomainError> {
        use ContactCommand as C;
        use ContactEvent as E;
        match command {
            C::AddContact {
                contact_id,
                customer_id,
                name,
                email,
                phone,
                roles,
                portal_access,
                customer,
                email_in_use,
            } => {
                if state.removed {
                    return Err(DomainError::ContactRemoved);
                }
                if state.exists {
                    return Err(DomainError::AlreadyExists("contact"));
                }
                if !customer.exists {
                    return Err(DomainError::NotFound("customer"));
                }
                if *email_in_use {
                    return Err(DomainError::DuplicateContactEmail);
                }
                if *portal_access {
                    check_portal(customer)?;
                }
                let mut events = vec![E::ContactAdded {
                    contact_id: *contact_id,
                    customer_id: *customer_id,
                    name: name.clone(),
                    email: email.clone(),
                    phone: phone.clone(),
                    roles: canonical_roles(roles),
                }];
                if *portal_access {
                    let after = apply_all::<Contact>(state, &events);
                    let (contact_id, customer_id, email) = live(&after)?;
                    events.push(E::ContactAccessGranted {
                        contact_id,
                        customer_id,
                        email,
                    });
                }
                Ok(events)
            }
            C::UpdateContact {
                name,
                email,
                phone,
                roles,
                email_in_use,
            } => {
                let (contact_id, customer_id, current_email) = live(state)?;
                if *email != current_email && *email_in_use {
                    return Err(DomainError::DuplicateContactEmail);
                }
                let roles = canonical_roles(roles);
                let unchanged = state.name.as_ref() == Some(name)
                    && *email == current_email
                    && state.phone == *phone
                    && state.roles == roles;
                if unchanged {
                    return Ok(vec![]);
                }
                Ok(vec![E::ContactUpdated {
                    contact_id,
                    customer_id,
                    name: name.clone(),
                    email: email.clone(),
                    phone: phone.clone(),
                    roles,
                }])
            }
            C::GrantContactAccess { customer } => {
                let (contact_id, customer_id, email) = live(state)?;
                check_portal(customer)?;
                if state.portal_access {
                    return Ok(vec![]);
                }
                Ok(vec![E::ContactAccessGranted {
                    contact_id,
                    customer_id,
                    email,
                }])
            }
            C::RevokeContactAccess => {
                let (contact_id, customer_id, _) = live(state)?;
                if !state.portal_access {
                    return Ok(vec![]);
                }
                Ok(vec![E::ContactAccessRevoked {
                    contact_id,
                    customer_id,
                }])
            }
            C::RemoveContact => {
                let (contact_id, customer_id, _) = live(state)?;
                let mut events = Vec::new();
                if state.portal_access {
                    events.push(E::ContactAccessRevoked {
                        contact_id,
                        customer_id,
                    });
                }
                events.push(E::ContactRemoved {
                    contact_id,
                    customer_id,
                });
                Ok(events)
            }
            C::SetNotificationPreferences { preferences } => {
                let (contact_id, customer_id, _) = live(state)?;
                if !state.portal_access {
                    return Err(DomainError::NoPortalAccess);
                }
                if state.notifications == *preferences {
                    return Ok(vec![]);
                }
                Ok(vec![E::ContactNotificationsChanged {
                    contact_id,
                    customer_id,
                    preferences: *preferences,
                }])
            }
        }
    }

    fn evolve(mut state: ContactState, event: &ContactEvent) -> ContactState {
        use ContactEvent as E;
        match event {
            E::ContactAdded {
                contact_id,
                customer_id,
                name,
                email,
                phone,
                roles,
            } => {
                state.exists = true;
                state.contact_id = Some(*contact_id);
                state.customer_id = Some(*customer_id);
                state.name = Some(name.clone());
                state.email = Some(email.clone());
                state.phone = phone.clone();
                state.roles = canonical_roles(roles);
            }
            E::ContactUpdated {
                name,
                email,
                phone,
                roles,
                ..
            } => {
                state.name = Some(name.clone());
                state.email = Some(email.clone());
                state.phone = phone.clone();
                state.roles = canonical_roles(roles);
            }
            E::ContactAccessGranted { .. } => state.portal_access = true,
            E::ContactAccessRevoked { .. } => state.portal_access = false,
            E::ContactRemoved { .. } => {
                state.removed = true;
                state.portal_access = false;
            }
            E::ContactNotificationsChanged { preferences, .. } => {
                state.notifications = *preferences;
            }
        }
        state
    }
}
