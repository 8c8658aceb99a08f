//! Projection `customers`.

use super::rows::{CUSTOMER_CONTACTS, CUSTOMERS, CustomerContactRow, CustomerRow};
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::{invalid_in, missing};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent, CustomerStatus};
use portal_domain::{Aggregate, CustomerId};

static TABLES: [&Table; 2] = [&CUSTOMERS, &CUSTOMER_CONTACTS];

pub struct CustomersProjection;

impl Projection for CustomersProjection {
    fn name(&self) -> &'static str {
        "customers"
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
            if let Some(e) = invalid_in(&event, &[Customer::CATEGORY, Contact::CATEGORY]) {
                return Err(e);
            }
            match event.decoded {
                Decoded::Customer(e) => on_customer(ctx, &event, e).await,
                Decoded::Contact(e) => on_contact(ctx, &event, e).await,
                _ => Ok(()),
            }
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        let tenant = event.tenant();
        match event.decoded {
            Decoded::Customer(e) => rows.want::<CustomerRow>(tenant, &e.customer_id().to_string()),
            Decoded::Contact(ContactEvent::ContactNotificationsChanged { .. }) => {}
            Decoded::Contact(e) => {
                let (contact_id, customer_id) = contact_of(e);
                rows.want::<CustomerContactRow>(tenant, &contact_id.to_string());
                rows.want::<CustomerRow>(tenant, &customer_id.to_string());
            }
            _ => {}
        }
    }
}

/// The contact an event is about, and its customer.
fn contact_of(e: &ContactEvent) -> (portal_domain::ContactId, CustomerId) {
    use ContactEvent as E;
    match e {
        E::ContactAdded {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactUpdated {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactAccessGranted {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactAccessRevoked {
            contact_id,
            customer_id,
        }
        | E::ContactRemoved {
            contact_id,
            customer_id,
        }
        | E::ContactNotificationsChanged {
            contact_id,
            customer_id,
            ..
        } => (*contact_id, *customer_id),
    }
}

async fn on_customer(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &CustomerEvent,
) -> Result<(), ApplyError> {
    use CustomerEvent as E;
    let tenant = event.tenant();
    let at = event.recorded_at();
    if let E::CustomerCreated {
        customer_id,
        name,
        code,
        status,
    } = e
    {
        let key = customer_id.to_string();
        let row = ctx
            .get_or_insert_with::<CustomerRow>(tenant, &key, || CustomerRow {
                tenant: tenant.clone(),
                customer_id: *customer_id,
                name: name.clone(),
                code: None,
                status: CustomerStatus::default(),
                portal_enabled: false,
                show_charges: false,
                contact_count: 0,
                contacts_with_access: 0,
                created_at: at,
                updated_at: at,
            })
            .await?;
        row.name = name.clone();
        row.code = code.clone();
        row.status = *status;
        row.created_at = at;
        row.updated_at = at;
        return Ok(());
    }
    let customer_id = e.customer_id();
    let Some(row) = ctx
        .get_mut::<CustomerRow>(tenant, &customer_id.to_string())
        .await?
    else {
        return Err(missing(event, "customer", customer_id));
    };
    row.updated_at = at;
    match e {
        E::CustomerCreated { .. } => {}
        E::CustomerDetailsUpdated { name, code, .. } => {
            row.name = name.clone();
            row.code = code.clone();
        }
        E::CustomerStatusChanged { to, .. } => row.status = *to,
        E::CustomerPortalEnabled { .. } => row.portal_enabled = true,
        E::CustomerPortalDisabled { .. } => row.portal_enabled = false,
        E::CustomerChargesShown { .. } => row.show_charges = true,
        E::CustomerChargesHidden { .. } => row.show_charges = false,
    }
    Ok(())
}

/// `(live, with access)` as 0/1 counts.
fn counted(row: Option<&CustomerContactRow>) -> (i64, i64) {
    row.map_or((0, 0), |r| (1, i64::from(r.portal_access)))
}

async fn on_contact(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &ContactEvent,
) -> Result<(), ApplyError> {
    use ContactEvent as E;
    let tenant = event.tenant();
    let (contact_id, customer_id) = match e {
        // Email preferences do not show on the customer.
        E::ContactNotificationsChanged { .. } => return Ok(()),
        E::ContactAdded {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactUpdated {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactAccessGranted {
            contact_id,
            customer_id,
            ..
        }
        | E::ContactAccessRevoked {
            contact_id,
            customer_id,
        }
        | E::ContactRemoved {
            contact_id,
            customer_id,
        } => (*contact_id, *customer_id),
    };
    let key = contact_id.to_string();
    let before_row = ctx.get::<CustomerContactRow>(tenant, &key).await?.cloned();
    let before = counted(before_row.as_ref());
    let after_row = match e {
        E::ContactAdded {
            name,
            email,
            phone,
            roles,
            ..
        }
        | E::ContactUpdated {
            name,
            email,
            phone,
            roles,
            ..
        } => Some(CustomerContactRow {
            tenant: tenant.clone(),
            contact_id,
            customer_id,
            name: name.clone(),
            email: email.clone(),
            phone: phone.clone(),
            roles: roles.clone(),
            // An update keeps the access; a new contact starts without (a grant follows).
            portal_access: before_row.as_ref().is_some_and(|r| r.portal_access),
        }),
        // Access changes of a contact this read model does not know change nothing.
        E::ContactAccessGranted { .. } => before_row.clone().map(|mut r| {
            r.portal_access = true;
            r
        }),
        E::ContactAccessRevoked { .. } => before_row.clone().map(|mut r| {
            r.portal_access = false;
            r
        }),
        E::ContactRemoved { .. } => None,
        E::ContactNotificationsChanged { .. } => before_row.clone(),
    };
    let after = counted(after_row.as_ref());
    match after_row {
        Some(row) => ctx.put(row),
        None if before_row.is_some() => ctx.delete::<CustomerContactRow>(tenant, &key),
        None => {}
    }
    if before != after {
        // A contact of a customer this read model does not know is kept on its own; the counts
        // live on the customer row only.
        if let Some(c) = ctx
            .get_mut::<CustomerRow>(tenant, &customer_id.to_string())
            .await?
        {
            c.contact_count += after.0 - before.0;
            c.contacts_with_access += after.1 - before.1;
            c.updated_at = event.recorded_at();
        }
    }
    Ok(())
}
