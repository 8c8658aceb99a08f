//! Rows of the customers read model.

use crate::models::common::{search_text, sort_name};
use crate::rows::{ColValue, Column, Row, Table};
use portal_domain::contact::ContactRole;
use portal_domain::customer::CustomerStatus;
use portal_domain::values::{Email, Name, Phone};
use portal_domain::{ContactId, CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A customer as the list view and the profile show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    pub name: Name,
    pub code: Option<String>,
    pub status: CustomerStatus,
    /// *Access to Customer Portal*.
    pub portal_enabled: bool,
    /// *Show charges on customer portal*.
    pub show_charges: bool,
    /// Live (not removed) contacts.
    pub contact_count: i64,
    /// Live contacts whose portal access is switched on.
    pub contacts_with_access: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl CustomerRow {
    /// What the list's search box matches: name and code, lowercased.
    pub fn search_text(&self) -> String {
        search_text([self.name.as_str(), self.code.as_deref().unwrap_or_default()])
    }
}

pub static CUSTOMERS: Table = Table {
    name: "rm_customers",
    columns: &[
        Column::text("name"),
        Column::text("sort_name").indexed(),
        Column::text("status").indexed(),
        Column::bool("portal_enabled"),
        Column::bool("show_charges"),
        Column::int("contact_count"),
        Column::int("contacts_with_access"),
        Column::text("search"),
    ],
    indexes: &[],
};

impl Row for CustomerRow {
    const TABLE: &'static Table = &CUSTOMERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.customer_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.name.as_str().into(),
            sort_name(self.name.as_str()).into(),
            self.status.as_str().into(),
            self.portal_enabled.into(),
            self.show_charges.into(),
            self.contact_count.into(),
            self.contacts_with_access.into(),
            self.search_text().into(),
        ]
    }
}

/// A live contact on the customer profile's Contacts panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerContactRow {
    pub tenant: TenantId,
    pub contact_id: ContactId,
    pub customer_id: CustomerId,
    pub name: Name,
    pub email: Email,
    pub phone: Option<Phone>,
    pub roles: Vec<ContactRole>,
    pub portal_access: bool,
}

pub static CUSTOMER_CONTACTS: Table = Table {
    name: "rm_customer_contacts",
    columns: &[
        Column::text("customer_id").indexed(),
        Column::text("sort_name"),
    ],
    indexes: &[],
};

impl Row for CustomerContactRow {
    const TABLE: &'static Table = &CUSTOMER_CONTACTS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.contact_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.customer_id.to_string().into(),
            sort_name(self.name.as_str()).into(),
        ]
    }
}
