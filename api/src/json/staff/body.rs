//! [`Body<T>`]: the JSON body extractor of the staff API, whose every rejection is a problem
//! document:
//! - no `Content-Type: application/json` → 415;
//! - a body over the router's limit (256 KiB) → 413 (axum's `Json` would answer 400 here);
//! - broken JSON → 400;
//! - JSON of the wrong shape (a string where a boolean belongs, an array for an object) → 422
//!   with a field error naming the offending field (`roles[1]`, `address.city`), found with
//!   `serde_path_to_error`; a body that is not an object at all is the field `body`.
//!
//! Also [`Created`], the 201 answer of creations, and [`parse_query_int`] for query strings.

use crate::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal_domain::FieldError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// A JSON request body (see the module docs for the rejections).
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::Status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON with Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::Status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The body is larger than 256 KiB".to_owned(),
                )
            } else {
                AppError::Status(StatusCode::BAD_REQUEST, e.body_text())
            }
        })?;
        parse(&bytes).map(Self)
    }
}

/// Parses a JSON document into `T` (the rules of [`Body`]).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => {
                let field = if path.is_empty() || path == "." {
                    "body".to_owned()
                } else if path.starts_with('[') {
                    format!("body{path}")
                } else {
                    path
                };
                AppError::Invalid(vec![FieldError::new(
                    field,
                    without_position(&inner.to_string()),
                )])
            }
            Category::Syntax | Category::Eof | Category::Io => not_json(&inner),
        }
    })?;
    de.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(e: &serde_json::Error) -> AppError {
    AppError::Status(
        StatusCode::BAD_REQUEST,
        format!("The body is not valid JSON: {e}"),
    )
}

/// serde_json's message without " at line L column C".
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The 201 answer of a creation: `{"id": …, …the resource…}` and `Location`.
#[derive(Debug, Clone)]
pub struct Created<T> {
    pub location: String,
    pub body: T,
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (
            StatusCode::CREATED,
            [(header::LOCATION, self.location)],
            Json(self.body),
        )
            .into_response()
    }
}

/// Parses an optional integer query parameter (`field` names it in the 422). Blank means not
/// given; anything else must be the number exactly, as the OpenAPI document says (no spaces).
pub fn parse_query_int<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, AppError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::field(field, "must be a whole number")),
    }
}

/// Parses an optional page size: a whole number from 1 to `max` (a 422 naming `limit` otherwise,
/// so a client learns that its page size was not honoured instead of getting a silently
/// different one).
pub fn parse_query_limit(raw: Option<&str>, max: u32) -> Result<Option<u32>, AppError> {
    match parse_query_int::<u32>("limit", raw) {
        Ok(Some(n)) if !(1..=max).contains(&n) => Err(limit_error(max)),
        Err(_) => Err(limit_error(max)),
        ok => ok,
    }
}

/// The message of a page size outside `1..=max`.
fn limit_error(max: u32) -> AppError {
    AppError::field("limit", format!("must be a whole number from 1 to {max}"))
}

/// Parses an optional boolean query parameter: `true` or `false` exactly, as the OpenAPI
/// document says; blank means not given.
pub fn parse_query_bool(field: &str, raw: Option<&str>) -> Result<Option<bool>, AppError> {
    match raw {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(AppError::field(field, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Shape {
        #[allow(dead_code)]
        name: String,
        #[serde(default)]
        #[allow(dead_code)]
        tags: Vec<String>,
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Invalid(es) => es.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_types_name_their_field() {
        assert_eq!(
            fields(parse::<Shape>(br#"{"name": 5}"#).unwrap_err()),
            ["name"]
        );
        assert_eq!(
            fields(parse::<Shape>(br#"{"name": "a", "tags": ["x", 1]}"#).unwrap_err()),
            ["tags[1]"]
        );
        assert_eq!(fields(parse::<Shape>(b"5").unwrap_err()), ["body"]);
        assert_eq!(fields(parse::<Shape>(b"[1]").unwrap_err()), ["body[0]"]);
    }

    #[test]
    fn broken_json_is_400() {
        let e = parse::<Shape>(b"{\"name\": ").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = parse::<Shape>(b"{\"name\": \"a\"} x").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
}
