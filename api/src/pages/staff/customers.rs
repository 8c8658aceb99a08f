//! CUSTOMERS › Customers: the list view (search, status and portal filters, cursor paging, the
//! *Quick actions* mode with check boxes), *New customer* and its creation.
//!
//! Quick actions without JavaScript: the *Quick actions* panel is a GET form (choosing a field
//! and a value changes nothing); the list then renders inside the POST form of
//! [`super::quick`], with a check box per row and a header box that means *every customer
//! matching the filter*, on all pages (`all_matching=1` plus the filter as hidden fields).

use super::common::{
    FormData, StaffCtx, customer_status, form_errors, query_string, status_badge, status_select,
    switch_badge,
};
use crate::error::AppError;
use crate::pages::layout::{Section, count, csrf_field, field_error, other_errors};
use crate::web::Query;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use portal_app::bulk::BulkField;
use portal_app::customers::{self as service, NewCustomer};
use portal_domain::FieldError;
use portal_projections::models::Page;
use portal_projections::models::customers::{self, CustomerFilter, CustomerRow};

/// The list's filter as the query string carries it.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: String,
    pub status: String,
    /// `on`, `off` or "".
    pub portal: String,
}

impl ListFilter {
    pub fn from(form: &FormData) -> Self {
        Self {
            q: form.get("q").trim().to_owned(),
            status: customer_status(form.get("status"))
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            portal: match form.get("portal") {
                v @ ("on" | "off") => v.to_owned(),
                _ => String::new(),
            },
        }
    }

    pub fn query(&self) -> CustomerFilter {
        CustomerFilter {
            search: Some(self.q.clone()).filter(|q| !q.is_empty()),
            status: customer_status(&self.status),
            portal: match self.portal.as_str() {
                "on" => Some(true),
                "off" => Some(false),
                _ => None,
            },
        }
    }

    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("portal", &self.portal),
        ]
    }

    pub fn hidden(&self) -> Markup {
        html! {
            @for (k, v) in self.pairs() { input type="hidden" name=(k) value=(v); }
        }
    }
}

/// The chosen quick action: which switch, and on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuickAction {
    pub field: BulkField,
    pub value: bool,
}

impl QuickAction {
    pub fn from(form: &FormData, field: &str, value: &str) -> Option<Self> {
        let field = match form.get(field) {
            "portal_enabled" => BulkField::PortalEnabled,
            "show_charges" => BulkField::ShowCharges,
            _ => return None,
        };
        Some(Self {
            field,
            value: form.get(value) == "on",
        })
    }

    pub fn field_name(&self) -> &'static str {
        match self.field {
            BulkField::PortalEnabled => "portal_enabled",
            BulkField::ShowCharges => "show_charges",
        }
    }

    pub fn label(&self) -> &'static str {
        match self.field {
            BulkField::PortalEnabled => "Access to customer portal",
            BulkField::ShowCharges => "Show charges on customer portal",
        }
    }

    pub fn value_str(&self) -> &'static str {
        if self.value { "on" } else { "off" }
    }
}

/// `GET /staff/customers`.
pub async fn list(ctx: StaffCtx, Query(form): Query<FormData>) -> Result<Response, AppError> {
    render_list(&ctx, &form, &[], StatusCode::OK).await
}

/// The list page (also re-rendered by a quick action without a selection).
pub async fn render_list(
    ctx: &StaffCtx,
    form: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let filter = ListFilter::from(form);
    let quick = QuickAction::from(form, "qa_field", "qa_value");
    let page = match form.opt("after") {
        Some(after) => Page::after(after, Page::DEFAULT_LIMIT),
        None => Page::first(Page::DEFAULT_LIMIT),
    };
    let rows = customers::list(&ctx.state.read, ctx.tenant(), &filter.query(), &page).await?;
    let qa_pairs = quick.map(|q| [("qa_field", q.field_name()), ("qa_value", q.value_str())]);
    let next = rows.next.as_deref().map(|after| {
        let mut pairs: Vec<(&str, &str)> = filter.pairs().to_vec();
        pairs.extend(qa_pairs.iter().flatten().copied());
        pairs.push(("after", after));
        format!("/staff/customers{}", query_string(&pairs))
    });
    let body = html! {
        div.page-head {
            div {
                h1 { "Customers" }
                p.subtitle { (count(rows.total, "customer", "customers")) @if !filter.q.is_empty() { " matching “" (filter.q) "”" } }
            }
            a.button href="/staff/customers/new" { "New customer" }
        }
        (filter_form(&filter, quick))
        (quick_panel(&filter, quick))
        section.card {
            (other_errors(errors, &[]))
            @if rows.items.is_empty() {
                p.empty { "No customers match." }
            } @else if let Some(q) = quick {
                form method="post" action="/staff/customers/quick-actions" {
                    (csrf_field(&ctx.csrf))
                    (filter.hidden())
                    input type="hidden" name="field" value=(q.field_name());
                    input type="hidden" name="value" value=(q.value_str());
                    (table(&rows.items, Some(rows.total)))
                    div.form-actions {
                        button.button type="submit" { "Update details" }
                        span.hint { "Sets " strong { (q.label()) } " to " strong { (q.value_str()) } " on the chosen customers." }
                    }
                }
            } @else {
                (table(&rows.items, None))
            }
            @if let Some(next) = next {
                p.pager { a.button.secondary href=(next) rel="next" { "Next" } }
            }
        }
    };
    ctx.page_with(status, "Customers", Section::Customers, body)
        .await
}

