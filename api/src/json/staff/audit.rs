//! Audit: the tenant's events in log order, and one stream's history with its state at a point.

use super::body::{parse_query_int, parse_query_limit};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portal_app::audit::{self, AuditFilter, DEFAULT_LIMIT, EventPage, StreamHistory, Until};
use portal_app::staff_only;
use portal_domain::FieldError;
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `GET /api/v1/events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events after this global position (the previous page's `next`; default 0).
    #[param(value_type = Option<u64>, minimum = 0)]
    pub after: Option<String>,
    /// Events per page, 1–1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// The schema of `until`: a log position or an RFC 3339 time.
fn position_or_time() -> utoipa::openapi::Schema {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        )
        .build()
        .into()
}

/// Query of `GET /api/v1/audit/streams/{stream_id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// A global position, or an RFC 3339 time: the history and state as they were then.
    #[param(schema_with = position_or_time)]
    pub until: Option<String>,
    /// Only the events of this person: their user id (`actor.user_id`, one of `people`).
    #[param(value_type = Option<String>, format = Uuid)]
    pub person: Option<String>,
    /// Only events recorded on or after this day, in the reader's time zone (`time_zone`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Only events recorded on or before this day, in the reader's time zone.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// `json` (the default) or `csv`: the listed events as a CSV document (UTF-8 with a byte
    /// order mark, formulas neutralised).
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// The tenant's events in log order (audit export).
#[utoipa::path(get, path = "/api/v1/events", tag = "audit", params(EventsQuery),
    responses((status = 200, description = "One page of events", body = EventPage)))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<EventsQuery>,
) -> Result<Json<EventPage>, AppError> {
    staff_only(&caller.principal())?;
    // `u64`: a negative position is refused rather than read as the start of the log.
    let after = parse_query_int::<u64>("after", query.after.as_deref())?.unwrap_or(0);
    let after =
        i64::try_from(after).map_err(|_| AppError::field("after", "is past the log's end"))?;
    let limit =
        parse_query_limit(query.limit.as_deref(), audit::MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    Ok(Json(
        audit::events(&state.app(), &caller.principal(), after, limit).await?,
    ))
}

/// A stream's history and its state at a position or time (`portal replay` over HTTP), each
/// event with who did it (named at read time), a summary in words and the fields it changed;
/// filtered by person and day, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/audit/streams/{stream_id}", tag = "audit",
    params(("stream_id" = String, Path, description = "e.g. customer-0190…"), HistoryQuery),
    responses(
        (status = 200, description = "History and state (JSON), or with `format=csv` the listed events as CSV",
            content((StreamHistory = "application/json"), (String = "text/csv"))),
        (status = 404, description = "No such stream in the caller's tenant", body = super::schemas::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter is invalid (`until`, `person`, `from`, `to`, `format`)", body = super::schemas::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(tenant = %caller.tenant()))]
pub async fn stream_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(stream_id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    staff_only(&caller.principal())?;
    let mut errors = Vec::new();
    let until = match query.until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Until::parse(raw).map_err(|e| collect(e, &mut errors)).ok(),
    };
    let filter = AuditFilter::parse(
        query.person.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
    )
    .map_err(|e| collect(e, &mut errors))
    .unwrap_or_default();
    let csv = match query.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            errors.push(FieldError::new(
                "format",
                "is not a format of the history (json, csv)",
            ));
            false
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let app = state.app();
    let principal = caller.principal();
    let history = audit::stream_history(&app, &principal, &stream_id, until, &filter).await?;
    if !csv {
        return Ok(Json(history).into_response());
    }
    let zone = portal_app::zone::Zone::named(&history.time_zone)
        .unwrap_or_else(portal_app::zone::Zone::utc);
    let bytes = audit::csv_document(&history.events, &zone).map_err(portal_app::Error::internal)?;
    let disposition = format!("attachment; filename=\"audit-{}.csv\"", history.stream_id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Gathers the field errors of one parameter's refusal, so that every problem is reported at once.
fn collect(e: portal_app::Error, errors: &mut Vec<FieldError>) {
    match e {
        portal_app::Error::Invalid(mut fields) => errors.append(&mut fields),
        other => errors.push(FieldError::new("query", other.to_string())),
    }
}
