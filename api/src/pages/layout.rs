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

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The message of `field` among `errors`, under its input.
pub fn field_error(errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field) {
            p.field-error id={ (field) "-error" } { (capitalise(&e.message)) "." }
        }
    }
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
