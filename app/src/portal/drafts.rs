//! Orders, portal side: create and edit drafts, submit them, cancel a draft, and *Order again*
//! (a new draft with the content of an earlier order).
//!
//! Contracts:
//! - Once submitted an order is read-only: every change is a conflict "Submitted orders cannot be
//!   edited", checked on the stored order *before* the body is validated, so a wrong body does
//!   not hide the reason.
//! - A stop may refer to a location of the address book (`location_id`): the location must be
//!   the customer's own or a carrier location shared with the customer, and not archived. It is
//!   checked on the event log (not a read model that may lag), so a location created a moment ago
//!   can be used at once. Such a stop takes the location's address: its own `address` may be left
//!   out, and one that differs from the location's is refused at the stop's `address` (the
//!   carrier must get the address the user meant; a typed address goes without `location_id`).
//!   At submission the stop's address becomes the location's current address (the domain's
//!   `with_location_addresses`); later edits of the location never reach the submitted order.
//! - Every problem of a request is reported at once: the content's shape, the locations and the
//!   date rules on today in the tenant's time zone.
//! - Changes of an order decide on the state just loaded for the scope check
//!   ([`run_loaded`]): one stream read per request; a stale state only costs a retry.
//! - Order numbers are `YYMMDD-XXXXXXXX`: the day of creation and 40 random bits of the order's
//!   id in Crockford base32 (no I, L, O, U), short enough to read over the phone.

use super::checks::{OrderWarning, duplicate_reference};
use super::{PortalUser, portal_only};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::{run, run_loaded};
use crate::{Fields, checked, creation_id, stream};
use portal_domain::location::{Location, LocationOwner};
use portal_domain::order::{Order, OrderCommand, OrderState, OrderStatus};
use portal_domain::values::{Address, DraftContent, OrderContentInput, schedule_errors};
use portal_domain::{Aggregate, DomainError, FieldError, LocationId, OrderId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::{Executed, load};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// An order as the write side knows it right after a command.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrderId,
    pub number: String,
    /// `draft`, `submitted`, … (see the order list).
    pub status: String,
    /// The content: the draft as filled in so far (gaps allowed), or once submitted what was
    /// submitted (with the stops' address snapshots).
    #[schema(value_type = Object)]
    pub content: Option<DraftContent>,
    /// What a draft still lacks before it can be submitted, each at its field (the messages
    /// submission would give); empty for a complete draft and once submitted.
    #[schema(value_type = Vec<Object>)]
    pub missing: Vec<FieldError>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Whether the request changed anything (`false` for an identical edit).
    pub changed: bool,
    /// What the user should know, e.g. a customer reference used by another recent order
    /// (submission only; never a refusal).
    pub warnings: Vec<OrderWarning>,
    /// The first result of the same idempotency key again: the state as it was then.
    #[serde(skip)]
    pub replayed: bool,
}

impl OrderView {
    fn of(state: &OrderState, changed: bool) -> Result<Self, Error> {
        Ok(Self {
            id: state.order_id.ok_or(Error::NotFound)?,
            number: state.number.clone().unwrap_or_default(),
            status: state.status.as_str().to_owned(),
            content: state.content.clone(),
            missing: match &state.content {
                Some(draft) if state.status == OrderStatus::Draft => draft.missing(),
                _ => vec![],
            },
            submitted_at: state.submitted_at,
            changed,
            warnings: vec![],
            replayed: false,
        })
    }

    fn done(done: &Executed<Order>) -> Result<Self, Error> {
        let mut view = Self::of(&done.state, done.changed())?;
        view.replayed = done.replayed();
        Ok(view)
    }
}

/// The order number of a new order (see the module docs).
pub fn order_number(id: Uuid, today: time::Date) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = id.as_bytes();
    // The last 5 bytes of a v7 UUID are random (the variant bits sit in byte 8).
    let mut bits = bytes[11..16]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut code = [b'0'; 8];
    for slot in code.iter_mut().rev() {
        *slot = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    format!(
        "{:02}{:02}{:02}-{}",
        today.year() % 100,
        u8::from(today.month()),
        today.day(),
        String::from_utf8_lossy(&code)
    )
}

/// An order of the user's customer; not found when absent, another customer's or another tenant's.
pub async fn load_own(
    cx: &Context,
    principal: &Principal,
    user: PortalUser,
    id: OrderId,
) -> Result<(OrderState, i64), Error> {
    let (order, version, _) = load::<Order>(&cx.store, &stream::<Order>(id), principal.tenant())
        .await
        .map_err(Error::from)?;
    if order.exists && order.customer_id == Some(user.customer_id) {
        Ok((order, version))
    } else {
        Err(Error::NotFound)
    }
}

