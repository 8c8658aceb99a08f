//! Rows of the locations read model.

use crate::models::common::sort_name;
use crate::rows::{ColValue, Column, Row, Table};
use portal_domain::location::{LocationOwner, LocationVisibility};
use portal_domain::values::{Address, Name, OpeningHours};
use portal_domain::{CustomerId, LocationId, OrderId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The `visibility` column: the kind of [`LocationVisibility`].
pub(crate) fn visibility_kind(v: &LocationVisibility) -> &'static str {
    match v {
        LocationVisibility::CustomerOnly { .. } => "customer_only",
        LocationVisibility::AllPortalCustomers => "all_portal_customers",
        LocationVisibility::NotOnPortal => "not_on_portal",
    }
}

/// A location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationRow {
    pub tenant: TenantId,
    pub location_id: LocationId,
    pub owner: LocationOwner,
    pub name: Name,
    pub address: Address,
    pub opening_hours: OpeningHours,
    /// Site instructions (`None` in rows of events before they existed).
    #[serde(default)]
    pub instructions: Option<String>,
    pub visibility: LocationVisibility,
    pub archived: bool,
    /// Customers whose orders refer to this location, sorted.
    pub used_by: Vec<CustomerId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl LocationRow {
    /// Whether `customer` may see this location on the portal (archived or not).
    pub fn is_visible_to(&self, customer: CustomerId) -> bool {
        self.owner.customer_id() == Some(customer) || self.visibility.is_visible_to(customer)
    }
}

pub static LOCATIONS: Table = Table {
    name: "rm_locations",
    columns: &[
        Column::text("owner_customer").indexed(),
        Column::text("visibility"),
        Column::text("visible_customer").indexed(),
        Column::bool("archived"),
        Column::text("sort_name"),
    ],
    indexes: &[],
};

impl Row for LocationRow {
    const TABLE: &'static Table = &LOCATIONS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.location_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        let visible_customer = match self.visibility {
            LocationVisibility::CustomerOnly { customer_id } => Some(customer_id.to_string()),
            _ => None,
        };
        vec![
            self.owner.customer_id().map(|c| c.to_string()).into(),
            visibility_kind(&self.visibility).into(),
            visible_customer.into(),
            self.archived.into(),
            sort_name(self.name.as_str()).into(),
        ]
    }
}

/// Index row: the customer of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationOrderRow {
    pub tenant: TenantId,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
}

pub static LOCATION_ORDERS: Table = Table {
    name: "rm_location_orders",
    columns: &[],
    indexes: &[],
};

impl Row for LocationOrderRow {
    const TABLE: &'static Table = &LOCATION_ORDERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.order_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}
