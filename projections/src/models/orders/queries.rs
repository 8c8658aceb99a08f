//! Queries of the orders read model.

use super::counts::known_total;
use super::rows::{OrderCharge, OrderDetailRow, OrderRow, StatusChange};
use crate::error::QueryError;
use crate::models::common::Scope;
use crate::models::paging::{Page, Paged};
use crate::models::sql::{Listing, Sql, doc_at};
use crate::rows::Row;
use crate::store::ReadDb;
use portal_domain::order::OrderStatus;
use portal_domain::values::OrderContent;
use portal_domain::{CustomerId, OrderId, TenantId};
use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

/// Filter of the order lists (`GET /api/v1/orders?status=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Staff: one customer's orders. (A portal user's [`Scope`] restricts this anyway.)
    pub customer: Option<CustomerId>,
    pub status: Option<OrderStatus>,
    /// Words that must all occur in the order number or the customer reference.
    pub search: Option<String>,
    /// Submitted by a portal user (`true`) or by staff (`false`).
    pub via_portal: Option<bool>,
}

/// An order in a list, with its customer's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderListItem {
    #[serde(flatten)]
    pub order: OrderRow,
    pub customer_name: Option<String>,
}

/// Orders joined with the customers read model for the customer's name.
const FROM: &str =
    "rm_orders o LEFT JOIN rm_customers c ON c.tenant = o.tenant AND c.key = o.customer_id";

fn where_filter(q: &mut Sql, tenant: &TenantId, scope: Scope, f: &OrderFilter) {
    q.push("o.tenant = ").bind(tenant.as_str());
    if let Some(customer) = scope.customer() {
        q.push(" AND o.customer_id = ").bind(customer.to_string());
    }
    if let Some(customer) = f.customer {
        q.push(" AND o.customer_id = ").bind(customer.to_string());
    }
    if let Some(status) = f.status {
        q.push(" AND o.status = ").bind(status.as_str());
    }
    if let Some(via_portal) = f.via_portal {
        q.push(" AND o.submitted_pos IS NOT NULL AND o.via_portal = ")
            .bind(via_portal);
    }
    q.search("o.search", f.search.as_deref());
}

fn list_item(r: &AnyRow) -> Result<OrderListItem, QueryError> {
    Ok(OrderListItem {
        order: doc_at(r, 0)?,
        customer_name: r.try_get(1)?,
    })
}

/// The orders in `scope` matching `filter`, drafts included, newest first (by creation).
pub async fn list(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    filter: &OrderFilter,
    page: &Page,
) -> Result<Paged<OrderListItem>, QueryError> {
    let total = known_total(db, tenant, scope, filter, false).await?;
    Listing {
        select: "o.doc, c.name",
        from: FROM,
        sort: "o.created_pos",
        key: "o.key",
        descending: true,
    }
    .fetch(
        db,
        page,
        total,
        |q| where_filter(q, tenant, scope, filter),
        list_item,
        |i: &OrderListItem| (i.order.created_position, i.order.key()),
    )
    .await
}

/// The staff inbox: submitted orders (never drafts, nor drafts cancelled before submission)
/// matching `filter`, newest submission first. `filter.status = Some(Submitted)` gives the orders
/// still waiting to be accepted or rejected.
pub async fn inbox(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &OrderFilter,
    page: &Page,
) -> Result<Paged<OrderListItem>, QueryError> {
    let total = known_total(db, tenant, Scope::Tenant, filter, true).await?;
    Listing {
        select: "o.doc, c.name",
        from: FROM,
        sort: "o.submitted_pos",
        key: "o.key",
        descending: true,
    }
    .fetch(
        db,
        page,
        total,
        |q| {
            where_filter(q, tenant, Scope::Tenant, filter);
            q.push(" AND o.submitted_pos IS NOT NULL");
        },
        list_item,
        |i: &OrderListItem| {
            (
                i.order.submitted_position.unwrap_or_default(),
                i.order.key(),
            )
        },
    )
    .await
}

/// The order detail (`GET /api/v1/orders/{id}`). `charges` holds amounts of money: leave it out
/// for a customer without *Show charges on customer portal*.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderRow,
    pub content: OrderContent,
    pub rejection_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    pub history: Vec<StatusChange>,
    pub charges: Vec<OrderCharge>,
}

/// One order in `scope`: `None` when it does not exist or belongs to another customer.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    order_id: OrderId,
) -> Result<Option<OrderDetail>, QueryError> {
    let mut q = Sql::new(
        "SELECT o.doc, d.doc FROM rm_orders o \
         JOIN rm_order_details d ON d.tenant = o.tenant AND d.key = o.key \
         WHERE o.tenant = ",
    );
    q.bind(tenant.as_str())
        .push(" AND o.key = ")
        .bind(order_id.to_string());
    if let Some(customer) = scope.customer() {
        q.push(" AND o.customer_id = ").bind(customer.to_string());
    }
    let Some(r) = q.fetch_optional(db).await? else {
        return Ok(None);
    };
    let order: OrderRow = doc_at(&r, 0)?;
    let d: OrderDetailRow = doc_at(&r, 1)?;
    Ok(Some(OrderDetail {
        order,
        content: d.content,
        rejection_reason: d.rejection_reason,
        cancellation_reason: d.cancellation_reason,
        history: d.history,
        charges: d.charges,
    }))
}
