//! Requests for emailed links: `POST /login/link`, `POST /password/forgot` and the JSON twin
//! `POST /api/v1/auth/login-link`.
//!
//! The answer is the same page (status and bytes) or JSON body for every well-formed email:
//! known, unknown, without access, or over the rate limit. Whatever differs between those cases
//! (rate-limit counting, the access lookup, the appends) runs after the answer, in a background
//! task ([`crate::AuthConfig::background`]), so response time tells nothing either. Only an email
//! with at least one scope gets `UserRegistered` (first time) and `LoginLinkRequested`, whose
//! handling by the notifier sends the email.

use super::identity;
use super::rate_limit::{self, Action};
use super::scopes::scopes_of;
use crate::AppState;
use crate::error::AppError;
use crate::json::staff::body::Body;
use crate::pages::auth_views::{self, LINK_SENT, LoginForm};
use crate::web::headers::no_referrer;
use crate::web::{ClientIp, CsrfToken};
use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal_domain::FieldError;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::IpAddr;
use time::OffsetDateTime;
use tracing::{Instrument, debug, info, info_span, instrument, warn};

/// A form with one email field.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
}

/// Answers a link-request form: the uniform "link sent" page for a well-formed email (the
/// request itself runs after the answer), else `invalid` with the field message.
fn answer_form(
    state: &AppState,
    ip: IpAddr,
    raw: &str,
    purpose: LinkPurpose,
    invalid: impl FnOnce(FieldError) -> maud::Markup,
) -> Response {
    match Email::parse(raw) {
        Ok(email) => {
            spawn_request(state, email, ip, purpose);
            no_referrer(auth_views::link_sent(purpose))
        }
        Err(e) => no_referrer((StatusCode::UNPROCESSABLE_ENTITY, invalid(e))),
    }
}

/// `POST /login/link`.
#[instrument(skip_all, fields(purpose = "login"))]
pub async fn login_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    csrf: CsrfToken,
    Form(form): Form<EmailForm>,
) -> Response {
    answer_form(&state, ip, &form.email, LinkPurpose::Login, |e| {
        auth_views::login(
            &csrf.0,
            &LoginForm {
                email: form.email.clone(),
                link_errors: vec![e],
                password_error: None,
            },
        )
    })
}

/// `POST /password/forgot`.
#[instrument(skip_all, fields(purpose = "password_reset"))]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    csrf: CsrfToken,
    Form(form): Form<EmailForm>,
) -> Response {
    answer_form(&state, ip, &form.email, LinkPurpose::PasswordReset, |e| {
        auth_views::forgot(&csrf.0, &form.email, &[e])
    })
}

/// `GET /password/forgot`.
pub async fn forgot_page(csrf: CsrfToken) -> Response {
    no_referrer(auth_views::forgot(&csrf.0, "", &[]))
}

/// The body of `POST /api/v1/auth/login-link`.
#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    pub email: String,
}

/// `POST /api/v1/auth/login-link` `{email}` → 202, the same body for every valid email.
#[instrument(skip_all, fields(purpose = "login"))]
pub async fn api_login_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body<LinkRequest>,
) -> Result<Response, AppError> {
    let email = Email::parse(&body.email)?;
    spawn_request(&state, email, ip, LinkPurpose::Login);
    let body: Value = json!({ "status": "accepted", "detail": LINK_SENT });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Handles a link request off the response path.
pub fn spawn_request(state: &AppState, email: Email, ip: IpAddr, purpose: LinkPurpose) {
    let tracker = state.auth.background.clone();
    let state = state.clone();
    let span = info_span!("link_request", purpose = purpose.as_str());
    tracker.spawn(
        async move {
            if let Err(e) = handle_request(&state, &email, ip, purpose).await {
                warn!(error = %e, "link request failed");
            }
        }
        .instrument(span),
    );
}

async fn handle_request(
    state: &AppState,
    email: &Email,
    ip: IpAddr,
    purpose: LinkPurpose,
) -> Result<(), AppError> {
    let now = OffsetDateTime::now_utc();
    let limits = &state.auth.limits;
    if !rate_limit::allow(&state.db, limits, Action::Link, Some(email), ip, now).await? {
        info!("over the rate limit: no link");
        return Ok(());
    }
    if scopes_of(&state.read, email).await?.is_empty() {
        debug!("no access: no link");
        return Ok(());
    }
    identity::request_link(&state.store, email, purpose).await?;
    debug!("link requested");
    Ok(())
}
