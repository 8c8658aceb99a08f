//! The order form's markup (see [`super::order_form`] for its behaviour): the order's fields, a
//! card per consignment with its two stops (address book choice, address, date, window,
//! reference, instructions) and its goods lines, and the row and save buttons. Every input is
//! named by its JSON path and labelled; its message stands under it.

use super::common::PortalCtx;
use super::order_model::{ConsignmentModel, Fields, GOODS_FIELDS, OrderModel, STOP_FIELDS};
use crate::error::AppError;
use crate::pages::country::country_select;
use crate::pages::layout::{Section, csrf_field_of, error_summary, field_error, input_attrs};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::portal::address_book;
use portal_domain::values::Packaging;
use portal_domain::{FieldError, OrderId};
use portal_projections::models::locations::LocationRow;

/// The form (new order or draft `id`) with `errors`, answered with `status`.
pub async fn render(
    ctx: &PortalCtx,
    id: Option<OrderId>,
    model: &OrderModel,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let book = address_book::list(&ctx.state.app(), &ctx.caller.principal(), false).await?;
    let action = match id {
        Some(id) => format!("/portal/orders/{id}/edit"),
        None => "/portal/orders/new".to_owned(),
    };
    let title = if id.is_some() {
        "Edit draft"
    } else {
        "New order"
    };
    let shown: Vec<String> = shown_fields(model);
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    let body = html! {
        div.page-head { div {
            h1 { (title) }
            p.subtitle { "Save it as a draft while you complete it; once submitted it cannot be changed." }
        } }
        form.order-form method="post" action=(action) novalidate {
            (csrf_field_of(&ctx.csrf, ctx.form.0.as_deref()))
            (error_summary(errors, &shown))
            section.card {
                h2 { "Order" }
                div.two-col {
                    div {
                        label for="customer_reference" { "Your reference" }
                        @let a = input_attrs(errors, "customer_reference");
                        input type="text" id="customer_reference" name="customer_reference" value=(model.customer_reference) maxlength="100"
                            aria-invalid=[a.invalid] aria-describedby=[a.described_by];
                        (field_error(errors, "customer_reference"))
                    }
                    div {
                        label for="notes" { "Notes for the carrier" }
                        @let a = input_attrs(errors, "notes");
                        textarea id="notes" name="notes" rows="2" aria-invalid=[a.invalid] aria-describedby=[a.described_by] { (model.notes) }
                        (field_error(errors, "notes"))
                    }
                }
            }
            @for (i, c) in model.consignments.iter().enumerate() {
                (consignment(i, c, model.consignments.len(), &book, errors))
            }
            div.form-actions {
                button.button.secondary type="submit" name="action" value="add_consignment" formnovalidate { "Add consignment" }
                button.button.secondary type="submit" name="action" value="save" { "Save draft" }
                button.button type="submit" name="action" value="submit" { "Save and submit" }
            }
        }
    };
    ctx.page_with(status, title, Section::Orders, body).await
}

/// Every field name the form shows (errors of other fields are listed above the form).
fn shown_fields(model: &OrderModel) -> Vec<String> {
    let mut out = vec!["customer_reference".to_owned(), "notes".to_owned()];
    for (i, c) in model.consignments.iter().enumerate() {
        for role in ["pickup", "delivery"] {
            for f in STOP_FIELDS {
                out.push(format!("consignments[{i}].{role}.{f}"));
            }
        }
        for j in 0..c.goods.len() {
            for f in GOODS_FIELDS {
                out.push(format!("consignments[{i}].goods[{j}].{f}"));
            }
        }
    }
    out
}

fn input(
    errors: &[FieldError],
    name: &str,
    label: &str,
    value: &str,
    kind: &str,
    extra_class: &str,
) -> Markup {
    let id = name.replace(['[', ']', '.'], "_");
    let a = input_attrs(errors, name);
    html! {
        div class={ "field " (extra_class) } {
            label for=(id) { (label) }
            input type=(kind) id=(id) name=(name) value=(value)
                aria-invalid=[a.invalid] aria-describedby=[a.described_by];
            (field_error(errors, name))
        }
    }
}

