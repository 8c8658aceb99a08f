//! Projection `dashboards`.

use super::rows::{
    ContactTrackRow, CustomerCounters, CustomerDashRow, CustomerDayRow, DASH_CONTACTS,
    DASH_CUSTOMER_DAYS, DASH_CUSTOMERS, DASH_ORDERS, OrderTrackRow, bump,
};
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::partitioned_key;
use crate::models::common::{invalid_in, missing, utc_day};
use crate::models::orders::{order_id_of, status_change};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent};
use portal_domain::order::{Order, OrderEvent, OrderStatus};
use portal_domain::values::OrderContent;
use portal_domain::{Aggregate, CustomerId, TenantId};
use time::macros::time;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

// Only rows of one customer, order or contact: the tenant's figures are summed at read time.
static TABLES: [&Table; 4] = [
    &DASH_CUSTOMERS,
    &DASH_CUSTOMER_DAYS,
    &DASH_ORDERS,
    &DASH_CONTACTS,
];

pub struct DashboardsProjection;

impl Projection for DashboardsProjection {
    fn name(&self) -> &'static str {
        "dashboards"
    }
    fn version(&self) -> u32 {
        // 2: no tenant-wide rows (summed at read time from the customers' and contacts').
        2
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
            let reads = [Order::CATEGORY, Customer::CATEGORY, Contact::CATEGORY];
            if let Some(e) = invalid_in(&event, &reads) {
                return Err(e);
            }
            match event.decoded {
                Decoded::Order(e) => on_order(ctx, &event, e).await,
                Decoded::Customer(e) => on_customer(ctx, &event, e).await,
                Decoded::Contact(e) => on_contact(ctx, &event, e).await,
                _ => Ok(()),
            }
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        let tenant = event.tenant();
        match event.decoded {
            Decoded::Order(e) => {
                let key = order_id_of(e).to_string();
                rows.want::<OrderTrackRow>(tenant, &key);
                let customer = match e {
                    OrderEvent::OrderDraftCreated { customer_id, .. } => Some(*customer_id),
                    _ => rows
                        .cached::<OrderTrackRow>(tenant, &key)
                        .map(|t| t.customer_id),
                };
                let Some(customer_id) = customer else { return };
                rows.want::<CustomerDashRow>(
                    tenant,
                    &partitioned_key(&customer_id.to_string(), event.partition),
                );
                if let OrderEvent::OrderSubmitted { submitted_at, .. } = e {
                    let day = utc_day(*submitted_at);
                    rows.want::<CustomerDayRow>(
                        tenant,
                        &CustomerDayRow::key_in(customer_id, day, event.partition),
                    );
                }
            }
            Decoded::Customer(
                CustomerEvent::CustomerPortalEnabled { customer_id }
                | CustomerEvent::CustomerPortalDisabled { customer_id },
            ) => rows.want::<CustomerDashRow>(
                tenant,
                &partitioned_key(&customer_id.to_string(), event.partition),
            ),
            Decoded::Contact(
                ContactEvent::ContactAccessGranted { contact_id, .. }
                | ContactEvent::ContactAccessRevoked { contact_id, .. }
                | ContactEvent::ContactRemoved { contact_id, .. },
            ) => rows.want::<ContactTrackRow>(tenant, &contact_id.to_string()),
            _ => {}
        }
    }
}

/// The deadline of an order (see the module docs): the latest delivery stop's date at the end of
/// its time window, or at 23:59 without one, read as UTC.
pub fn deadline_of(content: &OrderContent) -> Option<OffsetDateTime> {
    content
        .consignments()
        .iter()
        .map(|c| {
            let stop = c.delivery();
            let end = stop.time_window().map_or(time!(23:59), |w| w.to());
            PrimitiveDateTime::new(stop.date(), end).assume_utc()
        })
        .max()
}

/// Whether a delivery at `delivered_at` meets `deadline`, to the minute.
pub fn is_on_time(delivered_at: OffsetDateTime, deadline: OffsetDateTime) -> bool {
    let at = delivered_at.to_offset(UtcOffset::UTC);
    let minute = at
        .replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(at);
    minute <= deadline
}

/// The customer's row of `partition`, made when missing.
async fn customer_row<'c>(
    ctx: &'c mut Ctx<'_>,
    tenant: &TenantId,
    customer_id: CustomerId,
    partition: u16,
) -> Result<&'c mut CustomerDashRow, ApplyError> {
    let key = partitioned_key(&customer_id.to_string(), partition);
    let t = tenant.clone();
    ctx.get_or_insert_with(tenant, &key, move || CustomerDashRow {
        tenant: t,
        customer_id,
        counters: CustomerCounters::default(),
        portal_enabled: false,
        partition,
    })
    .await
}

