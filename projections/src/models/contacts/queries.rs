//! Queries of the contacts read model.

use super::rows::{ContactRow, ContactStatus};
use crate::error::QueryError;
use crate::models::common::sort_name;
use crate::models::paging::{Page, Paged};
use crate::models::sql::{Listing, Sql, by_key, doc_at};
use crate::rows::Row;
use crate::store::ReadDb;
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId, TenantId};
use serde::Serialize;
use sqlx::Row as _;

/// Filter of the contacts list view (`GET /api/v1/contacts?customer_id=&q=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Words that must all occur in the name, email, phone or customer name.
    pub search: Option<String>,
    pub customer: Option<CustomerId>,
    /// The contact's access toggle on or off.
    pub access: Option<bool>,
    /// Also list removed contacts (status `removed`).
    pub include_removed: bool,
}

fn where_filter(q: &mut Sql, tenant: &TenantId, f: &ContactFilter) {
    q.push("tenant = ").bind(tenant.as_str());
    if let Some(customer) = f.customer {
        q.push(" AND customer_id = ").bind(customer.to_string());
    }
    if let Some(access) = f.access {
        q.push(" AND portal_access = ").bind(access);
    }
    if !f.include_removed {
        q.push(" AND status = ")
            .bind(ContactStatus::Active.as_str());
    }
    q.search("search", f.search.as_deref());
}

/// One page of the contacts list, sorted by name (case-insensitive), then id.
pub async fn list(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &ContactFilter,
    page: &Page,
) -> Result<Paged<ContactRow>, QueryError> {
    Listing {
        select: "doc",
        from: "rm_contacts",
        sort: "sort_name",
        key: "key",
        descending: false,
    }
    .fetch(
        db,
        page,
        None,
        |q| where_filter(q, tenant, filter),
        |r| doc_at(r, 0),
        |c: &ContactRow| (sort_name(c.name.as_str()), c.key()),
    )
    .await
}

/// The active contacts of a customer whose access toggle is on, unpaged and uncounted (a
/// customer has a handful): what a bearer token's scope is checked against on every request.
pub async fn with_access(
    db: &ReadDb,
    tenant: &TenantId,
    customer: CustomerId,
) -> Result<Vec<ContactRow>, QueryError> {
    let filter = ContactFilter {
        customer: Some(customer),
        access: Some(true),
        ..ContactFilter::default()
    };
    let mut q = Sql::new("SELECT doc FROM rm_contacts WHERE ");
    where_filter(&mut q, tenant, &filter);
    q.fetch_all(db)
        .await?
        .iter()
        .map(|r| doc_at(r, 0))
        .collect()
}

/// One contact (also a removed one).
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    contact_id: ContactId,
) -> Result<Option<ContactRow>, QueryError> {
    by_key(db, tenant, &contact_id.to_string()).await
}

/// Whether another live contact of the customer has this email (the `email_in_use` fact of
/// `AddContact` and `UpdateContact`); `except` is the contact being edited.
pub async fn email_in_use(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
    email: &Email,
    except: Option<ContactId>,
) -> Result<bool, QueryError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM rm_contacts WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND customer_id = ")
        .bind(customer_id.to_string())
        .push(" AND email = ")
        .bind(email.as_str())
        .push(" AND status = ")
        .bind(ContactStatus::Active.as_str());
    if let Some(except) = except {
        q.push(" AND key <> ").bind(except.to_string());
    }
    Ok(q.fetch_int(db).await? > 0)
}

/// One portal grant of an email: a contact with effective access at a customer of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortalGrant {
    pub tenant: TenantId,
    /// The carrier's display name, for the switcher ("Carrier — Customer").
    pub tenant_name: Option<String>,
    pub customer_id: CustomerId,
    pub customer_name: Option<String>,
    pub contact_id: ContactId,
    pub contact_name: String,
}

/// Every portal grant of `email`, across tenants: the login lookup (a portal user is one
/// identity per email, with grants at one or more tenant/customer pairs). Only contacts whose
/// access is effective (their toggle on, their customer's portal on, not removed) count. Sorted
/// by tenant, customer name, customer id.
///
/// This is the one query without a tenant: at login the tenant is not known yet. Its answer
/// must only ever go to the holder of the email (after the magic link), never to the requester.
pub async fn by_email(db: &ReadDb, email: &Email) -> Result<Vec<PortalGrant>, QueryError> {
    let mut q = Sql::new(
        "SELECT c.doc, t.name FROM rm_contacts c \
         LEFT JOIN rm_tenants t ON t.tenant = c.tenant AND t.key = c.tenant \
         WHERE c.email = ",
    );
    q.bind(email.as_str())
        .push(" AND c.portal_access = ")
        .bind(true)
        .push(" AND c.customer_portal_enabled = ")
        .bind(true)
        .push(" AND c.status = ")
        .bind(ContactStatus::Active.as_str())
        .push(" ORDER BY c.tenant, c.customer_id, c.key");
    let mut grants = q
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            let c: ContactRow = doc_at(r, 0)?;
            let tenant_name: Option<String> = r.try_get(1)?;
            Ok(PortalGrant {
                tenant: c.tenant,
                tenant_name,
                customer_id: c.customer_id,
                customer_name: c.customer_name.map(String::from),
                contact_id: c.contact_id,
                contact_name: c.name.into(),
            })
        })
        .collect::<Result<Vec<_>, QueryError>>()?;
    grants.sort_by(|a, b| {
        (&a.tenant, &a.customer_name, a.customer_id).cmp(&(
            &b.tenant,
            &b.customer_name,
            b.customer_id,
        ))
    });
    Ok(grants)
}
