//! The staff's settings page `/staff/settings`: the tenant's time zone, chosen from the names of
//! the time-zone database. Every time the carrier's staff and its customers see (order lists and
//! pages, exports) is shown in this zone. A *Webhooks* section links to the webhook pages
//! ([`crate::pages::webhooks`]).

use super::common::{FormData, StaffCtx, form_errors};
use crate::error::AppError;
use crate::pages::layout::{Section, csrf_field, field_error, other_errors};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use portal_app::time_zone::{self, TimeZoneInput};
use portal_app::zone::Zone;
use portal_domain::FieldError;
use time::OffsetDateTime;
use tracing::instrument;

/// `GET /staff/settings`.
#[instrument(skip_all, fields(tenant = %ctx.tenant()))]
pub async fn show(ctx: StaffCtx) -> Result<Response, AppError> {
    let current = time_zone::get(&ctx.state.app(), &ctx.caller.principal()).await?;
    render(&ctx, &current.time_zone, &[]).await
}

/// `POST /staff/settings/time-zone` (`time_zone`).
#[instrument(skip_all, fields(tenant = %ctx.tenant()))]
pub async fn save_time_zone(ctx: StaffCtx, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let input = TimeZoneInput {
        time_zone: form.opt("time_zone"),
    };
    match time_zone::set(&ctx.state.app(), &ctx.caller.principal(), &input, None).await {
        Ok(view) if view.changed => {
            let message = format!("Times are now shown in {}.", view.time_zone);
            ctx.done(message, "/staff/settings").await
        }
        Ok(_) => ctx.done("Nothing to change.", "/staff/settings").await,
        Err(e) => {
            let errors = form_errors(e)?;
            render(&ctx, form.get("time_zone"), &errors).await
        }
    }
}

async fn render(ctx: &StaffCtx, chosen: &str, errors: &[FieldError]) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let webhooks = portal_app::webhooks::list(&ctx.state.db, &ctx.caller.principal())
        .await?
        .len();
    let sample = Zone::named(chosen).map(|z| z.format(now));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        div.page-head { div {
            h1 { "Settings" }
            p.subtitle { "Settings of the whole carrier: they apply to staff and to every customer." }
        } }
        section.card #time-zone {
            h2 { "Time zone" }
            p.muted {
                "Order lists, order pages and exports show times in this zone, with its abbreviation. "
                "Times are stored in UTC, so changing the zone changes only how they are shown."
            }
            (other_errors(errors, &["time_zone"]))
            form method="post" action="/staff/settings/time-zone" {
                (csrf_field(&ctx.csrf))
                label for="time_zone" { "Time zone" }
                select id="time_zone" name="time_zone" {
                    @for name in Zone::known_names() {
                        option value=(name) selected[name == chosen] { (name) }
                    }
                }
                (field_error(errors, "time_zone"))
                @if let Some(sample) = sample { p.muted { "Now: " (sample) } }
                button.button type="submit" { "Save" }
            }
        }
        (crate::pages::webhooks_view::settings_section(webhooks, "/staff/settings/webhooks"))
    };
    ctx.page_with(status, "Settings", Section::Settings, body)
        .await
}
