//! Composing one claimed outbox row into a message: the welcome email (names read from the log
//! at send time; skipped when the grant was revoked meanwhile), the login link (its token minted
//! now; skipped when expired or superseded), and the order-status, charge and digest emails
//! (rendered from the facts stored with the row, with the signed one-click unsubscribe link of
//! their kind for portal users).

use crate::config::NotifierConfig;
use crate::directory;
use crate::error::NotifierError;
use crate::message::{self, ListUnsubscribe};
use crate::news::{News, What};
use crate::outbox::{Claimed, MailContext};
use crate::render;
use crate::render_news::{self, Links};
use crate::sender::{EXPIRED, REVOKED, SUPERSEDED};
use crate::unsubscribe::{self, Unsubscribe};
use lettre::Message;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::Customer;
use portal_domain::tenant::Tenant;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId, TenantId};
use portal_eventlog::executor::load;
use portal_eventlog::{ExecuteError, Store, StreamId};
use portal_identity::Db;
use portal_identity::db::from_millis;
use portal_identity::tokens::{self, MintRequest, Minted};
use std::time::SystemTime;
use time::OffsetDateTime;
use tracing::debug;

pub(crate) enum Prepared {
    Send(Box<Message>),
    Skip(&'static str),
}

pub(crate) async fn prepare(
    store: &Store,
    db: &Db,
    config: &NotifierConfig,
    row: &Claimed,
    now: OffsetDateTime,
) -> Result<Prepared, NotifierError> {
    let context: MailContext = serde_json::from_str(&row.context)?;
    let mut list_unsubscribe = None;
    let (name, rendered) = match context {
        MailContext::Welcome {
            contact_id,
            customer_id,
        } => {
            let names = match TenantId::parse(&row.tenant) {
                Ok(tenant) => {
                    Names::load(store, &tenant, customer_id, contact_id, &row.event_id).await?
                }
                Err(_) => Names::default(),
            };
            if names.revoked {
                return Ok(Prepared::Skip(REVOKED));
            }
            let login_url = config.link("/login", None);
            let rendered = render::welcome(&render::Welcome {
                carrier: names.carrier.as_deref(),
                customer: names.customer.as_deref(),
                contact: names.contact.as_deref(),
                email: &row.recipient,
                login_url: &login_url,
            });
            (names.contact, rendered)
        }
        MailContext::LoginLink {
            user_id,
            request_id,
            purpose,
            requested_at,
        } => {
            if from_millis(requested_at) + config.token_ttl <= now {
                return Ok(Prepared::Skip(EXPIRED));
            }
            let email = Email::parse(&row.recipient).map_err(|_| NotifierError::Recipient)?;
            let request = MintRequest {
                user_id,
                email,
                purpose,
                request_id: request_id.to_string(),
                request_position: row.position,
            };
            let raw = match tokens::mint(db, &request, now, config.token_ttl).await? {
                Minted::Superseded => return Ok(Prepared::Skip(SUPERSEDED)),
                Minted::Token(raw) => raw,
            };
            let path = match purpose {
                LinkPurpose::Login => "/login/continue",
                LinkPurpose::PasswordReset => "/password/reset",
            };
            let link = config.link(path, Some(&raw));
            let (name, carriers) = who_logs_in(store, db, config, user_id).await?;
            let rendered = render::login_link(&render::LoginLink {
                name: name.as_deref(),
                carriers: &carriers,
                purpose,
                link: &link,
                valid_minutes: (config.token_ttl.as_secs() / 60).max(1),
            });
            (name, rendered)
        }
        MailContext::News(news) => {
            let unsubscribe = unsubscribe_link(db, config, &row.tenant, &news).await?;
            let preferences = config.link("/account", None);
            let order = match news.what {
                What::ChargeDecided { .. } => {
                    config.link(&format!("/staff/orders/{}", news.order_id), None)
                }
                _ => config.link(&format!("/portal/orders/{}", news.order_id), None),
            };
            let portal_user = news.contact_id.is_some();
            let rendered = render_news::news(
                &news,
                &Links {
                    order: &order,
                    preferences: portal_user.then_some(&preferences),
                    unsubscribe: unsubscribe.as_ref(),
                },
            );
            list_unsubscribe = unsubscribe.map(|u| ListUnsubscribe { url: u.to_string() });
            (news.recipient_name.clone(), rendered)
        }
        webhook @ MailContext::WebhookDisabled { .. } => {
            (None, crate::render_webhook::render(&webhook, config))
        }
        MailContext::Digest(d) => {
            let preferences = config.link("/account", None);
            let orders = config.link("/portal/orders", None);
            // The digest's link turns off the kind of its first item; the page offers both.
            let unsubscribe = match d.items.first() {
                Some(first) => unsubscribe_link(db, config, &row.tenant, first).await?,
                None => None,
            };
            let rendered = render_news::digest(
                &d,
                &Links {
                    order: &orders,
                    preferences: Some(&preferences),
                    unsubscribe: unsubscribe.as_ref(),
                },
            );
            list_unsubscribe = unsubscribe.map(|u| ListUnsubscribe { url: u.to_string() });
            (d.recipient_name.clone(), rendered)
        }
    };
    let message = message::build(
        config,
        &row.recipient,
        name.as_deref(),
        &row.message_id,
        rendered,
        SystemTime::now(),
        list_unsubscribe.as_ref(),
    )?;
    Ok(Prepared::Send(Box::new(message)))
}

/// The one-click unsubscribe link of a portal user's news email (`None` for staff emails).
async fn unsubscribe_link(
    db: &Db,
    config: &NotifierConfig,
    tenant: &str,
    news: &News,
) -> Result<Option<url::Url>, NotifierError> {
    let (Some(contact_id), Some(kind), Ok(tenant)) =
        (news.contact_id, news.kind(), TenantId::parse(tenant))
    else {
        return Ok(None);
    };
    let key = config.unsubscribe_key.get(db).await?;
    let token = unsubscribe::sign(
        key,
        &Unsubscribe {
            tenant,
            contact_id,
            kind,
        },
    );
    Ok(token.map(|t| config.link(&format!("{}/{t}", unsubscribe::PATH), None)))
}

/// The name and the carriers of the person a login link is for, from the contacts they are
/// (neutral text where unknown: staff, or a contact not yet seen).
async fn who_logs_in(
    store: &Store,
    db: &Db,
    config: &NotifierConfig,
    user_id: portal_domain::UserId,
) -> Result<(Option<String>, Vec<String>), NotifierError> {
    let contacts = directory::tenants_of_user(db.pool(), &config.checkpoint_name, &user_id).await?;
    let name = contacts.first().map(|(_, name)| name.clone());
    let mut carriers = Vec::new();
    for (slug, _) in &contacts {
        let Ok(tenant) = TenantId::parse(slug) else {
            continue;
        };
        let carrier =
            match readable(load::<Tenant>(store, &StreamId::of::<Tenant>(&tenant), &tenant).await)?
            {
                Some((state, _, _)) => state.name.map(String::from).unwrap_or_else(|| slug.clone()),
                None => slug.clone(),
            };
        if !carriers.contains(&carrier) {
            carriers.push(carrier);
        }
    }
    Ok((name, carriers))
}

/// The names in a welcome email, read from the log; `None` where unreadable.
#[derive(Debug, Default)]
struct Names {
    carrier: Option<String>,
    customer: Option<String>,
    contact: Option<String>,
    /// The grant was followed by a revocation or removal.
    revoked: bool,
}

impl Names {
    async fn load(
        store: &Store,
        tenant: &TenantId,
        customer_id: CustomerId,
        contact_id: ContactId,
        grant_event: &str,
    ) -> Result<Self, NotifierError> {
        let mut names = Self::default();
        if let Some((state, _, _)) =
            readable(load::<Tenant>(store, &StreamId::of::<Tenant>(tenant), tenant).await)?
        {
            names.carrier = state.name.map(String::from);
        }
        if let Some((state, _, _)) =
            readable(load::<Customer>(store, &StreamId::of::<Customer>(customer_id), tenant).await)?
        {
            names.customer = state.name.map(String::from);
        }
        if let Some((state, _, history)) =
            readable(load::<Contact>(store, &StreamId::of::<Contact>(contact_id), tenant).await)?
        {
            names.contact = state.name.map(String::from);
            names.revoked = history
                .iter()
                .skip_while(|(r, _)| r.event_id.to_string() != grant_event)
                .skip(1)
                .any(|(_, e)| {
                    matches!(
                        e,
                        ContactEvent::ContactAccessRevoked { .. }
                            | ContactEvent::ContactRemoved { .. }
                    )
                });
        }
        Ok(names)
    }
}

/// A load's result, with everything but a database failure (retried) read as "not available".
pub(crate) fn readable<T>(result: Result<T, ExecuteError>) -> Result<Option<T>, NotifierError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e @ ExecuteError::Store(_)) => Err(e.into()),
        // Not logged in detail: a decoder's message may quote payload values.
        Err(_) => {
            debug!("a stream for the email is not readable; it is left out");
            Ok(None)
        }
    }
}
