//! Password reset through an emailed link: `GET /password/reset?token=` shows the new-password
//! form (consuming nothing); the POST validates the new password, then consumes the token, stores
//! the hash, ends every other session of the identity, records `PasswordSet { reset: true }` and
//! logs in (method `PasswordReset`). The link
//! is requested at `/password/forgot` (see [`super::links`]).

use super::identity;
use super::login::{complete_login, no_access, problem_page, token_page};
use super::scopes::scopes_of;
use crate::AppState;
use crate::error::AppError;
use crate::pages::auth_views;
use crate::web::CsrfToken;
use crate::web::Query;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portal_domain::user::{LinkPurpose, LoginMethod};
use portal_domain::{Actor, FieldError, UserId};
use portal_identity::passwords as password;
use portal_identity::sessions;
use portal_identity::tokens;
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use tracing::instrument;

use super::login::TokenQuery;

/// `GET /password/reset?token=`.
#[instrument(skip_all)]
pub async fn reset_page(
    State(state): State<AppState>,
    csrf: CsrfToken,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let purpose = LinkPurpose::PasswordReset;
    token_page(
        &state,
        &csrf.0,
        &q.token,
        purpose,
        StatusCode::OK,
        |token, email| auth_views::reset(&csrf.0, token, email, &[]),
    )
    .await
}

/// The new-password form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// The field messages of a new password of `email` (when known) and its repetition.
pub fn check_new_password(password: &str, confirm: &str, email: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let context = email.map(password::context_of).unwrap_or_default();
    if let Err(e) = password::validate("password", password, &context) {
        errors.push(e);
    } else if password != confirm {
        errors.push(FieldError::new(
            "confirm",
            "does not match the new password",
        ));
    }
    errors
}

/// `POST /password/reset`.
#[instrument(skip_all)]
pub async fn reset(
    State(state): State<AppState>,
    session: Session,
    csrf: CsrfToken,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let purpose = LinkPurpose::PasswordReset;
    // Whose password it would be, without using the token (the email counts against it).
    let email = tokens::status(&state.db, &form.token, purpose, now)
        .await?
        .ok()
        .map(|owner| owner.email);
    let errors = check_new_password(
        &form.password,
        &form.confirm,
        email.as_ref().map(|e| e.as_str()),
    );
    if !errors.is_empty() {
        // The token stays unused: show the form again (or why the link no longer works).
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return token_page(
            &state,
            &csrf.0,
            &form.token,
            purpose,
            status,
            |token, email| auth_views::reset(&csrf.0, token, email, &errors),
        )
        .await;
    }
    let owner = match tokens::consume(&state.db, &form.token, purpose, now).await? {
        Ok(owner) => owner,
        Err(problem) => return Ok(problem_page(&csrf.0, problem, purpose)),
    };
    if scopes_of(&state.read, &owner.email).await?.is_empty() {
        return Ok(no_access());
    }
    let phc = password::hash(form.password).await?;
    let user_id = UserId::for_email(&owner.email);
    password::store(&state.db, user_id, &phc, now).await?;
    // Whoever knew the old password is logged out everywhere; the new session starts below.
    sessions::end_for_user(&state.db, user_id).await?;
    identity::record_password_set(&state.store, &owner.email, true, Actor::System).await?;
    Ok(
        complete_login(&state, &session, &owner.email, LoginMethod::PasswordReset)
            .await?
            .unwrap_or_else(no_access),
    )
}
