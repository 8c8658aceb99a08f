//! Rows of the contacts read model.

use crate::models::common::{search_text, sort_name};
use crate::rows::{ColValue, Column, Row, Table};
use portal_domain::contact::ContactRole;
use portal_domain::values::{Email, Name, Phone};
use portal_domain::{ContactId, CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Whether a contact still exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactStatus {
    Active,
    Removed,
}

impl ContactStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Removed => "removed",
        }
    }
}

/// A contact in the contacts list view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub tenant: TenantId,
    pub contact_id: ContactId,
    pub customer_id: CustomerId,
    /// `None` while the customer is unknown to this read model.
    pub customer_name: Option<Name>,
    /// The customer's *Access to Customer Portal*: the contact's access toggle can only be
    /// switched on while this is on, and access is only effective while it is on.
    pub customer_portal_enabled: bool,
    pub name: Name,
    pub email: Email,
    pub phone: Option<Phone>,
    pub roles: Vec<ContactRole>,
    /// The contact's own access toggle.
    pub portal_access: bool,
    pub status: ContactStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ContactRow {
    /// Whether this contact can log in to the portal now.
    pub fn has_effective_access(&self) -> bool {
        self.portal_access && self.customer_portal_enabled && self.status == ContactStatus::Active
    }

    /// What the list's search box matches: name, email, phone and customer name, lowercased.
    pub fn search_text(&self) -> String {
        search_text([
            self.name.as_str(),
            self.email.as_str(),
            self.phone.as_ref().map(|p| p.as_str()).unwrap_or_default(),
            self.customer_name
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or_default(),
        ])
    }
}

pub static CONTACTS: Table = Table {
    name: "rm_contacts",
    columns: &[
        Column::text("customer_id").indexed(),
        Column::text("sort_name").indexed(),
        Column::text("email").indexed(),
        Column::bool("portal_access"),
        Column::bool("customer_portal_enabled"),
        Column::text("status"),
        Column::text("search"),
    ],
    indexes: &[],
};

impl Row for ContactRow {
    const TABLE: &'static Table = &CONTACTS;
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
            self.email.as_str().into(),
            self.portal_access.into(),
            self.customer_portal_enabled.into(),
            self.status.as_str().into(),
            self.search_text().into(),
        ]
    }
}

/// Index row: what the contact rows copy from their customer, and which rows those are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactCustomerRow {
    pub tenant: TenantId,
    pub customer_id: CustomerId,
    /// `None` until the customer's creation is seen.
    pub name: Option<Name>,
    pub portal_enabled: bool,
    /// Every contact ever added to the customer, in the order they were added.
    pub contact_ids: Vec<ContactId>,
}

pub static CONTACT_CUSTOMERS: Table = Table {
    name: "rm_contact_customers",
    columns: &[],
    indexes: &[],
};

impl Row for ContactCustomerRow {
    const TABLE: &'static Table = &CONTACT_CUSTOMERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.customer_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}
