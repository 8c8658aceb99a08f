//! `/` (onwards), the scope switcher, and the homes of portal users and staff.
//!
//! The switcher lists the identity's scopes as "Carrier — Customer" (or "Carrier — Staff") and
//! is linked from the header only when there are two or more. Choosing re-reads the scopes, so a
//! scope that ended meanwhile cannot be chosen. Staff see a small dashboard (customers, customers
//! with portal access, orders waiting for a decision), the latest submitted orders, and the
//! emails of their tenant that could not be delivered, which they can put back in the queue.

use super::flash::{self, Flash};
use super::layout::{Nav, Section, csrf_field, page, staff_page};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::caller::SignedIn;
use crate::auth::scopes::scopes_of;
use crate::auth::session::{self, ScopeRef};
use crate::error::AppError;
use crate::web::CsrfToken;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use portal_app::mail::{self, DeadLetter};
use portal_app::zone::{Zone, reader_zone};
use portal_domain::order::OrderStatus;
use portal_projections::models::customers::CustomerFilter;
use portal_projections::models::orders::{self, OrderFilter, OrderListItem};
use portal_projections::models::{Page, Scope, customers, tenants};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use tower_sessions::Session;
use tracing::{info, instrument};

/// Orders shown on a home page.
const RECENT: u32 = 20;

/// `GET /`: the home of the current scope, the switcher, or the login page.
pub async fn root(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let to = match session::current(&state, &session).await? {
        Some((_, Some(scope))) => scope.home(),
        Some((_, None)) => "/switch",
        None => "/login",
    };
    Ok(Redirect::to(to).into_response())
}

