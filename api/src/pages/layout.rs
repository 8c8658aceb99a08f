//! The frame of every HTML page: the header with the product name (and, when logged in, the
//! current scope, the switcher from two scopes on, the account link and *Log out*), the main
//! column, and the centred card of the login pages. No inline script or style anywhere (the CSP
//! forbids both); all text goes through maud, which escapes it.
//!
//! Staff pages (any page whose header's home is `/staff`) get the staff navigation under the
//! header: CUSTOMERS › *Customers* / *Contacts*, *Orders*, *Locations*; portal pages (home
//! `/portal`) the portal's tabs *Dashboard*, *Orders*, *Locations*, *Settings*. [`staff_page`]
//! marks the current section and shows the pending flash message ([`super::flash`]).

use super::flash::{self, Flash};
use crate::AppState;
use crate::auth::caller::Caller;
use crate::auth::session::ScopeRef;
use crate::error::AppError;
use maud::{DOCTYPE, Markup, html};
use portal_domain::FieldError;
use portal_projections::models::{customers, tenants};

pub const PRODUCT: &str = "Freight Portal";

/// What the header shows for a logged-in user.
#[derive(Debug, Clone)]
pub struct Nav {
    pub email: String,
    /// "Carrier — Customer" of the current scope, if one is chosen.
    pub scope_label: Option<String>,
    pub home: &'static str,
    pub switcher: bool,
    pub csrf: String,
}

impl Nav {
    /// The header of a scoped page.
    pub async fn for_caller(
        state: &AppState,
        caller: &Caller,
        csrf: &str,
    ) -> Result<Self, AppError> {
        Ok(Self {
            email: caller.email.to_string(),
            scope_label: Some(scope_label(state, &caller.scope).await?),
            home: caller.scope.home(),
            switcher: caller.scope_count > 1,
            csrf: csrf.to_owned(),
        })
    }
}

/// "Carrier — Customer" (or "Carrier — Staff") of a scope, from the read models.
pub async fn scope_label(state: &AppState, scope: &ScopeRef) -> Result<String, AppError> {
    let tenant = scope.tenant();
    let carrier = tenants::name(&state.read, tenant)
        .await?
        .unwrap_or_else(|| tenant.to_string());
    let role = match scope {
        ScopeRef::Staff { .. } => "Staff".to_owned(),
        ScopeRef::Portal { customer_id, .. } => customers::get(&state.read, tenant, *customer_id)
            .await?
            .map_or_else(|| "Customer".to_owned(), |c| c.name.to_string()),
    };
    Ok(format!("{carrier} — {role}"))
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="robots" content="noindex";
            title { (title) " · " (PRODUCT) }
            link rel="stylesheet" href="/assets/portal.css";
        }
    }
}

fn topbar(nav: Option<&Nav>) -> Markup {
    html! {
        header.topbar {
            div.topbar-inner {
                a.brand href=(nav.map_or("/", |n| n.home)) {
                    span.brand-mark aria-hidden="true" { "▸" }
                    (PRODUCT)
                }
                @if let Some(nav) = nav {
                    nav.topnav aria-label="Account" {
                        @if let Some(label) = &nav.scope_label {
                            span.scope-label { (label) }
                        }
                        @if nav.switcher {
                            a.topnav-link href="/switch" { "Switch" }
                        }
                        a.topnav-link href="/account" { (nav.email) }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(nav.csrf);
                            button.link-button type="submit" { "Log out" }
                        }
                    }
                }
            }
        }
    }
}

fn footer() -> Markup {
    html! {
        footer.footer {
            p { (PRODUCT) " — orders, documents and charges with your carrier." }
        }
    }
}

/// The staff's sections, for the navigation under the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Customers,
    Contacts,
    Orders,
    Locations,
    /// The portal's printer configuration and account links; the staff's tenant settings.
    Settings,
    /// A page outside the sections (account, error pages).
    Other,
}

fn staff_nav(current: Section) -> Markup {
    let link = |section: Section, href: &str, label: &str| {
        html! {
            @if section == current {
                a.subnav-link.current href=(href) aria-current="page" { (label) }
            } @else {
                a.subnav-link href=(href) { (label) }
            }
        }
    };
    html! {
        nav.subnav aria-label="Staff" {
            div.subnav-inner {
                (link(Section::Home, "/staff", "Home"))
                span.subnav-group {
                    span.subnav-heading { "Customers" }
                    (link(Section::Customers, "/staff/customers", "Customers"))
                    (link(Section::Contacts, "/staff/contacts", "Contacts"))
                }
                (link(Section::Orders, "/staff/orders", "Orders"))
                (link(Section::Locations, "/staff/locations", "Locations"))
                (link(Section::Settings, "/staff/settings", "Settings"))
            }
        }
    }
}

