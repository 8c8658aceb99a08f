//! *Update details* of the customers list's quick actions, and its report.
//!
//! `POST /staff/customers/quick-actions` takes the chosen switch and value, and either the
//! ticked `customer_ids` or `all_matching=1` with the list's filter (every customer matching it,
//! not only the visible page: [`customers::all_ids_matching`]). It runs the quick-action use case
//! ([`portal_app::bulk`]), keeps the per-customer report in the session and redirects to
//! `GET /staff/customers/quick-actions/report`, which shows it once: what changed, what was
//! already so, what failed and why.

use super::common::{FormData, StaffCtx};
use super::customers::{ListFilter, QuickAction, render_list};
use crate::error::AppError;
use crate::pages::flash::{self, Flash};
use crate::pages::layout::{Section, count};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use portal_app::bulk::{self, BulkRequest, Outcome};
use portal_app::staff_only;
use portal_domain::FieldError;
use portal_projections::models::customers;
use serde::{Deserialize, Serialize};

const REPORT_KEY: &str = "quick_action_report";

/// One customer's line of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    customer_id: String,
    name: String,
    /// `changed`, `already` or `failed`.
    outcome: String,
    message: Option<String>,
}

/// The report kept in the session between the POST and the report page.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Report {
    label: String,
    value: String,
    changed: usize,
    already: usize,
    failed: usize,
    lines: Vec<Line>,
}

/// `POST /staff/customers/quick-actions`.
pub async fn apply(ctx: StaffCtx, body: Bytes) -> Result<Response, AppError> {
    staff_only(&ctx.caller.principal())?;
    let form = FormData::parse(&body);
    let Some(action) = QuickAction::from(&form, "field", "value") else {
        return Err(AppError::field(
            "field",
            "must be portal_enabled or show_charges",
        ));
    };
    let filter = ListFilter::from(&form);
    let ids: Vec<String> = if form.on("all_matching") {
        customers::all_ids_matching(&ctx.state.read, ctx.tenant(), &filter.query())
            .await?
            .iter()
            .map(ToString::to_string)
            .collect()
    } else {
        form.all("customer_ids")
    };
    let request = BulkRequest {
        customer_ids: ids,
        field: action.field_name().to_owned(),
        value: Some(action.value),
    };
    let result = match bulk::run_request(
        &ctx.state.app(),
        &ctx.caller.principal(),
        &request,
        ctx.change_key("staff.customers.bulk"),
    )
    .await
    .map_err(AppError::from)
    {
        Ok(result) => result,
        Err(AppError::Invalid(errors)) => {
            // Back to the list in quick-action mode, with the message above it.
            let mut again = FormData::default();
            for (k, v) in filter.pairs() {
                again.0.push((k.to_owned(), v.to_owned()));
            }
            again
                .0
                .push(("qa_field".into(), action.field_name().into()));
            again.0.push(("qa_value".into(), action.value_str().into()));
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new("form", e.message))
                .collect();
            return render_list(&ctx, &again, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    };
    let mut lines = Vec::with_capacity(result.results.len());
    for item in &result.results {
        let name = match item.customer_id.parse() {
            Ok(id) => customers::get(&ctx.state.read, ctx.tenant(), id)
                .await?
                .map(|c| c.name.to_string()),
            Err(_) => None,
        };
        lines.push(Line {
            customer_id: item.customer_id.clone(),
            name: name.unwrap_or_else(|| item.customer_id.clone()),
            outcome: match item.outcome {
                Outcome::Changed => "changed",
                Outcome::Already => "already",
                Outcome::Failed => "failed",
            }
            .to_owned(),
            message: item.message.clone(),
        });
    }
    let report = Report {
        label: action.label().to_owned(),
        value: action.value_str().to_owned(),
        changed: result.changed,
        already: result.already,
        failed: result.failed,
        lines,
    };
    let summary = format!(
        "{} updated: {} changed, {} already so, {} failed.",
        report.label, report.changed, report.already, report.failed
    );
    ctx.session.insert(REPORT_KEY, &report).await?;
    ctx.done(summary, "/staff/customers/quick-actions/report")
        .await
}

/// `GET /staff/customers/quick-actions/report`: the report of the last quick action (once).
pub async fn report(ctx: StaffCtx) -> Result<Response, AppError> {
    let Some(report) = ctx.session.remove::<Report>(REPORT_KEY).await? else {
        flash::set(
            &ctx.session,
            Flash::info("The report of that quick action was shown already."),
        )
        .await?;
        return Ok(Redirect::to("/staff/customers").into_response());
    };
    let body = html! {
        div.page-head { div {
            h1 { "Quick action report" }
            p.subtitle {
                strong { (report.label) } " set to " strong { (report.value) } " on "
                (count(report.lines.len() as i64, "customer", "customers")) "."
            }
        } }
        div.grid {
            div.stat { span.stat-value #changed-count { (report.changed) } span.stat-label { "Changed" } }
            div.stat { span.stat-value #already-count { (report.already) } span.stat-label { "Already so" } }
            div.stat { span.stat-value #failed-count { (report.failed) } span.stat-label { "Failed" } }
        }
        section.card {
            table.report {
                thead { tr { th { "Customer" } th { "Result" } th { "Message" } } }
                tbody {
                    @for l in &report.lines {
                        tr class={ "outcome-" (l.outcome) } {
                            td data-label="Customer" { a href={ "/staff/customers/" (l.customer_id) } { (l.name) } }
                            td data-label="Result" { span class={ "badge outcome " (l.outcome) } {
                                @match l.outcome.as_str() {
                                    "changed" => "Changed",
                                    "already" => "Already so",
                                    _ => "Failed",
                                }
                            } }
                            td data-label="Message" { (l.message.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
            p { a.button.secondary href="/staff/customers" { "Back to customers" } }
        }
    };
    ctx.page("Quick action report", Section::Customers, body)
        .await
}