fn stop(
    path: &str,
    label: &str,
    fields: &Fields,
    book: &[LocationRow],
    errors: &[FieldError],
) -> Markup {
    let v = |k: &str| fields.get(k).map_or("", String::as_str);
    let f = |k: &str| format!("{path}.{k}");
    let select_id = f("location_id").replace(['[', ']', '.'], "_");
    html! {
        fieldset.stop {
            legend { (label) }
            div.field {
                label for=(select_id) { "From the address book" }
                @let a = input_attrs(errors, &f("location_id"));
                select id=(select_id) name=(f("location_id")) aria-invalid=[a.invalid] aria-describedby=[a.described_by] {
                    option value="" { "— a new address (below) —" }
                    @for l in book {
                        @let id = l.location_id.to_string();
                        option value=(id) selected[v("location_id") == id] {
                            (l.name) " — " (l.address.city()) ", " (l.address.country().as_str())
                        }
                    }
                }
                (field_error(errors, &f("location_id")))
                input type="hidden" name=(f("filled_from")) value=(v("filled_from"));
            }
            div.grid {
                (input(errors, &f("address.name"), "Company / site", v("address.name"), "text", ""))
                (input(errors, &f("address.street"), "Street", v("address.street"), "text", ""))
                (input(errors, &f("address.postal_code"), "Postcode", v("address.postal_code"), "text", ""))
                (input(errors, &f("address.city"), "City", v("address.city"), "text", ""))
                div.field {
                    @let id = f("address.country").replace(['[', ']', '.'], "_");
                    label for=(id) { "Country" }
                    (country_select(&f("address.country"), &id, v("address.country"), &input_attrs(errors, &f("address.country"))))
                    (field_error(errors, &f("address.country")))
                }
                (input(errors, &f("address.contact_name"), "Contact", v("address.contact_name"), "text", ""))
                (input(errors, &f("address.contact_phone"), "Phone", v("address.contact_phone"), "tel", ""))
                (input(errors, &f("date"), "Date", v("date"), "date", ""))
                (input(errors, &f("time_window.from"), "From", v("time_window.from"), "time", ""))
                (input(errors, &f("time_window.to"), "To", v("time_window.to"), "time", ""))
                (input(errors, &f("reference"), "Stop reference", v("reference"), "text", ""))
            }
            div.field {
                @let id = f("instructions").replace(['[', ']', '.'], "_");
                label for=(id) { "Instructions" }
                @let a = input_attrs(errors, &f("instructions"));
                textarea id=(id) name=(f("instructions")) rows="2" aria-invalid=[a.invalid] aria-describedby=[a.described_by] { (v("instructions")) }
                (field_error(errors, &f("instructions")))
            }
            label.check {
                input type="checkbox" name=(f("save_to_book")) value="on" checked[v("save_to_book") == "on"];
                " Save as new location in the address book"
            }
        }
    }
}

fn consignment(
    i: usize,
    c: &ConsignmentModel,
    count: usize,
    book: &[LocationRow],
    errors: &[FieldError],
) -> Markup {
    let base = format!("consignments[{i}]");
    html! {
        section.card.consignment {
            h2 { "Consignment " (i + 1) }
            (field_error(errors, &base))
            div.two-col {
                (stop(&format!("{base}.pickup"), "Pickup", &c.pickup, book, errors))
                (stop(&format!("{base}.delivery"), "Delivery", &c.delivery, book, errors))
            }
            h3 { "Goods" }
            (field_error(errors, &format!("{base}.goods")))
            @for (j, g) in c.goods.iter().enumerate() {
                (goods_line(&format!("{base}.goods[{j}]"), i, j, g, c.goods.len(), errors))
            }
            div.action-row {
                button.button.secondary type="submit" name="action" value={ "add_goods:" (i) } formnovalidate { "Add goods line" }
                @if count > 1 {
                    button.button.danger type="submit" name="action" value={ "remove_consignment:" (i) } formnovalidate { "Remove consignment" }
                }
            }
        }
    }
}

fn goods_line(
    path: &str,
    i: usize,
    j: usize,
    g: &Fields,
    lines: usize,
    errors: &[FieldError],
) -> Markup {
    let v = |k: &str| g.get(k).map_or("", String::as_str);
    let f = |k: &str| format!("{path}.{k}");
    let packaging_id = f("packaging").replace(['[', ']', '.'], "_");
    html! {
        fieldset.goods {
            legend { "Goods line " (j + 1) }
            div.grid {
                (input(errors, &f("description"), "Description", v("description"), "text", "wide"))
                (input(errors, &f("quantity"), "Quantity", v("quantity"), "number", ""))
                div.field {
                    label for=(packaging_id) { "Packaging" }
                    @let a = input_attrs(errors, &f("packaging"));
                    select id=(packaging_id) name=(f("packaging")) aria-invalid=[a.invalid] aria-describedby=[a.described_by] {
                        // A draft saved without packaging shows the gap instead of a guess.
                        @if v("packaging").is_empty() { option value="" selected { "Choose…" } }
                        @for p in Packaging::ALL {
                            option value=(p.as_str()) selected[v("packaging") == p.as_str()] { (p.as_str().replace('_', " ")) }
                        }
                    }
                    (field_error(errors, &f("packaging")))
                }
                (input(errors, &f("weight_kg"), "Weight kg", v("weight_kg"), "text", ""))
                (input(errors, &f("volume_m3"), "Volume m³", v("volume_m3"), "text", ""))
                (input(errors, &f("loading_metres"), "Loading metres", v("loading_metres"), "text", ""))
                (input(errors, &f("pallet_spaces"), "Pallet spaces", v("pallet_spaces"), "number", ""))
                (input(errors, &f("adr.un_number"), "ADR UN number", v("adr.un_number"), "text", ""))
                (input(errors, &f("adr.class"), "ADR class", v("adr.class"), "text", ""))
                (input(errors, &f("adr.packing_group"), "Packing group", v("adr.packing_group"), "text", ""))
                (input(errors, &f("adr.tunnel_code"), "Tunnel code", v("adr.tunnel_code"), "text", ""))
            }
            (field_error(errors, &f("adr")))
            div.action-row {
                label.check {
                    input type="checkbox" name=(f("stackable")) value="on" checked[v("stackable") == "on"];
                    " Stackable"
                }
                @if lines > 1 {
                    button.link-button type="submit" name="action" value={ "remove_goods:" (i) ":" (j) } formnovalidate { "Remove line" }
                }
            }
        }
    }
}
