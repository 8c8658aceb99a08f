//! *Quick actions* on the customers list: set one portal switch (`portal_enabled` or
//! `show_charges`) to one value on many customers. Each customer gets its own command, so one
//! failure (a blocked customer cannot be enabled, an unknown id) never stops the others; the
//! answer says per customer whether it `changed`, was `already` so, or `failed` (with the
//! message).
//!
//! "Select all matching the filter" is [`portal_projections::models::customers::all_ids_matching`]
//! followed by [`apply`] with those ids.

use super::{Fields, checked, staff_only, stream, sub_key};
use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run;
use portal_domain::CustomerId;
use portal_domain::customer::{Customer, CustomerCommand};
use portal_eventlog::Idempotency;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most customers one request may name.
pub const MAX_CUSTOMERS: usize = 5000;

/// Which switch a quick action sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkField {
    /// *Access to Customer Portal*.
    PortalEnabled,
    /// *Show charges on customer portal*.
    ShowCharges,
}

/// `POST /api/v1/customers/portal/bulk`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkRequest {
    /// Customer ids (at most 5000); an id that is not one of the tenant's is reported `failed`.
    #[serde(default)]
    pub customer_ids: Vec<String>,
    /// `portal_enabled` or `show_charges`.
    #[serde(default)]
    #[schema(value_type = crate::schema::BulkField)]
    pub field: String,
    #[serde(default)]
    pub value: Option<bool>,
}

/// What happened to one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Changed,
    Already,
    Failed,
}

/// The result for one customer of the request, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkItem {
    /// As sent.
    pub customer_id: String,
    pub outcome: Outcome,
    /// Why it failed (only for `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer of a quick action: one item per customer plus the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkResult {
    pub field: BulkField,
    pub value: bool,
    pub results: Vec<BulkItem>,
    pub changed: usize,
    pub already: usize,
    pub failed: usize,
}

/// Validates a request: the field, the value and the ids (as sent).
pub fn validate(input: &BulkRequest) -> Result<(BulkField, bool), Error> {
    let mut fields = Fields::default();
    let field = match input.field.trim() {
        "portal_enabled" => Some(BulkField::PortalEnabled),
        "show_charges" => Some(BulkField::ShowCharges),
        _ => {
            fields.push("field", "must be portal_enabled or show_charges");
            None
        }
    };
    let value = fields.required("value", input.value);
    if input.customer_ids.is_empty() {
        fields.push("customer_ids", "choose at least one customer");
    } else if input.customer_ids.len() > MAX_CUSTOMERS {
        fields.push(
            "customer_ids",
            format!("at most {MAX_CUSTOMERS} customers at once"),
        );
    }
    fields.finish()?;
    Ok((checked(field)?, checked(value)?))
}

/// Runs the quick action of `input` (see [`apply`]).
pub async fn run_request(
    cx: &Context,
    principal: &Principal,
    input: &BulkRequest,
    idempotency: Option<Idempotency>,
) -> Result<BulkResult, Error> {
    staff_only(principal)?;
    let (field, value) = validate(input)?;
    Ok(apply(
        cx,
        principal,
        &input.customer_ids,
        field,
        value,
        idempotency.as_ref(),
    )
    .await)
}

/// Sets `field` to `value` on each customer of `ids` (strings as sent; unparsable or unknown
/// ids fail), one command each. Never fails as a whole: every failure is reported per customer.
/// Under an idempotency key each customer's command has its own derived key, so a replayed
/// request reports the same outcomes and appends nothing. The principal must be staff (checked
/// by [`run_request`]; pages calling this directly check [`super::staff_only`] first).
pub async fn apply(
    cx: &Context,
    principal: &Principal,
    ids: &[String],
    field: BulkField,
    value: bool,
    idempotency: Option<&Idempotency>,
) -> BulkResult {
    let command = match (field, value) {
        (BulkField::PortalEnabled, true) => CustomerCommand::EnablePortalForCustomer,
        (BulkField::PortalEnabled, false) => CustomerCommand::DisablePortalForCustomer,
        (BulkField::ShowCharges, show) => CustomerCommand::SetShowCharges { show },
    };
    let mut results = Vec::with_capacity(ids.len());
    for raw in ids {
        let outcome = one(cx, principal, raw, &command, idempotency).await;
        results.push(match outcome {
            Ok(true) => item(raw, Outcome::Changed, None),
            Ok(false) => item(raw, Outcome::Already, None),
            Err(message) => item(raw, Outcome::Failed, Some(message)),
        });
    }
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    BulkResult {
        field,
        value,
        changed: count(Outcome::Changed),
        already: count(Outcome::Already),
        failed: count(Outcome::Failed),
        results,
    }
}

fn item(raw: &str, outcome: Outcome, message: Option<String>) -> BulkItem {
    BulkItem {
        customer_id: raw.to_owned(),
        outcome,
        message,
    }
}

/// One customer: whether it changed, or the message of its failure.
async fn one(
    cx: &Context,
    principal: &Principal,
    raw: &str,
    command: &CustomerCommand,
    idempotency: Option<&Idempotency>,
) -> Result<bool, String> {
    let id: CustomerId = raw
        .trim()
        .parse()
        .map_err(|_| "not a customer id".to_owned())?;
    let key = sub_key(idempotency, &format!("bulk:{id}"));
    match run::<Customer>(cx, principal, &stream::<Customer>(id), command, key).await {
        Ok(done) => Ok(done.changed()),
        Err(Error::Rejected(portal_domain::DomainError::NotFound(_)) | Error::NotFound) => {
            Err("customer not found".to_owned())
        }
        Err(Error::Rejected(e)) => {
            let text = e.to_string();
            let mut chars = text.chars();
            Err(chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default())
        }
        Err(e @ Error::Internal(_)) => {
            tracing::error!(error = %e, customer = %id, "quick action failed");
            Err("Something went wrong on our side".to_owned())
        }
        Err(e) => Err(e.to_string()),
    }
}
