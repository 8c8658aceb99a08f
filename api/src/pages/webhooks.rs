//! The webhook pages of both roles, linked from their settings pages:
//!
//! | path (`P` = `/staff/settings/webhooks` or `/portal/settings/webhooks`) | does |
//! |---|---|
//! | `GET P`, `POST P` | the endpoints and the form to add one; after adding, the secret once |
//! | `GET P/{id}`, `POST P/{id}` | edit an endpoint; its delivery log (newest first, paged) |
//! | `POST P/{id}/enable`, `POST P/{id}/disable`, `POST P/{id}/delete` | switch, delete |
//! | `POST P/{id}/deliveries/{delivery_id}/retry` | *Send again* |
//!
//! Forms follow the settings forms: CSRF, a one-time form id (adding the same form twice
//! registers one endpoint), flash messages after a redirect, an error summary and messages next
//! to the fields on a 422. The secret is rendered only in the answer of the POST that created
//! it (never stored in the session, never in a redirect). Staff routes take [`StaffCtx`], portal
//! routes [`PortalCtx`] (404 for the other role); both run the same [`portal_app::webhooks`]
//! use cases, scoped by the caller.

use super::context::PageCtx;
use super::portal::common::PortalCtx;
use super::staff::common::{FormData, StaffCtx, form_errors};
use super::webhooks_view::{self as view, Base};
use crate::AppState;
use crate::error::AppError;
use crate::web::Query;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use portal_app::webhooks::{self, WebhookInput};
use time::OffsetDateTime;

const STAFF: Base = Base("/staff/settings/webhooks");
const PORTAL: Base = Base("/portal/settings/webhooks");

/// The webhook page routes of both roles (form posts behind CSRF protection).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/staff/settings/webhooks",
            get(staff_list).post(staff_create),
        )
        .route(
            "/staff/settings/webhooks/{id}",
            get(staff_show).post(staff_save),
        )
        .route("/staff/settings/webhooks/{id}/{action}", post(staff_action))
        .route(
            "/staff/settings/webhooks/{id}/deliveries/{delivery_id}/retry",
            post(staff_retry),
        )
        .route(
            "/portal/settings/webhooks",
            get(portal_list).post(portal_create),
        )
        .route(
            "/portal/settings/webhooks/{id}",
            get(portal_show).post(portal_save),
        )
        .route(
            "/portal/settings/webhooks/{id}/{action}",
            post(portal_action),
        )
        .route(
            "/portal/settings/webhooks/{id}/deliveries/{delivery_id}/retry",
            post(portal_retry),
        )
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::web::csrf::csrf_protect,
        ))
}

