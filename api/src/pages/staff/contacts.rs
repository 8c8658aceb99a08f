//! CUSTOMERS › Contacts: the list view of every contact of the tenant with its customer and
//! access (search, cursor paging), and the edit form `/staff/contacts/{id}`: details, and the
//! *Access customer portal* toggle (disabled, with the hint, while the customer has no portal
//! access). Granting access sends the contact the welcome email (the notifier reacts to the
//! event).

use super::common::{FormData, StaffCtx, form_errors, query_string, switch_badge, tabs};
use super::customer::{ENABLE_CUSTOMER_FIRST, role_boxes, roles_text};
use crate::error::AppError;
use crate::pages::layout::{Section, count, csrf_field, field_error, other_errors, toggle};
use crate::web::Query;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use portal_app::contacts::{self as service, ContactDetails, PortalAccess};
use portal_app::parse_id;
use portal_domain::{ContactId, FieldError};
use portal_projections::models::Page;
use portal_projections::models::contacts::{self, ContactFilter, ContactRow, ContactStatus};

/// `GET /staff/contacts`.
pub async fn list(ctx: StaffCtx, Query(form): Query<FormData>) -> Result<Response, AppError> {
    let q = form.get("q").trim().to_owned();
    let access = match form.get("access") {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    };
    let filter = ContactFilter {
        search: Some(q.clone()).filter(|q| !q.is_empty()),
        customer: form.opt("customer_id").and_then(|c| c.parse().ok()),
        access,
        include_removed: false,
    };
    let page = match form.opt("after") {
        Some(after) => Page::after(after, Page::DEFAULT_LIMIT),
        None => Page::first(Page::DEFAULT_LIMIT),
    };
    let rows = contacts::list(&ctx.state.read, ctx.tenant(), &filter, &page).await?;
    let access_s = form.get("access");
    let next = rows.next.as_deref().map(|after| {
        format!(
            "/staff/contacts{}",
            query_string(&[
                ("q", &q),
                ("access", access_s),
                ("customer_id", form.get("customer_id")),
                ("after", after)
            ])
        )
    });
    let body = html! {
        div.page-head { div {
            h1 { "Contacts" }
            p.subtitle { (count(rows.total, "contact", "contacts")) " of all customers" }
        } }
        form.card.filters method="get" action="/staff/contacts" role="search" {
            div.filter-field.grow {
                label for="q" { "Search" }
                input type="text" id="q" name="q" value=(q) placeholder="Name, email, phone or customer";
            }
            div.filter-field {
                label for="access" { "Portal access" }
                select id="access" name="access" {
                    option value="" { "Any" }
                    option value="on" selected[access == Some(true)] { "Access on" }
                    option value="off" selected[access == Some(false)] { "Access off" }
                }
            }
            div.filter-field { button.button type="submit" { "Search" } }
        }
        section.card {
            @if rows.items.is_empty() {
                p.empty { "No contacts match." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Email" } th { "Customer" } th { "Roles" } th { "Portal access" } th {} } }
                    tbody {
                        @for k in &rows.items {
                            tr {
                                td data-label="Name" { (k.name) }
                                td data-label="Email" { (k.email) }
                                td data-label="Customer" { a href={ "/staff/customers/" (k.customer_id) } {
                                    (k.customer_name.as_ref().map_or_else(|| "—".to_owned(), ToString::to_string))
                                } }
                                td data-label="Roles" { (roles_text(&k.roles)) }
                                td data-label="Portal access" { (access_badge(k)) }
                                td { a.edit href={ "/staff/contacts/" (k.contact_id) } aria-label={ "Edit " (k.name) } title="Edit" { "✎" } }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                p.pager { a.button.secondary href=(next) rel="next" { "Next" } }
            }
        }
    };
    ctx.page("Contacts", Section::Contacts, body).await
}

fn access_badge(k: &ContactRow) -> maud::Markup {
    if k.portal_access && !k.customer_portal_enabled {
        html! { span.badge.off title="The customer's portal is off" { "On (customer portal off)" } }
    } else {
        switch_badge(k.has_effective_access(), "Access", "No access")
    }
}

/// Which form of the edit page was sent.
enum Sent<'a> {
    Nothing,
    Details(&'a FormData, &'a [FieldError]),
    Access(&'a [FieldError]),
}

/// `GET /staff/contacts/{id}`.
pub async fn edit(ctx: StaffCtx, Path(id): Path<String>) -> Result<Response, AppError> {
    render(&ctx, &id, Sent::Nothing).await
}

async fn render(ctx: &StaffCtx, id: &str, sent: Sent<'_>) -> Result<Response, AppError> {
    let contact_id: ContactId = parse_id(id)?;
    let k = contacts::get(&ctx.state.read, ctx.tenant(), contact_id)
        .await?
        .filter(|k| k.status == ContactStatus::Active)
        .ok_or(AppError::NotFound)?;
    let base = format!("/staff/contacts/{contact_id}");
    let (status, form, details_errors, access_errors) = match sent {
        Sent::Nothing => (StatusCode::OK, None, &[][..], &[][..]),
        Sent::Details(f, e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(f), e, &[][..]),
        Sent::Access(e) => (StatusCode::UNPROCESSABLE_ENTITY, None, &[][..], e),
    };
    let value = |name: &str, current: String| form.map_or(current, |f| f.get(name).to_owned());
    let roles: Vec<String> = form.map_or_else(
        || {
            k.roles
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        },
        |f| f.all("roles"),
    );
    let customer = k
        .customer_name
        .as_ref()
        .map_or_else(|| "the customer".to_owned(), ToString::to_string);
    let enabled = k.customer_portal_enabled;
    let body = html! {
        div.page-head { div {
            h1 { (k.name) }
            p.subtitle {
                a href="/staff/contacts" { "Contacts" } " › " (k.name) " at "
                a href={ "/staff/customers/" (k.customer_id) } { (customer) }
            }
        } }
        (tabs(&base, false, "Contact"))
        div.two-col {
            section.card #details {
                h2 { "Details" }
                (other_errors(details_errors, &["name", "email", "phone", "roles"]))
                form method="post" action={ (base) "/details" } {
                    (csrf_field(&ctx.csrf))
                    label for="name" { "Name" }
                    input type="text" id="name" name="name" value=(value("name", k.name.to_string())) required;
                    (field_error(details_errors, "name"))
                    label for="email" { "Email" }
                    input type="email" id="email" name="email" value=(value("email", k.email.to_string())) required;
                    (field_error(details_errors, "email"))
                    label for="phone" { "Phone" }
                    input type="text" id="phone" name="phone"
                        value=(value("phone", k.phone.as_ref().map(ToString::to_string).unwrap_or_default()));
                    (field_error(details_errors, "phone"))
                    (role_boxes(&roles, details_errors))
                    button.button type="submit" { "Save" }
                }
            }
            section.card #access {
                h2 { "Customer portal" }
                (other_errors(access_errors, &["enabled", "portal_access"]))
                form method="post" action={ (base) "/access" } {
                    (csrf_field(&ctx.csrf))
                    (toggle("enabled", "Access customer portal", k.portal_access && enabled,
                        (!enabled).then_some(ENABLE_CUSTOMER_FIRST)))
                    (field_error(access_errors, "enabled"))
                    (field_error(access_errors, "portal_access"))
                    p.hint { "With access, " (k.email) " receives a welcome email and logs in with it." }
                    button.button type="submit" { "Save" }
                }
            }
        }
    };
    ctx.page_with(status, k.name.as_ref(), Section::Contacts, body)
        .await
}

/// `POST /staff/contacts/{id}/details`.
pub async fn save_details(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let contact_id: ContactId = parse_id(&id)?;
    let input = ContactDetails {
        name: form.get("name").to_owned(),
        email: form.get("email").to_owned(),
        phone: form.opt("phone"),
        roles: form.all("roles"),
    };
    match service::update(
        &ctx.state.app(),
        &ctx.caller.principal(),
        contact_id,
        &input,
        ctx.change_key("staff.contact.update"),
    )
    .await
    {
        Ok(view) => {
            let message = if view.changed {
                format!("Details of {} saved.", view.name)
            } else {
                "Nothing to change.".to_owned()
            };
            ctx.done(message, &format!("/staff/contacts/{contact_id}"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Sent::Details(&form, &errors)).await
        }
    }
}

/// `POST /staff/contacts/{id}/access`: the toggle (unticked or disabled is off).
pub async fn save_access(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let contact_id: ContactId = parse_id(&id)?;
    let input = PortalAccess {
        enabled: Some(form.on("enabled")),
    };
    match service::set_access(
        &ctx.state.app(),
        &ctx.caller.principal(),
        contact_id,
        &input,
        ctx.change_key("staff.contact.access"),
    )
    .await
    {
        Ok(view) => {
            let message = match (view.changed, view.portal_access) {
                (false, _) => "Nothing to change.".to_owned(),
                (true, true) => format!(
                    "Portal access granted to {}; a welcome email is on its way.",
                    view.name
                ),
                (true, false) => format!("Portal access of {} revoked.", view.name),
            };
            ctx.done(message, &format!("/staff/contacts/{contact_id}"))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &id, Sent::Access(&errors)).await
        }
    }
}
