//! Projection `orders`.

use super::counts::{self, ORDER_COUNTS, bucket_of};
use super::rows::{ORDER_DETAILS, ORDERS, OrderCharge, OrderDetailRow, OrderRow, StatusChange};
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::{ActorKind, invalid_in, missing};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::order::{ChargeApproval, Order, OrderEvent, OrderStatus};
use portal_domain::{Aggregate, OrderId};
use time::OffsetDateTime;

static TABLES: [&Table; 3] = [&ORDERS, &ORDER_DETAILS, &ORDER_COUNTS];

pub struct OrdersProjection;

impl Projection for OrdersProjection {
    fn name(&self) -> &'static str {
        "orders"
    }
    fn version(&self) -> u32 {
        // 2: the order counters and the list indexes; 3: the pickup_date column; 4: who changed
        // the status, by id; 5: no tenant-wide counter row (summed at read time); 6: the
        // reference column.
        6
    }
    fn tables(&self) -> &'static [&'static Table] {
        &TABLES
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            if let Some(e) = invalid_in(&event, &[Order::CATEGORY]) {
                return Err(e);
            }
            match event.decoded {
                Decoded::Order(e) => on_order(ctx, &event, e).await,
                _ => Ok(()),
            }
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        let Decoded::Order(e) = event.decoded else {
            return;
        };
        let tenant = event.tenant();
        let key = order_id_of(e).to_string();
        rows.want::<OrderRow>(tenant, &key);
        let customer = match e {
            OrderEvent::OrderDraftCreated { customer_id, .. } => Some(*customer_id),
            _ => {
                rows.want::<OrderDetailRow>(tenant, &key);
                rows.cached::<OrderRow>(tenant, &key).map(|r| r.customer_id)
            }
        };
        if let Some(customer_id) = customer {
            counts::prefetch(rows, tenant, customer_id, event.partition);
        }
    }
}

pub(crate) fn order_id_of(e: &OrderEvent) -> OrderId {
    use OrderEvent as E;
    match e {
        E::OrderDraftCreated { order_id, .. }
        | E::OrderDraftUpdated { order_id, .. }
        | E::OrderSubmitted { order_id, .. }
        | E::OrderDraftCancelled { order_id }
        | E::OrderAccepted { order_id }
        | E::OrderRejected { order_id, .. }
        | E::OrderPlanned { order_id, .. }
        | E::OrderInTransit { order_id, .. }
        | E::OrderDelivered { order_id, .. }
        | E::OrderCancelled { order_id, .. }
        | E::ChargeAdded { order_id, .. }
        | E::ChargeApprovalRequested { order_id, .. }
        | E::ChargeApproved { order_id, .. }
        | E::ChargeRejected { order_id, .. } => *order_id,
    }
}

/// The status an event moves the order to, with the time and reason it reports.
pub(crate) fn status_change(
    e: &OrderEvent,
) -> Option<(OrderStatus, Option<OffsetDateTime>, Option<String>)> {
    use OrderEvent as E;
    use OrderStatus as S;
    Some(match e {
        E::OrderSubmitted { submitted_at, .. } => (S::Submitted, Some(*submitted_at), None),
        E::OrderDraftCancelled { .. } => (S::Cancelled, None, None),
        E::OrderAccepted { .. } => (S::Accepted, None, None),
        E::OrderRejected { reason, .. } => (S::Rejected, None, Some(reason.clone())),
        E::OrderPlanned { planned_at, .. } => (S::Planned, Some(*planned_at), None),
        E::OrderInTransit { in_transit_at, .. } => (S::InTransit, Some(*in_transit_at), None),
        E::OrderDelivered { delivered_at, .. } => (S::Delivered, Some(*delivered_at), None),
        E::OrderCancelled { reason, .. } => (S::Cancelled, None, Some(reason.clone())),
        _ => return None,
    })
}

