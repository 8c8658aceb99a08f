//! The event as projections see it: the stored envelope plus its domain event, decoded once per
//! batch and shared by every projection.

use portal_domain::Actor;
use portal_domain::contact::ContactEvent;
use portal_domain::customer::CustomerEvent;
use portal_domain::location::LocationEvent;
use portal_domain::order::OrderEvent;
use portal_domain::printer::PrinterConfigEvent;
use portal_domain::tenant::TenantEvent;
use portal_domain::user::UserEvent;
use portal_domain::{Aggregate, TenantId};
use portal_eventlog::RecordedEvent;
use portal_eventlog::codec::decode;
use time::OffsetDateTime;

/// A domain event of any aggregate, chosen by the stream's category.
#[derive(Debug, Clone)]
pub enum Decoded {
    Tenant(TenantEvent),
    Customer(CustomerEvent),
    Contact(ContactEvent),
    Order(OrderEvent),
    Location(LocationEvent),
    Printer(PrinterConfigEvent),
    /// A login identity's event (stream `user-…` in the identity realm).
    User(UserEvent),
    /// A category this build does not know: projections ignore it.
    Unknown,
    /// A known category whose payload does not decode. A projection that reads this category must
    /// fail with [`crate::ApplyError::Event`] so that the event is retried and dead-lettered.
    Invalid(String),
}

impl Decoded {
    pub fn of(recorded: &RecordedEvent) -> Self {
        fn wrap<A: Aggregate>(r: &RecordedEvent, f: impl FnOnce(A::Event) -> Decoded) -> Decoded {
            match decode::<A::Event>(r) {
                Ok(e) => f(e),
                Err(e) => Decoded::Invalid(e.to_string()),
            }
        }
        use portal_domain::{contact, customer, location, order, printer, tenant, user};
        match recorded.stream_id.category() {
            c if c == tenant::Tenant::CATEGORY => wrap::<tenant::Tenant>(recorded, Self::Tenant),
            c if c == customer::Customer::CATEGORY => {
                wrap::<customer::Customer>(recorded, Self::Customer)
            }
            c if c == contact::Contact::CATEGORY => {
                wrap::<contact::Contact>(recorded, Self::Contact)
            }
            c if c == order::Order::CATEGORY => wrap::<order::Order>(recorded, Self::Order),
            c if c == location::Location::CATEGORY => {
                wrap::<location::Location>(recorded, Self::Location)
            }
            c if c == printer::PrinterConfig::CATEGORY => {
                wrap::<printer::PrinterConfig>(recorded, Self::Printer)
            }
            c if c == user::User::CATEGORY => wrap::<user::User>(recorded, Self::User),
            _ => Self::Unknown,
        }
    }
}

/// One event handed to [`crate::Projection::apply`].
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub recorded: &'a RecordedEvent,
    pub decoded: &'a Decoded,
    /// The event's partition ([`crate::partitions`]): rows that sum events of many streams
    /// (counters) are kept per partition, so that partitions never share a row.
    pub partition: u16,
}

impl Event<'_> {
    pub fn tenant(&self) -> &TenantId {
        &self.recorded.tenant
    }
    pub fn position(&self) -> i64 {
        self.recorded.position
    }
    pub fn recorded_at(&self) -> OffsetDateTime {
        self.recorded.recorded_at
    }
    pub fn actor(&self) -> &Actor {
        &self.recorded.metadata.actor
    }
    /// The error for a projection that reads this event's category but cannot decode it.
    pub fn invalid(&self, reason: &str) -> crate::ApplyError {
        crate::ApplyError::Event(format!(
            "{} at position {} does not decode: {reason}",
            self.recorded.event_type, self.recorded.position
        ))
    }
}
