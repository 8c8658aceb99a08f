//! What every staff page shares: the [`StaffCtx`] extractor (a staff caller, or 404 for anyone
//! else; the rest is the one [`PageCtx`] of every page), [`FormData`] (a form body or query
//! string with repeated fields such as check boxes), turning a use case's rejection into field
//! errors for a re-rendered form ([`form_errors`]), waiting for the read models after a write
//! ([`settle`]) and small widgets (badges, tabs, dates).

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::context::PageCtx;
use crate::pages::flash::{self, Flash};
use crate::pages::layout::{Nav, Section, staff_page};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use portal_domain::customer::CustomerStatus;
use portal_domain::error::RejectionKind;
use portal_domain::{DomainError, FieldError};
use tower_sessions::Session;

/// A request of a staff member: anyone else gets 404 (the staff pages do not exist for them),
/// a browser without a session the login page. Dereferences to its [`PageCtx`].
#[derive(Debug, Clone)]
pub struct StaffCtx(PageCtx);

impl FromRequestParts<AppState> for StaffCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !caller.is_staff() {
            return Err(AppError::NotFound);
        }
        Ok(Self(PageCtx::for_caller(parts, state, caller).await?))
    }
}

impl std::ops::Deref for StaffCtx {
    type Target = PageCtx;

    fn deref(&self) -> &PageCtx {
        &self.0
    }
}

/// A page of a logged-in user in `section` (staff or portal navigation, by the caller's
/// scope) with the pending flash message, answered with `status`.
pub async fn framed(
    state: &AppState,
    caller: &Caller,
    csrf: &str,
    session: &Session,
    (status, title, section): (StatusCode, &str, Section),
    body: Markup,
) -> Result<Response, AppError> {
    let nav = Nav::for_caller(state, caller, csrf).await?;
    let flash = flash::take(session).await?;
    Ok((
        status,
        staff_page(title, &nav, section, flash.as_ref(), body),
    )
        .into_response())
}

/// The end of a successful form POST: waits for the read models to apply the write, keeps
/// `message` for the next page and redirects (303) to `to` (the next page waits for the write's
/// position too: [`crate::consistency`]).
pub async fn done(
    state: &AppState,
    session: &Session,
    message: impl Into<String>,
    to: &str,
) -> Result<Response, AppError> {
    settle(state).await;
    flash::redirect(session, Flash::ok(message), to).await
}

/// A form body or query string, fields in order, repeated names kept. A page takes its query
/// string as `Query<FormData>` (the one query extractor, [`crate::web::Query`]).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for FormData {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = FormData;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("name=value pairs")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FormData, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(FormData(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

impl FormData {
    pub fn parse(bytes: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name` ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every value of `name` (check boxes of one name).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether check box `name` was ticked.
    pub fn on(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "1" | "true")
    }
}

/// The field of a business-rule rejection, so the message stands next to what caused it.
fn rule_field(e: &DomainError) -> &'static str {
    match e {
        DomainError::CustomerPortalNotEnabled => "portal_access",
        DomainError::CustomerBlocked => "enabled",
        DomainError::DuplicateContactEmail => "email",
        DomainError::LocationSharedByCustomers(_) => "visibility.kind",
        _ => "form",
    }
}

/// The field errors of a rejection that a re-rendered form shows (invalid input, a business
/// rule); any other error (404, conflict, failure) stays an error page.
pub fn form_errors(e: impl Into<AppError>) -> Result<Vec<FieldError>, AppError> {
    match e.into() {
        AppError::Invalid(errors) => Ok(errors),
        AppError::Rejected(DomainError::Validation(errors)) => Ok(errors),
        AppError::Rejected(e) if e.kind() == RejectionKind::Rule => {
            Ok(vec![FieldError::new(rule_field(&e), e.to_string())])
        }
        other => Err(other),
    }
}

/// Waits (at most 3 s) until every projection has applied the current request's own write
/// (its `Portal-Position`; nothing when it wrote nothing), so the page after a redirect shows
/// what the user just did. Never waits for the log's global head: other tenants' later events do
/// not delay a form post. Gives up quietly: the page it redirects to waits again
/// ([`crate::consistency`]).
pub async fn settle(state: &AppState) {
    crate::consistency::settle_own_write(state).await;
}

/// Parses a customer status of a form or filter (`None` for anything else).
pub fn customer_status(raw: &str) -> Option<CustomerStatus> {
    [
        CustomerStatus::Prospect,
        CustomerStatus::Approved,
        CustomerStatus::Blocked,
    ]
    .into_iter()
    .find(|s| s.as_str() == raw.trim())
}

pub fn status_badge(status: CustomerStatus) -> Markup {
    html! { span class={ "badge customer-" (status.as_str()) } { (status.as_str()) } }
}

/// A yes/no badge: `on_text` in green, `off_text` in grey.
pub fn switch_badge(on: bool, on_text: &str, off_text: &str) -> Markup {
    html! {
        @if on { span.badge.on { (on_text) } } @else { span.badge.off { (off_text) } }
    }
}

/// The `select` of customer statuses.
pub fn status_select(name: &str, current: Option<CustomerStatus>, any: bool) -> Markup {
    html! {
        select name=(name) id=(name) {
            @if any { option value="" { "Any status" } }
            @for s in [CustomerStatus::Prospect, CustomerStatus::Approved, CustomerStatus::Blocked] {
                option value=(s.as_str()) selected[current == Some(s)] { (s.as_str()) }
            }
        }
    }
}

/// The tabs of an entity's page: its main view and its audit trail.
pub fn tabs(base: &str, audit: bool, main_label: &str) -> Markup {
    html! {
        nav.tabs aria-label="Views" {
            @if audit {
                a.tab href=(base) { (main_label) }
                a.tab.current href={ (base) "/audit" } aria-current="page" { "Audit" }
            } @else {
                a.tab.current href=(base) aria-current="page" { (main_label) }
                a.tab href={ (base) "/audit" } { "Audit" }
            }
        }
    }
}

/// A query string from `pairs`, blank values left out (`?a=1&b=2`, or "").
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.append_pair(k, v);
    }
    let s = out.finish();
    if s.is_empty() { s } else { format!("?{s}") }
}
