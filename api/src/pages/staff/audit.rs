//! The *Audit* tab of a customer, contact and order: the entity's event stream from the log
//! (who by name and email, when in the reader's zone, what in words with the fields it changed,
//! the raw event in a `<details>`), filtered by person and day (`?person=&from=&to=`, exported
//! as CSV by the JSON endpoint's `format=csv`), and, for any chosen event (`?at=<position>`), the
//! aggregate's state as it was right after it, folded from the log like `portal replay` does
//! ([`portal_app::audit::stream_history`]). Read-only; the log is never changed.

use super::common::{FormData, StaffCtx, tabs};
use crate::error::AppError;
use crate::pages::layout::{Section, count, field_error, input_attrs};
use crate::web::Query;
use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::audit::{AuditEntry, AuditFilter, StreamHistory, Until, stream_history_in};
use portal_app::parse_id;
use portal_app::people::ActorView;
use portal_app::zone::{Zone, reader_zone};
use portal_domain::{ContactId, CustomerId, FieldError, OrderId};
use portal_projections::models::audit;
use serde_json::Value;

/// `GET /staff/customers/{id}/audit`.
pub async fn customer(
    ctx: StaffCtx,
    Path(id): Path<String>,
    Query(form): Query<FormData>,
) -> Result<Response, AppError> {
    let id: CustomerId = parse_id(&id)?;
    let base = format!("/staff/customers/{id}");
    show(
        &ctx,
        &format!("customer-{id}"),
        &base,
        "Profile",
        Section::Customers,
        &form,
    )
    .await
}

/// `GET /staff/contacts/{id}/audit`.
pub async fn contact(
    ctx: StaffCtx,
    Path(id): Path<String>,
    Query(form): Query<FormData>,
) -> Result<Response, AppError> {
    let id: ContactId = parse_id(&id)?;
    let base = format!("/staff/contacts/{id}");
    show(
        &ctx,
        &format!("contact-{id}"),
        &base,
        "Contact",
        Section::Contacts,
        &form,
    )
    .await
}

/// `GET /staff/orders/{id}/audit`.
pub async fn order(
    ctx: StaffCtx,
    Path(id): Path<String>,
    Query(form): Query<FormData>,
) -> Result<Response, AppError> {
    let id: OrderId = parse_id(&id)?;
    let base = format!("/staff/orders/{id}");
    show(
        &ctx,
        &format!("order-{id}"),
        &base,
        "Order",
        Section::Orders,
        &form,
    )
    .await
}

async fn show(
    ctx: &StaffCtx,
    stream_id: &str,
    base: &str,
    main_label: &str,
    section: Section,
    query: &FormData,
) -> Result<Response, AppError> {
    let at: Option<i64> = query.opt("at").and_then(|a| a.parse().ok());
    let (person, from, to) = (query.get("person"), query.get("from"), query.get("to"));
    let (filter, errors) = match AuditFilter::parse(Some(person), Some(from), Some(to)) {
        Ok(f) => (f, Vec::new()),
        Err(portal_app::Error::Invalid(errors)) => (AuditFilter::default(), errors),
        Err(e) => return Err(e.into()),
    };
    let app = ctx.state.app();
    let principal = ctx.caller.principal();
    let zone = reader_zone(&app, &principal).await?;
    let all = stream_history_in(&app, &principal, stream_id, None, &filter, &zone).await?;
    let chosen = match at {
        Some(p) => Some(
            stream_history_in(
                &app,
                &principal,
                stream_id,
                Some(Until::Position(p)),
                &AuditFilter::default(),
                &zone,
            )
            .await?,
        ),
        None => None,
    };
    let label = audit::get(&ctx.state.read, ctx.tenant(), stream_id)
        .await?
        .and_then(|s| s.label)
        .unwrap_or_else(|| stream_id.to_owned());
    let csv = csv_link(stream_id, person, from, to);
    // The chosen event keeps the filter.
    let filter_query = csv
        .split_once("format=csv")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default();
    let body = html! {
        div.page-head { div {
            h1 { (label) }
            p.subtitle { "Audit trail of " code { (stream_id) } ": " (count(all.events.len() as i64, "event", "events"))
                @if !filter.is_empty() { @if all.events.len() == 1 { " matches" } @else { " match" } " the filter" }
                ", from the event log. Times in " (zone.name()) "." }
        } }
        (tabs(base, true, main_label))
        (filter_form(base, &all, person, from, to, &errors))
        section.card {
            div.card-head {
                h2 { "Events" }
                a.button.secondary href=(csv) download { "Export CSV" }
            }
            @if all.events.is_empty() { p.muted { "No event matches the filter." } }
            @else {
            table.audit {
                thead { tr { th.num { "#" } th { "When" } th { "Who" } th { "What" } th {} } }
                tbody {
                    @for e in &all.events {
                        tr class=[(Some(e.event.position) == chosen.as_ref().and_then(|c| c.position)).then_some("chosen")] {
                            td.num data-label="#" { (e.event.version) }
                            td data-label="When" { (zone.format(e.event.recorded_at)) }
                            td data-label="Who" { (who(&e.actor)) }
                            td data-label="What" { (what(e)) }
                            td { a href={ (base) "/audit?at=" (e.event.position) (filter_query) "#state" } { "State after this" } }
                        }
                    }
                }
            }
            }
        }
        @if let Some(c) = &chosen { (state_panel(c, &zone)) }
    };
    ctx.page(&format!("Audit · {label}"), section, body).await
}