/// "Today" for the date rules: the calendar day in the tenant's time zone.
pub async fn today(cx: &Context, principal: &Principal) -> Result<time::Date, Error> {
    let zone = crate::zone::tenant_zone(cx, principal.tenant()).await?;
    Ok(zone.today(OffsetDateTime::now_utc()))
}

/// Validates the format of the content (gaps are allowed: a draft is saved while being
/// completed), the locations its stops refer to and the date rules on `today` for the dates
/// given; every problem at once. A stop with a location and a blank address takes the
/// location's address.
async fn validate(
    cx: &Context,
    principal: &Principal,
    user: PortalUser,
    input: &OrderContentInput,
    today: time::Date,
) -> Result<DraftContent, Error> {
    let mut fields = Fields::default();
    let mut input = input.clone();
    for (i, c) in input.consignments.iter_mut().enumerate() {
        for (role, stop) in [("pickup", &mut c.pickup), ("delivery", &mut c.delivery)] {
            let Some(id) = stop.location_id else { continue };
            let path = format!("consignments[{i}].{role}");
            match usable_location(cx, principal, user, id).await? {
                None => fields.push(
                    &format!("{path}.location_id"),
                    "is not a location of your address book",
                ),
                Some(address) if stop.address.is_blank() => stop.address = (&address).into(),
                Some(address) => {
                    if Address::new(stop.address.clone()).ok().as_ref() != Some(&address) {
                        fields.push(
                            &format!("{path}.address"),
                            "differs from the address of the chosen location: send the \
                             location_id alone to use the location's address, or leave out \
                             location_id to send a typed address",
                        );
                    }
                }
            }
        }
    }
    let schedule = schedule_errors(&input, today);
    let content = fields.take_all(None, DraftContent::new(input));
    for e in schedule {
        fields.push(&e.field, &e.message);
    }
    fields.finish()?;
    checked(content)
}

/// The location's current address when the customer may use it in an order (own or shared,
/// not archived); `None` otherwise.
async fn usable_location(
    cx: &Context,
    principal: &Principal,
    user: PortalUser,
    id: LocationId,
) -> Result<Option<Address>, Error> {
    let (location, _, _) = load::<Location>(&cx.store, &stream::<Location>(id), principal.tenant())
        .await
        .map_err(Error::from)?;
    let visible = match location.owner {
        Some(LocationOwner::Customer { customer_id }) => customer_id == user.customer_id,
        Some(LocationOwner::Carrier) => location
            .visibility
            .is_some_and(|v| v.is_visible_to(user.customer_id)),
        None => false,
    };
    Ok(location
        .address
        .filter(|_| location.exists && !location.archived && visible))
}

/// Creates a draft; the new order (201).
pub async fn create(
    cx: &Context,
    principal: &Principal,
    input: &OrderContentInput,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let user = portal_only(principal)?;
    let today = today(cx, principal).await?;
    let content = validate(cx, principal, user, input, today).await?;
    let id = OrderId(creation_id(cx, principal, Order::CATEGORY, idempotency.as_ref()).await?);
    create_with(cx, principal, (user, today), id, content, idempotency).await
}

async fn create_with(
    cx: &Context,
    principal: &Principal,
    (user, today): (PortalUser, time::Date),
    id: OrderId,
    content: DraftContent,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let command = OrderCommand::CreateDraft {
        order_id: id,
        customer_id: user.customer_id,
        number: order_number(id.0, OffsetDateTime::now_utc().date()),
        content,
        today,
    };
    let done = run::<Order>(cx, principal, &stream::<Order>(id), &command, idempotency).await?;
    OrderView::done(&done)
}

/// Replaces a draft's content; the order afterwards.
pub async fn update(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    input: &OrderContentInput,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let user = portal_only(principal)?;
    let (current, version) = load_own(cx, principal, user, id).await?;
    refuse_submitted(&current)?;
    let today = today(cx, principal).await?;
    let content = validate(cx, principal, user, input, today).await?;
    let command = OrderCommand::UpdateDraft { content, today };
    let sid = stream::<Order>(id);
    let done =
        run_loaded::<Order>(cx, principal, &sid, &command, idempotency, current, version).await?;
    OrderView::done(&done)
}

