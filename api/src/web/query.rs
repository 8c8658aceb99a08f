//! [`Query`]: the one extractor of query strings, for the JSON API and the pages alike.
//!
//! Contract: before any value reaches a handler (and so a store), every name and value of the
//! query string is percent-decoded and refused when it is not UTF-8 or holds a control character
//! (NUL, which PostgreSQL cannot store, included). Then the pairs are deserialised into `T`; a
//! value of the wrong shape (`limit=1.5`, a number out of range) is refused naming its parameter.
//! Every refusal is an [`AppError::Invalid`] (422 problem+json, or the error page of an HTML
//! route), with one message per offending parameter. Unknown parameters are ignored.

use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use percent_encoding::percent_decode;
use portal_domain::FieldError;
use serde::de::DeserializeOwned;

/// A query string deserialised into `T` after the checks above.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query())
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// Checks and deserialises a raw query string (without the `?`).
    pub fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        let raw = raw.unwrap_or_default();
        let errors = refused(raw);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let pairs = url::form_urlencoded::parse(raw.as_bytes());
        serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map(Query)
            .map_err(|e| {
                let path = e.path().to_string();
                let cause = e.into_inner().to_string();
                let (field, message) = match named_in(&cause) {
                    Some((name, message)) => (name.to_owned(), message.to_owned()),
                    None if path == "." => ("query".to_owned(), shape_message(&cause)),
                    None => (path, shape_message(&cause)),
                };
                AppError::field(&field, message)
            })
    }
}

/// The parameter named by a struct-level error (`missing field `x``, `duplicate field `x``).
fn named_in(cause: &str) -> Option<(&str, &'static str)> {
    let message = if cause.starts_with("missing field") {
        "is required"
    } else if cause.starts_with("duplicate field") {
        "is given more than once"
    } else {
        return None;
    };
    let name = cause.split('`').nth(1)?;
    Some((name, message))
}

/// The parameters whose name or value is not UTF-8 or holds a control character, one message
/// each (named by the lossily decoded name).
fn refused(raw: &str) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name);
        let value = decode(value);
        // Shown back to the client and in pages: controls in the name itself become U+FFFD.
        let field: String = String::from_utf8_lossy(&name)
            .chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect();
        let message = match (std::str::from_utf8(&name), std::str::from_utf8(&value)) {
            (Ok(n), Ok(v)) if !n.chars().chain(v.chars()).any(char::is_control) => continue,
            (Ok(_), Ok(_)) => "must not contain control characters",
            _ => "is not valid UTF-8",
        };
        if !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError::new(field, message));
        }
    }
    errors
}

/// `+` as a space, then percent-decoding, as `application/x-www-form-urlencoded` says.
fn decode(part: &str) -> Vec<u8> {
    let spaced = part.replace('+', " ");
    percent_decode(spaced.as_bytes()).collect()
}

/// A readable message for a value of the wrong shape.
fn shape_message(cause: &str) -> String {
    if cause.contains("digit") || cause.contains("number") {
        "must be a whole number in range".to_owned()
    } else {
        format!("is not valid: {cause}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Shape {
        q: Option<String>,
        limit: Option<u32>,
    }

    fn fields(raw: &str) -> Vec<(String, String)> {
        match Query::<Shape>::parse(Some(raw)) {
            Err(AppError::Invalid(errors)) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn plain_values_pass() {
        let Query(s) = Query::<Shape>::parse(Some("q=Caf%C3%A9+Nord&limit=5&other=x")).unwrap();
        assert_eq!(s.q.as_deref(), Some("Café Nord"));
        assert_eq!(s.limit, Some(5));
        let Query(s) = Query::<Shape>::parse(None).unwrap();
        assert!(s.q.is_none() && s.limit.is_none());
    }

    #[test]
    fn control_characters_and_bad_utf8_name_the_parameter() {
        assert_eq!(fields("q=%00")[0].0, "q");
        assert_eq!(
            fields("q=a%1Fb")[0].1,
            "must not contain control characters"
        );
        assert_eq!(fields("q=%7F")[0].0, "q");
        assert_eq!(fields("q=%C2%85")[0].0, "q"); // NEL, a C1 control
        assert_eq!(fields("q=%FF%FE")[0].1, "is not valid UTF-8");
        assert_eq!(fields("limit=1&x%00=1")[0].0, "x\u{FFFD}");
        let both = fields("q=%00&other=%0A");
        assert_eq!(both.len(), 2, "{both:?}");
    }

    #[test]
    fn malformed_numbers_name_the_parameter() {
        for raw in ["limit=1.5", "limit=-1", "limit=99999999999", "limit=ten"] {
            let errors = fields(raw);
            assert_eq!(errors[0].0, "limit", "{raw}");
            assert_eq!(errors[0].1, "must be a whole number in range", "{raw}");
        }
        assert_eq!(
            fields("q=a&q=b"),
            [("q".into(), "is given more than once".into())]
        );
    }
}
