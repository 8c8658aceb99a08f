//! The *Audit* tab of a customer, contact and order: the entity's event stream from the log
//! (who, when, what) and, for any chosen event (`?at=<position>`), the aggregate's state as it
//! was right after it, folded from the log like `portal replay` does
//! ([`portal_app::audit::stream_history`]). Read-only; the log is never changed.

use super::common::{FormData, StaffCtx, tabs};
use crate::error::AppError;
use crate::pages::layout::{Section, count};
use crate::web::Query;
use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::audit::{StreamHistory, Until, stream_history};
use portal_app::parse_id;
use portal_app::zone::{Zone, reader_zone};
use portal_domain::{Actor, ContactId, CustomerId, OrderId};
use portal_eventlog::RecordedEvent;
use portal_projections::models::{audit, customers, staff};
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
    let all = stream_history(&ctx.state.app(), &ctx.caller.principal(), stream_id, None).await?;
    let chosen = match at {
        Some(p) => Some(
            stream_history(
                &ctx.state.app(),
                &ctx.caller.principal(),
                stream_id,
                Some(Until::Position(p)),
            )
            .await?,
        ),
        None => None,
    };
    let label = audit::get(&ctx.state.read, ctx.tenant(), stream_id)
        .await?
        .and_then(|s| s.label)
        .unwrap_or_else(|| stream_id.to_owned());
    let zone = reader_zone(&ctx.state.app(), &ctx.caller.principal()).await?;
    let mut who = Vec::with_capacity(all.events.len());
    for e in &all.events {
        who.push(actor(ctx, &e.metadata.actor).await?);
    }
    let body = html! {
        div.page-head { div {
            h1 { (label) }
            p.subtitle { "Audit trail of " code { (stream_id) } ": " (count(all.events.len() as i64, "event", "events")) ", from the event log." }
        } }
        (tabs(base, true, main_label))
        section.card {
            h2 { "Events" }
            table.audit {
                thead { tr { th.num { "#" } th { "When" } th { "Who" } th { "What" } th {} } }
                tbody {
                    @for (e, who) in all.events.iter().zip(&who) {
                        tr class=[(Some(e.position) == chosen.as_ref().and_then(|c| c.position)).then_some("chosen")] {
                            td.num data-label="#" { (e.version) }
                            td data-label="When" { (zone.format(e.recorded_at)) }
                            td data-label="Who" { (who) }
                            td data-label="What" { strong { (e.event_type) } (summary(e)) }
                            td { a href={ (base) "/audit?at=" (e.position) "#state" } { "State after this" } }
                        }
                    }
                }
            }
        }
        @if let Some(c) = &chosen { (state_panel(c, &zone)) }
    };
    ctx.page(&format!("Audit · {label}"), section, body).await
}

/// Who an actor was, for people: a staff member's email, the customer of a portal user.
async fn actor(ctx: &StaffCtx, a: &Actor) -> Result<String, AppError> {
    Ok(match a {
        Actor::System => "The portal".to_owned(),
        Actor::Operator => "An operator (command line)".to_owned(),
        Actor::Staff { user_id } => staff::get(&ctx.state.read, ctx.tenant(), *user_id)
            .await?
            .map_or_else(
                || "Staff (former member)".to_owned(),
                |s| format!("Staff: {}", s.email),
            ),
        Actor::PortalUser { customer_id, .. } => {
            let name = customers::get(&ctx.state.read, ctx.tenant(), *customer_id)
                .await?
                .map_or_else(|| customer_id.to_string(), |c| c.name.to_string());
            format!("Portal user of {name}")
        }
    })
}

/// The payload's fields other than ids, compactly.
fn summary(e: &RecordedEvent) -> Markup {
    let fields: Vec<(String, String)> = match &e.payload {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !k.ends_with("_id"))
            .map(|(k, v)| (k.replace('_', " "), compact(v)))
            .collect(),
        _ => Vec::new(),
    };
    html! {
        @if !fields.is_empty() {
            ul.payload {
                @for (k, v) in &fields { li { span.muted { (k) ": " } (v) } }
            }
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
                @if let Some(last) = h.events.last() { " (" (last.event_type) ", " (zone.format(last.recorded_at)) ")" }
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