/// A conflict "Submitted orders cannot be edited" for a submitted order.
fn refuse_submitted(order: &OrderState) -> Result<(), Error> {
    if order.is_submitted() {
        Err(DomainError::SubmittedOrderCannotBeEdited.into())
    } else {
        Ok(())
    }
}

/// Submits a draft: its stops take the current addresses of their locations; the order
/// afterwards. A location archived since the draft was saved is a field error.
pub async fn submit(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let user = portal_only(principal)?;
    let (current, version) = load_own(cx, principal, user, id).await?;
    let mut addresses = Vec::new();
    if current.status == portal_domain::order::OrderStatus::Draft
        && let Some(content) = &current.content
    {
        for location_id in content.location_ids() {
            if let Some(address) = usable_location(cx, principal, user, location_id).await? {
                addresses.push((location_id, address));
            }
        }
    }
    let now = OffsetDateTime::now_utc();
    let command = OrderCommand::SubmitOrder {
        location_addresses: addresses,
        submitted_at: now,
        today: today(cx, principal).await?,
    };
    let sid = stream::<Order>(id);
    let done =
        run_loaded::<Order>(cx, principal, &sid, &command, idempotency, current, version).await?;
    let mut view = OrderView::done(&done)?;
    let reference = done
        .state
        .content
        .as_ref()
        .and_then(|c| c.customer_reference());
    view.warnings = duplicate_reference(cx, principal, user, id, reference, now).await?;
    Ok(view)
}

/// Cancels a draft (a submitted order is cancelled by the carrier, not here).
pub async fn cancel_draft(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let user = portal_only(principal)?;
    let (current, version) = load_own(cx, principal, user, id).await?;
    refuse_submitted(&current)?;
    let sid = stream::<Order>(id);
    let command = OrderCommand::CancelDraft;
    let done =
        run_loaded::<Order>(cx, principal, &sid, &command, idempotency, current, version).await?;
    OrderView::done(&done)
}

/// *Order again*: a new draft with the content of order `id` (what was submitted, or the
/// draft's content). Locations that are no longer usable are unlinked from the copy (the
/// address stays), and when the first pickup has passed every date moves by the same number of
/// days so that it is tomorrow (the intervals between stops stay), so the copy can always be
/// saved; the user checks the dates before submitting.
pub async fn order_again(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    idempotency: Option<Idempotency>,
) -> Result<OrderView, Error> {
    let user = portal_only(principal)?;
    let (source, _) = load_own(cx, principal, user, id).await?;
    let content = source
        .submitted_content
        .map(DraftContent::from)
        .or(source.content)
        .ok_or(Error::NotFound)?;
    let mut input = content.input().clone();
    for consignment in &mut input.consignments {
        for stop in [&mut consignment.pickup, &mut consignment.delivery] {
            if let Some(location_id) = stop.location_id
                && usable_location(cx, principal, user, location_id)
                    .await?
                    .is_none()
            {
                stop.location_id = None;
            }
        }
    }
    let today = today(cx, principal).await?;
    shift_dates(&mut input, today);
    let copy = DraftContent::new(input).map_err(Error::Invalid)?;
    let new_id = OrderId(creation_id(cx, principal, Order::CATEGORY, idempotency.as_ref()).await?);
    create_with(cx, principal, (user, today), new_id, copy, idempotency).await
}

/// Moves every date of `input` by the same days so that the first pickup is tomorrow, when it
/// is before today.
fn shift_dates(input: &mut OrderContentInput, today: time::Date) {
    let Some(first) = input
        .consignments
        .iter()
        .filter_map(|c| c.pickup.date)
        .min()
    else {
        return;
    };
    if first >= today {
        return;
    }
    let by = (today - first) + time::Duration::DAY;
    for c in &mut input.consignments {
        for stop in [&mut c.pickup, &mut c.delivery] {
            stop.date = stop.date.map(|d| d.checked_add(by).unwrap_or(d));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn order_numbers_carry_the_day_and_random_bits() {
        let day = time::macros::date!(2026 - 12 - 04);
        let a = order_number(Uuid::now_v7(), day);
        let b = order_number(Uuid::now_v7(), day);
        assert!(a.starts_with("261204-") && a.len() == 15, "{a}");
        assert_ne!(a, b);
        assert!(
            a[7..]
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert!(!a[7..].contains(['I', 'L', 'O', 'U']));
        let fixed = Uuid::from_u128(0x00FF_FFFF_FFFF);
        assert_eq!(order_number(fixed, day), "261204-ZZZZZZZZ");
    }
}
