//! Queries of the orders read model.

use super::counts::{inbox_counters, known_total};
use super::rows::{OrderCharge, OrderDetailRow, OrderRow, StatusChange, iso_date, reference_key};
use crate::error::QueryError;
use crate::models::common::{Scope, StatusCounts};
use crate::models::paging::{Page, Paged};
use crate::models::sql::{Listing, Sql, doc_at};
use crate::rows::Row;
use crate::store::ReadDb;
use portal_domain::order::OrderStatus;
use portal_domain::values::DraftContent;
use portal_domain::{CustomerId, FieldError, OrderId, TenantId};
use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use time::Date;

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
    /// The first pickup is on or after this date (orders without a stop never match).
    pub pickup_from: Option<Date>,
    /// The first pickup is on or before this date (orders without a stop never match).
    pub pickup_to: Option<Date>,
}

impl OrderFilter {
    /// Whether the filter narrows the list beyond what the order counters tell apart (status
    /// and origin): then totals and tab counts are counted from the rows.
    pub(crate) fn beyond_counters(&self) -> bool {
        self.search.as_deref().is_some_and(|s| !s.trim().is_empty())
            || self.pickup_from.is_some()
            || self.pickup_to.is_some()
    }
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
    if let Some(from) = f.pickup_from {
        q.push(" AND o.pickup_date >= ").bind(iso_date(from));
    }
    if let Some(to) = f.pickup_to {
        q.push(" AND o.pickup_date <= ").bind(iso_date(to));
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

/// The customer's orders whose reference matches `reference` ([`reference_key`]: without regard
/// to case and surrounding space), newest first, at most `limit`: drafts included, drafts
/// cancelled before submission not. One exact index look-up, whatever the number of the
/// customer's orders.
pub async fn with_reference(
    db: &ReadDb,
    tenant: &TenantId,
    customer: CustomerId,
    reference: &str,
    limit: i64,
) -> Result<Vec<OrderRow>, QueryError> {
    let Some(key) = reference_key(reference) else {
        return Ok(vec![]);
    };
    let mut q = Sql::new("SELECT doc FROM rm_orders WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND customer_id = ")
        .bind(customer.to_string())
        .push(" AND reference = ")
        .bind(key)
        .push(" AND NOT (status = ")
        .bind(OrderStatus::Cancelled.as_str())
        .push(" AND submitted_pos IS NULL) ORDER BY created_pos DESC, key DESC LIMIT ")
        .bind(limit);
    q.fetch_all(db)
        .await?
        .iter()
        .map(|r| doc_at(r, 0))
        .collect()
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

/// The counts of the inbox's status tabs: the submitted orders `filter` admits per status,
/// whatever its `status` (each tab shows what choosing it would list). From the counters when
/// the filter does not narrow beyond them, else counted from the rows.
pub async fn inbox_counts(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &OrderFilter,
) -> Result<StatusCounts, QueryError> {
    let any_status = OrderFilter {
        status: None,
        ..filter.clone()
    };
    if !any_status.beyond_counters() {
        return inbox_counters(db, tenant, &any_status).await;
    }
    let mut q = Sql::new(&format!("SELECT o.status, COUNT(*) FROM {FROM} WHERE "));
    where_filter(&mut q, tenant, Scope::Tenant, &any_status);
    q.push(" AND o.submitted_pos IS NOT NULL GROUP BY o.status");
    let mut counted = Vec::new();
    for r in q.fetch_all(db).await? {
        let status: String = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        counted.extend(OrderStatus::parse(&status).map(|s| (s, n)));
    }
    Ok(StatusCounts::from_fn(|s| {
        counted.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n)
    }))
}

/// The order detail (`GET /api/v1/orders/{id}`). `charges` holds amounts of money: leave it out
/// for a customer without *Show charges on customer portal*.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderRow,
    /// The draft as filled in so far (gaps allowed), or the content as submitted.
    pub content: DraftContent,
    /// What a draft still lacks before it can be submitted (the messages submission would
    /// give); empty once submitted.
    pub missing: Vec<FieldError>,
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
    let missing = if order.status == OrderStatus::Draft {
        d.content.missing()
    } else {
        vec![]
    };
    Ok(Some(OrderDetail {
        order,
        missing,
        content: d.content,
        rejection_reason: d.rejection_reason,
        cancellation_reason: d.cancellation_reason,
        history: d.history,
        charges: d.charges,
    }))
}
