//! Goods lines of a consignment (dangerous-goods data: the `adr` module).
//!
//! Measurements are `f64` and rounded on the way in (weight and volume to 3 decimals, loading
//! metres to 2): the rounded values have short decimal forms, which JSON parsers read back to the
//! identical `f64`. Without that, a reloaded event could differ in the last bit from the command
//! that produced it and "nothing changed" checks would see a change.

use super::adr::{Adr, AdrInput};
use super::printable::Origin;
use super::{Name, collect, collect_within};
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How goods are packed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Packaging {
    Pallet,
    EuroPallet,
    HalfPallet,
    Box,
    Crate,
    Drum,
    Bag,
    Roll,
    Bulk,
    Other,
}

impl Packaging {
    pub const ALL: [Packaging; 10] = [
        Self::Pallet,
        Self::EuroPallet,
        Self::HalfPallet,
        Self::Box,
        Self::Crate,
        Self::Drum,
        Self::Bag,
        Self::Roll,
        Self::Bulk,
        Self::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pallet => "pallet",
            Self::EuroPallet => "euro_pallet",
            Self::HalfPallet => "half_pallet",
            Self::Box => "box",
            Self::Crate => "crate",
            Self::Drum => "drum",
            Self::Bag => "bag",
            Self::Roll => "roll",
            Self::Bulk => "bulk",
            Self::Other => "other",
        }
    }
}

/// The unvalidated shape of [`Goods`]. Counts are `i64` so that a negative number in a request is
/// reported as a field error instead of failing to parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GoodsInput {
    // Blank or absent: a draft may be saved without them; `Goods::new` reports them as required.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub packaging: Option<Packaging>,
    #[serde(default)]
    pub weight_kg: Option<f64>,
    #[serde(default)]
    pub volume_m3: Option<f64>,
    #[serde(default)]
    pub loading_metres: Option<f64>,
    #[serde(default)]
    pub pallet_spaces: Option<i64>,
    #[serde(default)]
    pub stackable: bool,
    #[serde(default)]
    pub adr: Option<AdrInput>,
}

/// One goods line: what, how many, how packed, how heavy and big, and whether dangerous.
///
/// The limits are what one articulated truck can carry at most: 40 000 kg, 120 m³ (a mega
/// trailer), 13.6 loading metres, 34 pallet spaces; anything above is a typo (kg entered as g)
/// rather than a real load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "GoodsInput")]
pub struct Goods {
    description: Name,
    #[schemars(range(min = 1, max = Goods::MAX_QUANTITY))]
    quantity: u32,
    packaging: Packaging,
    /// Rounded to 3 decimals.
    #[schemars(range(max = Goods::MAX_WEIGHT_KG), extend("exclusiveMinimum" = 0))]
    weight_kg: f64,
    /// Rounded to 3 decimals.
    #[schemars(range(max = Goods::MAX_VOLUME_M3), extend("exclusiveMinimum" = 0))]
    volume_m3: Option<f64>,
    /// Rounded to 2 decimals.
    #[schemars(range(max = Goods::MAX_LOADING_METRES), extend("exclusiveMinimum" = 0))]
    loading_metres: Option<f64>,
    #[schemars(range(max = Goods::MAX_PALLET_SPACES))]
    pallet_spaces: Option<u32>,
    stackable: bool,
    /// Set for dangerous goods.
    adr: Option<Adr>,
}

impl Goods {
    pub const MAX_QUANTITY: i64 = 100_000;
    pub const MAX_WEIGHT_KG: f64 = 40_000.0;
    pub const MAX_VOLUME_M3: f64 = 120.0;
    pub const MAX_LOADING_METRES: f64 = 13.6;
    pub const MAX_PALLET_SPACES: i64 = 34;

    /// Validates every field and returns all problems at once (field names as in the input).
    /// The description must be printable on the transport documents.
    pub fn new(input: GoodsInput) -> Result<Self, Vec<FieldError>> {
        Self::new_from(Origin::Input, input)
    }

