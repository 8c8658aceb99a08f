//! What an order asks for: consignments, each from a pickup stop to a delivery stop with goods.
//!
//! Drafts and submitted orders hold the same validated [`OrderContent`]; what changes at
//! submission is only that stops referring to a location get that location's address copied in
//! ([`OrderContent::with_location_addresses`]), so a later edit of the location never rewrites a
//! submitted order.

use super::printable::Origin;
use super::{Address, Goods, GoodsInput, Stop, StopInput, collect, collect_within, optional_text};
use crate::error::FieldError;
use crate::ids::LocationId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::Date;

/// The unvalidated shape of a [`Consignment`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConsignmentInput {
    pub pickup: StopInput,
    pub delivery: StopInput,
    #[serde(default)]
    pub goods: Vec<GoodsInput>,
}

/// Goods moved from one pickup to one delivery. At least one goods line. (The order of the
/// dates is a rule of [`super::schedule_errors`], checked with the others at every command.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "ConsignmentInput")]
pub struct Consignment {
    pickup: Stop,
    delivery: Stop,
    #[schemars(length(min = 1, max = Consignment::MAX_GOODS_LINES))]
    goods: Vec<Goods>,
}

impl Consignment {
    pub const MAX_GOODS_LINES: usize = 100;

    pub fn new(input: ConsignmentInput) -> Result<Self, Vec<FieldError>> {
        Self::new_from(Origin::Input, input)
    }

    pub(crate) fn new_from(
        origin: Origin,
        input: ConsignmentInput,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let pickup = collect_within(&mut errors, "pickup", Stop::new_from(origin, input.pickup));
        let delivery = collect_within(
            &mut errors,
            "delivery",
            Stop::new_from(origin, input.delivery),
        );
        if input.goods.is_empty() {
            errors.push(FieldError::new(
                "goods",
                "at least one goods line is required",
            ));
        } else if input.goods.len() > Self::MAX_GOODS_LINES {
            errors.push(FieldError::new(
                "goods",
                "at most 100 goods lines per consignment",
            ));
        }
        let mut goods = Vec::with_capacity(input.goods.len());
        for (i, line) in input.goods.into_iter().enumerate() {
            if let Some(g) = collect_within(
                &mut errors,
                &format!("goods[{i}]"),
                Goods::new_from(origin, line),
            ) {
                goods.push(g);
            }
        }
        match (pickup, delivery) {
            (Some(pickup), Some(delivery)) if errors.is_empty() => Ok(Self {
                pickup,
                delivery,
                goods,
            }),
            _ => Err(errors),
        }
    }

    pub fn pickup(&self) -> &Stop {
        &self.pickup
    }

    pub fn delivery(&self) -> &Stop {
        &self.delivery
    }

    pub fn goods(&self) -> &[Goods] {
        &self.goods
    }
}

impl TryFrom<ConsignmentInput> for Consignment {
    type Error = crate::error::DomainError;
    fn try_from(input: ConsignmentInput) -> Result<Self, Self::Error> {
        Self::new_from(Origin::Stored, input).map_err(Into::into)
    }
}

impl From<&Consignment> for ConsignmentInput {
    fn from(c: &Consignment) -> Self {
        Self {
            pickup: StopInput::from(&c.pickup),
            delivery: StopInput::from(&c.delivery),
            goods: c.goods.iter().map(GoodsInput::from).collect(),
        }
    }
}

/// The unvalidated shape of [`OrderContent`] (the body of `POST /api/v1/orders`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrderContentInput {
    #[serde(default)]
    pub customer_reference: Option<String>,
    #[serde(default)]
    pub consignments: Vec<ConsignmentInput>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Everything a customer fills in for an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "OrderContentInput")]
pub struct OrderContent {
    #[schemars(length(min = 1, max = OrderContent::MAX_CUSTOMER_REFERENCE))]
    customer_reference: Option<String>,
    #[schemars(length(min = 1, max = OrderContent::MAX_CONSIGNMENTS))]
    consignments: Vec<Consignment>,
    /// May span several lines.
    #[schemars(length(min = 1, max = OrderContent::MAX_NOTES))]
    notes: Option<String>,
}

impl OrderContent {
    pub const MAX_CUSTOMER_REFERENCE: usize = 100;
    pub const MAX_NOTES: usize = 2000;
    pub const MAX_CONSIGNMENTS: usize = 50;

