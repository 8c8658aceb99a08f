//! The *API tokens* card of `/account`: the identity's bearer tokens (label or first characters,
//! scope, created, expires, last used, status) and a *Revoke* form for each live one. Tokens are
//! made with `portal token create`; the page never shows a whole token.
//!
//! The revoke form carries the CSRF field and a one-time form id, used with the token id as the
//! command's idempotency key (a change: the same post again records nothing twice). Only the
//! identity's own tokens can be revoked here; another id answers 404.

use super::layout::csrf_field;
use crate::AppState;
use crate::auth::caller::SignedIn;
use crate::auth::token_admin::{self, TokenAdminError, TokenInfo, TokenStatus};
use crate::error::AppError;
use crate::web::csrf::FormId;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use portal_app::zone::Zone;
use portal_domain::{Actor, ApiTokenId};
use serde::Deserialize;
use time::OffsetDateTime;
use tracing::{info, instrument};

/// The card; `staff` shows it (with how to make a token) even when there is none yet.
pub fn tokens_card(csrf: &str, tokens: &[TokenInfo], zone: &Zone, staff: bool) -> Markup {
    html! {
        @if staff || !tokens.is_empty() {
            section.card #api-tokens {
                h2 { "API tokens" }
                p.hint {
                    "Bearer tokens let integrations act as you. A token works until it expires, \
                     is revoked, or the access it was made for ends. Operators make them with "
                    code { "portal token create" } "."
                }
                @if tokens.is_empty() {
                    p.empty { "You have no API tokens." }
                } @else {
                    table {
                        thead { tr {
                            th { "Token" } th { "Scope" } th { "Created" } th { "Expires" }
                            th { "Last used" } th { "Status" } th {}
                        } }
                        tbody {
                            @for t in tokens { (token_row(csrf, t, zone)) }
                        }
                    }
                }
            }
        }
    }
}

fn token_row(csrf: &str, t: &TokenInfo, zone: &Zone) -> Markup {
    let prefix = t.prefix.as_ref().map(|p| format!("{p}…"));
    let scope = match t.customer_id {
        None => format!("Staff at {}", t.tenant),
        Some(c) => format!("Customer {c} at {}", t.tenant),
    };
    html! {
        tr.token data-token=(t.credential_id) {
            td data-label="Token" {
                @if let Some(name) = &t.name { strong { (name) } " " }
                @if let Some(prefix) = &prefix { code { (prefix) } }
            }
            td data-label="Scope" { (scope) }
            td data-label="Created" { (zone.format(t.created_at)) }
            td data-label="Expires" {
                (t.expires_at.map_or_else(|| "never".to_owned(), |at| zone.format(at)))
            }
            td data-label="Last used" {
                (t.last_used_at.map_or_else(|| "never".to_owned(), |at| zone.format(at)))
            }
            td data-label="Status" { (t.status.as_str()) }
            td {
                @if t.status == TokenStatus::Active {
                    form method="post" action="/account/tokens/revoke" {
                        (csrf_field(csrf))
                        input type="hidden" name="credential_id" value=(t.credential_id);
                        button.button.secondary type="submit" { "Revoke" }
                    }
                }
            }
        }
    }
}

/// The identity's tokens, newest first.
pub async fn tokens_of(state: &AppState, signed: &SignedIn) -> Result<Vec<TokenInfo>, AppError> {
    let now = OffsetDateTime::now_utc();
    token_admin::list(&state.store, &state.db, Some(signed.user.user_id), now)
        .await
        .map_err(admin_error)
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub credential_id: String,
}

/// `POST /account/tokens/revoke`: revokes one of the identity's own tokens.
#[instrument(skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    signed: SignedIn,
    form_id: FormId,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let id = form
        .credential_id
        .trim()
        .parse::<uuid::Uuid>()
        .map_err(|_| AppError::NotFound)?;
    let user_id = signed.user.user_id;
    let actor = signed
        .scope
        .as_ref()
        .map_or(Actor::System, |s| s.actor(user_id));
    let key = crate::commands::form_idempotency(&form_id, "account.token.revoke", true);
    let now = OffsetDateTime::now_utc();
    token_admin::revoke(
        &state.store,
        &state.db,
        ApiTokenId(id),
        Some(user_id),
        actor,
        key,
        now,
    )
    .await
    .map_err(admin_error)?;
    info!("api token revoked by its owner");
    Ok(Redirect::to("/account?saved=token-revoked#api-tokens").into_response())
}

fn admin_error(e: TokenAdminError) -> AppError {
    match e {
        TokenAdminError::NotFound(_) => AppError::NotFound,
        TokenAdminError::Execute(e) => e.into(),
        TokenAdminError::Db(e) => e.into(),
    }
}
