//! [`Newsroom`]: order events → the order-status and charge emails they ask for, one outbox row
//! per recipient (held for the digest where the recipient chose it).
//!
//! Facts are read from the log as they were at the event: the order's stream and the customer's
//! are folded up to the event's position (a later `show_charges` change does not reach back), the
//! submitter is the actor of `OrderSubmitted`, a charge's requester the actor of its
//! `ChargeApprovalRequested`. Recipients come from the notifier's contacts table, which the
//! handler keeps at the event's place in the log (see [`crate::directory`]).
//!
//! News older than [`NotifierConfig::news_max_age`] when handled is not emailed: a replay from
//! position 0, or a notifier that starts on an old log, does not tell people last month's news.

use crate::compose::readable;
use crate::config::NotifierConfig;
use crate::directory;
use crate::error::NotifierError;
use crate::local;
use crate::message::message_id;
use crate::news::{News, What};
use crate::outbox::{Held, MailContext, NewMail};
use crate::recipients::{self, Recipient};
use portal_domain::actor::Actor;
use portal_domain::contact::{Delivery, NewsKind};
use portal_domain::customer::Customer;
use portal_domain::order::{Order, OrderEvent, OrderState};
use portal_domain::tenant::Tenant;
use portal_domain::user::User;
use portal_domain::{Aggregate, ChargeId, TenantId, UserId};
use portal_eventlog::executor::load;
use portal_eventlog::{RecordedEvent, Store, StreamId, codec};
use portal_identity::db::millis;
use std::time::Duration;
use time::OffsetDateTime;
use tracing::debug;

/// Builds the news rows of order events.
#[derive(Clone)]
pub struct Newsroom {
    store: Store,
    handler: String,
    domain: String,
    max_age: Duration,
}

/// The acting user of an event, if a person.
fn actor_user(event: &RecordedEvent) -> Option<UserId> {
    match &event.metadata.actor {
        Actor::Staff { user_id } | Actor::PortalUser { user_id, .. } => Some(*user_id),
        Actor::System | Actor::Operator => None,
    }
}

/// What one order event is news of, before recipients.
enum Story {
    Status,
    ChargeAwaiting(ChargeId),
    ChargeDecided(ChargeId, bool),
}

impl Newsroom {
    pub fn new(store: Store, config: &NotifierConfig) -> Self {
        Self {
            store,
            handler: config.checkpoint_name.clone(),
            domain: config.message_id_domain().to_owned(),
            max_age: config.news_max_age,
        }
    }

    /// The rows `event` asks for (none for events that are not news).
    pub async fn mails(
        &self,
        conn: &mut sqlx::AnyConnection,
        event: &RecordedEvent,
        now: OffsetDateTime,
    ) -> Result<Vec<NewMail>, NotifierError> {
        if event.stream_id.category() != Order::CATEGORY {
            return Ok(vec![]);
        }
        let Ok(decoded) = codec::decode::<OrderEvent>(event) else {
            return Ok(vec![]);
        };
        use OrderEvent as E;
        let story = match &decoded {
            E::OrderAccepted { .. }
            | E::OrderRejected { .. }
            | E::OrderPlanned { .. }
            | E::OrderInTransit { .. }
            | E::OrderDelivered { .. }
            | E::OrderCancelled { .. } => Story::Status,
            E::ChargeApprovalRequested { charge_id, .. } => Story::ChargeAwaiting(*charge_id),
            E::ChargeRejected { charge_id, .. } => Story::ChargeDecided(*charge_id, false),
            E::ChargeApproved {
                charge_id,
                comment: Some(_),
                ..
            } => Story::ChargeDecided(*charge_id, true),
            _ => return Ok(vec![]),
        };
        let age = now - event.recorded_at;
        if age > self.max_age {
            debug!(event_id = %event.event_id, "news too old to email");
            return Ok(vec![]);
        }
        let Some(facts) = self.facts(event).await? else {
            return Ok(vec![]);
        };
        let actor = actor_user(event);
        match story {
            Story::Status => {
                let contacts =
                    directory::with_access(conn, &self.handler, &facts.customer_id).await?;
                let chosen =
                    recipients::select(&contacts, NewsKind::OrderStatus, facts.submitter, actor);
                let what = What::Status {
                    from: facts.before.status.as_str().to_owned(),
                    to: facts.after.status.as_str().to_owned(),
                    planned_at: match &decoded {
                        E::OrderPlanned { planned_at, .. } => Some(millis(*planned_at)),
                        _ => None,
                    },
                    reason: match &decoded {
                        E::OrderRejected { reason, .. } | E::OrderCancelled { reason, .. } => {
                            Some(reason.clone())
                        }
                        _ => None,
                    },
                };
                self.to_contacts(event, &facts, chosen, what, now).await
            }
            Story::ChargeAwaiting(charge_id) => {
                if !facts.show_charges {
                    return Ok(vec![]);
                }
                let Some(charge) = facts.after.charge(charge_id) else {
                    return Ok(vec![]);
                };
                let contacts =
                    directory::with_access(conn, &self.handler, &facts.customer_id).await?;
                let chosen =
                    recipients::select(&contacts, NewsKind::ChargeApproval, facts.submitter, actor);
                let what = What::ChargeAwaiting {
                    description: charge.description.to_string(),
                    amount: charge.amount.to_string(),
                };
                self.to_contacts(event, &facts, chosen, what, now).await
            }
            Story::ChargeDecided(charge_id, approved) => {
                self.to_requester(conn, event, &facts, &decoded, charge_id, approved)
                    .await
            }
        }
    }

