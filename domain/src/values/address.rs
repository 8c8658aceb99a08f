//! Postal addresses of stops and locations.

use super::printable::Origin;
use super::{CountryCode, Name, Phone, collect, optional_text, required_text};
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The unvalidated shape of an [`Address`] (the JSON API body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressInput {
    // Defaults: a draft may be saved with blanks; `Address::new` reports them.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
}

impl AddressInput {
    /// Nothing typed (whitespace only): a stop that takes its location's address.
    pub fn is_blank(&self) -> bool {
        [
            &self.name,
            &self.street,
            &self.postal_code,
            &self.city,
            &self.country,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
            && [&self.contact_name, &self.contact_phone]
                .iter()
                .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    }
}

/// A validated postal address. `name` is the company or site name printed on labels and CMRs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "AddressInput")]
pub struct Address {
    name: Name,
    #[schemars(length(min = 1, max = Address::MAX_STREET))]
    street: String,
    /// Uppercased; letters, digits, spaces and `-`.
    #[schemars(length(min = 1, max = Address::MAX_POSTAL_CODE), pattern(r"^[A-Z0-9 -]+$"))]
    postal_code: String,
    #[schemars(length(min = 1, max = Address::MAX_CITY))]
    city: String,
    country: CountryCode,
    #[schemars(length(min = 1, max = Name::MAX_CHARS))]
    contact_name: Option<String>,
    contact_phone: Option<Phone>,
}

impl Address {
    pub const MAX_STREET: usize = 200;
    pub const MAX_POSTAL_CODE: usize = 16;
    pub const MAX_CITY: usize = 100;

    /// Validates every field and returns all problems at once (field names as in the input).
    ///
    /// The postal code is required for every country; a country without postal codes would need
    /// that loosened (safe to do later, see [`crate::values`]). Every text must be printable on
    /// the transport documents ([`super::printable`]).
    pub fn new(input: AddressInput) -> Result<Self, Vec<FieldError>> {
        Self::new_from(Origin::Input, input)
    }

    pub(crate) fn new_from(origin: Origin, input: AddressInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = collect(&mut errors, Name::parse_from(origin, "name", &input.name));
        let street = collect(
            &mut errors,
            required_text("street", &input.street, Self::MAX_STREET, false)
                .and_then(|s| origin.printable("street", s, false)),
        );
        // Letters, digits, spaces and '-' only: printable by construction.
        let postal_code = collect(&mut errors, postal_code(&input.postal_code));
        let city = collect(
            &mut errors,
            required_text("city", &input.city, Self::MAX_CITY, false)
                .and_then(|s| origin.printable("city", s, false)),
        );
        let country = collect(
            &mut errors,
            CountryCode::parse_as("country", &input.country),
        );
        let contact_name = collect(
            &mut errors,
            optional_text(
                "contact_name",
                input.contact_name.as_deref(),
                Name::MAX_CHARS,
                false,
            )
            .and_then(|s| origin.printable_opt("contact_name", s, false)),
        );
        let contact_phone = collect(
            &mut errors,
            Phone::parse_optional("contact_phone", input.contact_phone.as_deref()),
        );
        // Every `None` above pushed an error, so the else branch always has something to report.
        let (
            Some(name),
            Some(street),
            Some(postal_code),
            Some(city),
            Some(country),
            Some(contact_name),
            Some(contact_phone),
        ) = (
            name,
            street,
            postal_code,
            city,
            country,
            contact_name,
            contact_phone,
        )
        else {
            return Err(errors);
        };
        Ok(Self {
            name,
            street,
            postal_code,
            city,
            country,
            contact_name,
            contact_phone,
        })
    }

    pub fn name(&self) -> &Name {
        &self.name
    }

    pub fn street(&self) -> &str {
        &self.street
    }

    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    pub fn city(&self) -> &str {
        &self.city
    }

    pub fn country(&self) -> CountryCode {
        self.country
    }

    pub fn contact_name(&self) -> Option<&str> {
        self.contact_name.as_deref()
    }

    pub fn contact_phone(&self) -> Option<&Phone> {
        self.contact_phone.as_ref()
    }
}

/// Postal codes: letters, digits, spaces and hyphens (`10115`, `SW1A 1AA`, `00-950`), uppercased.
fn postal_code(raw: &str) -> Result<String, FieldError> {
    let s = required_text("postal_code", raw, Address::MAX_POSTAL_CODE, false)?;
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(FieldError::new(
            "postal_code",
            "a postal code has only letters, digits, spaces and '-'",
        ))
    }
}

impl TryFrom<AddressInput> for Address {
    type Error = crate::error::DomainError;
    fn try_from(input: AddressInput) -> Result<Self, Self::Error> {
        Self::new_from(Origin::Stored, input).map_err(Into::into)
    }
}

impl From<&Address> for AddressInput {
    fn from(a: &Address) -> Self {
        Self {
            name: a.name.to_string(),
            street: a.street.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            country: a.country.to_string(),
            contact_name: a.contact_name.clone(),
            contact_phone: a.contact_phone.as_ref().map(ToString::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input() -> AddressInput {
        AddressInput {
            name: " Acme Logistics ".into(),
            street: "Hafenstraße 1".into(),
            postal_code: "20457".into(),
            city: "Hamburg".into(),
            country: "de".into(),
            contact_name: Some("  ".into()),
            contact_phone: Some("+49 40 123456".into()),
        }
    }

    #[test]
    fn valid_address_is_normalised() {
        let a = Address::new(input()).unwrap();
        assert_eq!(a.name().as_str(), "Acme Logistics");
        assert_eq!(a.country().as_str(), "DE");
        assert_eq!(a.contact_name(), None);
        assert_eq!(a.contact_phone().unwrap().as_str(), "+49 40 123456");
        assert_eq!(Address::new(AddressInput::from(&a)).unwrap(), a);
    }

    #[test]
    fn every_problem_is_listed() {
        let errors = Address::new(AddressInput {
            name: "".into(),
            street: " ".into(),
            postal_code: "12#45".into(),
            city: "".into(),
            country: "XX".into(),
            contact_name: Some("x".repeat(201)),
            contact_phone: Some("abc".into()),
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "street",
                "postal_code",
                "city",
                "country",
                "contact_name",
                "contact_phone"
            ]
        );
        assert!(errors.contains(&FieldError::new("country", "unknown ISO country code 'XX'")));
    }

    #[test]
    fn postal_code_is_uppercased() {
        let a = Address::new(AddressInput {
            postal_code: "sw1a 1aa".into(),
            country: "GB".into(),
            ..input()
        })
        .unwrap();
        assert_eq!(a.postal_code(), "SW1A 1AA");
    }

    #[test]
    fn deserialising_validates() {
        let a = Address::new(input()).unwrap();
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["country"], "DE");
        assert_eq!(json["contact_name"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Address>(json.clone()).unwrap(), a);
        let mut bad = json;
        bad["country"] = "QQ".into();
        assert!(serde_json::from_value::<Address>(bad).is_err());
    }
}
