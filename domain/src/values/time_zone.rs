//! IANA time-zone names (`Europe/Stockholm`, `America/Argentina/Buenos_Aires`, `UTC`). The
//! domain is pure, so it checks only the shape of a name; whether the time-zone database knows
//! it is checked at the edge (the api crate, against `jiff`'s database) before a command is built.

use super::string_value;
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An IANA time-zone name: 1–64 characters; one or more parts separated by `/`, each starting
/// with an ASCII letter and holding only ASCII letters, digits, `_`, `-` and `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend(
    "minLength" = 1,
    "maxLength" = TimeZoneName::MAX_CHARS,
    "pattern" = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z][A-Za-z0-9_+-]*)*$"
))]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub const MAX_CHARS: usize = 64;

    /// Parses with the field name `time_zone`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("time_zone", raw)
    }

    /// The name after trimming, if it has the shape of an IANA name (case is kept: the database
    /// is case-sensitive in its canonical names).
    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let part_ok = |p: &str| {
            p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        };
        if s.is_empty() || s.len() > Self::MAX_CHARS || !s.split('/').all(part_ok) {
            return Err(FieldError::new(
                field,
                "is not a time zone name such as Europe/Stockholm or UTC",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// `UTC`, the zone of a tenant that chose none.
    pub fn utc() -> Self {
        Self("UTC".to_owned())
    }
}

string_value!(TimeZoneName);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn iana_shapes_are_accepted() {
        for name in [
            "UTC",
            "Europe/Stockholm",
            "America/Argentina/Buenos_Aires",
            "America/Port-au-Prince",
            "Etc/GMT+1",
            " Asia/Tokyo ",
        ] {
            assert_eq!(
                TimeZoneName::parse(name).unwrap().as_str(),
                name.trim(),
                "{name}"
            );
        }
    }

    #[test]
    fn other_text_is_rejected_with_the_field() {
        for name in [
            "",
            "Europe/",
            "/UTC",
            "Europe//Paris",
            "+01:00",
            "Europe/Stock holm",
            "Europe/Växjö",
            &"A".repeat(65),
        ] {
            let e = TimeZoneName::parse(name).unwrap_err();
            assert_eq!(e.field, "time_zone", "{name}");
        }
        let json = serde_json::to_string(&TimeZoneName::parse("Europe/Oslo").unwrap()).unwrap();
        assert_eq!(json, "\"Europe/Oslo\"");
        assert!(serde_json::from_str::<TimeZoneName>("\"no zone\"").is_err());
    }
}