    /// The order, customer and carrier as they were at `event`.
    async fn facts(&self, event: &RecordedEvent) -> Result<Option<Facts>, NotifierError> {
        let tenant = &event.tenant;
        let Some((_, _, history)) =
            readable(load::<Order>(&self.store, &event.stream_id, tenant).await)?
        else {
            return Ok(None);
        };
        let mut before = OrderState::default();
        let mut after = OrderState::default();
        let mut submitter = None;
        let mut requesters = Vec::new();
        for (r, e) in &history {
            if r.position > event.position {
                break;
            }
            if r.position < event.position {
                before = Order::evolve(before, e);
            }
            after = Order::evolve(after, e);
            match e {
                OrderEvent::OrderSubmitted { .. } => submitter = actor_user(r),
                OrderEvent::ChargeApprovalRequested { charge_id, .. } => {
                    requesters.push((*charge_id, actor_user(r)))
                }
                _ => {}
            }
        }
        let (Some(order_id), Some(customer_id)) = (after.order_id, after.customer_id) else {
            return Ok(None);
        };
        let customer = self
            .folded::<Customer>(
                StreamId::of::<Customer>(customer_id),
                tenant,
                event.position,
            )
            .await?;
        let carrier = self
            .folded::<Tenant>(StreamId::of::<Tenant>(tenant), tenant, event.position)
            .await?;
        Ok(Some(Facts {
            order_id,
            customer_id,
            customer: customer
                .name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            show_charges: customer.show_charges,
            carrier: carrier
                .name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| tenant.as_str().to_owned()),
            carrier_zone: carrier.time_zone.as_ref().map(ToString::to_string),
            staff: carrier.staff.clone(),
            before,
            after,
            submitter,
            requesters,
        }))
    }

    /// A stream's state up to `position` (the default state where it cannot be read).
    async fn folded<A: Aggregate>(
        &self,
        stream: StreamId,
        tenant: &TenantId,
        position: i64,
    ) -> Result<A::State, NotifierError> {
        let history = readable(load::<A>(&self.store, &stream, tenant).await)?
            .map(|(_, _, history)| history)
            .unwrap_or_default();
        Ok(history
            .iter()
            .take_while(|(r, _)| r.position <= position)
            .fold(A::State::default(), |s, (_, e)| A::evolve(s, e)))
    }

    /// The zone `user` reads times in: their own, else the carrier's, else UTC.
    async fn zone_of(&self, user: UserId, facts: &Facts) -> Result<String, NotifierError> {
        let stream = StreamId::of::<User>(user);
        let own = readable(load::<User>(&self.store, &stream, &TenantId::identity()).await)?
            .and_then(|(state, _, _)| state.time_zone)
            .map(|z| z.to_string());
        Ok(own
            .or_else(|| facts.carrier_zone.clone())
            .unwrap_or_else(|| "UTC".to_owned()))
    }

    async fn to_contacts(
        &self,
        event: &RecordedEvent,
        facts: &Facts,
        chosen: Vec<Recipient>,
        what: What,
        now: OffsetDateTime,
    ) -> Result<Vec<NewMail>, NotifierError> {
        let mut mails = Vec::with_capacity(chosen.len());
        for r in chosen {
            let time_zone = self.zone_of(r.contact.user_id, facts).await?;
            let held = match r.delivery {
                Delivery::Daily => {
                    let after = millis(now).max(millis(event.recorded_at));
                    local::next_digest(after, &time_zone).map(|(until, day)| Held {
                        until,
                        digest_key: format!(
                            "{}|{}|{}|{day}",
                            event.tenant.as_str(),
                            facts.customer_id,
                            r.contact.user_id
                        ),
                    })
                }
                Delivery::Immediate | Delivery::Off => None,
            };
            let news = News {
                carrier: facts.carrier.clone(),
                customer: facts.customer.clone(),
                customer_id: facts.customer_id,
                contact_id: Some(r.contact.contact_id),
                recipient_name: Some(r.contact.name.clone()),
                time_zone,
                order_id: facts.order_id,
                number: facts.after.number.clone().unwrap_or_default(),
                reference: facts.reference(),
                at: millis(event.recorded_at),
                what: what.clone(),
            };
            mails.push(self.row(event, r.contact.user_id, r.contact.email, news, held));
        }
        Ok(mails)
    }

    async fn to_requester(
        &self,
        conn: &mut sqlx::AnyConnection,
        event: &RecordedEvent,
        facts: &Facts,
        decoded: &OrderEvent,
        charge_id: ChargeId,
        approved: bool,
    ) -> Result<Vec<NewMail>, NotifierError> {
        let requester = facts
            .requesters
            .iter()
            .rev()
            .find(|(id, _)| *id == charge_id)
            .and_then(|(_, who)| *who);
        let Some(requester) = requester else {
            return Ok(vec![]);
        };
        // Only a staff member still with the carrier is emailed.
        let Some((_, email)) = facts.staff.iter().find(|(id, _)| *id == requester) else {
            return Ok(vec![]);
        };
        let Some(charge) = facts.after.charge(charge_id) else {
            return Ok(vec![]);
        };
        let by = match actor_user(event) {
            Some(user) => directory::of_user(conn, &self.handler, &user)
                .await?
                .into_iter()
                .find(|c| c.customer_id == facts.customer_id)
                .map(|c| c.name),
            None => None,
        };
        let comment = match decoded {
            OrderEvent::ChargeApproved { comment, .. }
            | OrderEvent::ChargeRejected { comment, .. } => comment.clone(),
            _ => None,
        };
        let news = News {
            carrier: facts.carrier.clone(),
            customer: facts.customer.clone(),
            customer_id: facts.customer_id,
            contact_id: None,
            recipient_name: None,
            time_zone: self.zone_of(requester, facts).await?,
            order_id: facts.order_id,
            number: facts.after.number.clone().unwrap_or_default(),
            reference: facts.reference(),
            at: millis(event.recorded_at),
            what: What::ChargeDecided {
                description: charge.description.to_string(),
                amount: charge.amount.to_string(),
                approved,
                comment,
                by: by.unwrap_or_else(|| facts.customer.clone()),
            },
        };
        Ok(vec![self.row(
            event,
            requester,
            email.to_string(),
            news,
            None,
        )])
    }

    fn row(
        &self,
        event: &RecordedEvent,
        user: UserId,
        email: String,
        news: News,
        held: Option<Held>,
    ) -> NewMail {
        let event_id = event.event_id.to_string();
        let recipient_key = user.to_string();
        NewMail {
            message_id: message_id(&event_id, news.mail_kind(), &recipient_key, &self.domain),
            event_id,
            tenant: event.tenant.to_string(),
            position: event.position,
            recipient: email,
            recipient_key,
            context: MailContext::News(news),
            held,
        }
    }
}

/// What the news of one event is built from.
struct Facts {
    order_id: portal_domain::OrderId,
    customer_id: portal_domain::CustomerId,
    customer: String,
    show_charges: bool,
    carrier: String,
    carrier_zone: Option<String>,
    staff: Vec<(UserId, portal_domain::values::Email)>,
    before: OrderState,
    after: OrderState,
    submitter: Option<UserId>,
    requesters: Vec<(ChargeId, Option<UserId>)>,
}

impl Facts {
    fn reference(&self) -> Option<String> {
        self.after
            .content
            .as_ref()
            .and_then(|c| c.customer_reference())
            .map(str::to_owned)
    }
}