    /// Validates everything and returns all problems at once, with dotted paths such as
    /// `consignments[0].goods[1].weight_kg`. An order without consignments is rejected here
    /// ("stops missing"); a draft with gaps is a [`super::DraftContent`]. Every text that goes on
    /// the transport documents must be printable there ([`super::printable`]).
    pub fn new(input: OrderContentInput) -> Result<Self, Vec<FieldError>> {
        Self::new_from(Origin::Input, input)
    }

    pub(crate) fn new_from(
        origin: Origin,
        input: OrderContentInput,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let customer_reference = collect(
            &mut errors,
            optional_text(
                "customer_reference",
                input.customer_reference.as_deref(),
                Self::MAX_CUSTOMER_REFERENCE,
                false,
            )
            .and_then(|s| origin.printable_opt("customer_reference", s, false)),
        );
        if input.consignments.is_empty() {
            errors.push(FieldError::new(
                "consignments",
                "at least one consignment with a pickup and a delivery stop is required",
            ));
        } else if input.consignments.len() > Self::MAX_CONSIGNMENTS {
            errors.push(FieldError::new(
                "consignments",
                "at most 50 consignments per order",
            ));
        }
        let mut consignments = Vec::with_capacity(input.consignments.len());
        for (i, c) in input.consignments.into_iter().enumerate() {
            let parent = format!("consignments[{i}]");
            if let Some(c) = collect_within(&mut errors, &parent, Consignment::new_from(origin, c))
            {
                consignments.push(c);
            }
        }
        let notes = collect(
            &mut errors,
            optional_text("notes", input.notes.as_deref(), Self::MAX_NOTES, true)
                .and_then(|s| origin.printable_opt("notes", s, true)),
        );
        match (customer_reference, notes) {
            (Some(customer_reference), Some(notes)) if errors.is_empty() => Ok(Self {
                customer_reference,
                consignments,
                notes,
            }),
            _ => Err(errors),
        }
    }

    pub fn customer_reference(&self) -> Option<&str> {
        self.customer_reference.as_deref()
    }

    pub fn consignments(&self) -> &[Consignment] {
        &self.consignments
    }

    pub fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }

    /// Every stop with its field path (`consignments[0].pickup`), in order.
    pub fn stops(&self) -> impl Iterator<Item = (String, &Stop)> {
        self.consignments.iter().enumerate().flat_map(|(i, c)| {
            [
                (format!("consignments[{i}].pickup"), &c.pickup),
                (format!("consignments[{i}].delivery"), &c.delivery),
            ]
        })
    }

    /// The date rules ([`super::schedule_errors`]) on `today`.
    pub fn schedule_errors(&self, today: Date) -> Vec<FieldError> {
        super::schedule_errors(&OrderContentInput::from(self), today)
    }

    /// The locations the stops refer to: what the command handler must look up for submission.
    pub fn location_ids(&self) -> BTreeSet<LocationId> {
        self.stops().filter_map(|(_, s)| s.location_id).collect()
    }

    /// Sum of the goods weights in kg.
    pub fn total_weight_kg(&self) -> f64 {
        self.consignments
            .iter()
            .flat_map(|c| &c.goods)
            .map(Goods::weight_kg)
            .sum()
    }

    /// A copy whose location stops carry the given locations' addresses. A stop whose location
    /// is missing from `addresses` (unknown, archived, not visible to the customer: the handler
    /// decides) is reported as an error on its `location_id`.
    pub fn with_location_addresses(
        &self,
        addresses: &[(LocationId, Address)],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut copy = self.clone();
        for (i, c) in copy.consignments.iter_mut().enumerate() {
            for (role, stop) in [("pickup", &mut c.pickup), ("delivery", &mut c.delivery)] {
                let Some(id) = stop.location_id else { continue };
                match addresses.iter().find(|(l, _)| *l == id) {
                    Some((_, address)) => stop.address = address.clone(),
                    None => errors.push(FieldError::new(
                        format!("consignments[{i}].{role}.location_id"),
                        "this location is not available (archived, or not visible to the customer)",
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(copy)
        } else {
            Err(errors)
        }
    }
}

impl TryFrom<OrderContentInput> for OrderContent {
    type Error = crate::error::DomainError;
    fn try_from(input: OrderContentInput) -> Result<Self, Self::Error> {
        Self::new_from(Origin::Stored, input).map_err(Into::into)
    }
}

impl From<&OrderContent> for OrderContentInput {
    fn from(c: &OrderContent) -> Self {
        Self {
            customer_reference: c.customer_reference.clone(),
            consignments: c.consignments.iter().map(ConsignmentInput::from).collect(),
            notes: c.notes.clone(),
        }
    }
}

#[cfg(test)]
#[path = "content_tests.rs"]
mod tests;
