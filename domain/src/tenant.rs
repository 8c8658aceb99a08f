//! The tenant: a carrier running its own portal. Its id is its slug (see [`crate::ids`]); only
//! the display name can change.

use crate::error::DomainError;
use crate::ids::TenantId;
use crate::values::Name;
use crate::{Aggregate, DomainEvent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The tenant aggregate, stream `tenant-<slug>`.
pub struct Tenant;

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantState {
    pub exists: bool,
    pub tenant_id: Option<TenantId>,
    pub name: Option<Name>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum TenantEvent {
    TenantCreated { tenant_id: TenantId, name: Name },
    TenantRenamed { name: Name },
}

impl DomainEvent for TenantEvent {
    const TYPES: &'static [&'static str] = &["TenantCreated", "TenantRenamed"];

    fn event_type(&self) -> &'static str {
        match self {
            Self::TenantCreated { .. } => "TenantCreated",
            Self::TenantRenamed { .. } => "TenantRenamed",
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
        }
        state
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::TenantCommand::*;
    use super::TenantEvent::*;
    use super::*;
    use crate::testkit::{assert_round_trip, given};

    fn acme() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn created() -> TenantEvent {
        TenantCreated {
            tenant_id: acme(),
            name: name("ACME Transport"),
        }
    }

    #[test]
    fn create_tenant() {
        let state = given::<Tenant>(&[])
            .when(CreateTenant {
                tenant_id: acme(),
                name: name("ACME Transport"),
            })
            .then(&[created()]);
        assert!(state.exists);
        assert_eq!(state.tenant_id, Some(acme()));
    }

    #[test]
    fn create_existing_tenant_is_rejected() {
        given::<Tenant>(&[created()])
            .when(CreateTenant {
                tenant_id: acme(),
                name: name("Other"),
            })
            .then_error(DomainError::AlreadyExists("tenant"));
    }

    #[test]
    fn rename_tenant() {
        let state = given::<Tenant>(&[created()])
            .when(RenameTenant {
                name: name("ACME Logistics"),
            })
            .then(&[TenantRenamed {
                name: name("ACME Logistics"),
            }]);
        assert_eq!(state.name, Some(name("ACME Logistics")));
    }

    #[test]
    fn rename_to_the_same_name_changes_nothing() {
        given::<Tenant>(&[created()])
            .when(RenameTenant {
                name: name("ACME Transport"),
            })
            .then_nothing();
    }

    #[test]
    fn rename_unknown_tenant_is_rejected() {
        given::<Tenant>(&[])
            .when(RenameTenant { name: name("X") })
            .then_error(DomainError::NotFound("tenant"));
    }

    #[test]
    fn every_event_round_trips() {
        assert_round_trip(&[created(), TenantRenamed { name: name("New") }]);
        let json = serde_json::to_value(created()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "TenantCreated", "data": {"tenant_id": "acme", "name": "ACME Transport"}})
        );
    }
}
