//! ISO 3166-1 alpha-2 country codes.

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
    /// Parses with the field name `country`; input is trimmed and uppercased (`de` → `DE`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("country", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        match COUNTRY_CODES.binary_search(&code.as_str()) {
            Ok(i) => Ok(Self(COUNTRY_CODES[i])),
            Err(_) => {
                let shown: String = code.chars().take(10).collect();
                Err(FieldError::new(
                    field,
                    format!("unknown ISO country code '{shown}'"),
                ))
            }
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
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
        for bad in ["", "D", "DEU", "UK", "EU", "XK", "YU"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialising_validates() {
        let c: CountryCode = serde_json::from_str("\"fr\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"FR\"");
        assert!(serde_json::from_str::<CountryCode>("\"ZZ\"").is_err());
    }
}
