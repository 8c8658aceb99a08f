//! Projection `charges`.

use super::rows::{CHARGE_ORDERS, CHARGES, ChargeOrderRow, ChargeRow};
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::{invalid_in, missing};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::Aggregate;
use portal_domain::order::{ChargeApproval, Order, OrderEvent};

static TABLES: [&Table; 2] = [&CHARGES, &CHARGE_ORDERS];

pub struct ChargesProjection;

impl Projection for ChargesProjection {
    fn name(&self) -> &'static str {
        "charges"
    }
    fn version(&self) -> u32 {
        1
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
        use OrderEvent as E;
        let tenant = event.tenant();
        match event.decoded {
            Decoded::Order(E::ChargeAdded { order_id, .. }) => {
                rows.want::<ChargeOrderRow>(tenant, &order_id.to_string());
            }
            Decoded::Order(
                E::ChargeApprovalRequested { charge_id, .. }
                | E::ChargeApproved { charge_id, .. }
                | E::ChargeRejected { charge_id, .. },
            ) => rows.want::<ChargeRow>(tenant, &charge_id.to_string()),
            _ => {}
        }
    }
}

async fn on_order(ctx: &mut Ctx<'_>, event: &Event<'_>, e: &OrderEvent) -> Result<(), ApplyError> {
    use OrderEvent as E;
    let tenant = event.tenant();
    let at = event.recorded_at();
    match e {
        E::OrderDraftCreated {
            order_id,
            customer_id,
            number,
            ..
        } => ctx.put(ChargeOrderRow {
            tenant: tenant.clone(),
            order_id: *order_id,
            customer_id: *customer_id,
            number: number.clone(),
        }),
        E::ChargeAdded {
            order_id,
            charge_id,
            description,
            amount,
        } => {
            let order = ctx
                .get::<ChargeOrderRow>(tenant, &order_id.to_string())
                .await?
                .cloned();
            ctx.put(ChargeRow {
                tenant: tenant.clone(),
                charge_id: *charge_id,
                order_id: *order_id,
                order_number: order.as_ref().map(|o| o.number.clone()),
                customer_id: order.map(|o| o.customer_id),
                description: description.clone(),
                amount: *amount,
                approval: ChargeApproval::ToRequest,
                comment: None,
                added_at: at,
                requested_at: None,
                decided_at: None,
                added_position: event.position(),
            });
        }
        E::ChargeApprovalRequested { charge_id, .. }
        | E::ChargeApproved { charge_id, .. }
        | E::ChargeRejected { charge_id, .. } => {
            let Some(row) = ctx
                .get_mut::<ChargeRow>(tenant, &charge_id.to_string())
                .await?
            else {
                return Err(missing(event, "charge", charge_id));
            };
            match e {
                E::ChargeApproved { comment, .. } => {
                    row.approval = ChargeApproval::Approved;
                    row.comment = comment.clone();
                    row.decided_at = Some(at);
                }
                E::ChargeRejected { comment, .. } => {
                    row.approval = ChargeApproval::Rejected;
                    row.comment = comment.clone();
                    row.decided_at = Some(at);
                }
                _ => {
                    row.approval = ChargeApproval::Requested;
                    row.requested_at = Some(at);
                }
            }
        }
        _ => {}
    }
    Ok(())
}
