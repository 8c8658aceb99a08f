//! Contacts: add one to a customer, the contacts list view, one contact, edit, and switch its
//! portal access.

use super::body::{Body, Created, parse_query_bool, parse_query_limit};
use super::customers::one;
use super::schemas::{ContactPage, ContactRowSchema};
use crate::AppState;
use crate::auth::Caller;
use crate::commands::IdempotencyKey;
use crate::error::AppError;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::contacts::{self, ContactDetails, ContactView, NewContact, PortalAccess};
use portal_app::{Fields, parse_id, staff_only};
use portal_domain::{ContactId, CustomerId};
use portal_projections::models::contacts::{ContactFilter, ContactRow};
use portal_projections::models::{Page, Paged, contacts as read};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/contacts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// One customer's contacts.
    #[param(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
    /// Words that must all occur in name, email, phone or customer name.
    pub q: Option<String>,
    /// `true` or `false`: the contact's access toggle.
    #[param(value_type = Option<bool>)]
    pub portal_access: Option<String>,
    /// `true` to list removed contacts too.
    #[param(value_type = Option<bool>)]
    pub include_removed: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

impl ContactQuery {
    /// The filter and page, or the field errors of the query.
    pub fn parse(&self) -> Result<(ContactFilter, Page), AppError> {
        let mut fields = Fields::default();
        let customer = match self.customer_id.as_deref() {
            None | Some("") => None,
            Some(raw) => raw.parse::<CustomerId>().ok().or_else(|| {
                fields.push("customer_id", "is not a customer id");
                None
            }),
        };
        let access = fields
            .take(parse_query_bool("portal_access", self.portal_access.as_deref()).map_err(one))
            .flatten();
        let removed = fields
            .take(parse_query_bool("include_removed", self.include_removed.as_deref()).map_err(one))
            .flatten();
        let limit = fields
            .take(parse_query_limit(self.limit.as_deref(), Page::MAX_LIMIT).map_err(one))
            .flatten();
        fields.finish()?;
        let filter = ContactFilter {
            search: self.q.clone().filter(|q| !q.trim().is_empty()),
            customer,
            access,
            include_removed: removed.unwrap_or(false),
        };
        let page = Page {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit: limit.unwrap_or(Page::DEFAULT_LIMIT),
        };
        Ok((filter, page))
    }
}

/// The 201 body of an added contact: its id and the contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCreated {
    #[schema(value_type = String, format = Uuid)]
    pub id: ContactId,
    #[serde(flatten)]
    pub contact: ContactView,
}

/// Add a contact to a customer (with portal access when asked).
#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "contacts",
    params(("id" = String, Path, description = "Customer id")),
    request_body = NewContact,
    responses((status = 201, description = "Added", body = ContactCreated)))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<NewContact>,
) -> Result<Created<ContactCreated>, AppError> {
    staff_only(&caller.principal())?;
    let customer: CustomerId = parse_id(&id)?;
    let idem = key.for_request(&("POST /api/v1/customers/{id}/contacts", customer, &input))?;
    let contact = contacts::add(&state.app(), &caller.principal(), customer, &input, idem).await?;
    Ok(Created {
        location: format!("/api/v1/contacts/{}", contact.contact_id),
        body: ContactCreated {
            id: contact.contact_id,
            contact,
        },
    })
}

/// The contacts list view.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, description = "One page, sorted by name", body = ContactPage)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ContactQuery>,
) -> Result<Json<Paged<ContactRow>>, AppError> {
    staff_only(&caller.principal())?;
    let (filter, page) = query.parse()?;
    Ok(Json(
        read::list(&state.read, caller.tenant(), &filter, &page).await?,
    ))
}

/// One contact (removed ones too, with status `removed`).
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = ContactRowSchema)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContactRow>, AppError> {
    staff_only(&caller.principal())?;
    let id: ContactId = parse_id(&id)?;
    read::get(&state.read, caller.tenant(), id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Edit a contact's name, email, phone and roles.
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "Contact id")),
    request_body = ContactDetails,
    responses((status = 200, description = "The contact afterwards", body = ContactView)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<ContactDetails>,
) -> Result<Json<ContactView>, AppError> {
    staff_only(&caller.principal())?;
    let id: ContactId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/contacts/{id}", id, &input))?;
    Ok(Json(
        contacts::update(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}

/// Switch a contact's portal access; 422 while its customer has no portal access.
#[utoipa::path(put, path = "/api/v1/contacts/{id}/portal-access", tag = "contacts",
    params(("id" = String, Path, description = "Contact id")),
    request_body = PortalAccess,
    responses((status = 200, description = "The contact afterwards", body = ContactView)))]
pub async fn set_access(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<String>,
    Body(input): Body<PortalAccess>,
) -> Result<Json<ContactView>, AppError> {
    staff_only(&caller.principal())?;
    let id: ContactId = parse_id(&id)?;
    let idem = key.for_request(&("PUT /api/v1/contacts/{id}/portal-access", id, &input))?;
    Ok(Json(
        contacts::set_access(&state.app(), &caller.principal(), id, &input, idem).await?,
    ))
}