fn portal_nav(current: Section) -> Markup {
    let link = |section: Section, href: &str, label: &str| {
        html! {
            @if section == current {
                a.subnav-link.current href=(href) aria-current="page" { (label) }
            } @else {
                a.subnav-link href=(href) { (label) }
            }
        }
    };
    html! {
        nav.subnav aria-label="Portal" {
            div.subnav-inner {
                (link(Section::Home, "/portal", "Dashboard"))
                (link(Section::Orders, "/portal/orders", "Orders"))
                (link(Section::Locations, "/portal/locations", "Locations"))
                (link(Section::Settings, "/portal/settings", "Settings"))
            }
        }
    }
}

fn frame(
    title: &str,
    nav: Option<&Nav>,
    section: Section,
    flash: Option<&Flash>,
    body: Markup,
) -> Markup {
    let staff = nav.is_some_and(|n| n.home == "/staff");
    let portal = nav.is_some_and(|n| n.home == "/portal");
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                (topbar(nav))
                @if staff { (staff_nav(section)) }
                @if portal { (portal_nav(section)) }
                main.container {
                    (flash::render(flash))
                    (body)
                }
                (footer())
            }
        }
    }
}

/// A page of the application.
pub fn page(title: &str, nav: Option<&Nav>, body: Markup) -> Markup {
    frame(title, nav, Section::Other, None, body)
}

/// A staff or portal page in `section`, with the flash message of the previous action (if any).
pub fn staff_page(
    title: &str,
    nav: &Nav,
    section: Section,
    flash: Option<&Flash>,
    body: Markup,
) -> Markup {
    frame(title, Some(nav), section, flash, body)
}

/// A login-style page: one centred card.
pub fn card_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.auth {
                (topbar(None))
                main.auth-main {
                    section.card.auth-card { (body) }
                }
                (footer())
            }
        }
    }
}

/// The hidden fields every form carries: the CSRF token and a one-time form id (the command's
/// idempotency key, see [`crate::web::csrf`]).
pub fn csrf_field(csrf: &str) -> Markup {
    csrf_field_of(csrf, None)
}

/// [`csrf_field`] for a form rendered again in answer to its own post (a row added, a message
/// shown): it keeps the id it was posted with, so the form stays one intention from its first
/// page to its last post — Back and reload re-post it with the same id.
pub fn csrf_field_of(csrf: &str, posted: Option<&str>) -> Markup {
    let id = posted.map_or_else(crate::web::csrf::FormId::mint, str::to_owned);
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="form_id" value=(id);
    }
}

/// The messages of `field` among `errors`, under its input: one element with the id
/// [`error_id`] names, which [`input_attrs`] points the input to.
pub fn field_error(errors: &[FieldError], field: &str) -> Markup {
    let mut messages = errors.iter().filter(|e| e.field == field).peekable();
    html! {
        @if messages.peek().is_some() {
            p.field-error id=(error_id(field)) {
                @for (i, e) in messages.enumerate() {
                    @if i > 0 { " " }
                    (capitalise(&e.message)) "."
                }
            }
        }
    }
}

/// The id of the element holding the messages of `field` (see [`field_error`]).
pub fn error_id(field: &str) -> String {
    format!("{field}-error")
}

/// The ARIA attributes of a form control for `field`: when `errors` has a message for it,
/// `aria-invalid="true"` and `aria-describedby` naming the message [`field_error`] shows (so a
/// screen reader reads the message with the field); both absent otherwise. In maud:
/// `input … aria-invalid=[a.invalid] aria-describedby=[a.described_by];`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputAttrs {
    pub invalid: Option<&'static str>,
    pub described_by: Option<String>,
}

/// The [`InputAttrs`] of `field`'s control.
pub fn input_attrs(errors: &[FieldError], field: &str) -> InputAttrs {
    input_attrs_if(errors.iter().any(|e| e.field == field), field)
}

/// The [`InputAttrs`] of `field`'s control when whether it has a message is known otherwise
/// (a control whose messages come from several fields, shown under one [`error_id`]).
pub fn input_attrs_if(invalid: bool, field: &str) -> InputAttrs {
    InputAttrs {
        invalid: invalid.then_some("true"),
        described_by: invalid.then(|| error_id(field)),
    }
}

