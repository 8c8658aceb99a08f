//! The markup of the webhook pages ([`super::webhooks`]): the list with the add form (and, once,
//! the new secret), the edit form, the switches and the delivery log. maud escapes every value.

use super::context::PageCtx;
use super::layout::{Section, csrf_field, csrf_field_of, error_summary, field_error, input_attrs};
use super::staff::common::FormData;
use maud::{Markup, html};
use portal_app::webhooks::{CreatedEndpoint, DeliveryPage, EndpointView};
use portal_domain::FieldError;
use time::format_description::well_known::Rfc3339;

/// The base path of one role's webhook pages.
#[derive(Debug, Clone, Copy)]
pub struct Base(pub &'static str);

impl Base {
    /// The page of endpoint `id`.
    pub fn of(&self, id: &str) -> String {
        format!("{}/{id}", self.0)
    }
}

const FIELDS: [&str; 3] = ["url", "event_types", "description"];

/// The navigation section: the settings of either role.
pub fn section(_ctx: &PageCtx) -> Section {
    Section::Settings
}

fn settings_path(ctx: &PageCtx) -> &'static str {
    if ctx.caller.is_staff() {
        "/staff/settings"
    } else {
        "/portal/settings"
    }
}

fn when(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The form values of an endpoint being edited.
pub fn form_of(e: &EndpointView) -> FormData {
    FormData(vec![
        ("url".to_owned(), e.url.clone()),
        ("event_types".to_owned(), e.event_types.join(", ")),
        ("description".to_owned(), e.description.clone()),
    ])
}

fn hint(ctx: &PageCtx) -> &'static str {
    if ctx.caller.is_staff() {
        "Patterns, separated by commas: * (every event of the carrier), order.* (a category), \
         customer.CustomerPortalEnabled (one type). Categories: tenant, customer, contact, order, \
         location, printer_config."
    } else {
        "Patterns, separated by commas: * or order.* (your orders and their charges), or one type \
         such as order.OrderAccepted."
    }
}

fn fields(ctx: &PageCtx, form: &FormData, errors: &[FieldError]) -> Markup {
    let (url, types, description) = (
        input_attrs(errors, "url"),
        input_attrs(errors, "event_types"),
        input_attrs(errors, "description"),
    );
    html! {
        label for="url" { "URL" }
        input #url type="url" name="url" value=(form.get("url")) required
            aria-invalid=[url.invalid] aria-describedby=[url.described_by];
        (field_error(errors, "url"))
        label for="event_types" { "Event types" }
        input #event_types type="text" name="event_types" value=(form.get("event_types")) required
            aria-invalid=[types.invalid] aria-describedby=[types.described_by];
        p.muted { (hint(ctx)) }
        (field_error(errors, "event_types"))
        label for="description" { "Description (optional)" }
        input #description type="text" name="description" value=(form.get("description"))
            aria-invalid=[description.invalid] aria-describedby=[description.described_by];
        (field_error(errors, "description"))
    }
}

fn status(e: &EndpointView) -> Markup {
    html! {
        @if e.enabled { span.badge.on { "Enabled" } }
        @else if e.disabled_at.is_some() { span.badge.outcome.failed { "Disabled after failing" } }
        @else { span.badge.off { "Disabled" } }
    }
}

/// `GET P` (and the answers of `POST P`): the endpoints, the add form, and after an addition
/// the secret with a copy hint.
pub fn list(
    ctx: &PageCtx,
    base: Base,
    endpoints: &[EndpointView],
    form: &FormData,
    errors: &[FieldError],
    created: Option<&CreatedEndpoint>,
) -> Markup {
    html! {
        div.page-head { div {
            h1 { "Webhooks" }
            p.subtitle {
                "Events sent to your systems as signed HTTP POST requests (Standard Webhooks). "
                a href=(settings_path(ctx)) { "Back to the settings" }
            }
        } }
        @if let Some(c) = created {
            section.card #new-secret role="status" {
                h2 { "Endpoint added: copy its signing secret now" }
                p { "Verify the webhook-signature header of every request with this secret. "
                    "It is shown only this once: copy it into your receiver's configuration now "
                    "(select it and copy)." }
                p { code #secret { (c.secret) } }
                p { a href=(base.of(&c.endpoint.id)) { "Open the endpoint" } }
            }
        }
        section.card #endpoints {
            h2 { "Endpoints" }
            @if endpoints.is_empty() {
                p.muted { "No endpoints yet." }
            } @else {
                table {
                    thead { tr { th { "URL" } th { "Events" } th { "Description" } th { "Status" } } }
                    tbody {
                        @for e in endpoints {
                            tr {
                                td { a href=(base.of(&e.id)) { (e.url) } }
                                td { (e.event_types.join(", ")) }
                                td { (e.description) }
                                td { (status(e)) }
                            }
                        }
                    }
                }
            }
        }
        section.card #add {
            h2 { "Add an endpoint" }
            (error_summary(errors, &FIELDS))
            form method="post" action=(base.0) {
                (csrf_field(&ctx.csrf))
                (fields(ctx, form, errors))
                button.button type="submit" { "Add endpoint" }
            }
        }
    }
}

