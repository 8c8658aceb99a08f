//! Order counters (`rm_order_counts`): how many orders each list bucket holds, per customer, so
//! that the status tabs and the `total` of a list without a search read one row (a customer's) or
//! one row per customer (the tenant's: summed at read time) instead of counting up to every order
//! of the tenant (a `COUNT(*)` over 100,000 orders took longer than the page itself).
//!
//! There is no tenant-wide counter row: every order event of the tenant would update it, which
//! serialises projectors applying disjoint customers at once, and a batch's writes all queue on
//! that one row. The tenant's figures are the sum of its customers' rows, one index range of
//! the primary key.
//!
//! A bucket is what the list filters can tell apart without a search: the status and the
//! origin (never submitted, submitted by a portal user, submitted by staff). The counters live
//! in the orders projection itself, written in the same transaction as the order rows, so a
//! total never disagrees with the list it heads. They move only when an order's bucket changes
//! (old −1, new +1), computed from the order row before and after the event, so applying an
//! event the row already reflects changes nothing.

use super::queries::OrderFilter;
use super::rows::OrderRow;
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::models::common::{Scope, StatusCounts};
use crate::models::common::{partitioned_key, partitioned_keys};
use crate::models::sql::Sql;
use crate::prefetch::Prefetch;
use crate::rows::{ColValue, Row, Table};
use crate::store::{ReadDb, docs};
use portal_domain::order::OrderStatus;
use portal_domain::{CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an order came from, as the list filters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Not submitted (a draft, or a draft cancelled before submission).
    Unsubmitted,
    Portal,
    Staff,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unsubmitted => "unsubmitted",
            Self::Portal => "portal",
            Self::Staff => "staff",
        }
    }

    fn of(row: &OrderRow) -> Self {
        match (row.submitted_position, row.via_portal) {
            (None, _) => Self::Unsubmitted,
            (Some(_), true) => Self::Portal,
            (Some(_), false) => Self::Staff,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Unsubmitted, Self::Portal, Self::Staff]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// The bucket key of an order: `status/origin`.
pub(crate) fn bucket_of(row: &OrderRow) -> String {
    format!("{}/{}", row.status.as_str(), Origin::of(row).as_str())
}

fn parse_bucket(key: &str) -> Option<(OrderStatus, Origin)> {
    let (status, origin) = key.split_once('/')?;
    Some((OrderStatus::parse(status)?, Origin::parse(origin)?))
}

/// Orders per bucket of one customer; summed over the customers (`customer_id` `None`) for the
/// tenant's figures, which are never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCountsRow {
    pub tenant: TenantId,
    /// `None` only for a tenant's sum (and in rows of a version that stored one).
    pub customer_id: Option<CustomerId>,
    pub buckets: BTreeMap<String, i64>,
    /// The partition whose orders this row counts.
    #[serde(default)]
    pub partition: u16,
}

impl OrderCountsRow {
    /// The key a tenant-wide row had in an earlier version: excluded from the tenant's sum.
    pub const TENANT_KEY: &'static str = "tenant";

    fn key_of(customer_id: Option<CustomerId>, partition: u16) -> String {
        customer_id.map_or_else(
            || Self::TENANT_KEY.to_owned(),
            |c| partitioned_key(&c.to_string(), partition),
        )
    }

    /// The sum of `rows` as the tenant's figures.
    pub(crate) fn sum_of(
        tenant: &TenantId,
        rows: impl IntoIterator<Item = OrderCountsRow>,
    ) -> Self {
        let mut buckets: BTreeMap<String, i64> = BTreeMap::new();
        for row in rows {
            for (k, n) in row.buckets {
                *buckets.entry(k).or_insert(0) += n;
            }
        }
        buckets.retain(|_, n| *n != 0);
        Self {
            tenant: tenant.clone(),
            customer_id: None,
            buckets,
            partition: 0,
        }
    }

    /// Orders per status.
    pub fn by_status(&self) -> StatusCounts {
        StatusCounts::from_fn(|s| self.sum(|status, _| status == s))
    }

    /// The number of orders `filter` (without its search) admits; `inbox`: submitted only.
    fn total(&self, filter: &OrderFilter, inbox: bool) -> i64 {
        self.sum(|status, origin| {
            filter.status.is_none_or(|s| s == status)
                && match filter.via_portal {
                    Some(true) => origin == Origin::Portal,
                    Some(false) => origin == Origin::Staff,
                    None => !inbox || origin != Origin::Unsubmitted,
                }
        })
    }

    fn sum(&self, admits: impl Fn(OrderStatus, Origin) -> bool) -> i64 {
        self.buckets
            .iter()
            .filter_map(|(k, n)| parse_bucket(k).map(|(s, o)| (s, o, *n)))
            .filter(|(s, o, _)| admits(*s, *o))
            .map(|(_, _, n)| n)
            .sum()
    }
}