/// `GET /switch`.
pub async fn switcher(
    State(state): State<AppState>,
    signed: SignedIn,
    csrf: CsrfToken,
) -> Result<Response, AppError> {
    let scopes = scopes_of(&state.read, &signed.user.email).await?;
    let nav = Nav {
        email: signed.user.email.to_string(),
        scope_label: None,
        home: signed.scope.as_ref().map_or("/switch", ScopeRef::home),
        switcher: scopes.len() > 1,
        csrf: csrf.0.clone(),
    };
    let current = signed.scope.as_ref().map(ScopeRef::key);
    Ok(page(
        "Choose a portal",
        Some(&nav),
        html! {
            section.card.narrow {
                h1 { "Choose a portal" }
                p.subtitle { "You have access at more than one place. Where do you want to work?" }
                ul.scope-list {
                    @for option in &scopes {
                        li {
                            form method="post" action="/switch" {
                                (csrf_field(&csrf.0))
                                input type="hidden" name="scope" value=(option.scope.key());
                                button.button.secondary type="submit" {
                                    (option.label())
                                    @if current.as_deref() == Some(option.scope.key().as_str()) {
                                        " (current)"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    pub scope: String,
}

/// `POST /switch`: chooses one of the identity's scopes.
#[instrument(skip_all)]
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<SwitchForm>,
) -> Result<Response, AppError> {
    let scopes = scopes_of(&state.read, &signed.user.email).await?;
    let Some(chosen) = scopes.iter().find(|o| o.scope.key() == form.scope) else {
        return Err(AppError::field(
            "scope",
            "is not one of your portals (any more); choose again",
        ));
    };
    session::choose(&signed.session, &chosen.scope, scopes.len()).await?;
    info!(tenant = %chosen.scope.tenant(), staff = chosen.scope.is_staff(), "scope chosen");
    Ok(Redirect::to(chosen.scope.home()).into_response())
}

fn day(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

pub(crate) fn status_badge(status: portal_domain::order::OrderStatus) -> Markup {
    let s = status.as_str();
    html! { span class={ "badge " (s) } { (s.replace('_', " ")) } }
}

/// The order list's table; times (`Created`) local to `zone`, with its abbreviation.
pub(crate) fn orders_table(
    items: &[OrderListItem],
    base: &str,
    with_customer: bool,
    zone: &Zone,
) -> Markup {
    html! {
        table {
            thead { tr {
                th { "Order" } th { "Reference" }
                @if with_customer { th { "Customer" } }
                th { "From" } th { "Pickup" } th { "To" } th { "Status" } th { "Created" }
            } }
            tbody {
                @for item in items {
                    @let o = &item.order;
                    tr {
                        td data-label="Order" { a href={ (base) "/orders/" (o.order_id) } { (o.number) } }
                        td data-label="Reference" { (o.customer_reference.as_deref().unwrap_or("—")) }
                        @if with_customer { td data-label="Customer" { (item.customer_name.as_deref().unwrap_or("—")) } }
                        td data-label="From" { @if let Some(p) = &o.pickup { (p.city) ", " (p.country) } @else { "—" } }
                        td.pickup-date data-label="Pickup" { @if let Some(d) = o.pickup.as_ref().and_then(|p| p.date) { (day(d)) } @else { "—" } }
                        td data-label="To" { @if let Some(d) = &o.delivery { (d.city) ", " (d.country) } @else { "—" } }
                        td data-label="Status" {
                            (status_badge(o.status))
                            @if o.incomplete { " " span.badge.incomplete title="Some fields are still missing before it can be submitted" { "incomplete" } }
                        }
                        td data-label="Created" { (zone.format(o.created_at)) }
                    }
                }
            }
        }
    }
}

/// `GET /staff`: the home of a staff member.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn staff(
    State(state): State<AppState>,
    caller: Caller,
    csrf: CsrfToken,
    session: Session,
) -> Result<Response, AppError> {
    if !caller.is_staff() {
        return Ok(Redirect::to("/portal").into_response());
    }
    let tenant = caller.tenant();
    let carrier = tenants::name(&state.read, tenant)
        .await?
        .unwrap_or_else(|| tenant.to_string());
    let inbox = orders::inbox(
        &state.read,
        tenant,
        &OrderFilter::default(),
        &Page::first(RECENT),
    )
    .await?;
    let dead = mail::dead_letters(&state.db, &caller.principal()).await?;
    let zone = reader_zone(&state.app(), &caller.principal()).await?;
    let one = Page::first(1);
    let all = CustomerFilter::default();
    let with_portal = CustomerFilter {
        portal: Some(true),
        ..CustomerFilter::default()
    };
    let customer_count = customers::list(&state.read, tenant, &all, &one)
        .await?
        .total;
    let portal_count = customers::list(&state.read, tenant, &with_portal, &one)
        .await?
        .total;
    let waiting = orders::counts_by_status(&state.read, tenant, Scope::Tenant)
        .await?
        .get(OrderStatus::Submitted);
    let nav = Nav::for_caller(&state, &caller, &csrf.0).await?;
    let message = flash::take(&session).await?;
    Ok(staff_page(
        "Staff",
        &nav,
        Section::Home,
        message.as_ref(),
        html! {
            div.page-head {
                div {
                    h1 { (carrier) }
                    p.subtitle { "Orders your customers submitted through the portal, newest first." }
                }
            }
            div.grid {
                a.stat href="/staff/customers" {
                    span.stat-value { (customer_count) } span.stat-label { "Customers" }
                }
                a.stat href="/staff/customers?portal=on" {
                    span.stat-value { (portal_count) } span.stat-label { "With portal access" }
                }
                a.stat href="/staff/orders?status=submitted" {
                    span.stat-value { (waiting) } span.stat-label { "Orders to accept or reject" }
                }
            }
            @if !dead.is_empty() { (dead_letters(&dead, &csrf.0, &zone)) }
            section.card {
                h2 { "Latest submitted orders" }
                @if inbox.items.is_empty() {
                    p.empty { "No submitted orders yet." }
                } @else {
                    (orders_table(&inbox.items, "/staff", true, &zone))
                }
            }
        },
    )
    .into_response())
}

fn dead_letters(dead: &[DeadLetter], csrf: &str, zone: &Zone) -> Markup {
    html! {
        section.card #undelivered {
            h2 { "Emails that could not be delivered" }
            p.subtitle {
                "Every try failed. Check the address and the mail server, then send again."
            }
            table {
                thead { tr {
                    th { "Email" } th { "To" } th { "Tries" } th { "Last error" } th { "Given up" } th {}
                } }
                tbody {
                    @for d in dead {
                        tr {
                            td data-label="Email" { (d.kind.replace('_', " ")) }
                            td data-label="To" { (d.recipient) }
                            td.num data-label="Tries" { (d.attempts) }
                            td data-label="Last error" { (d.last_error) }
                            td data-label="Given up" { (zone.format(d.dead_at)) }
                            td {
                                form.inline method="post" action="/staff/emails/retry" {
                                    (csrf_field(csrf))
                                    input type="hidden" name="event_id" value=(d.event_id);
                                    input type="hidden" name="kind" value=(d.kind);
                                    input type="hidden" name="recipient_key" value=(d.recipient_key);
                                    button.button.secondary type="submit" { "Send again" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    pub event_id: String,
    #[serde(default)]
    pub kind: String,
    /// Which of the event's recipients (empty for single-recipient emails).
    #[serde(default)]
    pub recipient_key: String,
}

/// `POST /staff/emails/retry`: puts a dead email of the caller's tenant back in the queue.
#[instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn retry_email(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
    Form(form): Form<RetryForm>,
) -> Result<Response, AppError> {
    mail::send_again(
        &state.db,
        &caller.principal(),
        mail::MailKey {
            event_id: &form.event_id,
            kind: &form.kind,
            recipient_key: &form.recipient_key,
        },
        OffsetDateTime::now_utc(),
    )
    .await?;
    info!(event_id = %form.event_id, kind = %form.kind, "dead email queued again");
    flash::redirect(
        &session,
        Flash::ok("The email is queued again and goes out in a moment."),
        "/staff",
    )
    .await
}
