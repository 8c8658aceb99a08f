//! Which emails a portal user gets (`GET, PUT /api/v1/me/notifications`, the account page), and
//! the one-click unsubscribe of the links in those emails.
//!
//! Preferences belong to the user's contact at the customer they act for (one per user and
//! customer), as events of the contact's stream; they are read from that stream, so an answer
//! after a change shows the change at once. The notifier reads the same events in log order.
//!
//! Unsubscribe: the token of the link is signed by the notifier ([`unsubscribe::sign`]); it
//! names the tenant, the contact and the kind. Turning the kind off is a command of the contact
//! with the contact's own identity as the actor (the link stands for them: only they received
//! it). A contact who has lost access gets no portal emails anyway; the answer says so.

use super::portal_only;
use crate::commands::run;
use crate::{Context, Error, Principal, stream};
use portal_domain::DomainError;
use portal_domain::contact::{
    Contact, ContactCommand, ContactState, Delivery, NewsKind, NotificationPreferences,
};
use portal_domain::customer::Customer;
use portal_domain::tenant::Tenant;
use portal_domain::{ContactId, TenantId, UserId};
use portal_eventlog::executor::load;
use portal_eventlog::{Idempotency, StreamId};
use portal_identity::Db;
use portal_identity::server_keys::ServerKey;
use portal_notifier::unsubscribe::{self, Unsubscribe};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The user's choices, as shown and returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct NotificationsView {
    /// Order accepted, rejected, planned, in transit, delivered or cancelled.
    #[schema(value_type = crate::schema::Delivery)]
    pub order_status: Delivery,
    /// A charge waits for approval (only where the carrier shows charges).
    #[schema(value_type = crate::schema::Delivery)]
    pub charge_approval: Delivery,
}

impl From<NotificationPreferences> for NotificationsView {
    fn from(p: NotificationPreferences) -> Self {
        Self {
            order_status: p.order_status,
            charge_approval: p.charge_approval,
        }
    }
}

/// `PUT /api/v1/me/notifications`: both kinds; each `immediate`, `daily` or `off`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NotificationsInput {
    #[schema(value_type = crate::schema::Delivery)]
    pub order_status: String,
    #[schema(value_type = crate::schema::Delivery)]
    pub charge_approval: String,
}

async fn contact(
    cx: &Context,
    tenant: &TenantId,
    contact_id: ContactId,
) -> Result<(ContactState, i64), Error> {
    let (state, version, _) =
        load::<Contact>(&cx.store, &StreamId::of::<Contact>(contact_id), tenant).await?;
    if !state.exists {
        return Err(Error::NotFound);
    }
    Ok((state, version))
}

/// The portal user's choices.
pub async fn get(cx: &Context, principal: &Principal) -> Result<NotificationsView, Error> {
    let user = portal_only(principal)?;
    let (state, _) = contact(cx, principal.tenant(), user.contact_id).await?;
    Ok(state.notifications.into())
}

/// Saves the portal user's choices; the choices afterwards.
pub async fn set(
    cx: &Context,
    principal: &Principal,
    input: &NotificationsInput,
    idempotency: Option<Idempotency>,
) -> Result<NotificationsView, Error> {
    let user = portal_only(principal)?;
    let mut errors = Vec::new();
    let mut parse = |field: &str, raw: &str| {
        let parsed = Delivery::parse(raw);
        if parsed.is_none() {
            errors.push(portal_domain::FieldError::new(
                field,
                "must be immediate, daily or off",
            ));
        }
        parsed
    };
    let order_status = parse("order_status", &input.order_status);
    let charge_approval = parse("charge_approval", &input.charge_approval);
    let (Some(order_status), Some(charge_approval)) = (order_status, charge_approval) else {
        return Err(Error::Invalid(errors));
    };
    let command = ContactCommand::SetNotificationPreferences {
        preferences: NotificationPreferences {
            order_status,
            charge_approval,
        },
    };
    let done = run::<Contact>(
        cx,
        principal,
        &stream::<Contact>(user.contact_id),
        &command,
        idempotency,
    )
    .await?;
    Ok(done.state.notifications.into())
}

/// What an unsubscribe link is about, for its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeView {
    pub carrier: String,
    pub customer: String,
    pub kind: NewsKind,
    /// The kind is off already (or the contact has no access: no emails either way).
    pub off: bool,
}

/// Name of the key in `server_keys` that signs unsubscribe links.
pub const LINK_KEY_NAME: &str = unsubscribe::KEY;

/// The server key the links are signed with: [`unsubscribe::KEY`] of `server_keys`, on `db`.
pub struct LinkKey<'a> {
    pub db: &'a Db,
    pub key: &'a ServerKey,
}

async fn verified(
    cx: &Context,
    link: &LinkKey<'_>,
    token: &str,
) -> Result<(Unsubscribe, ContactState, i64), Error> {
    let key = link.key.get(link.db).await.map_err(Error::internal)?;
    let Some(u) = unsubscribe::verify(key, token) else {
        return Err(Error::NotFound);
    };
    let (state, version) = contact(cx, &u.tenant, u.contact_id).await?;
    Ok((u, state, version))
}

/// The page of an unsubscribe link (changes nothing: mail scanners open links).
pub async fn unsubscribe_view(
    cx: &Context,
    link: &LinkKey<'_>,
    token: &str,
) -> Result<UnsubscribeView, Error> {
    let (u, state, _) = verified(cx, link, token).await?;
    let carrier = load::<Tenant>(&cx.store, &StreamId::of::<Tenant>(&u.tenant), &u.tenant)
        .await?
        .0
        .name
        .map(String::from)
        .unwrap_or_else(|| u.tenant.as_str().to_owned());
    let customer = match state.customer_id {
        Some(id) => load::<Customer>(&cx.store, &StreamId::of::<Customer>(id), &u.tenant)
            .await?
            .0
            .name
            .map(String::from)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(UnsubscribeView {
        carrier,
        customer,
        kind: u.kind,
        off: !state.portal_access || state.notifications.of(u.kind) == Delivery::Off,
    })
}

/// Turns the link's kind off for its contact (a one-click POST from a mail client, or the
/// page's button). Using a link again, or one of a contact without access, changes nothing.
pub async fn unsubscribe(
    cx: &Context,
    link: &LinkKey<'_>,
    token: &str,
) -> Result<UnsubscribeView, Error> {
    let (u, state, version) = verified(cx, link, token).await?;
    let (Some(customer_id), Some(email)) = (state.customer_id, state.email.clone()) else {
        return Err(Error::NotFound);
    };
    let principal = Principal::portal(
        UserId::for_email(&email),
        u.tenant.clone(),
        customer_id,
        u.contact_id,
    );
    let preferences = state.notifications.with(u.kind, Delivery::Off);
    let command = ContactCommand::SetNotificationPreferences { preferences };
    let stream = stream::<Contact>(u.contact_id);
    match crate::commands::run_loaded::<Contact>(
        cx, &principal, &stream, &command, None, state, version,
    )
    .await
    {
        Ok(_) | Err(Error::Rejected(DomainError::NoPortalAccess | DomainError::ContactRemoved)) => {
        }
        Err(e) => return Err(e),
    }
    unsubscribe_view(cx, link, token).await
}
