//! Naming the people behind events at read time: event metadata and read models carry actor ids
//! only ([`portal_domain::Actor`]); the names and emails come from the people read model
//! ([`portal_projections::models::people`]) when a reader looks.
//!
//! What a reader may see:
//! - staff see every person's name (a contact's) and email;
//! - a portal user sees the names (never emails) of their own customer's people; staff, the
//!   system and operators appear as the carrier's name (e.g. "Nordic Freight"), never a staff
//!   member's email; people of another customer appear as "Someone at another customer".
//!
//! A person the read model no longer lists as present keeps their last known label.

use crate::{Context, Error, Principal, Role};
use portal_domain::{Actor, CustomerId, UserId};
use portal_projections::models::people::{self, PersonRow};
use portal_projections::models::tenants;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Who acted, as a reader may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActorView {
    /// `system`, `operator`, `staff` or `portal_user`.
    pub kind: &'static str,
    /// The login identity (staff readers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    /// The customer a portal user acted for (staff readers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<CustomerId>,
    /// The person's name, where known (contacts; staff have only an email).
    pub name: Option<String>,
    /// The person's email (staff readers only).
    pub email: Option<String>,
    /// What to call them in a sentence: the name, else the email, else a description.
    pub label: String,
}

fn kind(a: &Actor) -> &'static str {
    match a {
        Actor::System => "system",
        Actor::Operator => "operator",
        Actor::Staff { .. } => "staff",
        Actor::PortalUser { .. } => "portal_user",
    }
}

/// Looks people up for one reader, each actor once.
pub struct Names<'a> {
    cx: &'a Context,
    principal: &'a Principal,
    carrier: Option<String>,
    seen: HashMap<String, ActorView>,
}

impl<'a> Names<'a> {
    pub fn new(cx: &'a Context, principal: &'a Principal) -> Self {
        Self {
            cx,
            principal,
            carrier: None,
            seen: HashMap::new(),
        }
    }

    /// `actor` as this reader may see them.
    pub async fn of(&mut self, actor: &Actor) -> Result<ActorView, Error> {
        let key = serde_json::to_string(actor).map_err(Error::internal)?;
        if let Some(v) = self.seen.get(&key) {
            return Ok(v.clone());
        }
        let view = match self.principal.role {
            Role::Staff => self.for_staff(actor).await?,
            Role::Portal { customer_id, .. } => self.for_portal(actor, customer_id).await?,
        };
        self.seen.insert(key, view.clone());
        Ok(view)
    }

    async fn person(&self, actor: &Actor) -> Result<Option<PersonRow>, Error> {
        Ok(people::for_actor(&self.cx.read, self.principal.tenant(), actor).await?)
    }

    async fn for_staff(&self, actor: &Actor) -> Result<ActorView, Error> {
        let (user_id, customer_id) = match actor {
            Actor::Staff { user_id } => (Some(*user_id), None),
            Actor::PortalUser {
                user_id,
                customer_id,
            } => (Some(*user_id), Some(*customer_id)),
            Actor::System | Actor::Operator => (None, None),
        };
        let person = self.person(actor).await?;
        let label = match (&person, actor) {
            (Some(p), _) => p.label().to_owned(),
            (None, Actor::System) => "The portal".to_owned(),
            (None, Actor::Operator) => "An operator (command line)".to_owned(),
            (None, Actor::Staff { .. }) => "A former staff member".to_owned(),
            (None, Actor::PortalUser { .. }) => "A portal user".to_owned(),
        };
        Ok(ActorView {
            kind: kind(actor),
            user_id,
            customer_id,
            name: person.as_ref().and_then(|p| p.name.clone()),
            email: person.map(|p| p.email.as_str().to_owned()),
            label,
        })
    }

    async fn for_portal(&mut self, actor: &Actor, own: CustomerId) -> Result<ActorView, Error> {
        let name = match actor {
            Actor::PortalUser { customer_id, .. } if *customer_id == own => {
                self.person(actor).await?.and_then(|p| p.name)
            }
            _ => None,
        };
        let label = match (actor, &name) {
            (_, Some(n)) => n.clone(),
            (Actor::PortalUser { customer_id, .. }, None) if *customer_id == own => {
                "A colleague".to_owned()
            }
            (Actor::PortalUser { .. }, None) => "Someone at another customer".to_owned(),
            _ => self.carrier().await?,
        };
        Ok(ActorView {
            kind: kind(actor),
            user_id: None,
            customer_id: None,
            name,
            email: None,
            label,
        })
    }

    async fn carrier(&mut self) -> Result<String, Error> {
        if self.carrier.is_none() {
            let name = tenants::name(&self.cx.read, self.principal.tenant()).await?;
            self.carrier = Some(name.unwrap_or_else(|| "The carrier".to_owned()));
        }
        Ok(self.carrier.clone().unwrap_or_default())
    }
}
