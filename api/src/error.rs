//! The one error type of every handler and extractor ([`AppError`]), answered as
//! `application/problem+json` (`title`, `status`, `detail`, and `errors: [{field, message}]` for
//! validation). The answer also carries an [`ErrorInfo`] extension, from which
//! [`crate::pages::errors::render_errors`] turns errors of HTML routes into error pages (and a
//! 401 into a redirect to the login page), so a handler never decides between the two formats.
//!
//! Mapping (the use cases' [`portal_app::Error`] by one `From` impl; the store's and the read
//! models' errors through it too): invalid input 422; domain rejections by
//! [`DomainError::kind`] (validation and rules 422, not found 404, conflicts 409); a version
//! conflict that outlived the retries 409; an idempotency key reused with another request 409; a
//! database that cannot be reached 503 with `Retry-After` (the request may simply be sent
//! again); anything else an opaque 500 whose cause is logged once, here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal_domain::error::RejectionKind;
use portal_domain::{DomainError, FieldError};
use portal_eventlog::ExecuteError;
use portal_projections::QueryError;
use serde::Serialize;
use std::error::Error as StdError;
use tracing::{error, warn};

pub use portal_app::error::BoxError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed input: 422 with field messages.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The domain refused the command.
    #[error(transparent)]
    Rejected(DomainError),
    /// Absent, or not in the caller's scope (never 403 for another customer's ids).
    #[error("not found")]
    NotFound,
    /// No session or token, or one that ended.
    #[error("not logged in")]
    Unauthorized,
    /// A form without a valid CSRF token, or from another site.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// Any other 4xx with its message (bad JSON, wrong content type).
    #[error("{1}")]
    Status(StatusCode, String),
    /// The database cannot be reached: 503 with `Retry-After` (transient; logged once).
    #[error(transparent)]
    Unavailable(BoxError),
    /// Everything else: answered as an opaque 500, logged once with its cause.
    #[error(transparent)]
    Internal(BoxError),
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u64 = 5;

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl Into<BoxError>) -> Self {
        Self::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Rejected(e) => match e.kind() {
                RejectionKind::Validation | RejectionKind::Rule => StatusCode::UNPROCESSABLE_ENTITY,
                RejectionKind::NotFound => StatusCode::NOT_FOUND,
                RejectionKind::Conflict => StatusCode::CONFLICT,
            },
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Status(s, _) => *s,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn info(&self) -> ErrorInfo {
        let status = self.status();
        let (title, detail) = match self {
            Self::Invalid(_) => ("Invalid input", "Check the highlighted fields.".to_owned()),
            Self::Rejected(DomainError::Validation(_)) => {
                ("Invalid input", "Check the highlighted fields.".to_owned())
            }
            Self::Rejected(e) => (title_of(status), capitalise(&e.to_string())),
            Self::NotFound => (
                "Not found",
                "There is nothing here, or it is not yours to see.".to_owned(),
            ),
            Self::Unauthorized => ("Not logged in", "Log in to continue.".to_owned()),
            Self::Unavailable(_) => (
                "Service unavailable",
                "The service is briefly unavailable. Please try again in a few seconds.".to_owned(),
            ),
            Self::Internal(_) => (
                "Something went wrong",
                "Something went wrong on our side. Please try again in a moment.".to_owned(),
            ),
            other => (title_of(status), other.to_string()),
        };
        let errors = match self {
            Self::Invalid(errors) => errors.clone(),
            Self::Rejected(e) => e.field_errors().to_vec(),
            _ => Vec::new(),
        };
        ErrorInfo {
            status,
            title,
            detail,
            errors,
        }
    }
}

fn title_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => "Not possible",
        StatusCode::CONFLICT => "Conflict",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
        StatusCode::SERVICE_UNAVAILABLE => "Not available right now",
        s if s.is_server_error() => "Something went wrong",
        _ => "Bad request",
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What an error answer said, kept on the response for the HTML error pages.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    #[serde(serialize_with = "status_code")]
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn status_code<S: serde::Serializer>(s: &StatusCode, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_u16(s.as_u16())
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(cause) => error!(error = %chain(cause.as_ref()), "request failed"),
            Self::Unavailable(cause) => {
                warn!(error = %chain(cause.as_ref()), "database unavailable");
            }
            _ => {}
        }
        let info = self.info();
        let body = serde_json::to_vec(&info).unwrap_or_default();
        let mut response = (
            info.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if info.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response.extensions_mut().insert(info);
        response
    }
}

/// An error with its sources, `a: b: c`.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The one mapping of a use case's error to an answer: a domain rejection by its kind, a
/// version or key conflict 409, an unreachable database 503 (with `Retry-After`), anything else
/// an opaque 500 (logged once, when answered).
impl From<portal_app::Error> for AppError {
    fn from(e: portal_app::Error) -> Self {
        use portal_app::Error as E;
        match e {
            E::Invalid(errors) => Self::Invalid(errors),
            E::Rejected(d) => Self::Rejected(d),
            E::NotFound => Self::NotFound,
            E::Forbidden(message) => Self::Forbidden(message),
            E::Refused(message) => Self::Status(StatusCode::UNPROCESSABLE_ENTITY, message),
            E::Conflict(message) => Self::Conflict(message),
            E::Unavailable(cause) => Self::Unavailable(cause),
            E::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Rejected(e)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<ExecuteError> for AppError {
    fn from(e: ExecuteError) -> Self {
        portal_app::Error::from(e).into()
    }
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        portal_app::Error::from(e).into()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        portal_app::Error::from(e).into()
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        if portal_identity::sessions::is_unavailable(&e) {
            Self::Unavailable(e.into())
        } else {
            Self::internal(e)
        }
    }
}

impl From<portal_identity::IdentityError> for AppError {
    fn from(e: portal_identity::IdentityError) -> Self {
        match e {
            portal_identity::IdentityError::Db(e) => e.into(),
            other => Self::internal(other),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(e: portal_app::Error) -> ErrorInfo {
        AppError::from(e).info()
    }

    #[test]
    fn use_case_errors_keep_their_statuses_and_messages() {
        use portal_app::Error as E;
        let refused = answered(E::Refused("Too many labels: print fewer copies".into()));
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.title, "Not possible");
        assert_eq!(refused.detail, "Too many labels: print fewer copies");
        let conflict = answered(E::Conflict("Submitted orders cannot be edited".into()));
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert_eq!(conflict.detail, "Submitted orders cannot be edited");
        let invalid = answered(E::field("name", "is required"));
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(invalid.errors.len(), 1);
        assert_eq!(answered(E::NotFound).status, StatusCode::NOT_FOUND);
        let down = answered(E::Unavailable("connection refused".into()));
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        let internal = answered(E::internal("secret cause"));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.detail.contains("secret"), "{}", internal.detail);
    }

    #[test]
    fn an_unavailable_database_answers_retry_after() {
        let response = AppError::from(portal_app::Error::Unavailable("connection refused".into()))
            .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from(RETRY_AFTER_SECONDS))
        );
    }
}