/// The CSV export of the same filter (the JSON endpoint's `format=csv`).
fn csv_link(stream_id: &str, person: &str, from: &str, to: &str) -> String {
    let mut url = format!("/api/v1/audit/streams/{stream_id}?format=csv");
    for (k, v) in [("person", person), ("from", from), ("to", to)] {
        let v = v.trim();
        if !v.is_empty() {
            url.push_str(&format!("&{k}={}", urlencoding(v)));
        }
    }
    url
}

fn urlencoding(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Person and day filters; the people are those who acted on this stream.
fn filter_form(
    base: &str,
    h: &StreamHistory,
    person: &str,
    from: &str,
    to: &str,
    errors: &[FieldError],
) -> Markup {
    let from_a = input_attrs(errors, "from");
    let to_a = input_attrs(errors, "to");
    html! {
        form.card.filters method="get" action={ (base) "/audit" } role="search" {
            div.filter-field.grow {
                label for="person" { "Person" }
                select id="person" name="person" {
                    option value="" selected[person.is_empty()] { "Everyone" }
                    @for p in &h.people {
                        @let id = p.user_id.map(|u| u.to_string()).unwrap_or_default();
                        option value=(id) selected[id == person.trim()] {
                            (p.label)
                            @if let (Some(_), Some(email)) = (&p.name, &p.email) { " (" (email) ")" }
                        }
                    }
                }
                (field_error(errors, "person"))
            }
            div.filter-field {
                label for="from" { "From" }
                input type="date" id="from" name="from" value=(from)
                    aria-invalid=[from_a.invalid] aria-describedby=[from_a.described_by];
                (field_error(errors, "from"))
            }
            div.filter-field {
                label for="to" { "To" }
                input type="date" id="to" name="to" value=(to)
                    aria-invalid=[to_a.invalid] aria-describedby=[to_a.described_by];
                (field_error(errors, "to"))
            }
            div.filter-field { button.button type="submit" { "Filter" } }
        }
    }
}

/// The person (name and email for staff readers) or what acted.
fn who(a: &ActorView) -> Markup {
    html! {
        strong { (a.label) }
        @if let (Some(_), Some(email)) = (&a.name, &a.email) { br; span.muted { (email) } }
        @if a.kind == "portal_user" { br; span.muted { "Portal user" } }
        @else if a.kind == "staff" { br; span.muted { "Staff" } }
    }
}

/// Changed fields listed under an event; the rest are in its raw JSON.
const SHOWN_CHANGES: usize = 8;

/// `content.consignments[0].pickup.address.city` → `content › consignments 1 › pickup › address
/// › city`: list positions from 1, words without underscores.
fn field_label(path: &str) -> String {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((name, rest)) => {
                let n: usize = rest.trim_end_matches(']').parse().unwrap_or(0);
                format!("{} {}", name.replace('_', " "), n + 1)
            }
            None => part.replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

/// The event in words, the fields it changed, and the raw event one click away.
fn what(e: &AuditEntry) -> Markup {
    html! {
        p.summary { (e.summary) }
        @if !e.changes.is_empty() {
            ul.changes {
                @for c in e.changes.iter().take(SHOWN_CHANGES) {
                    li {
                        span.muted { (field_label(&c.field)) ": " }
                        @if let Some(b) = &c.before { del { (b) } " → " }
                        (c.after.as_deref().unwrap_or("—"))
                    }
                }
                @if e.changes.len() > SHOWN_CHANGES {
                    li.muted { "and " (count((e.changes.len() - SHOWN_CHANGES) as i64, "more field", "more fields")) " (in the event below)" }
                }
            }
        }
        details.raw {
            summary { (e.event.event_type) }
            pre.json { (serde_json::to_string_pretty(&e.event.payload).unwrap_or_default()) }
        }
    }
}

fn compact(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() > 160 {
        let short: String = text.chars().take(157).collect();
        format!("{short}…")
    } else {
        text
    }
}

fn state_panel(h: &StreamHistory, zone: &Zone) -> Markup {
    html! {
        section.card #state {
            h2 {
                "State after event " (h.version.unwrap_or_default())
                @if let Some(last) = h.events.last() { " (" (last.event.event_type) ", " (zone.format(last.event.recorded_at)) ")" }
            }
            @if h.later_events > 0 {
                p.hint {
                    (count(h.later_events as i64, "later event", "later events"))
                    @if h.later_events == 1 { " is" } @else { " are" }
                    " not included."
                }
            }
            @match &h.state {
                Value::Object(map) => dl.facts.state {
                    @for (k, v) in map {
                        dt { (k.replace('_', " ")) }
                        dd {
                            @match v {
                                Value::Object(_) | Value::Array(_) => pre.json { (serde_json::to_string_pretty(v).unwrap_or_default()) },
                                other => code { (compact(other)) },
                            }
                        }
                    }
                },
                other => pre.json { (serde_json::to_string_pretty(other).unwrap_or_default()) },
            }
        }
    }
}
