//! What an order asks for, as the order page and the review step show it: every consignment
//! with its stops and goods lines ([`consignments`]), and for a draft with gaps what it still
//! lacks ([`missing_list`]).
//!
//! Rendered from the draft's input shape, so a draft with gaps shows what it has ("—" or "no
//! date yet" for the rest); complete content is stored normalised, so it reads exactly as it
//! was validated (country codes, uppercased postal codes, `UN1263`).

use super::layout::field_label;
use maud::{Markup, html};
use portal_domain::values::{DraftContent, GoodsInput, StopInput};
use time::macros::format_description;

/// Every consignment of the order: its stops (address, date, window, reference, instructions)
/// and goods lines.
pub(crate) fn consignments(content: &DraftContent) -> Markup {
    let input = content.input();
    html! {
        @for (i, c) in input.consignments.iter().enumerate() {
            section.card.consignment {
                h2 { "Consignment " (i + 1) }
                div.two-col {
                    (stop("Pickup", &c.pickup))
                    (stop("Delivery", &c.delivery))
                }
                table {
                    thead { tr {
                        th { "Goods" } th.num { "Qty" } th { "Packaging" } th.num { "Weight kg" }
                        th.num { "Volume m³" } th.num { "LDM" } th.num { "Pallet spaces" } th { "Stackable" } th { "ADR" }
                    } }
                    tbody {
                        @for g in &c.goods { (goods_row(g)) }
                    }
                }
            }
        }
        @if let Some(n) = input.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            section.card { h2 { "Notes" } p { (n) } }
        }
    }
}

/// A blank typed value as "—".
fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

fn stop(label: &str, s: &StopInput) -> Markup {
    let day = format_description!("[year]-[month]-[day]");
    let hm = format_description!("[hour]:[minute]");
    let a = &s.address;
    html! {
        div {
            h3 { (label) }
            @if a.is_blank() {
                p { em { "no address yet" } }
            } @else {
                p {
                    strong { (or_dash(&a.name)) } br;
                    (or_dash(&a.street)) br;
                    (a.postal_code) " " (or_dash(&a.city)) ", " (or_dash(&a.country))
                    @if let Some(c) = a.contact_name.as_deref().filter(|c| !c.trim().is_empty()) { br; "Contact: " (c) }
                    @if let Some(p) = a.contact_phone.as_deref().filter(|p| !p.trim().is_empty()) { " · " (p) }
                }
            }
            p {
                @match s.date.and_then(|d| d.format(day).ok()) {
                    Some(d) => (d),
                    None => em { "no date yet" },
                }
                @if let Some(w) = s.time_window {
                    ", " (w.from.format(hm).unwrap_or_default()) "–" (w.to.format(hm).unwrap_or_default())
                }
                @if let Some(r) = s.reference.as_deref().filter(|r| !r.trim().is_empty()) { br; "Reference: " (r) }
            }
            @if let Some(i) = s.instructions.as_deref().filter(|i| !i.trim().is_empty()) { p.muted { (i) } }
        }
    }
}

fn goods_row(g: &GoodsInput) -> Markup {
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    html! {
        tr {
            td data-label="Goods" { (or_dash(&g.description)) }
            td.num data-label="Qty" { @if let Some(q) = g.quantity { (q) } @else { "—" } }
            td data-label="Packaging" { @if let Some(p) = g.packaging { (p.as_str().replace('_', " ")) } @else { "—" } }
            td.num data-label="Weight kg" { @if let Some(w) = g.weight_kg { (w) } @else { "—" } }
            td.num data-label="Volume m³" { (num(g.volume_m3)) }
            td.num data-label="LDM" { (num(g.loading_metres)) }
            td.num data-label="Pallet spaces" { @if let Some(v) = g.pallet_spaces { (v) } }
            td data-label="Stackable" { @if g.stackable { "yes" } @else { "no" } }
            td data-label="ADR" { @if let Some(a) = &g.adr {
                (or_dash(&a.un_number)) ", class " (or_dash(&a.class))
                @if let Some(pg) = a.packing_group.as_deref().filter(|p| !p.trim().is_empty()) { ", PG " (pg) }
                @if let Some(t) = a.tunnel_code.as_deref().filter(|t| !t.trim().is_empty()) { ", tunnel (" (t) ")" }
            } }
        }
    }
}

/// For a draft with gaps: what it still lacks, in words, before it can be submitted. Empty
/// markup without gaps (a complete draft, a submitted order).
pub(crate) fn missing_list(missing: &[portal_domain::FieldError]) -> Markup {
    html! {
        @if !missing.is_empty() {
            section.card.incomplete role="status" {
                h2 { "Not complete yet" }
                p { "This draft is saved. Before it can be submitted it needs:" }
                ul {
                    @for e in missing {
                        li { strong { (field_label(&e.field)) } ": " (e.message) }
                    }
                }
            }
        }
    }
}
