//! Dangerous goods (ADR): UN number, hazard class, packing group, tunnel restriction code.

use super::collect;
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// ADR packing group: I (high danger), II (medium), III (low).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum PackingGroup {
    I,
    II,
    III,
}

impl PackingGroup {
    /// Parses `I`, `II` or `III` (any case) with the given field name.
    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "I" => Ok(Self::I),
            "II" => Ok(Self::II),
            "III" => Ok(Self::III),
            _ => Err(FieldError::new(field, "the packing group is I, II or III")),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::I => "I",
            Self::II => "II",
            Self::III => "III",
        }
    }
}

impl fmt::Display for PackingGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ADR classes, with the UN divisions of classes 1 and 2.
const ADR_CLASSES: [&str; 22] = [
    "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2", "2.1", "2.2", "2.3", "3", "4.1", "4.2",
    "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9",
];

/// An ADR hazard class such as `3` or `4.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String", extend("enum" = ADR_CLASSES))]
pub struct AdrClass(&'static str);

impl AdrClass {
    /// Parses with the field name `class`; a decimal comma is accepted (`4,1` → `4.1`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("class", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().replace(',', ".");
        ADR_CLASSES
            .iter()
            .find(|c| **c == s)
            .map(|c| Self(c))
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "unknown ADR class (expected 1, 1.1–1.6, 2, 2.1–2.3, 3, 4.1, 4.2, 4.3, 5.1, 5.2, 6.1, 6.2, 7, 8 or 9)",
                )
            })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for AdrClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for AdrClass {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

super::deserialize_via_string!(AdrClass);

impl From<AdrClass> for String {
    fn from(c: AdrClass) -> Self {
        c.0.to_owned()
    }
}

/// A UN number, stored as `UN` and four digits (`UN1203`); `1203`, `un 1203` are accepted.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend("pattern" = "^UN[0-9]{4}$"))]
pub struct UnNumber(String);

impl UnNumber {
    /// Parses with the field name `un_number`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("un_number", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_uppercase();
        let digits = s.strip_prefix("UN").map_or(s.as_str(), str::trim_start);
        if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()) && digits != "0000" {
            Ok(Self(format!("UN{digits}")))
        } else {
            Err(FieldError::new(
                field,
                "a UN number has four digits, e.g. UN1203",
            ))
        }
    }

    /// The four digits without the `UN` prefix.
    pub fn digits(&self) -> &str {
        self.0.get(2..).unwrap_or_default()
    }
}

super::string_value!(UnNumber);

/// The unvalidated shape of [`Adr`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AdrInput {
    // Defaults: a draft may be saved with blanks; `Adr::new` reports them.
    #[serde(default)]
    pub un_number: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub packing_group: Option<String>,
    /// Absent in events written before the field existed: `serde(default)` reads them as none.
    #[serde(default)]
    pub tunnel_code: Option<String>,
}

/// Dangerous-goods data of a goods line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "AdrInput")]
pub struct Adr {
    un_number: UnNumber,
    class: AdrClass,
    packing_group: Option<PackingGroup>,
    /// The tunnel restriction code the transport document prints in brackets.
    tunnel_code: Option<TunnelCode>,
}

impl Adr {
    pub fn new(input: AdrInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let un_number = collect(&mut errors, UnNumber::parse(&input.un_number));
        let class = collect(&mut errors, AdrClass::parse(&input.class));
        let packing_group = collect(
            &mut errors,
            match input.packing_group.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(pg) => PackingGroup::parse_as("packing_group", pg).map(Some),
            },
        );
        let tunnel_code = collect(
            &mut errors,
            match input.tunnel_code.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(code) => TunnelCode::parse(code).map(Some),
            },
        );
        let (Some(un_number), Some(class), Some(packing_group), Some(tunnel_code)) =
            (un_number, class, packing_group, tunnel_code)
        else {
            return Err(errors);
        };
        Ok(Self {
            un_number,
            class,
            packing_group,
            tunnel_code,
        })
    }

    pub fn un_number(&self) -> &UnNumber {
        &self.un_number
    }

    pub fn class(&self) -> AdrClass {
        self.class
    }

    pub fn packing_group(&self) -> Option<PackingGroup> {
        self.packing_group
    }

    pub fn tunnel_code(&self) -> Option<TunnelCode> {
        self.tunnel_code
    }

    /// The line of the transport document (ADR 5.4.1.1.1): UN number, proper shipping name,
    /// class, packing group, tunnel restriction code in brackets, e.g.
    /// `UN 1263 Paint, flammable, 3, II, (D/E)`. The goods description stands in for the proper
    /// shipping name: the portal has no separate field for it. Absent parts are left out.
    pub fn transport_line(&self, shipping_name: &str) -> String {
        let mut line = format!(
            "UN {} {}, {}",
            self.un_number.digits(),
            shipping_name.trim(),
            self.class
        );
        if let Some(pg) = self.packing_group {
            line.push_str(&format!(", {pg}"));
        }
        if let Some(code) = self.tunnel_code {
            line.push_str(&format!(", ({code})"));
        }
        line
    }
}

impl TryFrom<AdrInput> for Adr {
    type Error = crate::error::DomainError;
    fn try_from(input: AdrInput) -> Result<Self, Self::Error> {
        Self::new(input).map_err(Into::into)
    }
}

impl From<&Adr> for AdrInput {
    fn from(a: &Adr) -> Self {
        Self {
            un_number: a.un_number.to_string(),
            class: a.class.to_string(),
            packing_group: a.packing_group.map(|p| p.to_string()),
            tunnel_code: a.tunnel_code.map(|t| t.to_string()),
        }
    }
}

/// The ADR tunnel restriction codes (ADR 8.6.4), and `-` for goods not restricted in tunnels.
const TUNNEL_CODES: [&str; 12] = [
    "B", "B1000C", "B/D", "B/E", "C", "C5000D", "C/D", "C/E", "D", "D/E", "E", "-",
];

/// A tunnel restriction code such as `D/E` (which tunnel categories the load may not pass).
/// Parsed case-insensitively and without inner spaces (`d / e` → `D/E`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String", extend("enum" = TUNNEL_CODES))]
pub struct TunnelCode(&'static str);

impl TunnelCode {
    /// Parses with the field name `tunnel_code`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as("tunnel_code", raw)
    }

    pub fn parse_as(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        TUNNEL_CODES
            .iter()
            .find(|c| **c == s)
            .map(|c| Self(c))
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "unknown tunnel restriction code (expected B, B1000C, B/D, B/E, C, C5000D, C/D, C/E, D, D/E, E or -)",
                )
            })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for TunnelCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for TunnelCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

super::deserialize_via_string!(TunnelCode);

impl From<TunnelCode> for String {
    fn from(c: TunnelCode) -> Self {
        c.0.to_owned()
    }
}

#[cfg(test)]
#[path = "adr_tests.rs"]
mod tests;