/// `GET P/{id}`: the edit form, the switches and the delivery log.
pub fn detail(
    ctx: &PageCtx,
    base: Base,
    e: &EndpointView,
    form: &FormData,
    errors: &[FieldError],
    log: &DeliveryPage,
) -> Markup {
    let path = base.of(&e.id);
    html! {
        div.page-head { div {
            h1 { "Webhook" }
            p.subtitle { (e.url) " " (status(e)) " " a href=(base.0) { "All endpoints" } }
        } }
        @if let Some(at) = e.disabled_at {
            div.notice.error role="alert" {
                "Disabled on " (when(at)) " after its deliveries kept failing. Fix the receiver, "
                "then enable it again: waiting deliveries are sent in order."
            }
        }
        section.card #edit {
            h2 { "Endpoint" }
            (error_summary(errors, &FIELDS))
            form method="post" action=(path) {
                (csrf_field_of(&ctx.csrf, None))
                (fields(ctx, form, errors))
                button.button type="submit" { "Save" }
            }
            div.inline {
                @if e.enabled {
                    form method="post" action={ (path) "/disable" } {
                        (csrf_field(&ctx.csrf))
                        button.button.secondary type="submit" { "Disable" }
                    }
                } @else {
                    form method="post" action={ (path) "/enable" } {
                        (csrf_field(&ctx.csrf))
                        button.button type="submit" { "Enable again" }
                    }
                }
                form method="post" action={ (path) "/delete" } {
                    (csrf_field(&ctx.csrf))
                    button.button.danger type="submit" { "Delete endpoint" }
                }
            }
        }
        section.card #deliveries {
            h2 { "Delivery log" }
            @if log.deliveries.is_empty() {
                p.muted { "Nothing delivered yet." }
            } @else {
                table {
                    thead { tr {
                        th { "Event" } th { "Position" } th { "Status" } th { "Attempts" } th { "" }
                    } }
                    tbody {
                        @for d in &log.deliveries {
                            tr {
                                td { (d.event_type) br; small.muted { (d.event_id) } }
                                td { (d.position) }
                                td { (d.status) }
                                td {
                                    ul {
                                        @for a in &d.attempts {
                                            li {
                                                (when(a.at)) ": "
                                                @if let Some(s) = a.http_status { "HTTP " (s) }
                                                @if let Some(err) = &a.error { (err) }
                                                " (" (a.latency_ms) " ms)"
                                            }
                                        }
                                    }
                                }
                                td {
                                    form method="post"
                                        action={ (path) "/deliveries/" (d.id) "/retry" } {
                                        (csrf_field(&ctx.csrf))
                                        button.button.secondary type="submit" { "Send again" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(before) = log.next_before {
                    p { a href={ (path) "?before=" (before) } { "Older deliveries" } }
                }
            }
        }
    }
}

/// The *Webhooks* section of a settings page: how many endpoints, and the link.
pub fn settings_section(count: usize, path: &str) -> Markup {
    html! {
        section.card #webhooks {
            h2 { "Webhooks" }
            p.muted {
                "Send events to your own systems as signed HTTP requests. "
                (count) " " (if count == 1 { "endpoint" } else { "endpoints" }) "."
            }
            a.button href=(path) { "Manage webhooks" }
        }
    }
}
