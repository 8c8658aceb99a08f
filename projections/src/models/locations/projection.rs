//! Projection `locations`.

use super::rows::{LOCATION_ORDERS, LOCATIONS, LocationOrderRow, LocationRow};
use crate::accounts::PartitionBy;
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::{invalid_in, missing};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::Aggregate;
use portal_domain::location::{Location, LocationEvent};
use portal_domain::order::{Order, OrderEvent};

static TABLES: [&Table; 2] = [&LOCATIONS, &LOCATION_ORDERS];

pub struct LocationsProjection;

impl Projection for LocationsProjection {
    fn name(&self) -> &'static str {
        "locations"
    }
    fn version(&self) -> u32 {
        // 2: rows keep the site instructions.
        2
    }
    fn tables(&self) -> &'static [&'static Table] {
        &TABLES
    }
    /// By tenant: a carrier location's row lists every customer whose orders used it.
    fn partition_by(&self) -> PartitionBy {
        PartitionBy::Tenant
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            if let Some(e) = invalid_in(&event, &[Location::CATEGORY, Order::CATEGORY]) {
                return Err(e);
            }
            match event.decoded {
                Decoded::Location(e) => on_location(ctx, &event, e).await,
                Decoded::Order(e) => on_order(ctx, &event, e).await,
                _ => Ok(()),
            }
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        use LocationEvent as L;
        use OrderEvent as E;
        let tenant = event.tenant();
        let (order_id, locations) = match event.decoded {
            Decoded::Location(
                L::LocationUpdated { location_id, .. }
                | L::LocationArchived { location_id }
                | L::LocationVisibilityChanged { location_id, .. },
            ) => {
                rows.want::<LocationRow>(tenant, &location_id.to_string());
                return;
            }
            Decoded::Order(E::OrderDraftCreated { content, .. }) => (None, content.location_ids()),
            Decoded::Order(E::OrderDraftUpdated { order_id, content }) => {
                (Some(order_id), content.location_ids())
            }
            Decoded::Order(E::OrderSubmitted {
                order_id, content, ..
            }) => (Some(order_id), content.location_ids()),
            _ => return,
        };
        if let Some(order_id) = order_id {
            rows.want::<LocationOrderRow>(tenant, &order_id.to_string());
        }
        for location_id in locations {
            rows.want::<LocationRow>(tenant, &location_id.to_string());
        }
    }
}

async fn on_location(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &LocationEvent,
) -> Result<(), ApplyError> {
    use LocationEvent as E;
    let tenant = event.tenant();
    let at = event.recorded_at();
    let location_id = match e {
        E::LocationAdded {
            location_id,
            owner,
            name,
            address,
            opening_hours,
            instructions,
            visibility,
        } => {
            ctx.put(LocationRow {
                tenant: tenant.clone(),
                location_id: *location_id,
                owner: *owner,
                name: name.clone(),
                address: address.clone(),
                opening_hours: opening_hours.clone(),
                instructions: instructions.clone(),
                visibility: *visibility,
                archived: false,
                used_by: Vec::new(),
                created_at: at,
                updated_at: at,
            });
            return Ok(());
        }
        E::LocationUpdated { location_id, .. }
        | E::LocationArchived { location_id }
        | E::LocationVisibilityChanged { location_id, .. } => *location_id,
    };
    let Some(row) = ctx
        .get_mut::<LocationRow>(tenant, &location_id.to_string())
        .await?
    else {
        return Err(missing(event, "location", location_id));
    };
    row.updated_at = at;
    match e {
        E::LocationAdded { .. } => {}
        E::LocationUpdated {
            name,
            address,
            opening_hours,
            instructions,
            ..
        } => {
            row.name = name.clone();
            row.address = address.clone();
            row.opening_hours = opening_hours.clone();
            row.instructions = instructions.clone();
        }
        E::LocationArchived { .. } => row.archived = true,
        E::LocationVisibilityChanged { visibility, .. } => row.visibility = *visibility,
    }
    Ok(())
}

/// The customer of an order this read model saw created; `None` for an order it missed (its
/// locations' users then stay as they are).
async fn known_customer(
    ctx: &mut Ctx<'_>,
    tenant: &portal_domain::TenantId,
    order_id: portal_domain::OrderId,
) -> Result<Option<portal_domain::CustomerId>, ApplyError> {
    Ok(ctx
        .get::<LocationOrderRow>(tenant, &order_id.to_string())
        .await?
        .map(|order| order.customer_id))
}

async fn on_order(ctx: &mut Ctx<'_>, event: &Event<'_>, e: &OrderEvent) -> Result<(), ApplyError> {
    use OrderEvent as E;
    let tenant = event.tenant();
    let (customer_id, locations) = match e {
        E::OrderDraftCreated {
            order_id,
            customer_id,
            content,
            ..
        } => {
            ctx.put(LocationOrderRow {
                tenant: tenant.clone(),
                order_id: *order_id,
                customer_id: *customer_id,
            });
            (*customer_id, content.location_ids())
        }
        E::OrderDraftUpdated { order_id, content } => {
            match known_customer(ctx, tenant, *order_id).await? {
                Some(customer_id) => (customer_id, content.location_ids()),
                None => return Ok(()),
            }
        }
        E::OrderSubmitted {
            order_id, content, ..
        } => match known_customer(ctx, tenant, *order_id).await? {
            Some(customer_id) => (customer_id, content.location_ids()),
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    for location_id in locations {
        // Locations this read model does not know are skipped.
        if let Some(row) = ctx
            .get_mut::<LocationRow>(tenant, &location_id.to_string())
            .await?
            && let Err(i) = row.used_by.binary_search(&customer_id)
        {
            row.used_by.insert(i, customer_id);
        }
    }
    Ok(())
}
