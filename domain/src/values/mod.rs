//! Validated value objects: every type here is valid by construction.
//!
//! Fields are private; the only ways in are the constructors (`parse`/`parse_as` for single
//! values, `new` for compound ones) and `Deserialize`, which runs the same validation (serde
//! `try_from`) except one rule added later: text that goes on the transport documents must be
//! printable there (`printable`), checked for input only ([`Origin`]). Compound values have a plain `…Input` twin with public, unvalidated fields in the
//! shape of the JSON API body; their constructors return *every* problem at once, with dotted
//! field paths such as `consignments[0].goods[1].weight_kg`. A validated value serialises to the
//! same shape as its input, so `Input → value → JSON → value` is lossless.
//!
//! HAZARD: stored events deserialise these types, so every rule here is part of the event schema.
//! Loosening a rule is always safe. Tightening one (a lower maximum, a code removed from a list, a
//! new required field) can make events already in the log unreadable: do it only together with a
//! new schema version and an upcaster that repairs old payloads, or enforce the stricter rule in
//! `decide` for new commands only and keep the type as lenient as the history needs. For the same
//! reason the code lists (countries, currencies) only ever grow.
//!
//! Dates and times have explicit wire formats (see `serde_time`): `time`'s own serde output
//! depends on which of its cargo features happen to be enabled anywhere in the build, and the
//! event schema must not.

mod address;
mod adr;
mod content;
mod country;
mod country_names;
mod currency;
mod dates;
mod draft;
mod email;
mod goods;
mod hidden;
mod opening_text;
mod phone;
mod printable;
mod schedule;
pub mod serde_time;
mod stop;
mod text;
mod time_zone;

pub use address::{Address, AddressInput};
pub use adr::{Adr, AdrClass, AdrInput, PackingGroup, TunnelCode, UnNumber};
pub use content::{Consignment, ConsignmentInput, OrderContent, OrderContentInput};
pub use country::{COUNTRY_CODES, CountryCode};
pub use country_names::{COUNTRY_ALIASES, COUNTRY_NAMES};
pub use currency::{CURRENCIES, Currency, Money};
pub use dates::{MAX_DAYS_AHEAD, schedule_errors};
pub use draft::DraftContent;
pub use email::Email;
pub use goods::{Goods, GoodsInput, Packaging};
pub use hidden::{check_hidden, hidden_in, is_hidden, no_hidden};
pub use opening_text::{opening_hours_text, parse_opening_hours};
pub use phone::Phone;
pub use printable::{Origin, PRINTABLE_RANGES, check_printable, is_printable, unprintable};
pub use schedule::{OpeningHours, OpeningPeriod, OpeningPeriodInput, TimeWindow, TimeWindowInput};
pub use stop::{Stop, StopInput};
pub use text::{Name, optional_text, required_text};
pub use time_zone::TimeZoneName;

/// Implements the string plumbing shared by single-string values: `as_str`, `Display`,
/// `AsRef<str>`, and the serde bridge (`TryFrom<String>` runs `parse`, `Into<String>`).
macro_rules! string_value {
    ($ty:ident) => {
        $crate::values::string_value!(@plumbing $ty);

        impl TryFrom<String> for $ty {
            type Error = $crate::error::FieldError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
    };
    // Without `TryFrom<String>`: for a type whose input rules are stricter than its history's,
    // which implements it itself with the stored-event rules.
    (@plumbing $ty:ident) => {
        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.0
            }
        }
    };
}
pub(crate) use string_value;

/// `Deserialize` through `TryFrom<String>`, for types holding `&'static str` (serde's derive
/// would tie them to the input's lifetime).
macro_rules! deserialize_via_string {
    ($ty:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::try_from(s).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use deserialize_via_string;

/// Collects the error of one validated part into `errors`, yielding the value when valid.
pub(crate) fn collect<T>(
    errors: &mut Vec<crate::error::FieldError>,
    result: Result<T, crate::error::FieldError>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// Like [`collect`] for parts that report several errors, prefixing each with `parent`.
pub(crate) fn collect_within<T>(
    errors: &mut Vec<crate::error::FieldError>,
    parent: &str,
    result: Result<T, Vec<crate::error::FieldError>>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(es) => {
            errors.extend(es.into_iter().map(|e| e.within(parent)));
            None
        }
    }
}