/// Adds `delta` to the customer's counters.
async fn add(
    ctx: &mut Ctx<'_>,
    tenant: &TenantId,
    (customer_id, partition): (CustomerId, u16),
    delta: &CustomerCounters,
) -> Result<(), ApplyError> {
    if *delta == CustomerCounters::default() {
        return Ok(());
    }
    customer_row(ctx, tenant, customer_id, partition)
        .await?
        .counters
        .add(delta, 1);
    Ok(())
}

async fn on_order(ctx: &mut Ctx<'_>, event: &Event<'_>, e: &OrderEvent) -> Result<(), ApplyError> {
    use OrderEvent as E;
    let tenant = event.tenant();
    let order_id = order_id_of(e);
    let key = order_id.to_string();
    let known = ctx.get::<OrderTrackRow>(tenant, &key).await?.cloned();

    if let E::OrderDraftCreated { customer_id, .. } = e {
        if known.is_some() {
            return Ok(()); // counted already
        }
        ctx.put(OrderTrackRow {
            tenant: tenant.clone(),
            order_id,
            customer_id: *customer_id,
            status: OrderStatus::Draft,
            submitted_day: None,
            deadline: None,
            delivered_counted: false,
            awaiting: Vec::new(),
        });
        let mut delta = CustomerCounters::default();
        bump(&mut delta.orders_by_status, OrderStatus::Draft, 1);
        return add(ctx, tenant, (*customer_id, event.partition), &delta).await;
    }

    let Some(mut track) = known else {
        return Err(missing(event, "order", order_id));
    };
    let mut delta = CustomerCounters::default();
    let mut submitted_on = None;
    match e {
        E::OrderSubmitted {
            content,
            submitted_at,
            ..
        } => {
            track.deadline = deadline_of(content);
            if track.submitted_day.is_none() {
                let day = utc_day(*submitted_at);
                track.submitted_day = Some(day);
                submitted_on = Some(day);
            }
        }
        E::OrderDelivered { delivered_at, .. } => {
            if let (false, Some(deadline)) = (track.delivered_counted, track.deadline) {
                track.delivered_counted = true;
                delta.delivered += 1;
                delta.delivered_on_time += i64::from(is_on_time(*delivered_at, deadline));
            }
        }
        E::ChargeApprovalRequested { charge_id, .. } if !track.awaiting.contains(charge_id) => {
            track.awaiting.push(*charge_id);
            delta.charges_awaiting_approval += 1;
        }
        E::ChargeApproved { charge_id, .. } | E::ChargeRejected { charge_id, .. } => {
            if let Some(i) = track.awaiting.iter().position(|c| c == charge_id) {
                track.awaiting.remove(i);
                delta.charges_awaiting_approval -= 1;
            }
        }
        _ => {}
    }
    if let Some((status, _, _)) = status_change(e)
        && status != track.status
    {
        bump(&mut delta.orders_by_status, track.status, -1);
        bump(&mut delta.orders_by_status, status, 1);
        track.status = status;
    }
    let customer_id = track.customer_id;
    ctx.put(track);
    add(ctx, tenant, (customer_id, event.partition), &delta).await?;

    if let Some(day) = submitted_on {
        let via_portal = event.actor().is_portal_user();
        let t = tenant.clone();
        let partition = event.partition;
        let row = ctx
            .get_or_insert_with(
                tenant,
                &CustomerDayRow::key_in(customer_id, day, partition),
                move || CustomerDayRow {
                    tenant: t,
                    customer_id,
                    date: day,
                    submitted: 0,
                    via_portal: 0,
                    partition,
                },
            )
            .await?;
        row.submitted += 1;
        row.via_portal += i64::from(via_portal);
    }
    Ok(())
}

async fn on_customer(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &CustomerEvent,
) -> Result<(), ApplyError> {
    let (customer_id, enabled) = match e {
        CustomerEvent::CustomerPortalEnabled { customer_id } => (*customer_id, true),
        CustomerEvent::CustomerPortalDisabled { customer_id } => (*customer_id, false),
        _ => return Ok(()),
    };
    let row = customer_row(ctx, event.tenant(), customer_id, event.partition).await?;
    if row.portal_enabled == enabled {
        return Ok(());
    }
    row.portal_enabled = enabled;
    Ok(())
}

async fn on_contact(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &ContactEvent,
) -> Result<(), ApplyError> {
    use ContactEvent as E;
    let (contact_id, access) = match e {
        E::ContactAccessGranted { contact_id, .. } => (*contact_id, true),
        E::ContactAccessRevoked { contact_id, .. } | E::ContactRemoved { contact_id, .. } => {
            (*contact_id, false)
        }
        E::ContactAdded { .. }
        | E::ContactUpdated { .. }
        | E::ContactNotificationsChanged { .. } => return Ok(()),
    };
    let tenant = event.tenant();
    let t = tenant.clone();
    let row = ctx
        .get_or_insert_with(tenant, &contact_id.to_string(), move || ContactTrackRow {
            tenant: t,
            contact_id,
            access: false,
        })
        .await?;
    if row.access == access {
        return Ok(());
    }
    row.access = access;
    Ok(())
}
