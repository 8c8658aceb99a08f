//! Queries of the locations read model.

use super::rows::LocationRow;
use crate::error::QueryError;
use crate::models::common::Scope;
use crate::models::sql::{Sql, by_key};
use crate::store::{ReadDb, docs};
use portal_domain::values::Address;
use portal_domain::{CustomerId, LocationId, TenantId};

/// The locations a portal user of `customer` can use in new orders: the customer's own and the
/// carrier locations visible to it, none archived, sorted by name.
pub async fn for_customer(
    db: &ReadDb,
    tenant: &TenantId,
    customer: CustomerId,
) -> Result<Vec<LocationRow>, QueryError> {
    let customer = customer.to_string();
    let mut q = Sql::new("SELECT doc FROM rm_locations WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND archived = ")
        .bind(false)
        .push(" AND (owner_customer = ")
        .bind(customer.clone())
        .push(" OR (owner_customer IS NULL AND (visibility = ")
        .bind("all_portal_customers")
        .push(" OR (visibility = ")
        .bind("customer_only")
        .push(" AND visible_customer = ")
        .bind(customer)
        .push(")))) ORDER BY sort_name, key");
    docs(&q.fetch_all(db).await?)
}

/// The carrier's own locations (any visibility), sorted by name.
pub async fn carrier_locations(
    db: &ReadDb,
    tenant: &TenantId,
    include_archived: bool,
) -> Result<Vec<LocationRow>, QueryError> {
    let mut q = Sql::new("SELECT doc FROM rm_locations WHERE tenant = ");
    q.bind(tenant.as_str()).push(" AND owner_customer IS NULL");
    if !include_archived {
        q.push(" AND archived = ").bind(false);
    }
    q.push(" ORDER BY sort_name, key");
    docs(&q.fetch_all(db).await?)
}

/// A customer's own address book, sorted by name.
pub async fn customer_locations(
    db: &ReadDb,
    tenant: &TenantId,
    customer: CustomerId,
    include_archived: bool,
) -> Result<Vec<LocationRow>, QueryError> {
    let mut q = Sql::new("SELECT doc FROM rm_locations WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND owner_customer = ")
        .bind(customer.to_string());
    if !include_archived {
        q.push(" AND archived = ").bind(false);
    }
    q.push(" ORDER BY sort_name, key");
    docs(&q.fetch_all(db).await?)
}

/// One location in `scope` (archived ones included): a portal user gets only the customer's own
/// locations and the carrier locations visible to it.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    location_id: LocationId,
) -> Result<Option<LocationRow>, QueryError> {
    let row: Option<LocationRow> = by_key(db, tenant, &location_id.to_string()).await?;
    Ok(match scope {
        Scope::Tenant => row,
        Scope::Customer(customer) => row.filter(|l| l.is_visible_to(customer)),
    })
}

/// The customers whose orders refer to the location (`SetLocationVisibility`'s fact).
pub async fn used_by_customers(
    db: &ReadDb,
    tenant: &TenantId,
    location_id: LocationId,
) -> Result<Vec<CustomerId>, QueryError> {
    Ok(get(db, tenant, Scope::Tenant, location_id)
        .await?
        .map(|l| l.used_by)
        .unwrap_or_default())
}

/// The current addresses of those of `ids` that `customer` may use in a new order (its own or
/// visible to it, not archived): the `location_addresses` of `SubmitOrder`. Ids left out are
/// unknown, archived or not visible; the domain reports them on the stop.
pub async fn addresses_for(
    db: &ReadDb,
    tenant: &TenantId,
    customer: CustomerId,
    ids: &[LocationId],
) -> Result<Vec<(LocationId, Address)>, QueryError> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(l) = get(db, tenant, Scope::Customer(customer), *id).await?
            && !l.archived
        {
            out.push((l.location_id, l.address));
        }
    }
    Ok(out)
}
