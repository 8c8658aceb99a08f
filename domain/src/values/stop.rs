//! Pickup and delivery stops of a consignment.

use super::printable::Origin;
use super::{
    Address, AddressInput, TimeWindow, TimeWindowInput, collect, collect_within, optional_text,
    serde_time,
};
use crate::error::FieldError;
use crate::ids::LocationId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::Date;

/// The unvalidated shape of a [`Stop`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopInput {
    #[serde(default)]
    pub location_id: Option<LocationId>,
    /// May be left out (or blank) when `location_id` is given: the location's address is used.
    #[serde(default)]
    pub address: AddressInput,
    /// Required to submit; a draft may be saved without it.
    #[serde(default, with = "serde_time::date_opt")]
    #[schemars(schema_with = "crate::schema::optional_date_schema")]
    pub date: Option<Date>,
    #[serde(default)]
    pub time_window: Option<TimeWindowInput>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
}

/// A pickup or delivery: where, when, and what the driver must know.
///
/// `location_id` links the stop to an address-book location; until submission `address` is
/// whatever the form showed, at submission it is replaced by the location's current address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "StopInput")]
pub struct Stop {
    // Visible to `content`, which replaces the address with the location's at submission.
    pub(super) location_id: Option<LocationId>,
    pub(super) address: Address,
    #[serde(with = "serde_time::date")]
    #[schemars(schema_with = "crate::schema::date_schema")]
    date: Date,
    time_window: Option<TimeWindow>,
    #[schemars(length(min = 1, max = Stop::MAX_REFERENCE))]
    reference: Option<String>,
    /// May span several lines.
    #[schemars(length(min = 1, max = Stop::MAX_INSTRUCTIONS))]
    instructions: Option<String>,
}

impl Stop {
    pub const MAX_REFERENCE: usize = 100;
    pub const MAX_INSTRUCTIONS: usize = 2000;

    /// Validates input; the texts must be printable on the transport documents.
    pub fn new(input: StopInput) -> Result<Self, Vec<FieldError>> {
        Self::new_from(Origin::Input, input)
    }

    pub(crate) fn new_from(origin: Origin, input: StopInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let address = collect_within(
            &mut errors,
            "address",
            Address::new_from(origin, input.address),
        );
        let date = input.date.or_else(|| {
            errors.push(FieldError::new("date", "is required"));
            None
        });
        let time_window = collect(
            &mut errors,
            input
                .time_window
                .map(|w| TimeWindow::new(w.from, w.to))
                .transpose(),
        );
        let reference = collect(
            &mut errors,
            optional_text(
                "reference",
                input.reference.as_deref(),
                Self::MAX_REFERENCE,
                false,
            )
            .and_then(|s| origin.printable_opt("reference", s, false)),
        );
        let instructions = collect(
            &mut errors,
            optional_text(
                "instructions",
                input.instructions.as_deref(),
                Self::MAX_INSTRUCTIONS,
                true,
            )
            .and_then(|s| origin.printable_opt("instructions", s, true)),
        );
        let (Some(address), Some(date), Some(time_window), Some(reference), Some(instructions)) =
            (address, date, time_window, reference, instructions)
        else {
            return Err(errors);
        };
        Ok(Self {
            location_id: input.location_id,
            address,
            date,
            time_window,
            reference,
            instructions,
        })
    }

    pub fn location_id(&self) -> Option<LocationId> {
        self.location_id
    }

    pub fn address(&self) -> &Address {
        &self.address
    }

    pub fn date(&self) -> Date {
        self.date
    }

    pub fn time_window(&self) -> Option<TimeWindow> {
        self.time_window
    }

    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    pub fn instructions(&self) -> Option<&str> {
        self.instructions.as_deref()
    }
}

impl TryFrom<StopInput> for Stop {
    type Error = crate::error::DomainError;
    fn try_from(input: StopInput) -> Result<Self, Self::Error> {
        Self::new_from(Origin::Stored, input).map_err(Into::into)
    }
}

impl From<&Stop> for StopInput {
    fn from(s: &Stop) -> Self {
        Self {
            location_id: s.location_id,
            address: AddressInput::from(&s.address),
            date: Some(s.date),
            time_window: s.time_window.map(Into::into),
            reference: s.reference.clone(),
            instructions: s.instructions.clone(),
        }
    }
}
