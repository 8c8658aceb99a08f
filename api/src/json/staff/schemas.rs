//! Schema-only types for the OpenAPI document: the shapes of read-model rows and problem
//! documents as they appear on the wire. The read models (`portal-projections`) do not depend on
//! utoipa, so their rows are described here, field by field, as they serialise; the handlers
//! answer the real rows. Nothing here is constructed at run time.

#![allow(dead_code)] // read by the OpenAPI derive only

use utoipa::ToSchema;

/// One field's problem.
#[derive(ToSchema)]
pub struct FieldErrorSchema {
    /// The JSON body's field (`email`, `roles[1]`, `address.city`, `Idempotency-Key`).
    pub field: String,
    pub message: String,
}

/// `application/problem+json`: every error answer.
#[derive(ToSchema)]
pub struct Problem {
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Validation errors (422 only).
    pub errors: Option<Vec<FieldErrorSchema>>,
}

/// `{"id": …}` of a creation.
#[derive(ToSchema)]
pub struct CreatedId {
    #[schema(format = Uuid)]
    pub id: String,
}

/// A customer in the list view.
#[derive(serde::Serialize, ToSchema)]
pub struct CustomerRowSchema {
    pub tenant: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    pub name: String,
    pub code: Option<String>,
    /// `prospect`, `approved`, `blocked`.
    pub status: String,
    pub portal_enabled: bool,
    pub show_charges: bool,
    pub contact_count: i64,
    pub contacts_with_access: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A page of customers.
#[derive(ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerRowSchema>,
    /// Cursor of the next page (`after=`); `null` on the last page.
    pub next: Option<String>,
    /// Rows matching the filter on all pages.
    pub total: i64,
}

/// A contact on the customer profile.
#[derive(serde::Serialize, ToSchema)]
pub struct CustomerContactSchema {
    pub tenant: String,
    #[schema(format = Uuid)]
    pub contact_id: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub roles: Vec<String>,
    pub portal_access: bool,
}

/// The customer profile: the customer's fields plus `contacts`.
#[derive(serde::Serialize, ToSchema)]
pub struct CustomerProfileSchema {
    #[serde(flatten)]
    pub customer: CustomerRowSchema,
    pub contacts: Vec<CustomerContactSchema>,
}

/// A contact in the contacts list view.
#[derive(ToSchema)]
pub struct ContactRowSchema {
    pub tenant: String,
    #[schema(format = Uuid)]
    pub contact_id: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    pub customer_name: Option<String>,
    /// The customer's *Access to Customer Portal* (the contact toggle needs it).
    pub customer_portal_enabled: bool,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub roles: Vec<String>,
    pub portal_access: bool,
    /// `active` or `removed`.
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A page of contacts.
#[derive(ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactRowSchema>,
    pub next: Option<String>,
    pub total: i64,
}

/// An amount of money.
#[derive(ToSchema)]
pub struct MoneySchema {
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
}

/// A charge on an order.
#[derive(ToSchema)]
pub struct ChargeRowSchema {
    #[schema(format = Uuid)]
    pub charge_id: String,
    #[schema(format = Uuid)]
    pub order_id: String,
    pub order_number: Option<String>,
    pub customer_id: Option<String>,
    pub description: String,
    pub amount: MoneySchema,
    /// `to_request`, `requested`, `approved`, `rejected`.
    pub approval: String,
    pub comment: Option<String>,
    #[schema(format = DateTime)]
    pub added_at: String,
    pub requested_at: Option<String>,
    pub decided_at: Option<String>,
    pub added_position: i64,
}

/// A location.
#[derive(ToSchema)]
pub struct LocationRowSchema {
    #[schema(format = Uuid)]
    pub location_id: String,
    /// `{kind: "carrier"}` or `{kind: "customer", customer_id}`.
    pub owner: serde_json::Value,
    pub name: String,
    /// `{name, street, postal_code, city, country, contact_name, contact_phone}`.
    pub address: serde_json::Value,
    /// `[{weekday, opens, closes}]`.
    pub opening_hours: Vec<serde_json::Value>,
    pub instructions: Option<String>,
    /// `{kind: "customer_only", customer_id}`, `{kind: "all_portal_customers"}` or
    /// `{kind: "not_on_portal"}`.
    pub visibility: serde_json::Value,
    pub archived: bool,
    /// Customers whose orders use the location.
    pub used_by: Vec<String>,
}

/// `POST /api/v1/auth/login-link`.
#[derive(ToSchema)]
pub struct LoginLinkRequest {
    pub email: String,
}

/// An order in a list (fields of the orders read model plus `customer_name`).
#[derive(ToSchema)]
pub struct OrderListItemSchema {
    #[schema(format = Uuid)]
    pub order_id: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    pub number: String,
    pub status: String,
    pub customer_name: Option<String>,
}

/// A page of orders.
#[derive(ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderListItemSchema>,
    pub next: Option<String>,
    pub total: i64,
}
