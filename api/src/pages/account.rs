//! `/account`: the user's own page: who is logged in, and the optional password (set, or change
//! with the current one). The password is stored as an argon2id hash in `credentials`; the event
//! `PasswordSet` records only that it was set. Tries of the current password count against the
//! same rate limits as password logins.

use super::layout::{Nav, csrf_field, field_error, page};
use crate::AppState;
use crate::auth::caller::SignedIn;
use crate::auth::rate_limit::{self, Action};
use crate::auth::reset::check_new_password;
use crate::auth::scopes::scopes_of;
use crate::auth::session::ScopeRef;
use crate::auth::{identity, password};
use crate::error::AppError;
use crate::pages::auth_views::TOO_MANY;
use crate::web::{ClientIp, CsrfToken};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use portal_domain::{Actor, FieldError, UserId};
use serde::Deserialize;
use time::OffsetDateTime;
use tracing::{info, instrument};

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    /// Set after a successful save (the flash message).
    pub saved: Option<String>,
}

async fn render(
    state: &AppState,
    signed: &SignedIn,
    csrf: &str,
    errors: &[FieldError],
    saved: bool,
) -> Result<Response, AppError> {
    let has_password = password::stored(&state.db, signed.user.user_id)
        .await?
        .is_some();
    let scopes = scopes_of(&state.read, &signed.user.email).await?;
    let scope_label = match &signed.scope {
        Some(scope) => Some(super::layout::scope_label(state, scope).await?),
        None => None,
    };
    let nav = Nav {
        email: signed.user.email.to_string(),
        scope_label,
        home: signed.scope.as_ref().map_or("/switch", ScopeRef::home),
        switcher: scopes.len() > 1,
        csrf: csrf.to_owned(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = page(
        "Your account",
        Some(&nav),
        html! {
            div.page-head { div {
                h1 { "Your account" }
                p.subtitle { "Logged in as " strong { (signed.user.email) } }
            } }
            @if saved { p.notice.ok role="status" { "Your password was saved." } }
            section.card.narrow {
                h2 { @if has_password { "Change your password" } @else { "Set a password" } }
                p.hint {
                    "Optional: you can always log in with an emailed link. At least 12 \
                     characters; a short sentence works well."
                }
                form method="post" action="/account/password" novalidate {
                    (csrf_field(csrf))
                    @if has_password {
                        label for="current" { "Current password" }
                        input #current type="password" name="current" autocomplete="current-password" required;
                        (field_error(errors, "current"))
                    }
                    label for="password" { "New password" }
                    input #password type="password" name="password" autocomplete="new-password" required;
                    (field_error(errors, "password"))
                    label for="confirm" { "Repeat the new password" }
                    input #confirm type="password" name="confirm" autocomplete="new-password" required;
                    (field_error(errors, "confirm"))
                    button.button type="submit" { "Save password" }
                }
            }
            @if scopes.len() > 1 {
                section.card.narrow {
                    h2 { "Your portals" }
                    ul { @for s in &scopes { li { (s.label()) } } }
                    a.button.secondary href="/switch" { "Switch portal" }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

/// `GET /account`.
pub async fn account(
    State(state): State<AppState>,
    signed: SignedIn,
    csrf: CsrfToken,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    render(&state, &signed, &csrf.0, &[], q.saved.is_some()).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// `POST /account/password`: sets or changes the password.
#[instrument(skip_all)]
pub async fn set_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    signed: SignedIn,
    csrf: CsrfToken,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let user_id: UserId = signed.user.user_id;
    let email = signed.user.email.clone();
    if let Some(stored) = password::stored(&state.db, user_id).await? {
        let limits = &state.auth.limits;
        if !rate_limit::allow(&state.db, limits, Action::Password, Some(&email), ip, now).await? {
            let errors = [FieldError::new("current", TOO_MANY.to_lowercase())];
            return render(&state, &signed, &csrf.0, &errors, false).await;
        }
        let ok = form.current.chars().count() <= password::MAX_CHARS
            && password::verify(form.current.clone(), Some(stored)).await?;
        if !ok {
            let errors = [FieldError::new("current", "is not your current password")];
            return render(&state, &signed, &csrf.0, &errors, false).await;
        }
    }
    let errors = check_new_password(&form.password, &form.confirm);
    if !errors.is_empty() {
        return render(&state, &signed, &csrf.0, &errors, false).await;
    }
    let phc = password::hash(form.password).await?;
    password::store(&state.db, user_id, &phc, now).await?;
    let actor = signed
        .scope
        .as_ref()
        .map_or(Actor::System, |s| s.actor(user_id));
    identity::record_password_set(&state.store, &email, false, actor).await?;
    info!("password set");
    Ok(Redirect::to("/account?saved=1").into_response())
}
