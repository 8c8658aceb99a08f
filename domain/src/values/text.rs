//! Free text: names, references, instructions. Text is trimmed; single-line text rejects control
//! characters (they break CSV exports, labels and email headers), multi-line text allows line
//! breaks and tabs only. Lengths count characters, not bytes.

use super::printable::Origin;
use super::string_value;
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Validates required text: trimmed, non-empty, at most `max` characters.
pub fn required_text(
    field: &str,
    raw: &str,
    max: usize,
    multiline: bool,
) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    check_text(field, s, max, multiline)?;
    Ok(s.to_owned())
}

/// Validates optional text: trimmed; empty or missing becomes `None`; at most `max` characters.
pub fn optional_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            check_text(field, s, max, multiline)?;
            Ok(Some(s.to_owned()))
        }
    }
}

fn check_text(field: &str, s: &str, max: usize, multiline: bool) -> Result<(), FieldError> {
    if s.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if s.chars().any(bad) {
        return Err(FieldError::new(
            field,
            if multiline {
                "must not contain control characters other than line breaks and tabs"
            } else {
                "must not contain line breaks or control characters"
            },
        ));
    }
    Ok(())
}

/// A name or short description: single line, non-empty after trimming, at most 200 characters.
/// Used for names of people, companies and locations, and for goods and charge descriptions.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend("minLength" = 1, "maxLength" = Name::MAX_CHARS))]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    /// Parses input with the field name `name`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("name", raw)
    }

    /// Parses input: names go on documents and labels, so they must be printable.
    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse_from(Origin::Input, field, raw)
    }

    pub(crate) fn parse_from(origin: Origin, field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = required_text(field, raw, Self::MAX_CHARS, false)?;
        origin.printable(field, s, false).map(Self)
    }
}

string_value!(@plumbing Name);

/// The serde bridge: stored events keep names accepted before the printable rule.
impl TryFrom<String> for Name {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_from(Origin::Stored, "name", &s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn name_is_trimmed() {
        assert_eq!(Name::parse("  Acme GmbH ").unwrap().as_str(), "Acme GmbH");
    }

    #[test]
    fn empty_name_is_rejected() {
        for raw in ["", "   ", "\t\n"] {
            let e = Name::parse(raw).unwrap_err();
            assert_eq!(e, FieldError::new("name", "must not be empty"));
        }
    }

    #[test]
    fn long_name_is_rejected_by_characters_not_bytes() {
        assert!(Name::parse(&"ä".repeat(200)).is_ok());
        let e = Name::parse_as("description", &"a".repeat(201)).unwrap_err();
        assert_eq!(e.field, "description");
        assert_eq!(e.message, "must be at most 200 characters");
    }

    #[test]
    fn name_rejects_line_breaks_but_multiline_text_allows_them() {
        assert!(Name::parse("Acme\nGmbH").is_err());
        assert_eq!(
            required_text("notes", " a\nb ", 10, true).unwrap(),
            "a\nb".to_owned()
        );
        assert!(required_text("notes", "a\u{7}b", 10, true).is_err());
    }

    #[test]
    fn optional_text_maps_blank_to_none() {
        assert_eq!(optional_text("r", Some("  "), 5, false).unwrap(), None);
        assert_eq!(optional_text("r", None, 5, false).unwrap(), None);
        assert_eq!(
            optional_text("r", Some(" x "), 5, false).unwrap(),
            Some("x".into())
        );
        assert!(optional_text("r", Some("123456"), 5, false).is_err());
    }

    #[test]
    fn name_deserialisation_validates() {
        assert!(serde_json::from_str::<Name>("\"  \"").is_err());
        let n: Name = serde_json::from_str("\" Bob \"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"Bob\"");
    }
}