    pub(crate) fn new_from(origin: Origin, input: GoodsInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let description = collect(
            &mut errors,
            Name::parse_from(origin, "description", &input.description),
        );
        let quantity = collect(&mut errors, required("quantity", input.quantity, quantity));
        let packaging = collect(&mut errors, required("packaging", input.packaging, Ok));
        let weight_kg = collect(
            &mut errors,
            required("weight_kg", input.weight_kg, |w| {
                measure(
                    "weight_kg",
                    w,
                    3,
                    Self::MAX_WEIGHT_KG,
                    "the weight",
                    "kg (a full truck load)",
                )
            }),
        );
        let volume_m3 = collect(
            &mut errors,
            input
                .volume_m3
                .map(|v| measure("volume_m3", v, 3, Self::MAX_VOLUME_M3, "the volume", "m³"))
                .transpose(),
        );
        let loading_metres = collect(
            &mut errors,
            input
                .loading_metres
                .map(|v| {
                    let what = "the loading metres";
                    measure(
                        "loading_metres",
                        v,
                        2,
                        Self::MAX_LOADING_METRES,
                        what,
                        "m (a full trailer)",
                    )
                })
                .transpose(),
        );
        let pallet_spaces = collect(
            &mut errors,
            input.pallet_spaces.map(pallet_spaces).transpose(),
        );
        let adr = collect_within(&mut errors, "adr", input.adr.map(Adr::new).transpose());
        let (
            Some(description),
            Some(quantity),
            Some(packaging),
            Some(weight_kg),
            Some(volume_m3),
            Some(loading_metres),
            Some(pallet_spaces),
            Some(adr),
        ) = (
            description,
            quantity,
            packaging,
            weight_kg,
            volume_m3,
            loading_metres,
            pallet_spaces,
            adr,
        )
        else {
            return Err(errors);
        };
        Ok(Self {
            description,
            quantity,
            packaging,
            weight_kg,
            volume_m3,
            loading_metres,
            pallet_spaces,
            stackable: input.stackable,
            adr,
        })
    }

    pub fn description(&self) -> &Name {
        &self.description
    }

    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    pub fn packaging(&self) -> Packaging {
        self.packaging
    }

    pub fn weight_kg(&self) -> f64 {
        self.weight_kg
    }

    pub fn volume_m3(&self) -> Option<f64> {
        self.volume_m3
    }

    pub fn loading_metres(&self) -> Option<f64> {
        self.loading_metres
    }

    pub fn pallet_spaces(&self) -> Option<u32> {
        self.pallet_spaces
    }

    pub fn stackable(&self) -> bool {
        self.stackable
    }

    pub fn adr(&self) -> Option<&Adr> {
        self.adr.as_ref()
    }

    pub fn is_dangerous(&self) -> bool {
        self.adr.is_some()
    }
}

/// A value the goods line cannot do without: `None` is "is required", `Some` is checked.
fn required<T, U>(
    field: &str,
    value: Option<T>,
    check: impl FnOnce(T) -> Result<U, FieldError>,
) -> Result<U, FieldError> {
    value.map_or_else(|| Err(FieldError::new(field, "is required")), check)
}

fn quantity(q: i64) -> Result<u32, FieldError> {
    if q < 1 {
        return Err(FieldError::new(
            "quantity",
            "the quantity must be at least 1",
        ));
    }
    if q > Goods::MAX_QUANTITY {
        return Err(FieldError::new(
            "quantity",
            "the quantity cannot exceed 100000",
        ));
    }
    u32::try_from(q).map_err(|_| FieldError::new("quantity", "the quantity cannot exceed 100000"))
}

fn pallet_spaces(n: i64) -> Result<u32, FieldError> {
    let field = "pallet_spaces";
    if n < 0 {
        return Err(FieldError::new(
            field,
            "the pallet spaces cannot be negative",
        ));
    }
    u32::try_from(n)
        .ok()
        .filter(|n| i64::from(*n) <= Goods::MAX_PALLET_SPACES)
        .ok_or_else(|| {
            FieldError::new(field, "the pallet spaces cannot exceed 34 (a full trailer)")
        })
}

/// A positive, finite measurement, rounded to `decimals`, at most `max`.
fn measure(
    field: &str,
    value: f64,
    decimals: i32,
    max: f64,
    what: &str,
    unit: &str,
) -> Result<f64, FieldError> {
    if !value.is_finite() {
        return Err(FieldError::new(field, format!("{what} must be a number")));
    }
    if value < 0.0 {
        return Err(FieldError::new(field, format!("{what} cannot be negative")));
    }
    if value > max {
        return Err(FieldError::new(
            field,
            format!("{what} cannot exceed {max} {unit}"),
        ));
    }
    let scale = 10_f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    if rounded <= 0.0 {
        return Err(FieldError::new(
            field,
            format!("{what} must be greater than 0"),
        ));
    }
    Ok(rounded)
}

impl TryFrom<GoodsInput> for Goods {
    type Error = crate::error::DomainError;
    fn try_from(input: GoodsInput) -> Result<Self, Self::Error> {
        Self::new_from(Origin::Stored, input).map_err(Into::into)
    }
}

impl From<&Goods> for GoodsInput {
    fn from(g: &Goods) -> Self {
        Self {
            description: g.description.to_string(),
            quantity: Some(i64::from(g.quantity)),
            packaging: Some(g.packaging),
            weight_kg: Some(g.weight_kg),
            volume_m3: g.volume_m3,
            loading_metres: g.loading_metres,
            pallet_spaces: g.pallet_spaces.map(i64::from),
            stackable: g.stackable,
            adr: g.adr.as_ref().map(AdrInput::from),
        }
    }
}

#[cfg(test)]
#[path = "goods_tests.rs"]
mod tests;
