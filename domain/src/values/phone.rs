//! Phone numbers as people type them: digits, spaces and the usual separators. Not normalised to
//! E.164 (that needs per-country numbering plans); the value is shown and dialled as entered.

use super::string_value;
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A phone number as entered: 5–30 characters, at least 5 digits, and only spaces, `+` (in
/// front), `-`, `(`, `)` or `/` besides.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend(
    "minLength" = Phone::MIN_CHARS,
    "maxLength" = Phone::MAX_CHARS,
    "pattern" = r"^\+?[0-9 ()/-]+$"
))]
pub struct Phone(String);

impl Phone {
    pub const MIN_CHARS: usize = 5;
    pub const MAX_CHARS: usize = 30;

    /// Parses with the field name `phone`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("phone", raw)
    }

    /// 5–30 characters after trimming, only digits, spaces and `+ - ( ) /`, a `+` only in front,
    /// and at least 5 digits.
    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let len = s.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&len) {
            return Err(FieldError::new(
                field,
                "a phone number has 5 to 30 characters",
            ));
        }
        let allowed = |c: char| c.is_ascii_digit() || " +-()/".contains(c);
        let plus_ok = !s.get(1..).is_some_and(|rest| rest.contains('+'));
        let digits = s.chars().filter(char::is_ascii_digit).count();
        if s.chars().all(allowed) && plus_ok && digits >= 5 {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "a phone number has at least 5 digits and only spaces, '+' (in front), '-', '(', ')' or '/' besides",
            ))
        }
    }

    /// For optional inputs: blank or missing is `None`.
    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => Self::parse_as(field, s).map(Some),
        }
    }
}

string_value!(Phone);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn typical_numbers_are_accepted() {
        for ok in ["+49 30 1234567", "(030) 123-456", "0170/1234567", "12345"] {
            assert_eq!(Phone::parse(&format!(" {ok} ")).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn bad_numbers_are_rejected() {
        for bad in [
            "1234",
            "call me",
            "+49 30 12x",
            "49+301234567",
            "+-()/ 1",
            &"1".repeat(31),
        ] {
            assert_eq!(Phone::parse(bad).unwrap_err().field, "phone", "{bad}");
        }
    }

    #[test]
    fn optional_phone_maps_blank_to_none() {
        assert_eq!(Phone::parse_optional("phone", Some(" ")).unwrap(), None);
        assert!(Phone::parse_optional("phone", Some("12")).is_err());
        assert!(
            Phone::parse_optional("phone", Some("12345"))
                .unwrap()
                .is_some()
        );
    }
}
