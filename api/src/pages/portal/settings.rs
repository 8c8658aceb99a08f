//! `/portal/settings`: the user's printer configuration (label printer, label format A6 / 4x6in
//! / A4 with four labels, PDF or ZPL, copies; document printer and paper), and the links to the
//! password (`/account`) and, for an identity with several portals, the switcher; a *Webhooks*
//! section links to the webhook pages ([`crate::pages::webhooks`]).

use super::common::PortalCtx;
use crate::error::AppError;
use crate::pages::layout::{Section, csrf_field, field_error, other_errors};
use crate::pages::staff::common::{FormData, form_errors};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::portal::printer::{self, PrinterInput, PrinterView};
use portal_domain::FieldError;

/// `GET /portal/settings`.
pub async fn show(ctx: PortalCtx) -> Result<Response, AppError> {
    let view = printer::get(&ctx.state.app(), &ctx.caller.principal()).await?;
    render(&ctx, &form_of(&view), &[], StatusCode::OK, view.configured).await
}

fn form_of(v: &PrinterView) -> FormData {
    FormData(
        [
            ("label_printer", v.label_printer.clone().unwrap_or_default()),
            ("label_format", v.label_format.clone()),
            ("label_output", v.label_output.clone()),
            ("label_copies", v.label_copies.to_string()),
            (
                "document_printer",
                v.document_printer.clone().unwrap_or_default(),
            ),
            ("document_format", v.document_format.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

fn select(form: &FormData, name: &str, label: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            @for (value, text) in options {
                option value=(value) selected[form.get(name) == *value] { (text) }
            }
        }
    }
}

async fn render(
    ctx: &PortalCtx,
    form: &FormData,
    errors: &[FieldError],
    status: StatusCode,
    configured: bool,
) -> Result<Response, AppError> {
    let fields = [
        "label_printer",
        "label_format",
        "label_output",
        "label_copies",
        "document_printer",
        "document_format",
    ];
    let webhooks = portal_app::webhooks::list(&ctx.state.db, &ctx.caller.principal())
        .await?
        .len();
    let body = html! {
        div.page-head { div {
            h1 { "Settings" }
            p.subtitle { "How your labels and transport documents print." }
        } }
        section.card {
            h2 { "Printers" }
            @if !configured {
                p.hint { "You have not saved a configuration yet: the defaults below apply." }
            }
            (other_errors(errors, &fields))
            form method="post" action="/portal/settings/printers" {
                (csrf_field(&ctx.csrf))
                div.two-col {
                    fieldset {
                        legend { "Shipping labels" }
                        label for="label_printer" { "Label printer" }
                        input type="text" id="label_printer" name="label_printer" value=(form.get("label_printer")) placeholder="Choose when printing";
                        (field_error(errors, "label_printer"))
                        (select(form, "label_format", "Label format", &[
                            ("a6", "A6 (105 × 148 mm)"),
                            ("4x6in", "4 × 6 in"),
                            ("a4", "A4, four labels to a sheet"),
                        ]))
                        (field_error(errors, "label_format"))
                        (select(form, "label_output", "Output", &[("pdf", "PDF"), ("zpl", "ZPL (Zebra thermal printers)")]))
                        (field_error(errors, "label_output"))
                        label for="label_copies" { "Copies of each label" }
                        input type="number" id="label_copies" name="label_copies" min="1" max="10" value=(form.get("label_copies"));
                        (field_error(errors, "label_copies"))
                    }
                    fieldset {
                        legend { "Documents (CMR)" }
                        label for="document_printer" { "Document printer" }
                        input type="text" id="document_printer" name="document_printer" value=(form.get("document_printer")) placeholder="Choose when printing";
                        (field_error(errors, "document_printer"))
                        (select(form, "document_format", "Paper", &[("a4", "A4"), ("letter", "Letter"), ("a5", "A5")]))
                        (field_error(errors, "document_format"))
                    }
                }
                button.button type="submit" { "Save" }
            }
        }
        (crate::pages::webhooks_view::settings_section(webhooks, "/portal/settings/webhooks"))
        section.card {
            h2 { "Account" }
            p { a href="/account" { "Password and sign-in" } }
            p { a href="/switch" { "Switch to another portal" } span.hint { " (where your email has access to several)" } }
        }
    };
    ctx.page_with(status, "Settings", Section::Settings, body)
        .await
}

/// `POST /portal/settings/printers`.
pub async fn save_printers(ctx: PortalCtx, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let copies = form.get("label_copies").trim();
    let input = PrinterInput {
        label_printer: form.opt("label_printer"),
        label_format: form.get("label_format").to_owned(),
        label_output: form.get("label_output").to_owned(),
        label_copies: if copies.is_empty() {
            None
        } else {
            Some(copies.parse().unwrap_or(-1))
        },
        document_printer: form.opt("document_printer"),
        document_format: form.get("document_format").to_owned(),
    };
    match printer::set(
        &ctx.state.app(),
        &ctx.caller.principal(),
        &input,
        ctx.change_key("portal.printers.save"),
    )
    .await
    {
        Ok(_) => {
            ctx.done("Printer settings saved.", "/portal/settings")
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, true).await
        }
    }
}
