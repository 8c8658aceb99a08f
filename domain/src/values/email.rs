//! Email addresses. An email is a portal user's identity (one identity per email, see DESIGN.md),
//! so two spellings of one address must compare equal: the whole address is trimmed and
//! lowercased before it is stored or compared. (RFC 5321 allows a case-sensitive local part; no
//! mail provider we deliver to uses that, and treating `Bob@x` and `bob@x` as two identities
//! would be the worse failure.)
//!
//! Accepted: `local@domain` in ASCII, the local part from the RFC 5322 "atext" set plus dots (no
//! quoted strings), the domain as dot-separated LDH labels with at least one dot and a non-numeric
//! top-level label. Internationalised addresses are not accepted yet (loosening later is safe).

use super::string_value;
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An email address, trimmed and lowercased (see the module docs for what is accepted).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend("format" = "email", "maxLength" = Email::MAX_CHARS))]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    /// Parses with the field name `email`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("email", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(field, "must be at most 254 characters"));
        }
        if is_valid(&s) {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "is not a valid email address (expected name@example.com)",
            ))
        }
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

string_value!(Email);

fn is_valid(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    valid_local(local) && valid_domain(domain)
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-.";
    (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && !t.chars().all(|c| c.is_ascii_digit()));
    domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let e = Email::parse("  Anna.Schmidt@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "anna.schmidt@example.com");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(e, Email::parse("anna.schmidt@example.com").unwrap());
    }

    #[test]
    fn valid_emails_are_accepted() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'brien@example.ie",
            "x_y-z@mail-host.example.travel",
            "user@xn--bcher-kva.example",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_emails_are_rejected() {
        for bad in [
            "plainaddress",
            "@example.com",
            "anna@",
            "anna@example",
            "anna@@example.com",
            "an na@example.com",
            "anna@exa mple.com",
            ".anna@example.com",
            "anna.@example.com",
            "an..na@example.com",
            "anna@-example.com",
            "anna@example-.com",
            "anna@example..com",
            "anna@example.c",
            "anna@127.0.0.1",
            "anna@example.com.",
            "anna(x)@example.com",
            "müller@example.de",
            "a@b@example.com",
        ] {
            let e = Email::parse(bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad}");
            assert!(e.message.contains("not a valid email"), "{bad}: {e}");
        }
    }

    #[test]
    fn empty_and_overlong_emails_are_rejected() {
        assert_eq!(Email::parse(" ").unwrap_err().message, "must not be empty");
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert_eq!(
            Email::parse(&long).unwrap_err().message,
            "must be at most 254 characters"
        );
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn deserialising_an_email_validates_and_normalises() {
        let e: Email = serde_json::from_str("\"Bob@Example.com\"").unwrap();
        assert_eq!(e.as_str(), "bob@example.com");
        assert!(serde_json::from_str::<Email>("\"bob\"").is_err());
    }
}
