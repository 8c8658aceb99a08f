//! Audit: the tenant's events in log order, and one stream's history with its state at a point.

use super::body::{parse_query_int, parse_query_limit};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::web::Query;
use axum::Json;
use axum::extract::{Path, State};
use portal_app::audit::{self, DEFAULT_LIMIT, EventPage, StreamHistory, Until};
use portal_app::staff_only;
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

/// A stream's history and its state at a position or time (`portal replay` over HTTP).
#[utoipa::path(get, path = "/api/v1/audit/streams/{stream_id}", tag = "audit",
    params(("stream_id" = String, Path, description = "e.g. customer-0190…"), HistoryQuery),
    responses((status = 200, description = "History and state", body = StreamHistory)))]
pub async fn stream_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(stream_id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<StreamHistory>, AppError> {
    staff_only(&caller.principal())?;
    let until = match query.until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(Until::parse(raw)?),
    };
    Ok(Json(
        audit::stream_history(&state.app(), &caller.principal(), &stream_id, until).await?,
    ))
}
