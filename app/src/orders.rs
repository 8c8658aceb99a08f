//! Orders, staff side: move an order along its lifecycle (accept, reject, plan, in transit,
//! delivered, cancel) and add a charge (optionally asking the customer to approve it).
//!
//! The lifecycle rules are the domain's ([`portal_domain::order::OrderStatus::allowed_next`]):
//! asking for the current status again is a no-op, anything not allowed a conflict with the message
//! "an order cannot go from … to …". "Now" (planned at, delivered at, …) is taken here.

use super::{Fields, checked, staff_only, stream};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run;
use portal_domain::order::{Order, OrderCommand, OrderEvent, OrderState, OrderStatus};
use portal_domain::values::{Currency, Money, Name};
use portal_domain::{ChargeId, OrderId};
use portal_eventlog::Idempotency;
use portal_eventlog::executor::load;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/v1/orders/{id}/status`: `status` is `accepted`, `rejected`, `planned`,
/// `in_transit`, `delivered` or `cancelled`; `reason` is required for `rejected` and
/// `cancelled` (≤ 500 characters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    #[serde(default)]
    #[schema(value_type = crate::schema::OrderStatus)]
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/orders/{id}/charges`: a charge in minor units of an ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewCharge {
    #[serde(default)]
    pub description: String,
    /// Required; 0 ≤ amount ≤ 10^12.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub currency: String,
    /// Ask the customer to approve it right away.
    #[serde(default)]
    pub request_approval: bool,
}

/// An order's status as the write side knows it right after a command.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderStatusView {
    #[schema(value_type = String, format = Uuid)]
    pub order_id: OrderId,
    pub number: Option<String>,
    /// The status afterwards.
    pub status: String,
    pub rejection_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    /// Whether the request moved the order (`false` when it already had that status).
    pub changed: bool,
}

/// The charge a request added.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChargeAdded {
    #[schema(value_type = String, format = Uuid)]
    pub id: ChargeId,
    #[schema(value_type = String, format = Uuid)]
    pub order_id: OrderId,
    pub description: String,
    pub amount_minor: i64,
    pub currency: String,
    /// `to_request` or `requested`.
    pub approval: String,
}

/// The longest reason of a rejection or cancellation, in characters.
const MAX_REASON: usize = 500;

/// Loads an order of the principal's tenant; not found when absent or another tenant's.
pub async fn load_order(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
) -> Result<OrderState, Error> {
    let (order, _, _) = load::<Order>(&cx.store, &stream::<Order>(id), principal.tenant())
        .await
        .map_err(Error::from)?;
    if order.exists {
        Ok(order)
    } else {
        Err(Error::NotFound)
    }
}

/// The command of a status change, or the field errors of the body.
pub fn status_command(input: &StatusChange, now: OffsetDateTime) -> Result<OrderCommand, Error> {
    let mut fields = Fields::default();
    let reason = fields.take(portal_domain::values::optional_text(
        "reason",
        input.reason.as_deref(),
        MAX_REASON,
        true,
    ));
    let status = OrderStatus::parse(input.status.trim());
    let command = match status {
        Some(OrderStatus::Accepted) => Some(OrderCommand::AcceptOrder),
        Some(OrderStatus::Planned) => Some(OrderCommand::PlanOrder { planned_at: now }),
        Some(OrderStatus::InTransit) => Some(OrderCommand::MarkInTransit { at: now }),
        Some(OrderStatus::Delivered) => Some(OrderCommand::MarkDelivered { delivered_at: now }),
        Some(s @ (OrderStatus::Rejected | OrderStatus::Cancelled)) => {
            match reason.clone().flatten() {
                None => {
                    if reason.is_some() {
                        fields.push("reason", "is required to reject or cancel an order");
                    }
                    None
                }
                Some(reason) if s == OrderStatus::Rejected => {
                    Some(OrderCommand::RejectOrder { reason })
                }
                Some(reason) => Some(OrderCommand::CancelOrder { reason }),
            }
        }
        _ => {
            fields.push(
                "status",
                "must be accepted, rejected, planned, in_transit, delivered or cancelled",
            );
            None
        }
    };
    fields.finish()?;
    checked(command)
}

/// Moves an order to `input.status`; the order's status afterwards.
pub async fn change_status(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    input: &StatusChange,
    idempotency: Option<Idempotency>,
) -> Result<OrderStatusView, Error> {
    staff_only(principal)?;
    let command = status_command(input, OffsetDateTime::now_utc())?;
    load_order(cx, principal, id).await?;
    let done = run::<Order>(cx, principal, &stream::<Order>(id), &command, idempotency).await?;
    let s = &done.state;
    Ok(OrderStatusView {
        order_id: id,
        number: s.number.clone(),
        status: s.status.as_str().to_owned(),
        rejection_reason: s.rejection_reason.clone(),
        cancellation_reason: s.cancellation_reason.clone(),
        changed: done.changed(),
    })
}

/// Adds a charge to an order (and requests approval when asked); the charge. On an idempotent
/// replay the charge of the first execution.
pub async fn add_charge(
    cx: &Context,
    principal: &Principal,
    id: OrderId,
    input: &NewCharge,
    idempotency: Option<Idempotency>,
) -> Result<ChargeAdded, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let description = fields.take(Name::parse_as("description", &input.description));
    let currency = fields.take(Currency::parse(&input.currency));
    let amount = fields.required("amount_minor", input.amount_minor);
    let money = match (amount, currency) {
        (Some(a), Some(c)) => fields.take(Money::new(a, c)),
        (Some(a), None) if a < 0 => fields.take(Money::new(a, Currency::parse("EUR")?)),
        _ => None,
    };
    fields.finish()?;
    load_order(cx, principal, id).await?;
    let command = OrderCommand::AddCharge {
        charge_id: ChargeId(Uuid::now_v7()),
        description: checked(description)?,
        amount: checked(money)?,
        request_approval: input.request_approval,
    };
    let done = run::<Order>(cx, principal, &stream::<Order>(id), &command, idempotency).await?;
    let charge_id = done
        .events
        .iter()
        .find_map(|e| match e {
            OrderEvent::ChargeAdded { charge_id, .. } => Some(*charge_id),
            _ => None,
        })
        .ok_or_else(|| Error::internal("AddCharge appended no ChargeAdded"))?;
    let charge = done
        .state
        .charge(charge_id)
        .ok_or_else(|| Error::internal("the added charge is missing from the state"))?;
    Ok(ChargeAdded {
        id: charge_id,
        order_id: id,
        description: charge.description.to_string(),
        amount_minor: charge.amount.amount_minor(),
        currency: charge.amount.currency().code().to_owned(),
        approval: serde_json::to_value(charge.approval)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    })
}
