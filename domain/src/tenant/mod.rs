//! The tenant: a carrier running its own portal, and its staff. Its id is its slug (see
//! [`crate::ids`]); only the display name can change. The slug [`TenantId::IDENTITY`] is reserved
//! for the realm of login identities and cannot be created.
//!
//! Staff membership lives here (one stream per carrier) and names the member's identity
//! ([`UserId::for_email`]); the identity itself is the [`crate::user`] aggregate. A member may
//! have a display name (what audits call them; without one, their email); members added before
//! names existed have none until one is given.

use crate::error::DomainError;
use crate::ids::{TenantId, UserId};
use crate::values::{Email, Name, TimeZoneName};
use crate::{Aggregate, DomainEvent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The tenant aggregate, stream `tenant-<slug>`.
pub struct Tenant;

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantState {
    pub exists: bool,
    pub tenant_id: Option<TenantId>,
    pub name: Option<Name>,
    /// Staff members by identity, sorted by id.
    pub staff: Vec<(UserId, Email)>,
    /// Display names of staff members who have one, sorted by id.
    pub staff_names: Vec<(UserId, Name)>,
    /// The zone times are shown in; `None` (UTC) until staff choose one.
    pub time_zone: Option<TimeZoneName>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TenantCommand {
    /// `portal tenant add SLUG --name NAME`.
    CreateTenant {
        tenant_id: TenantId,
        name: Name,
    },
    RenameTenant {
        name: Name,
    },
    /// `portal staff add [--name NAME]`. `user_id` must be [`UserId::for_email`] of `email`.
    /// For a member already: gives the display name when `name` is new, else a no-op (a
    /// missing `name` never removes one).
    AddStaffMember {
        user_id: UserId,
        email: Email,
        name: Option<Name>,
    },
    RemoveStaffMember {
        user_id: UserId,
    },
    /// Staff choose the zone the carrier's times are shown in. The name's existence in the
    /// time-zone database is checked by the caller (the domain has no database); setting the
    /// current zone again is a no-op.
    SetTimeZone {
        time_zone: TimeZoneName,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum TenantEvent {
    TenantCreated {
        tenant_id: TenantId,
        name: Name,
    },
    TenantRenamed {
        name: Name,
    },
    /// Carries the email because login looks staff up by email.
    StaffMemberAdded {
        user_id: UserId,
        email: Email,
        /// The member's display name; `null` when none was given (and in events written before
        /// staff had names).
        #[serde(default)]
        name: Option<Name>,
    },
    /// A member's display name was given or changed.
    StaffMemberRenamed {
        user_id: UserId,
        name: Name,
    },
    StaffMemberRemoved {
        user_id: UserId,
    },
    TenantTimeZoneSet {
        time_zone: TimeZoneName,
    },
}

impl DomainEvent for TenantEvent {
    const TYPES: &'static [&'static str] = &[
        "TenantCreated",
        "TenantRenamed",
        "StaffMemberAdded",
        "StaffMemberRenamed",
        "StaffMemberRemoved",
        "TenantTimeZoneSet",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::TenantCreated { .. } => "TenantCreated",
            Self::TenantRenamed { .. } => "TenantRenamed",
            Self::StaffMemberAdded { .. } => "StaffMemberAdded",
            Self::StaffMemberRenamed { .. } => "StaffMemberRenamed",
            Self::StaffMemberRemoved { .. } => "StaffMemberRemoved",
            Self::TenantTimeZoneSet { .. } => "TenantTimeZoneSet",
        }
    }
}

impl Aggregate for Tenant {
    const CATEGORY: &'static str = "tenant";
    type State = TenantState;
    type Command = TenantCommand;
    type Event = TenantEvent;

    fn decide(
        state: &TenantState,
        command: &TenantCommand,
    ) -> Result<Vec<TenantEvent>, DomainError> {
        match command {
            TenantCommand::CreateTenant { tenant_id, name } => {
                if tenant_id.is_identity() {
                    return Err(DomainError::field(
                        "slug",
                        "this slug is reserved; choose another",
                    ));
                }
                if state.exists {
                    return Err(DomainError::AlreadyExists("tenant"));
                }
                Ok(vec![TenantEvent::TenantCreated {
                    tenant_id: tenant_id.clone(),
                    name: name.clone(),
                }])
            }
            TenantCommand::RenameTenant { name } => {
                if !state.exists {
                    return Err(DomainError::NotFound("tenant"));
                }
                if state.name.as_ref() == Some(name) {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::TenantRenamed { name: name.clone() }])
            }
            TenantCommand::AddStaffMember {
                user_id,
                email,
                name,
            } => {
                if !state.exists {
                    return Err(DomainError::NotFound("tenant"));
                }
                if *user_id != UserId::for_email(email) {
                    return Err(DomainError::Rule(
                        "a user id must be derived from its email".to_owned(),
                    ));
                }
                if state.staff.iter().any(|(id, _)| id == user_id) {
                    let current = state.staff_names.iter().find(|(id, _)| id == user_id);
                    return Ok(match name {
                        Some(n) if current.map(|(_, c)| c) != Some(n) => {
                            vec![TenantEvent::StaffMemberRenamed {
                                user_id: *user_id,
                                name: n.clone(),
                            }]
                        }
                        _ => vec![],
                    });
                }
                Ok(vec![TenantEvent::StaffMemberAdded {
                    user_id: *user_id,
                    email: email.clone(),
                    name: name.clone(),
                }])
            }
            TenantCommand::RemoveStaffMember { user_id } => {
                if !state.exists {
                    return Err(DomainError::NotFound("tenant"));
                }
                if !state.staff.iter().any(|(id, _)| id == user_id) {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::StaffMemberRemoved { user_id: *user_id }])
            }
            TenantCommand::SetTimeZone { time_zone } => {
                if !state.exists {
                    return Err(DomainError::NotFound("tenant"));
                }
                if state.time_zone.as_ref() == Some(time_zone) {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::TenantTimeZoneSet {
                    time_zone: time_zone.clone(),
                }])
            }
        }
    }

    fn evolve(mut state: TenantState, event: &TenantEvent) -> TenantState {
        match event {
            TenantEvent::TenantCreated { tenant_id, name } => {
                state.exists = true;
                state.tenant_id = Some(tenant_id.clone());
                state.name = Some(name.clone());
            }
            TenantEvent::TenantRenamed { name } => state.name = Some(name.clone()),
            TenantEvent::StaffMemberAdded {
                user_id,
                email,
                name,
            } => {
                state.staff.retain(|(id, _)| id != user_id);
                state.staff.push((*user_id, email.clone()));
                state.staff.sort_by_key(|(id, _)| *id);
                state.staff_names.retain(|(id, _)| id != user_id);
                if let Some(n) = name {
                    state.staff_names.push((*user_id, n.clone()));
                    state.staff_names.sort_by_key(|(id, _)| *id);
                }
            }
            TenantEvent::StaffMemberRenamed { user_id, name } => {
                state.staff_names.retain(|(id, _)| id != user_id);
                state.staff_names.push((*user_id, name.clone()));
                state.staff_names.sort_by_key(|(id, _)| *id);
            }
            TenantEvent::StaffMemberRemoved { user_id } => {
                state.staff.retain(|(id, _)| id != user_id);
                state.staff_names.retain(|(id, _)| id != user_id);
            }
            TenantEvent::TenantTimeZoneSet { time_zone } => {
                state.time_zone = Some(time_zone.clone());
            }
        }
        state
    }
}
