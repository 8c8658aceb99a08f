//! ISO 3166-1 alpha-2 country codes, typed as the code (`DE`) or as an English name (`Germany`,
//! `Czech Republic`); stored and shown as the code.

use super::country_names::{COUNTRY_ALIASES, COUNTRY_NAMES};
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted for binary search.
///
/// Append-only (see the schema hazard in [`crate::values`]): a code that ISO withdraws stays here
/// so that stored addresses remain readable; reject it for new input in `decide` if ever needed.
/// User-assigned codes such as `XK` (Kosovo) are not ISO codes and are not included.
pub const COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// An ISO 3166-1 alpha-2 code, stored uppercase (`DE`, `PL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String", extend("pattern" = "^[A-Z]{2}$"))]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// Parses with the field name `country`: an ISO code in any case (`de` → `DE`) or an English
    /// name in any case, with or without accents and a leading "the" (`germany`, `Czechia`,
    /// `Czech Republic`, `Cote d'Ivoire`, `the Netherlands`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("country", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "is required"));
        }
        if let Ok(i) = COUNTRY_CODES.binary_search(&code.as_str()) {
            return Ok(Self(COUNTRY_CODES[i]));
        }
        if let Some(found) = by_name(raw) {
            return Ok(found);
        }
        let shown: String = raw.trim().chars().take(40).collect();
        Err(FieldError::new(
            field,
            if code.chars().count() == 2 {
                format!("unknown ISO country code '{code}'")
            } else {
                format!(
                    "unknown country '{shown}': give its ISO code (DE) or English name (Germany)"
                )
            },
        ))
    }

    /// The English short name (`Germany` for `DE`).
    pub fn name(&self) -> &'static str {
        COUNTRY_NAMES
            .binary_search_by(|(code, _)| code.cmp(&self.0))
            .map_or(self.0, |i| COUNTRY_NAMES[i].1)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// The country whose name or alias reads like `raw` once case, accents, punctuation and a
/// leading "the" are ignored.
fn by_name(raw: &str) -> Option<CountryCode> {
    let wanted = fold(raw);
    if wanted.is_empty() {
        return None;
    }
    COUNTRY_NAMES
        .iter()
        .chain(COUNTRY_ALIASES.iter())
        .find(|(_, name)| fold(name) == wanted)
        .and_then(|(code, _)| CountryCode::parse(code).ok())
}

/// Lowercase ASCII words: accents of Latin letters dropped, `&` read as "and", other
/// punctuation removed, a leading "the" left out.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            '&' => out.push_str(" and "),
            'à'..='å' => out.push('a'),
            'ç' => out.push('c'),
            'è'..='ë' => out.push('e'),
            'ì'..='ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò'..='ö' | 'ø' => out.push('o'),
            'ù'..='ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            c if c.is_whitespace() || matches!(c, '-' | ',' | '(' | ')' | '.') => out.push(' '),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let words = match words.split_first() {
        Some((&"the", rest)) => rest,
        _ => &words[..],
    };
    words.join(" ")
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

super::deserialize_via_string!(CountryCode);

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.0.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn list_is_sorted_unique_and_well_formed() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            COUNTRY_CODES
                .iter()
                .all(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()))
        );
    }

    #[test]
    fn known_codes_parse_case_insensitively() {
        assert_eq!(CountryCode::parse(" de ").unwrap().as_str(), "DE");
        for c in ["PL", "NL", "GB", "CH", "SS", "BQ", "AX"] {
            assert_eq!(CountryCode::parse(c).unwrap().to_string(), c);
        }
    }

    #[test]
    fn unknown_codes_are_rejected() {
        let e = CountryCode::parse("xx").unwrap_err();
        assert_eq!(
            e,
            FieldError::new("country", "unknown ISO country code 'XX'")
        );
        for bad in [
            "", "D", "DEU", "UK", "EU", "XK", "YU", "Germania", "the", "Republic",
        ] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(CountryCode::parse("  ").unwrap_err().message, "is required");
        let e = CountryCode::parse("Atlantis").unwrap_err();
        assert_eq!(
            e.message,
            "unknown country 'Atlantis': give its ISO code (DE) or English name (Germany)"
        );
    }

    #[test]
    fn given_an_english_name_when_parsed_then_its_code_is_stored() {
        for (name, code) in [
            ("Germany", "DE"),
            ("germany", "DE"),
            ("  GERMANY ", "DE"),
            ("Czech Republic", "CZ"),
            ("Czechia", "CZ"),
            ("United Kingdom", "GB"),
            ("Great Britain", "GB"),
            ("the Netherlands", "NL"),
            ("Cote d'Ivoire", "CI"),
            ("Côte d’Ivoire", "CI"),
            ("Aland Islands", "AX"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Bosnia & Herzegovina", "BA"),
            ("Korea, Republic of", "KR"),
            ("Guinea-Bissau", "GW"),
            ("United States of America", "US"),
        ] {
            assert_eq!(CountryCode::parse(name).unwrap().as_str(), code, "{name}");
        }
        let c: CountryCode = serde_json::from_str("\"Poland\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"PL\"");
    }

    #[test]
    fn every_code_has_one_name_and_every_name_one_code() {
        let codes: Vec<&str> = COUNTRY_NAMES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, COUNTRY_CODES);
        for (code, name) in COUNTRY_NAMES.iter().chain(COUNTRY_ALIASES.iter()) {
            assert_eq!(CountryCode::parse(name).unwrap().as_str(), *code, "{name}");
        }
        assert_eq!(CountryCode::parse("DE").unwrap().name(), "Germany");
        assert_eq!(CountryCode::parse("GB").unwrap().name(), "United Kingdom");
    }

    #[test]
    fn deserialising_validates() {
        let c: CountryCode = serde_json::from_str("\"fr\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"FR\"");
        assert!(serde_json::from_str::<CountryCode>("\"ZZ\"").is_err());
    }
}
