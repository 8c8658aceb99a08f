//! ISO 4217 currencies and money amounts in minor units.

use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The active ISO 4217 alphabetic codes of currencies and funds with their minor-unit digits,
/// sorted by code for binary search.
///
/// Left out on purpose: codes without minor units (precious metals `XAU`…, bond units `XBA`…,
/// `XDR`, `XSU`, `XUA`, `XTS`, `XXX`), which are not prices, and codes already withdrawn (`HRK`,
/// `SLL`, `CUC`, `ZWL`, `ANG`…). Append-only: a code withdrawn after it was used stays here so
/// that stored charges remain readable (see the schema hazard in [`crate::values`]).
pub const CURRENCIES: [(&str, u8); 165] = [
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// An ISO 4217 currency, stored uppercase (`EUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String", extend("pattern" = "^[A-Z]{3}$"))]
pub struct Currency {
    code: &'static str,
    minor_units: u8,
}

impl Currency {
    /// Parses with the field name `currency`; input is trimmed and uppercased.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("currency", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        match CURRENCIES.binary_search_by(|(c, _)| c.cmp(&code.as_str())) {
            Ok(i) => {
                let (code, minor_units) = CURRENCIES[i];
                Ok(Self { code, minor_units })
            }
            Err(_) => {
                let shown: String = code.chars().take(10).collect();
                Err(FieldError::new(
                    field,
                    format!("unknown ISO currency code '{shown}'"),
                ))
            }
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Digits after the decimal separator (EUR 2, JPY 0, KWD 3).
    pub fn minor_units(&self) -> u8 {
        self.minor_units
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl TryFrom<String> for Currency {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

super::deserialize_via_string!(Currency);

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code.to_owned()
    }
}

/// An amount of money in minor units (cents), never negative: charges are amounts owed, and a
/// credit would be a separate concept. Integer minor units keep sums exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "MoneyParts")]
pub struct Money {
    #[schemars(range(min = 0, max = Money::MAX_MINOR))]
    amount_minor: i64,
    currency: Currency,
}

#[derive(Deserialize, JsonSchema)]
struct MoneyParts {
    #[schemars(range(min = 0, max = Money::MAX_MINOR))]
    amount_minor: i64,
    currency: Currency,
}

impl TryFrom<MoneyParts> for Money {
    type Error = FieldError;
    fn try_from(p: MoneyParts) -> Result<Self, Self::Error> {
        Money::new(p.amount_minor, p.currency)
    }
}

impl Money {
    /// The largest accepted amount: 10^12 minor units (ten billion euros), far above any freight
    /// charge, so a typo in the exponent is caught and sums of many charges cannot overflow i64.
    pub const MAX_MINOR: i64 = 1_000_000_000_000;

    /// Validates with the field name `amount_minor`.
    pub fn new(amount_minor: i64, currency: Currency) -> Result<Self, FieldError> {
        if amount_minor < 0 {
            Err(FieldError::new(
                "amount_minor",
                "an amount cannot be negative",
            ))
        } else if amount_minor > Self::MAX_MINOR {
            Err(FieldError::new(
                "amount_minor",
                "an amount cannot exceed 1000000000000 minor units",
            ))
        } else {
            Ok(Self {
                amount_minor,
                currency,
            })
        }
    }

    pub fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
}

/// `12.50 EUR`, `1250 JPY`: the amount with the currency's minor-unit digits.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = u32::from(self.currency.minor_units);
        let scale = 10_i64.pow(digits);
        let (major, minor) = (self.amount_minor / scale, self.amount_minor % scale);
        if digits == 0 {
            write!(f, "{major} {}", self.currency)
        } else {
            let width = digits as usize;
            write!(f, "{major}.{minor:0width$} {}", self.currency)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn list_is_sorted_unique_and_well_formed() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            CURRENCIES.iter().all(|(c, d)| c.len() == 3
                && c.chars().all(|ch| ch.is_ascii_uppercase())
                && *d <= 4)
        );
    }

    #[test]
    fn currencies_parse_case_insensitively_with_minor_units() {
        let c = Currency::parse(" eur ").unwrap();
        assert_eq!((c.code(), c.minor_units()), ("EUR", 2));
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        for code in ["PLN", "CZK", "CHF", "GBP", "SEK", "USD", "HUF", "RON"] {
            assert!(Currency::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn unknown_or_non_price_currencies_are_rejected() {
        let e = Currency::parse("eu").unwrap_err();
        assert_eq!(
            e,
            FieldError::new("currency", "unknown ISO currency code 'EU'")
        );
        for bad in ["", "EURO", "XYZ", "HRK", "XAU", "XXX", "BTC"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn money_rejects_negative_and_absurd_amounts() {
        let e = Money::new(-1, eur()).unwrap_err();
        assert_eq!(
            e,
            FieldError::new("amount_minor", "an amount cannot be negative")
        );
        assert!(Money::new(Money::MAX_MINOR, eur()).is_ok());
        assert!(Money::new(Money::MAX_MINOR + 1, eur()).is_err());
        assert!(Money::new(0, eur()).is_ok());
    }

    #[test]
    fn money_displays_with_minor_units() {
        assert_eq!(Money::new(1250, eur()).unwrap().to_string(), "12.50 EUR");
        assert_eq!(Money::new(5, eur()).unwrap().to_string(), "0.05 EUR");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::new(1250, jpy).unwrap().to_string(), "1250 JPY");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(
            Money::new(1_000_050, kwd).unwrap().to_string(),
            "1000.050 KWD"
        );
    }

    #[test]
    fn money_round_trips_and_deserialising_validates() {
        let m = Money::new(1250, eur()).unwrap();
        let json = serde_json::to_value(m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"amount_minor": 1250, "currency": "EUR"})
        );
        assert_eq!(serde_json::from_value::<Money>(json).unwrap(), m);
        let negative = serde_json::json!({"amount_minor": -5, "currency": "EUR"});
        assert!(serde_json::from_value::<Money>(negative).is_err());
        let unknown = serde_json::json!({"amount_minor": 5, "currency": "ABC"});
        assert!(serde_json::from_value::<Money>(unknown).is_err());
    }
}