pub static ORDER_COUNTS: Table = Table {
    name: "rm_order_counts",
    columns: &[],
    indexes: &[],
};

impl Row for OrderCountsRow {
    const TABLE: &'static Table = &ORDER_COUNTS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        Self::key_of(self.customer_id, self.partition)
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}

/// Names the row [`recount`] reads for an order of `customer_id` in `partition`.
pub(crate) fn prefetch(
    rows: &mut Prefetch<'_>,
    tenant: &TenantId,
    customer_id: CustomerId,
    partition: u16,
) {
    rows.want::<OrderCountsRow>(
        tenant,
        &OrderCountsRow::key_of(Some(customer_id), partition),
    );
}

/// Moves one order from bucket `old` (`None`: not counted yet) to `new`, in its customer's row
/// of `partition` (the order's).
pub(crate) async fn recount(
    ctx: &mut Ctx<'_>,
    tenant: &TenantId,
    (customer_id, partition): (CustomerId, u16),
    old: Option<&str>,
    new: &str,
) -> Result<(), ApplyError> {
    if old == Some(new) {
        return Ok(());
    }
    let key = OrderCountsRow::key_of(Some(customer_id), partition);
    let row = ctx
        .get_or_insert_with(tenant, &key, || OrderCountsRow {
            tenant: tenant.clone(),
            customer_id: Some(customer_id),
            buckets: BTreeMap::new(),
            partition,
        })
        .await?;
    if let Some(old) = old {
        *row.buckets.entry(old.to_owned()).or_insert(0) -= 1;
    }
    *row.buckets.entry(new.to_owned()).or_insert(0) += 1;
    row.buckets.retain(|_, n| *n != 0);
    Ok(())
}

/// The counters of the customer a list is restricted to (by `scope` or the filter), or of the
/// tenant; `None` when the scope and the filter name two different customers (an empty list).
async fn counters(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    filter_customer: Option<CustomerId>,
) -> Result<Option<OrderCountsRow>, QueryError> {
    let customer = match (scope.customer(), filter_customer) {
        (Some(a), Some(b)) if a != b => return Ok(None),
        (a, b) => a.or(b),
    };
    let Some(customer_id) = customer else {
        let mut q = Sql::new("SELECT doc FROM rm_order_counts WHERE tenant = ");
        q.bind(tenant.as_str())
            .push(" AND key <> ")
            .bind(OrderCountsRow::TENANT_KEY);
        let rows: Vec<OrderCountsRow> = docs(&q.fetch_all(db).await?)?;
        return Ok(Some(OrderCountsRow::sum_of(tenant, rows)));
    };
    let keys = partitioned_keys(&customer_id.to_string(), db.partition_count());
    let mut q = Sql::new("SELECT doc FROM rm_order_counts WHERE tenant = ");
    q.bind(tenant.as_str()).push(" AND key IN (");
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(key);
    }
    q.push(")");
    let rows: Vec<OrderCountsRow> = docs(&q.fetch_all(db).await?)?;
    let mut sum = OrderCountsRow::sum_of(tenant, rows);
    sum.customer_id = Some(customer_id);
    Ok(Some(sum))
}

/// The total of a list from the counters; `None` when the filter searches (the caller counts
/// the matching rows then).
pub(crate) async fn known_total(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
    filter: &OrderFilter,
    inbox: bool,
) -> Result<Option<i64>, QueryError> {
    if filter.beyond_counters() {
        return Ok(None);
    }
    Ok(Some(
        counters(db, tenant, scope, filter.customer)
            .await?
            .map_or(0, |c| c.total(filter, inbox)),
    ))
}

/// Submitted orders per status that `filter` (without status, search or dates) admits, from the
/// counters: the inbox's tabs.
pub(crate) async fn inbox_counters(
    db: &ReadDb,
    tenant: &TenantId,
    filter: &OrderFilter,
) -> Result<StatusCounts, QueryError> {
    let c = counters(db, tenant, Scope::Tenant, filter.customer).await?;
    Ok(StatusCounts::from_fn(|s| {
        c.as_ref().map_or(0, |c| {
            c.total(
                &OrderFilter {
                    status: Some(s),
                    ..filter.clone()
                },
                true,
            )
        })
    }))
}

/// Orders per status in `scope` (the counts of the status tabs), every status listed.
pub async fn counts_by_status(
    db: &ReadDb,
    tenant: &TenantId,
    scope: Scope,
) -> Result<StatusCounts, QueryError> {
    Ok(counters(db, tenant, scope, None)
        .await?
        .map(|c| c.by_status())
        .unwrap_or_else(|| StatusCounts::from_fn(|_| 0)))
}