fn filter_form(filter: &ListFilter, quick: Option<QuickAction>) -> Markup {
    html! {
        form.card.filters method="get" action="/staff/customers" role="search" {
            @if let Some(q) = quick {
                input type="hidden" name="qa_field" value=(q.field_name());
                input type="hidden" name="qa_value" value=(q.value_str());
            }
            div.filter-field.grow {
                label for="q" { "Search" }
                input type="text" id="q" name="q" value=(filter.q) placeholder="Name or code";
            }
            div.filter-field {
                label for="status" { "Status" }
                (status_select("status", customer_status(&filter.status), true))
            }
            div.filter-field {
                label for="portal" { "Portal" }
                select id="portal" name="portal" {
                    option value="" { "Any" }
                    option value="on" selected[filter.portal == "on"] { "Portal on" }
                    option value="off" selected[filter.portal == "off"] { "Portal off" }
                }
            }
            div.filter-field { button.button type="submit" { "Search" } }
        }
    }
}

fn quick_panel(filter: &ListFilter, quick: Option<QuickAction>) -> Markup {
    let field = quick.map_or("portal_enabled", |q| q.field_name());
    let value = quick.is_none_or(|q| q.value);
    html! {
        details.card.quick-actions open[quick.is_some()] {
            summary { "Quick actions" }
            form method="get" action="/staff/customers" {
                (filter.hidden())
                div.filters {
                    div.filter-field.grow {
                        label for="qa_field" { "Field" }
                        select id="qa_field" name="qa_field" {
                            option value="portal_enabled" selected[field == "portal_enabled"] { "Access to customer portal" }
                            option value="show_charges" selected[field == "show_charges"] { "Show charges on customer portal" }
                        }
                    }
                    fieldset.filter-field.radios {
                        legend { "Set to" }
                        label.radio { input type="radio" name="qa_value" value="on" checked[value]; " On" }
                        label.radio { input type="radio" name="qa_value" value="off" checked[!value]; " Off" }
                    }
                    div.filter-field { button.button type="submit" { "Save" } }
                }
            }
            @if let Some(q) = quick {
                p.hint {
                    "Choose customers below (the box in the header selects all customers matching the \
                     filter, on every page), then press " strong { "Update details" } " to set "
                    strong { (q.label()) } " to " strong { (q.value_str()) } ". "
                    a href={ "/staff/customers" (query_string(&filter.pairs())) } { "Leave quick actions" }
                }
            }
        }
    }
}

/// The customers table; with `select_all` (the count of matching customers) a check box column.
fn table(items: &[CustomerRow], select_all: Option<i64>) -> Markup {
    html! {
        table.customers {
            thead { tr {
                @if let Some(total) = select_all {
                    th.select {
                        label.check {
                            input type="checkbox" name="all_matching" value="1" id="select-all";
                            span { "All " (total) " matching" }
                        }
                    }
                }
                th { "Name" } th { "Code" } th { "Status" } th { "Portal" } th { "Charges" } th.num { "Contacts" }
            } }
            tbody {
                @for c in items {
                    tr {
                        @if select_all.is_some() {
                            td.select {
                                input type="checkbox" name="customer_ids" value=(c.customer_id)
                                    aria-label={ "Select " (c.name) };
                            }
                        }
                        td data-label="Name" { a href={ "/staff/customers/" (c.customer_id) } { (c.name) } }
                        td data-label="Code" { (c.code.as_deref().unwrap_or("—")) }
                        td data-label="Status" { (status_badge(c.status)) }
                        td data-label="Portal" { (switch_badge(c.portal_enabled, "Portal on", "Portal off")) }
                        td data-label="Charges" { (switch_badge(c.show_charges, "Shown", "Hidden")) }
                        td.num data-label="Contacts" { (c.contacts_with_access) " / " (c.contact_count) }
                    }
                }
            }
        }
    }
}

/// `GET /staff/customers/new`.
pub async fn new_form(ctx: StaffCtx) -> Result<Response, AppError> {
    render_new(&ctx, &FormData::default(), &[], StatusCode::OK).await
}

async fn render_new(
    ctx: &StaffCtx,
    form: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let body = html! {
        div.page-head { div {
            h1 { "New customer" }
            p.subtitle { a href="/staff/customers" { "Customers" } " › New" }
        } }
        section.card.narrow {
            (other_errors(errors, &["name", "code", "status"]))
            form method="post" action="/staff/customers" {
                (csrf_field(&ctx.csrf))
                label for="name" { "Name" }
                input type="text" id="name" name="name" value=(form.get("name")) required;
                (field_error(errors, "name"))
                label for="code" { "Code" }
                input type="text" id="code" name="code" value=(form.get("code"));
                (field_error(errors, "code"))
                label for="status" { "Status" }
                (status_select("status", customer_status(form.get("status")), false))
                (field_error(errors, "status"))
                button.button type="submit" { "Create customer" }
            }
        }
    };
    ctx.page_with(status, "New customer", Section::Customers, body)
        .await
}

/// `POST /staff/customers`: creates the customer and opens its profile.
pub async fn create(ctx: StaffCtx, body: Bytes) -> Result<Response, AppError> {
    let form = FormData::parse(&body);
    let input = NewCustomer {
        name: form.get("name").to_owned(),
        code: form.opt("code"),
        status: form.opt("status"),
    };
    match service::create(
        &ctx.state.app(),
        &ctx.caller.principal(),
        &input,
        ctx.form_key("staff.customer.create"),
    )
    .await
    {
        Ok(id) => {
            let msg = format!("Customer {} created.", input.name.trim());
            ctx.done(msg, &format!("/staff/customers/{id}")).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render_new(&ctx, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