/// The error summary at the top of a form (the GOV.UK pattern): every message of `errors`, each
/// a link to its control when the form shows one (`fields`), so one request's problems are all
/// in view at once however deep in the form they are. It takes the focus when the page loads
/// (`autofocus` on a focusable box: no script), so a screen reader announces it and the first
/// Tab leads to its links.
pub fn error_summary(errors: &[FieldError], fields: &[&str]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.notice.error-summary #error-summary role="alert" tabindex="-1" autofocus
                aria-labelledby="error-summary-title" {
                h2 #error-summary-title { "There is a problem" }
                ul {
                    @for e in in_form_order(errors, fields) {
                        li {
                            @if fields.contains(&e.field.as_str()) {
                                a href={ "#" (control_id(&e.field)) } {
                                    (field_label(&e.field)) ": " (e.message)
                                }
                            } @else {
                                (capitalise(&e.message)) "."
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `errors` in the order of their controls on the form (`fields`); the others last.
fn in_form_order<'a>(errors: &'a [FieldError], fields: &[&str]) -> Vec<&'a FieldError> {
    let mut sorted: Vec<&FieldError> = errors.iter().collect();
    sorted.sort_by_key(|e| {
        fields
            .iter()
            .position(|f| *f == e.field)
            .unwrap_or(usize::MAX)
    });
    sorted
}

/// The id of the control of a field named by its JSON path (`consignments[0].pickup.date` →
/// `consignments_0__pickup_date`), as the forms render it.
pub fn control_id(field: &str) -> String {
    field.replace(['[', ']', '.'], "_")
}

/// A field's JSON path in words: `consignments[0].goods[1].weight_kg` → "Consignment 1, goods
/// line 2, weight kg".
pub fn field_label(field: &str) -> String {
    let words: Vec<String> = field
        .split('.')
        .map(|part| match part.split_once('[') {
            Some((name, rest)) => {
                let n = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |n| n + 1);
                let name = match name {
                    "consignments" => "consignment",
                    "goods" => "goods line",
                    other => other,
                };
                format!("{} {n}", name.replace('_', " "))
            }
            None => part.replace('_', " "),
        })
        .collect();
    capitalise(&words.join(", "))
}

/// "1 order", "2 orders", "0 orders": a count with its noun in the right number.
pub fn count(n: i64, singular: &str, plural: &str) -> String {
    format!("{n} {}", noun(n, singular, plural))
}

/// The noun for a count of `n` shown apart from it (a figure above its label).
pub fn noun<'a>(n: i64, singular: &'a str, plural: &'a str) -> &'a str {
    if n == 1 { singular } else { plural }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The field errors not shown next to a field of the form (`fields`): shown above it.
pub fn other_errors(errors: &[FieldError], fields: &[&str]) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| !fields.contains(&e.field.as_str())) {
            div.notice.error role="alert" { (capitalise(&e.message)) "." }
        }
    }
}

/// A labelled on/off switch (a check box styled as a toggle). A disabled one says why in `hint`.
pub fn toggle(name: &str, label: &str, on: bool, disabled: Option<&str>) -> Markup {
    let id = format!("toggle-{name}");
    html! {
        div.toggle-row {
            label.toggle for=(id) {
                input type="checkbox" id=(id) name=(name) value="on" checked[on]
                    disabled[disabled.is_some()]
                    aria-describedby=[disabled.map(|_| format!("{id}-hint"))];
                span.toggle-track aria-hidden="true" {}
                span.toggle-label { (label) }
            }
            @if let Some(hint) = disabled {
                p.hint id={ (id) "-hint" } { (hint) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_name_their_noun_in_the_right_number() {
        assert_eq!(count(0, "order", "orders"), "0 orders");
        assert_eq!(count(1, "order", "orders"), "1 order");
        assert_eq!(count(2, "order", "orders"), "2 orders");
        assert_eq!(noun(1, "order in all", "orders in all"), "order in all");
    }

    #[test]
    fn an_invalid_field_points_to_its_message() {
        let errors = [FieldError::new("name", "is required")];
        let a = input_attrs(&errors, "name");
        assert_eq!(a.invalid, Some("true"));
        assert_eq!(a.described_by.as_deref(), Some("name-error"));
        assert_eq!(input_attrs(&errors, "email").described_by, None);
        let shown = field_error(&errors, "name").into_string();
        assert!(shown.contains(r#"id="name-error""#), "{shown}");
        assert_eq!(field_error(&errors, "email").into_string(), "");
    }
}
