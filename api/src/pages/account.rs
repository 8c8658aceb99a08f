//! `/account`: the user's own page: who is logged in, their own time zone (else the carrier's is
//! used), which emails a portal user gets ([`super::account_emails`]), the optional password (set, or change with the current one), and the identity's API
//! tokens ([`super::account_tokens`]). The password is stored as an argon2id hash in
//! `credentials`; the event
//! `PasswordSet` records only that it was set. Tries of the current password count against the
//! same rate limits as password logins.

use super::account_emails::emails_card;
use super::account_tokens::{tokens_card, tokens_of};
use super::layout::{Nav, csrf_field, field_error, page};
use crate::AppState;
use crate::auth::caller::SignedIn;
use crate::auth::identity;
use crate::auth::rate_limit::{self, Action};
use crate::auth::reset::check_new_password;
use crate::auth::scopes::scopes_of;
use crate::auth::session::ScopeRef;
use crate::error::AppError;
use crate::pages::auth_views::TOO_MANY;
use crate::pages::staff::common::settle;
use crate::web::Query;
use crate::web::{ClientIp, CsrfToken};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use portal_app::time_zone::known_zone;
use portal_app::zone::{Zone, tenant_zone};
use portal_domain::values::TimeZoneName;
use portal_domain::{Actor, FieldError, UserId};
use portal_identity::passwords as password;
use portal_projections::models::user_prefs;
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
    saved: Option<&str>,
) -> Result<Response, AppError> {
    let own = user_prefs::time_zone(&state.read, signed.user.user_id).await?;
    let carrier = match &signed.scope {
        Some(scope) => Some(tenant_zone(&state.app(), scope.tenant()).await?),
        None => None,
    };
    let zone = own
        .as_ref()
        .and_then(|n| Zone::named(n.as_str()))
        .or_else(|| carrier.clone())
        .unwrap_or_else(Zone::utc);
    let tokens = tokens_of(state, signed).await?;
    let emails = match &signed.scope {
        Some(ScopeRef::Portal {
            tenant,
            customer_id,
            contact_id,
        }) => {
            let principal = portal_app::Principal::portal(
                signed.user.user_id,
                tenant.clone(),
                *customer_id,
                *contact_id,
            );
            let app = state.app();
            let view = portal_app::portal::notifications::get(&app, &principal).await?;
            let shows = portal_app::access::shows_charges(&app, &principal).await?;
            Some((view, shows))
        }
        _ => None,
    };
    let staff = signed.scope.as_ref().is_some_and(ScopeRef::is_staff);
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
            @match saved {
                Some("time-zone") => p.notice.ok role="status" { "Your time zone was saved." },
                Some("emails") => p.notice.ok role="status" { "Your email choices were saved." },
                Some("token-revoked") => p.notice.ok role="status" { "The token was revoked." },
                Some(_) => p.notice.ok role="status" { "Your password was saved." },
                None => {},
            }
            (time_zone_card(csrf, own.as_ref().map(TimeZoneName::as_str), carrier.as_ref(), errors))
            @if let Some((view, shows)) = &emails {
                (emails_card(csrf, view, *shows, errors))
            }
            section.card.narrow {
                h2 { @if has_password { "Change your password" } @else { "Set a password" } }
                p.hint {
                    "Optional: you can always log in with an emailed link. At least 12 \
                     characters and hard to guess; a short sentence of uncommon words works \
                     well."
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
            (tokens_card(csrf, &tokens, &zone, staff))
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
    render(&state, &signed, &csrf.0, &[], q.saved.as_deref()).await
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
            return render(&state, &signed, &csrf.0, &errors, None).await;
        }
        let ok = form.current.chars().count() <= password::MAX_CHARS
            && password::verify(form.current.clone(), Some(stored)).await?;
        if !ok {
            let errors = [FieldError::new("current", "is not your current password")];
            return render(&state, &signed, &csrf.0, &errors, None).await;
        }
    }
    let errors = check_new_password(&form.password, &form.confirm, Some(email.as_str()));
    if !errors.is_empty() {
        return render(&state, &signed, &csrf.0, &errors, None).await;
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

/// The time-zone form: the user's own zone, or (blank) the carrier's.
fn time_zone_card(
    csrf: &str,
    own: Option<&str>,
    carrier: Option<&Zone>,
    errors: &[FieldError],
) -> Markup {
    let carrier_label = match carrier {
        Some(z) => format!("The carrier's time zone ({})", z.name()),
        None => "The carrier's time zone".to_owned(),
    };
    html! {
        section.card.narrow #time-zone {
            h2 { "Time zone" }
            p.hint { "Order lists, order pages and exports show times in this zone." }
            form method="post" action="/account/time-zone" {
                (csrf_field(csrf))
                label for="time_zone" { "Your time zone" }
                select id="time_zone" name="time_zone" {
                    option value="" selected[own.is_none()] { (carrier_label) }
                    @for name in Zone::known_names() {
                        option value=(name) selected[Some(name.as_str()) == own] { (name) }
                    }
                }
                (field_error(errors, "time_zone"))
                button.button type="submit" { "Save time zone" }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TimeZoneForm {
    #[serde(default)]
    pub time_zone: String,
}

/// `POST /account/time-zone`: the user's own zone (blank: follow the carrier's). A name the
/// time-zone database does not know is shown next to the field (422) and nothing is stored.
#[instrument(skip_all)]
pub async fn set_time_zone(
    State(state): State<AppState>,
    signed: SignedIn,
    csrf: CsrfToken,
    Form(form): Form<TimeZoneForm>,
) -> Result<Response, AppError> {
    let raw = form.time_zone.trim();
    let time_zone = if raw.is_empty() {
        None
    } else {
        match known_zone("time_zone", raw) {
            Ok((name, _)) => Some(name),
            Err(e) => return render(&state, &signed, &csrf.0, &[e], None).await,
        }
    };
    let user_id = signed.user.user_id;
    let actor = signed
        .scope
        .as_ref()
        .map_or(Actor::System, |s| s.actor(user_id));
    identity::record_time_zone_preference(&state.store, &signed.user.email, time_zone, actor)
        .await?;
    settle(&state).await;
    info!("time zone preference saved");
    Ok(Redirect::to("/account?saved=time-zone").into_response())
}
