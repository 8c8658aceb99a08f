//! Queries of the customers read model (staff only: portal users never list customers).

use super::rows::{CustomerContactRow, CustomerRow};
use crate::error::QueryError;
use crate::models::common::sort_name;
use crate::models::paging::{Page, Paged};
use crate::models::sql::{Listing, Sql, by_key, doc_at};
use crate::rows::Row;
use crate::store::{ReadDb, docs};
use portal_domain::customer::CustomerStatus;
use portal_domain::{CustomerId, TenantId};
use serde::Serialize;
use sqlx::Row as _;

/// Filter of the customers list view (`GET /api/v1/customers?q=&portal_enabled=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// Words that must all occur in the name or code (case-insensitive).
    pub search: Option<String>,
    pub status: Option<CustomerStatus>,
    /// *Access to Customer Portal* on or off.
    pub portal: Option<bool>,
}

fn where_filter(q: &mut Sql, tenant: &TenantId, f: &CustomerFilter) {
    q.push("tenant = ").bind(tenant.as_str());
    if let Some(status) = f.status {
        q.push(" AND status = ").bind(status.as_str());
    }
    if let Some(portal) = f.portal {
        q.push(" AND portal_enabled = ").bind(portal);
    }
    q.search("search", f.search.as_deref());
}

/// One page of the customers list, sorted by name (case-insensitive), then id.
pub async fn list(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &CustomerFilter,
    page: &Page,
) -> Result<Paged<CustomerRow>, QueryError> {
    Listing {
        select: "doc",
        from: "rm_customers",
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
        |c: &CustomerRow| (sort_name(c.name.as_str()), c.key()),
    )
    .await
}

/// The ids of every customer matching `filter`, in list order: *select all matching* for the
/// bulk quick actions.
pub async fn all_ids_matching(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &CustomerFilter,
) -> Result<Vec<CustomerId>, QueryError> {
    let mut q = Sql::new("SELECT key FROM rm_customers WHERE ");
    where_filter(&mut q, tenant, filter);
    q.push(" ORDER BY sort_name, key");
    q.fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            let key: String = r.try_get(0)?;
            Ok(serde_json::from_value(serde_json::Value::String(key))?)
        })
        .collect()
}

/// One customer.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<Option<CustomerRow>, QueryError> {
    by_key(db, tenant, &customer_id.to_string()).await
}

/// The live contacts of a customer, sorted by name.
pub async fn contacts_of(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<Vec<CustomerContactRow>, QueryError> {
    let mut q = Sql::new("SELECT doc FROM rm_customer_contacts WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND customer_id = ")
        .bind(customer_id.to_string())
        .push(" ORDER BY sort_name, key");
    docs(&q.fetch_all(db).await?)
}

/// The customer profile: the customer and its contacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerProfile {
    #[serde(flatten)]
    pub customer: CustomerRow,
    pub contacts: Vec<CustomerContactRow>,
}

/// The customer profile (`GET /api/v1/customers/{id}`).
pub async fn profile(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<Option<CustomerProfile>, QueryError> {
    let Some(customer) = get(db, tenant, customer_id).await? else {
        return Ok(None);
    };
    let contacts = contacts_of(db, tenant, customer_id).await?;
    Ok(Some(CustomerProfile { customer, contacts }))
}
