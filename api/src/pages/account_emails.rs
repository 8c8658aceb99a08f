//! The *Emails* card of `/account` (portal users) and its form, `POST /account/emails`; and the
//! pages of the one-click unsubscribe links in those emails, `GET, POST /unsubscribe/{token}`.
//!
//! The unsubscribe POST is the RFC 8058 one-click target: mail clients post
//! `List-Unsubscribe=One-Click` without a session or CSRF token, so the route sits outside the
//! CSRF layer; the signed token in the path is what authorises it, and all it can do is turn
//! one kind of email off for one contact. The GET only shows a button (mail scanners open
//! links; a GET changes nothing).

use super::layout::{csrf_field, field_error, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::staff::common::settle;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use portal_app::portal::notifications::{
    self, LinkKey, NotificationsInput, NotificationsView, UnsubscribeView,
};
use portal_domain::FieldError;
use portal_domain::contact::{Delivery, NewsKind};
use tracing::{info, instrument};

fn delivery_label(d: Delivery) -> &'static str {
    match d {
        Delivery::Immediate => "At once, one email per change",
        Delivery::Daily => "Once a day, a summary at 07:00 (your time zone)",
        Delivery::Off => "Off",
    }
}

fn kind_words(kind: NewsKind) -> &'static str {
    match kind {
        NewsKind::OrderStatus => "order status changes",
        NewsKind::ChargeApproval => "charges awaiting your approval",
    }
}

fn choice(name: &str, label: &str, hint: &str, current: Delivery, errors: &[FieldError]) -> Markup {
    html! {
        label for=(name) { (label) }
        p.hint id=(format!("{name}-hint")) { (hint) }
        select id=(name) name=(name) aria-describedby=(format!("{name}-hint")) {
            @for d in Delivery::ALL {
                option value=(d.as_str()) selected[d == current] { (delivery_label(d)) }
            }
        }
        (field_error(errors, name))
    }
}

/// The card: which emails the portal user gets. `shows_charges`: the charge choice is only
/// offered where the carrier shows charges to this customer.
pub fn emails_card(
    csrf: &str,
    view: &NotificationsView,
    shows_charges: bool,
    errors: &[FieldError],
) -> Markup {
    html! {
        section.card.narrow #emails {
            h2 { "Emails" }
            p.hint {
                "Sign-in links and your welcome email always come. Choose how you hear about \
                 the rest; every such email also has a link to turn it off."
            }
            form method="post" action="/account/emails" {
                (csrf_field(csrf))
                (choice("order_status", "Order status changes",
                    "Orders you submitted, and every order if your role is operations: accepted, \
                     rejected, planned, in transit, delivered, cancelled.",
                    view.order_status, errors))
                @if shows_charges {
                    (choice("charge_approval", "Charges awaiting approval",
                        "Charges on orders you submitted, and on every order if your role is \
                         invoices.",
                        view.charge_approval, errors))
                } @else {
                    input type="hidden" name="charge_approval" value=(view.charge_approval.as_str());
                }
                button.button type="submit" { "Save email choices" }
            }
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EmailsForm {
    #[serde(default)]
    pub order_status: String,
    #[serde(default)]
    pub charge_approval: String,
}

/// `POST /account/emails`: saves the choices; invalid values come back as field errors.
#[instrument(skip_all)]
pub async fn set_emails(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<EmailsForm>,
) -> Result<Response, AppError> {
    let input = NotificationsInput {
        order_status: form.order_status,
        charge_approval: form.charge_approval,
    };
    notifications::set(&state.app(), &caller.principal(), &input, None).await?;
    settle(&state).await;
    info!("email preferences saved");
    Ok(Redirect::to("/account?saved=emails").into_response())
}

fn unsubscribe_page(token: &str, view: &UnsubscribeView, done: bool) -> Markup {
    let what = kind_words(view.kind);
    let whose = if view.customer.is_empty() {
        view.carrier.clone()
    } else {
        format!("{} at {}", view.customer, view.carrier)
    };
    page(
        "Unsubscribe",
        None,
        html! {
            section.card.narrow {
                h1 { "Emails about " (what) }
                @if done || view.off {
                    p.notice.ok role="status" {
                        "You no longer get emails about " (what) " for " (whose) "."
                    }
                    p { "You can turn them on again on your account page after logging in." }
                    a.button.secondary href="/account#emails" { "Your account" }
                } @else {
                    p { "Stop emails about " (what) " for " (whose) "?" }
                    form method="post" action=(format!("/unsubscribe/{token}")) {
                        button.button type="submit" { "Unsubscribe" }
                    }
                    p.hint { "Sign-in links and other emails you need are not affected." }
                }
            }
        },
    )
}

/// The key the links are checked with.
fn link_key(state: &AppState) -> LinkKey<'_> {
    LinkKey {
        db: &state.db,
        key: &state.auth.unsubscribe_key,
    }
}

/// `GET /unsubscribe/{token}`: asks; changes nothing.
pub async fn unsubscribe_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let view = notifications::unsubscribe_view(&state.app(), &link_key(&state), &token).await?;
    Ok(unsubscribe_page(&token, &view, false).into_response())
}

/// `POST /unsubscribe/{token}`: the one-click unsubscribe (RFC 8058) and the page's button.
#[instrument(skip_all)]
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let view = notifications::unsubscribe(&state.app(), &link_key(&state), &token).await?;
    info!(kind = view.kind.as_str(), "unsubscribed by link");
    Ok(unsubscribe_page(&token, &view, true).into_response())
}