async fn staff_list(ctx: StaffCtx) -> Result<Response, AppError> {
    list(&ctx, STAFF).await
}
async fn portal_list(ctx: PortalCtx) -> Result<Response, AppError> {
    list(&ctx, PORTAL).await
}
async fn staff_create(ctx: StaffCtx, body: Bytes) -> Result<Response, AppError> {
    create(&ctx, STAFF, &body).await
}
async fn portal_create(ctx: PortalCtx, body: Bytes) -> Result<Response, AppError> {
    create(&ctx, PORTAL, &body).await
}
async fn staff_show(
    ctx: StaffCtx,
    Path(id): Path<String>,
    Query(q): Query<FormData>,
) -> Result<Response, AppError> {
    show(&ctx, STAFF, &id, &q).await
}
async fn portal_show(
    ctx: PortalCtx,
    Path(id): Path<String>,
    Query(q): Query<FormData>,
) -> Result<Response, AppError> {
    show(&ctx, PORTAL, &id, &q).await
}
async fn staff_save(
    ctx: StaffCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    save(&ctx, STAFF, &id, &body).await
}
async fn portal_save(
    ctx: PortalCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    save(&ctx, PORTAL, &id, &body).await
}
async fn staff_action(
    ctx: StaffCtx,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    act(&ctx, STAFF, &id, &action).await
}
async fn portal_action(
    ctx: PortalCtx,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    act(&ctx, PORTAL, &id, &action).await
}
async fn staff_retry(
    ctx: StaffCtx,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Response, AppError> {
    retry(&ctx, STAFF, &id, &delivery).await
}
async fn portal_retry(
    ctx: PortalCtx,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Response, AppError> {
    retry(&ctx, PORTAL, &id, &delivery).await
}

/// `GET P`: the endpoints and the add form.
async fn list(ctx: &PageCtx, base: Base) -> Result<Response, AppError> {
    let endpoints = webhooks::list(&ctx.state.db, &ctx.caller.principal()).await?;
    let body = view::list(ctx, base, &endpoints, &FormData::default(), &[], None);
    ctx.page("Webhooks", view::section(ctx), body).await
}

fn input_of(form: &FormData) -> WebhookInput {
    WebhookInput {
        url: form.get("url").to_owned(),
        event_types: form
            .get("event_types")
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        description: form.opt("description"),
        enabled: None,
    }
}

/// `POST P`: registers; the answer shows the secret once.
async fn create(ctx: &PageCtx, base: Base, body: &[u8]) -> Result<Response, AppError> {
    let form = FormData::parse(body);
    let principal = ctx.caller.principal();
    let created = webhooks::create(
        &ctx.state.db,
        &principal,
        ctx.caller.email.as_str(),
        &input_of(&form),
        ctx.state.auth.webhook_allow_private,
        ctx.form.0.as_deref(),
        OffsetDateTime::now_utc(),
    )
    .await;
    match created {
        Ok(created) => {
            let endpoints = webhooks::list(&ctx.state.db, &principal).await?;
            let body = view::list(
                ctx,
                base,
                &endpoints,
                &FormData::default(),
                &[],
                Some(&created),
            );
            ctx.page_with(StatusCode::CREATED, "Webhooks", view::section(ctx), body)
                .await
        }
        Err(portal_app::Error::Conflict(message)) => ctx.done(message, base.0).await,
        Err(e) => {
            let errors = form_errors(e)?;
            let endpoints = webhooks::list(&ctx.state.db, &principal).await?;
            let body = view::list(ctx, base, &endpoints, &form, &errors, None);
            ctx.page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Webhooks",
                view::section(ctx),
                body,
            )
            .await
        }
    }
}

/// `GET P/{id}`: the edit form and the delivery log (`?before=` pages it).
async fn show(ctx: &PageCtx, base: Base, id: &str, q: &FormData) -> Result<Response, AppError> {
    let principal = ctx.caller.principal();
    let endpoint = webhooks::get(&ctx.state.db, &principal, id).await?;
    let before = q.get("before").parse::<i64>().ok();
    let log = webhooks::deliveries(&ctx.state.db, &principal, id, before, 50).await?;
    let form = view::form_of(&endpoint);
    let body = view::detail(ctx, base, &endpoint, &form, &[], &log);
    ctx.page("Webhook", view::section(ctx), body).await
}

/// `POST P/{id}`: saves URL, patterns and description.
async fn save(ctx: &PageCtx, base: Base, id: &str, body: &[u8]) -> Result<Response, AppError> {
    let form = FormData::parse(body);
    let principal = ctx.caller.principal();
    let saved = webhooks::update(
        &ctx.state.db,
        &principal,
        id,
        &input_of(&form),
        ctx.state.auth.webhook_allow_private,
        OffsetDateTime::now_utc(),
    )
    .await;
    match saved {
        Ok(_) => ctx.done("The endpoint was saved.", &base.of(id)).await,
        Err(e) => {
            let errors = form_errors(e)?;
            let endpoint = webhooks::get(&ctx.state.db, &principal, id).await?;
            let log = webhooks::deliveries(&ctx.state.db, &principal, id, None, 50).await?;
            let body = view::detail(ctx, base, &endpoint, &form, &errors, &log);
            ctx.page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Webhook",
                view::section(ctx),
                body,
            )
            .await
        }
    }
}

/// `POST P/{id}/enable|disable|delete`.
async fn act(ctx: &PageCtx, base: Base, id: &str, action: &str) -> Result<Response, AppError> {
    let principal = ctx.caller.principal();
    let now = OffsetDateTime::now_utc();
    let db = &ctx.state.db;
    match action {
        "enable" => {
            webhooks::set_enabled(db, &principal, id, true, now).await?;
            ctx.done("The endpoint is enabled again.", &base.of(id))
                .await
        }
        "disable" => {
            webhooks::set_enabled(db, &principal, id, false, now).await?;
            ctx.done(
                "The endpoint is disabled: nothing is sent to it.",
                &base.of(id),
            )
            .await
        }
        "delete" => {
            webhooks::delete(db, &principal, id).await?;
            ctx.done("The endpoint and its delivery log were deleted.", base.0)
                .await
        }
        _ => Err(AppError::NotFound),
    }
}

/// `POST P/{id}/deliveries/{delivery_id}/retry`: *Send again*.
async fn retry(ctx: &PageCtx, base: Base, id: &str, delivery: &str) -> Result<Response, AppError> {
    let principal = ctx.caller.principal();
    webhooks::retry(
        &ctx.state.db,
        &principal,
        id,
        delivery,
        OffsetDateTime::now_utc(),
    )
    .await?;
    ctx.done("The delivery is queued to be sent again.", &base.of(id))
        .await
}
