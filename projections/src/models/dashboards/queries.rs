//! Queries of the dashboards read model.

use super::rows::{
    CustomerCounters, CustomerDashRow, CustomerDayRow, TenantDashRow, status_counts,
};
use crate::error::QueryError;
use crate::models::common::{Scope, StatusCounts, day_key, partitioned_keys};
use crate::models::sql::Sql;
use crate::store::{ReadDb, docs};
use portal_domain::values::serde_time;
use portal_domain::{CustomerId, TenantId};
use serde::Serialize;
use sqlx::Row as _;
use time::{Date, Duration};

/// Days in the per-day series, today included.
pub const WINDOW_DAYS: i64 = 30;

/// A count on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayCount {
    #[serde(with = "serde_time::date")]
    pub date: Date,
    pub count: i64,
}

/// The on-time delivery figures (rule: see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OnTimeDelivery {
    pub delivered: i64,
    pub on_time: i64,
    /// `on_time / delivered` in 0..=1; `None` before the first delivery.
    pub share: Option<f64>,
}

impl OnTimeDelivery {
    fn of(c: &CustomerCounters) -> Self {
        Self {
            delivered: c.delivered,
            on_time: c.delivered_on_time,
            share: (c.delivered > 0).then(|| c.delivered_on_time as f64 / c.delivered as f64),
        }
    }
}

/// A customer's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerDashboard {
    pub customer_id: CustomerId,
    pub orders_by_status: StatusCounts,
    /// Orders submitted per day over the [`WINDOW_DAYS`] days up to `today`, oldest first, with
    /// zeros.
    pub orders_per_day: Vec<DayCount>,
    pub on_time: OnTimeDelivery,
    pub charges_awaiting_approval: i64,
}

/// The tenant's dashboard (staff).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantDashboard {
    pub customers_with_portal: i64,
    /// Contacts with portal access.
    pub active_portal_users: i64,
    pub orders_by_status: StatusCounts,
    /// Orders submitted per day (by anyone), oldest first, with zeros.
    pub orders_per_day: Vec<DayCount>,
    /// Orders submitted via the portal (by a portal user) per day, oldest first, with zeros.
    pub portal_orders_per_day: Vec<DayCount>,
    pub on_time: OnTimeDelivery,
    pub charges_awaiting_approval: i64,
}

/// The dashboard of a caller's scope (`GET /api/v1/dashboard`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Dashboard {
    Tenant(TenantDashboard),
    Customer(CustomerDashboard),
}

/// The first and last day of the window ending `today`.
fn window(today: Date) -> (Date, Date) {
    (today.saturating_sub(Duration::days(WINDOW_DAYS - 1)), today)
}

/// Every day of the window with `count_of` it, oldest first.
fn series(today: Date, count_of: impl Fn(Date) -> i64) -> Vec<DayCount> {
    let (first, last) = window(today);
    let mut out = Vec::with_capacity(WINDOW_DAYS as usize);
    let mut day = Some(first);
    while let Some(d) = day.filter(|d| *d <= last) {
        out.push(DayCount {
            date: d,
            count: count_of(d),
        });
        day = d.next_day();
    }
    out
}

/// A customer's dashboard, its per-day series ending `today`.
pub async fn customer(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
    today: Date,
) -> Result<CustomerDashboard, QueryError> {
    // One row per partition the customer's streams fall in: summed.
    let mut q = Sql::new("SELECT doc FROM rm_dash_customers WHERE tenant = ");
    q.bind(tenant.as_str()).push(" AND key IN (");
    for (i, key) in partitioned_keys(&customer_id.to_string(), db.partition_count())
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            q.push(", ");
        }
        q.bind(key);
    }
    q.push(")");
    let rows: Vec<CustomerDashRow> = docs(&q.fetch_all(db).await?)?;
    let mut counters = CustomerCounters::default();
    for row in &rows {
        counters.add(&row.counters, 1);
    }

    let (first, last) = window(today);
    let mut q = Sql::new("SELECT doc FROM rm_dash_customer_days WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND customer_id = ")
        .bind(customer_id.to_string())
        .push(" AND day >= ")
        .bind(day_key(first))
        .push(" AND day <= ")
        .bind(day_key(last));
    let days: Vec<CustomerDayRow> = docs(&q.fetch_all(db).await?)?;

    Ok(CustomerDashboard {
        customer_id,
        orders_by_status: status_counts(&counters.orders_by_status),
        orders_per_day: series(today, |d| {
            days.iter()
                .filter(|r| r.date == d)
                .map(|r| r.submitted)
                .sum()
        }),
        on_time: OnTimeDelivery::of(&counters),
        charges_awaiting_approval: counters.charges_awaiting_approval,
    })
}

/// The tenant's dashboard, its per-day series ending `today`.
pub async fn tenant(
    db: &ReadDb,
    tenant: &TenantId,
    today: Date,
) -> Result<TenantDashboard, QueryError> {
    // Summed here rather than stored: see the module docs.
    let mut q = Sql::new("SELECT doc FROM rm_dash_customers WHERE tenant = ");
    q.bind(tenant.as_str());
    let customers: Vec<CustomerDashRow> = docs(&q.fetch_all(db).await?)?;
    let mut q = Sql::new("SELECT COUNT(*) FROM rm_dash_contacts WHERE tenant = ");
    q.bind(tenant.as_str()).push(" AND access = ").bind(true);
    let row = TenantDashRow::sum_of(tenant, &customers, q.fetch_int(db).await?);

    let (first, last) = window(today);
    let mut q = Sql::new(
        "SELECT day, CAST(SUM(submitted) AS BIGINT), CAST(SUM(via_portal) AS BIGINT) \
         FROM rm_dash_customer_days WHERE tenant = ",
    );
    q.bind(tenant.as_str())
        .push(" AND day >= ")
        .bind(day_key(first))
        .push(" AND day <= ")
        .bind(day_key(last))
        .push(" GROUP BY day");
    let days: Vec<(String, i64, i64)> = q
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let on = |d: Date| {
        let key = day_key(d);
        days.iter().find(|r| r.0 == key)
    };

    let TenantDashRow {
        counters,
        customers_with_portal,
        active_portal_users,
        ..
    } = row;
    Ok(TenantDashboard {
        customers_with_portal,
        active_portal_users,
        orders_by_status: status_counts(&counters.orders_by_status),
        orders_per_day: series(today, |d| on(d).map_or(0, |r| r.1)),
        portal_orders_per_day: series(today, |d| on(d).map_or(0, |r| r.2)),
        on_time: OnTimeDelivery::of(&counters),
        charges_awaiting_approval: counters.charges_awaiting_approval,
    })
}

/// The dashboard of `scope`: the tenant's for staff, the customer's for a portal user.
pub async fn for_scope(
    db: &ReadDb,
    tenant_id: &TenantId,
    scope: Scope,
    today: Date,
) -> Result<Dashboard, QueryError> {
    Ok(match scope {
        Scope::Tenant => Dashboard::Tenant(tenant(db, tenant_id, today).await?),
        Scope::Customer(c) => Dashboard::Customer(customer(db, tenant_id, c, today).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_series_covers_thirty_days_up_to_today() {
        let s = series(date!(2025 - 03 - 01), |d| i64::from(d.day()));
        assert_eq!(s.len(), 30);
        assert_eq!(s[0].date, date!(2025 - 01 - 31));
        assert_eq!(
            s[29],
            DayCount {
                date: date!(2025 - 03 - 01),
                count: 1
            }
        );
    }
}
