//! Every error answer under `/api/` is `application/problem+json`, whoever produced it.
//!
//! Handlers and extractors answer errors through [`AppError`] already. What they do not reach
//! are the answers axum and tower build on their own: the 405 of a route without that method
//! (with its `Allow` header), a path or query rejection, a body over the size limit, a layer's
//! failure. [`api_problems`] wraps the router and rewrites any 4xx/5xx of an `/api/` path that is
//! not yet a problem document into one with the same status, keeping the other headers (`Allow`,
//! `Retry-After`, cookies). HTML routes are left to [`crate::pages::errors::render_errors`].

use crate::error::{AppError, ErrorInfo};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The problem media type.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Longest body of a foreign error answer read for its detail; a longer one is not a message.
const MAX_DETAIL_BYTES: usize = 2048;

/// Middleware: see the module docs.
pub async fn api_problems(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !api
        || !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<ErrorInfo>().is_some()
        || is_problem(response.headers())
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = detail_of(body).await;
    let mut out = problem(status, detail);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// Whether `path` is one of the JSON API's.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// The problem document of a foreign error answer: its plain-text body as the detail when it
/// has one, else a sentence for the status.
fn problem(status: StatusCode, detail: Option<String>) -> Response {
    let detail = detail.unwrap_or_else(|| default_detail(status).to_owned());
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound.into_response(),
        StatusCode::UNAUTHORIZED => AppError::Unauthorized.into_response(),
        s if s.is_server_error() && s != StatusCode::SERVICE_UNAVAILABLE => {
            AppError::internal(detail).into_response()
        }
        s if s == StatusCode::SERVICE_UNAVAILABLE => {
            AppError::Unavailable(detail.into()).into_response()
        }
        s => AppError::Status(s, detail).into_response(),
    }
}

async fn detail_of(body: Body) -> Option<String> {
    let bytes = to_bytes(body, MAX_DETAIL_BYTES).await.ok()?;
    let text = std::str::from_utf8(&bytes).ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn default_detail(status: StatusCode) -> &'static str {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "This path does not take that method; see the Allow header."
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Send the body as JSON with Content-Type: application/json"
        }
        _ => "The request cannot be answered.",
    }
}
