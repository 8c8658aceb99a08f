//! Projection `contacts`.

use super::rows::{CONTACT_CUSTOMERS, CONTACTS, ContactCustomerRow, ContactRow, ContactStatus};
use crate::ctx::Ctx;
use crate::error::ApplyError;
use crate::event::{Decoded, Event};
use crate::models::common::{invalid_in, missing};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::Table;
use futures::future::BoxFuture;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::{Customer, CustomerEvent};
use portal_domain::{Aggregate, CustomerId, TenantId};

static TABLES: [&Table; 2] = [&CONTACTS, &CONTACT_CUSTOMERS];

pub struct ContactsProjection;

impl Projection for ContactsProjection {
    fn name(&self) -> &'static str {
        "contacts"
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
        use ContactEvent as C;
        use CustomerEvent as E;
        let tenant = event.tenant();
        match event.decoded {
            Decoded::Customer(
                E::CustomerCreated { customer_id, .. }
                | E::CustomerDetailsUpdated { customer_id, .. }
                | E::CustomerPortalEnabled { customer_id }
                | E::CustomerPortalDisabled { customer_id },
            ) => {
                let key = customer_id.to_string();
                rows.want::<ContactCustomerRow>(tenant, &key);
                let contacts = rows
                    .cached::<ContactCustomerRow>(tenant, &key)
                    .map(|i| i.contact_ids.clone())
                    .unwrap_or_default();
                for contact_id in contacts {
                    rows.want::<ContactRow>(tenant, &contact_id.to_string());
                }
            }
            Decoded::Contact(C::ContactAdded { customer_id, .. }) => {
                rows.want::<ContactCustomerRow>(tenant, &customer_id.to_string());
            }
            Decoded::Contact(
                C::ContactUpdated { contact_id, .. }
                | C::ContactAccessGranted { contact_id, .. }
                | C::ContactAccessRevoked { contact_id, .. }
                | C::ContactRemoved { contact_id, .. },
            ) => rows.want::<ContactRow>(tenant, &contact_id.to_string()),
            _ => {}
        }
    }
}

fn index_row(tenant: &TenantId, customer_id: CustomerId) -> impl FnOnce() -> ContactCustomerRow {
    let tenant = tenant.clone();
    move || ContactCustomerRow {
        tenant,
        customer_id,
        name: None,
        portal_enabled: false,
        contact_ids: Vec::new(),
    }
}

async fn on_customer(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &CustomerEvent,
) -> Result<(), ApplyError> {
    use CustomerEvent as E;
    let tenant = event.tenant();
    let customer_id = match e {
        E::CustomerCreated { customer_id, .. }
        | E::CustomerDetailsUpdated { customer_id, .. }
        | E::CustomerPortalEnabled { customer_id }
        | E::CustomerPortalDisabled { customer_id } => *customer_id,
        // Nothing the contact rows show.
        E::CustomerStatusChanged { .. }
        | E::CustomerChargesShown { .. }
        | E::CustomerChargesHidden { .. } => return Ok(()),
    };
    let index = ctx
        .get_or_insert_with(
            tenant,
            &customer_id.to_string(),
            index_row(tenant, customer_id),
        )
        .await?;
    match e {
        E::CustomerCreated { name, .. } | E::CustomerDetailsUpdated { name, .. } => {
            index.name = Some(name.clone());
        }
        E::CustomerPortalEnabled { .. } => index.portal_enabled = true,
        E::CustomerPortalDisabled { .. } => index.portal_enabled = false,
        _ => {}
    }
    let (name, portal_enabled, contacts) = (
        index.name.clone(),
        index.portal_enabled,
        index.contact_ids.clone(),
    );
    let at = event.recorded_at();
    for contact_id in contacts {
        if let Some(row) = ctx
            .get_mut::<ContactRow>(tenant, &contact_id.to_string())
            .await?
        {
            row.customer_name = name.clone();
            row.customer_portal_enabled = portal_enabled;
            row.updated_at = at;
        }
    }
    Ok(())
}

async fn on_contact(
    ctx: &mut Ctx<'_>,
    event: &Event<'_>,
    e: &ContactEvent,
) -> Result<(), ApplyError> {
    use ContactEvent as E;
    let tenant = event.tenant();
    let at = event.recorded_at();
    if let E::ContactAdded {
        contact_id,
        customer_id,
        name,
        email,
        phone,
        roles,
    } = e
    {
        let index = ctx
            .get_or_insert_with(
                tenant,
                &customer_id.to_string(),
                index_row(tenant, *customer_id),
            )
            .await?;
        if !index.contact_ids.contains(contact_id) {
            index.contact_ids.push(*contact_id);
        }
        let (customer_name, customer_portal_enabled) = (index.name.clone(), index.portal_enabled);
        ctx.put(ContactRow {
            tenant: tenant.clone(),
            contact_id: *contact_id,
            customer_id: *customer_id,
            customer_name,
            customer_portal_enabled,
            name: name.clone(),
            email: email.clone(),
            phone: phone.clone(),
            roles: roles.clone(),
            portal_access: false,
            status: ContactStatus::Active,
            created_at: at,
            updated_at: at,
        });
        return Ok(());
    }
    let contact_id = match e {
        // Email preferences are not part of this read model (they are read from the log).
        E::ContactNotificationsChanged { .. } => return Ok(()),
        E::ContactAdded { contact_id, .. }
        | E::ContactUpdated { contact_id, .. }
        | E::ContactAccessGranted { contact_id, .. }
        | E::ContactAccessRevoked { contact_id, .. }
        | E::ContactRemoved { contact_id, .. } => *contact_id,
    };
    let Some(row) = ctx
        .get_mut::<ContactRow>(tenant, &contact_id.to_string())
        .await?
    else {
        return Err(missing(event, "contact", contact_id));
    };
    row.updated_at = at;
    match e {
        E::ContactAdded { .. } => {}
        E::ContactUpdated {
            name,
            email,
            phone,
            roles,
            ..
        } => {
            row.name = name.clone();
            row.email = email.clone();
            row.phone = phone.clone();
            row.roles = roles.clone();
        }
        E::ContactAccessGranted { email, .. } => {
            row.portal_access = true;
            row.email = email.clone();
        }
        E::ContactAccessRevoked { .. } => row.portal_access = false,
        E::ContactRemoved { .. } => {
            row.portal_access = false;
            row.status = ContactStatus::Removed;
        }
        E::ContactNotificationsChanged { .. } => {}
    }
    Ok(())
}
