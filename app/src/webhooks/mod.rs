//! Webhook endpoints as their owners manage them: register (the signing secret is answered
//! once, never again), list, show, change, enable again, delete; each endpoint's delivery log and
//! *Send again*. Both roles: staff manage the tenant's staff endpoints (the tenant's events), a
//! portal user those of their customer (that customer's order and charge events). The scope
//! comes from the [`Principal`] only: another scope's endpoint is [`Error::NotFound`].
//!
//! The URL is checked by the notifier's address guard at registration and on every change
//! (`allow_private` is `--webhook-allow-private`); the dispatcher checks again at every attempt.
//! Endpoints live outside the event log (they are configuration with a secret, not facts of the
//! business), in the notifier's tables (see [`portal_notifier::webhooks`]).

mod views;

pub use views::{AttemptView, CreatedEndpoint, DeliveryPage, DeliveryView, EndpointView};

use crate::{Error, Fields, Principal, Role};
use portal_identity::Db;
use portal_notifier::webhooks::store::{self, NewEndpoint, Owner};
use portal_notifier::webhooks::{deliveries, guard, patterns, signing};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest URL accepted.
const MAX_URL: usize = 2000;
/// The longest description, in characters.
const MAX_DESCRIPTION: usize = 200;
/// The most patterns of one endpoint.
const MAX_PATTERNS: usize = 50;
/// The largest page of the delivery log.
pub const MAX_PAGE: u32 = 200;

/// `POST /api/v1/webhooks` and `PUT /api/v1/webhooks/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WebhookInput {
    /// `http` or `https`, without user name or password, not on an internal address.
    pub url: String,
    /// Patterns over `<category>.<EventType>`: `*`, `order.*`, `customer.CustomerPortalEnabled`.
    pub event_types: Vec<String>,
    /// A note for people (at most 200 characters).
    pub description: Option<String>,
    /// `PUT` only: `true` enables a disabled endpoint again, `false` disables it; absent keeps it.
    pub enabled: Option<bool>,
}

/// The owner of the principal's endpoints.
pub fn owner(principal: &Principal) -> Owner {
    Owner {
        tenant: principal.tenant().to_string(),
        customer_id: match principal.role {
            Role::Staff => None,
            Role::Portal { customer_id, .. } => Some(customer_id.to_string()),
        },
    }
}

/// The checked input: (url, patterns, description).
async fn validate(
    input: &WebhookInput,
    principal: &Principal,
    allow_private: bool,
) -> Result<(String, Vec<String>, String), Error> {
    let mut fields = Fields::default();
    let raw = input.url.trim();
    let mut url = None;
    if raw.is_empty() {
        fields.push("url", "is required");
    } else if raw.len() > MAX_URL {
        fields.push("url", format!("is longer than {MAX_URL} characters"));
    } else {
        match guard::check_registration(raw, allow_private).await {
            Ok(u) => url = Some(u.to_string()),
            Err(e) => fields.push("url", e.to_string()),
        }
    }
    let mut types: Vec<String> = Vec::new();
    if input.event_types.is_empty() {
        fields.push(
            "event_types",
            "name at least one pattern, e.g. `order.*` or `*`",
        );
    } else if input.event_types.len() > MAX_PATTERNS {
        fields.push("event_types", format!("at most {MAX_PATTERNS} patterns"));
    } else {
        for p in &input.event_types {
            let p = p.trim();
            match patterns::validate(p, !principal.is_staff()) {
                Ok(()) if !types.iter().any(|t| t == p) => types.push(p.to_owned()),
                Ok(()) => {}
                Err(message) => fields.push("event_types", message),
            }
        }
    }
    let description = input.description.as_deref().unwrap_or("").trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        fields.push(
            "description",
            format!("is longer than {MAX_DESCRIPTION} characters"),
        );
    } else if description.chars().any(char::is_control) {
        fields.push("description", "must be one line of text");
    }
    fields.finish()?;
    Ok((url.unwrap_or_default(), types, description))
}