async fn on_order(ctx: &mut Ctx<'_>, event: &Event<'_>, e: &OrderEvent) -> Result<(), ApplyError> {
    use OrderEvent as E;
    let tenant = event.tenant();
    let at = event.recorded_at();
    let actor = ActorKind::from(event.actor());

    if let E::OrderDraftCreated {
        order_id,
        customer_id,
        number,
        content,
    } = e
    {
        let mut row = OrderRow {
            tenant: tenant.clone(),
            order_id: *order_id,
            customer_id: *customer_id,
            number: number.clone(),
            customer_reference: None,
            status: OrderStatus::Draft,
            pickup: None,
            delivery: None,
            consignments: 0,
            total_weight_kg: 0.0,
            incomplete: false,
            submitted_by: None,
            via_portal: false,
            charges_awaiting_approval: 0,
            created_at: at,
            updated_at: at,
            submitted_at: None,
            created_position: event.position(),
            submitted_position: None,
        };
        row.set_content(content);
        // Counted once, even if this creation were applied again.
        let counted = ctx
            .get::<OrderRow>(tenant, &order_id.to_string())
            .await?
            .map(bucket_of);
        counts::recount(
            ctx,
            tenant,
            (*customer_id, event.partition),
            counted.as_deref(),
            &bucket_of(&row),
        )
        .await?;
        ctx.put(row);
        ctx.put(OrderDetailRow {
            tenant: tenant.clone(),
            order_id: *order_id,
            content: content.clone(),
            rejection_reason: None,
            cancellation_reason: None,
            history: vec![StatusChange {
                status: OrderStatus::Draft,
                at,
                reported_at: None,
                actor,
                by: Some(event.actor().clone()),
                by_name: None,
                reason: None,
            }],
            charges: Vec::new(),
        });
        return Ok(());
    }

    // Both rows are read and checked before anything is written.
    let order_id = order_id_of(e);
    let key = order_id.to_string();
    let row = ctx.get::<OrderRow>(tenant, &key).await?.cloned();
    let detail = ctx.get::<OrderDetailRow>(tenant, &key).await?.cloned();
    let (Some(mut row), Some(mut detail)) = (row, detail) else {
        return Err(missing(event, "order", order_id));
    };
    row.updated_at = at;
    let counted = bucket_of(&row);

    match e {
        E::OrderDraftUpdated { content, .. } => {
            row.set_content(content);
            detail.content = content.clone();
        }
        E::OrderSubmitted {
            content,
            submitted_at,
            ..
        } => {
            let content = portal_domain::values::DraftContent::from(content);
            row.set_content(&content);
            detail.content = content;
            row.submitted_at = Some(*submitted_at);
            row.submitted_position = Some(event.position());
            row.submitted_by = Some(actor);
            row.via_portal = actor == ActorKind::PortalUser;
        }
        E::OrderRejected { reason, .. } => detail.rejection_reason = Some(reason.clone()),
        E::OrderCancelled { reason, .. } => detail.cancellation_reason = Some(reason.clone()),
        E::ChargeAdded {
            charge_id,
            description,
            amount,
            ..
        } if !detail.charges.iter().any(|c| c.charge_id == *charge_id) => {
            detail.charges.push(OrderCharge {
                charge_id: *charge_id,
                description: description.clone(),
                amount: *amount,
                approval: ChargeApproval::ToRequest,
                comment: None,
                added_at: at,
                decided_at: None,
            });
        }
        E::ChargeApprovalRequested { charge_id, .. }
        | E::ChargeApproved { charge_id, .. }
        | E::ChargeRejected { charge_id, .. } => {
            let Some(charge) = detail
                .charges
                .iter_mut()
                .find(|c| c.charge_id == *charge_id)
            else {
                return Err(missing(event, "charge", charge_id));
            };
            match e {
                E::ChargeApproved { comment, .. } | E::ChargeRejected { comment, .. } => {
                    charge.approval = if matches!(e, E::ChargeApproved { .. }) {
                        ChargeApproval::Approved
                    } else {
                        ChargeApproval::Rejected
                    };
                    charge.comment = comment.clone();
                    charge.decided_at = Some(at);
                }
                _ => charge.approval = ChargeApproval::Requested,
            }
        }
        _ => {}
    }
    if let Some((status, reported_at, reason)) = status_change(e) {
        row.status = status;
        detail.history.push(StatusChange {
            status,
            at,
            reported_at,
            actor,
            by: Some(event.actor().clone()),
            by_name: None,
            reason,
        });
    }
    row.charges_awaiting_approval = detail.charges_awaiting_approval();
    counts::recount(
        ctx,
        tenant,
        (row.customer_id, event.partition),
        Some(&counted),
        &bucket_of(&row),
    )
    .await?;
    ctx.put(row);
    ctx.put(detail);
    Ok(())
}
