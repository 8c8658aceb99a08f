//! Queries of the charges read model. Every row carries an amount of money.

use super::rows::{ChargeRow, approval_str};
use crate::error::QueryError;
use crate::models::common::Scope;
use crate::models::sql::{Sql, doc_at};
use crate::store::{ReadDb, docs};
use portal_domain::order::ChargeApproval;
use portal_domain::{ChargeId, OrderId, TenantId};

fn scoped(select: &str, tenant: &TenantId, scope: Scope) -> Sql {
    let mut q = Sql::new(select);
    q.push(" FROM rm_charges WHERE tenant = ")
        .bind(tenant.as_str());
    if let Some(customer) = scope.customer() {
        q.push(" AND customer_id = ").bind(customer.to_string());
    }
    q
}

/// Charges in `scope` the customer has been asked to approve, in the order they were added.
pub async fn awaiting_approval(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
) -> Result<Vec<ChargeRow>, QueryError> {
    let mut q = scoped("SELECT doc", tenant, scope);
    q.push(" AND approval = ")
        .bind(approval_str(ChargeApproval::Requested))
        .push(" ORDER BY added_pos, key");
    docs(&q.fetch_all(db).await?)
}

/// How many charges in `scope` await approval.
pub async fn count_awaiting(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
) -> Result<i64, QueryError> {
    let mut q = scoped("SELECT COUNT(*)", tenant, scope);
    q.push(" AND approval = ")
        .bind(approval_str(ChargeApproval::Requested));
    q.fetch_int(db).await
}

/// The charges of one order in `scope`, in the order they were added.
pub async fn for_order(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    order_id: OrderId,
) -> Result<Vec<ChargeRow>, QueryError> {
    let mut q = scoped("SELECT doc", tenant, scope);
    q.push(" AND order_id = ")
        .bind(order_id.to_string())
        .push(" ORDER BY added_pos, key");
    docs(&q.fetch_all(db).await?)
}

/// One charge in `scope`.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    charge_id: ChargeId,
) -> Result<Option<ChargeRow>, QueryError> {
    let mut q = scoped("SELECT doc", tenant, scope);
    q.push(" AND key = ").bind(charge_id.to_string());
    q.fetch_optional(db)
        .await?
        .map(|r| doc_at(&r, 0))
        .transpose()
}