/// Registers an endpoint of the principal's scope, owned by the principal (`owner_email` is
/// where the "endpoint disabled" email goes). The answer carries the secret: the only time.
/// `form_key` (a page's one-time form id) makes a second post of the same form a
/// [`Error::Conflict`] instead of a second endpoint.
pub async fn create(
    db: &Db,
    principal: &Principal,
    owner_email: &str,
    input: &WebhookInput,
    allow_private: bool,
    form_key: Option<&str>,
    now: OffsetDateTime,
) -> Result<CreatedEndpoint, Error> {
    let (url, event_types, description) = validate(input, principal, allow_private).await?;
    let owner = owner(principal);
    let endpoint = NewEndpoint {
        id: match form_key {
            Some(key) => {
                let name = format!("{}/{}/webhook/{key}", principal.tenant(), principal.user_id);
                Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()).to_string()
            }
            None => Uuid::now_v7().to_string(),
        },
        owner: owner.clone(),
        url,
        event_types,
        description,
        secret: signing::new_secret(),
        owner_user_id: principal.user_id.to_string(),
        owner_email: owner_email.to_owned(),
    };
    if !store::insert(db, &endpoint, now).await? {
        return Err(Error::Conflict(
            "this form was sent already: the endpoint is in the list, and its secret was shown \
             then"
                .to_owned(),
        ));
    }
    let created = store::get(db, &owner, &endpoint.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(CreatedEndpoint {
        endpoint: EndpointView::from(created),
        secret: endpoint.secret,
    })
}

/// The principal's endpoints, oldest first.
pub async fn list(db: &Db, principal: &Principal) -> Result<Vec<EndpointView>, Error> {
    Ok(store::list(db, &owner(principal))
        .await?
        .into_iter()
        .map(EndpointView::from)
        .collect())
}

/// One of the principal's endpoints.
pub async fn get(db: &Db, principal: &Principal, id: &str) -> Result<EndpointView, Error> {
    store::get(db, &owner(principal), id)
        .await?
        .map(EndpointView::from)
        .ok_or(Error::NotFound)
}

/// Changes an endpoint (all of URL, patterns and description; `enabled` when given).
pub async fn update(
    db: &Db,
    principal: &Principal,
    id: &str,
    input: &WebhookInput,
    allow_private: bool,
    now: OffsetDateTime,
) -> Result<EndpointView, Error> {
    let owner = owner(principal);
    store::get(db, &owner, id).await?.ok_or(Error::NotFound)?;
    let (url, event_types, description) = validate(input, principal, allow_private).await?;
    if !store::update(db, &owner, id, &url, &event_types, &description, now).await? {
        return Err(Error::NotFound);
    }
    if let Some(enabled) = input.enabled {
        set_enabled(db, principal, id, enabled, now).await?;
    }
    get(db, principal, id).await
}

/// Enables (the failure record cleared) or disables one of the principal's endpoints.
pub async fn set_enabled(
    db: &Db,
    principal: &Principal,
    id: &str,
    enabled: bool,
    now: OffsetDateTime,
) -> Result<EndpointView, Error> {
    let owner = owner(principal);
    let current = store::get(db, &owner, id).await?.ok_or(Error::NotFound)?;
    if current.enabled != enabled && !store::set_enabled(db, &owner, id, enabled, now).await? {
        return Err(Error::NotFound);
    }
    get(db, principal, id).await
}

/// Deletes one of the principal's endpoints with its delivery log.
pub async fn delete(db: &Db, principal: &Principal, id: &str) -> Result<(), Error> {
    if store::delete(db, &owner(principal), id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The delivery log of one of the principal's endpoints, newest first: `limit` (1–200)
/// deliveries below position `before`.
pub async fn deliveries(
    db: &Db,
    principal: &Principal,
    id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<DeliveryPage, Error> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(Error::field("limit", format!("is 1 to {MAX_PAGE}")));
    }
    store::get(db, &owner(principal), id)
        .await?
        .ok_or(Error::NotFound)?;
    let rows = deliveries::list(db, id, before, limit).await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|d| d.position))
        .flatten();
    Ok(DeliveryPage {
        deliveries: rows.into_iter().map(DeliveryView::from).collect(),
        next_before,
    })
}

/// *Send again*: queues one of the endpoint's deliveries again, due now.
pub async fn retry(
    db: &Db,
    principal: &Principal,
    id: &str,
    delivery_id: &str,
    now: OffsetDateTime,
) -> Result<(), Error> {
    store::get(db, &owner(principal), id)
        .await?
        .ok_or(Error::NotFound)?;
    if deliveries::requeue(db, id, delivery_id, now).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
