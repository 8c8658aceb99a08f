//! A draft's content: what the customer has filled in so far, complete or not.
//!
//! A draft may be saved with gaps (no delivery date yet, a goods line without a weight): only
//! the format of what is present is checked. Submission needs the complete, validated
//! [`OrderContent`] ([`DraftContent::complete`]) and reports every gap at once.
//!
//! Contracts:
//! - A *gap* is an error of [`OrderContent::new`] at a field that is blank in the input (absent,
//!   `null`, whitespace only, or an empty list such as no consignments or no goods lines). Every
//!   other error (a malformed postal code, a negative weight, a window that ends before it starts)
//!   is a format error and refuses the save.
//! - Content without gaps is stored normalised, exactly as [`OrderContent`] serialises it, so a
//!   complete draft has the same wire form as before drafts could be incomplete; content with gaps
//!   is stored as typed.
//! - Deserialising accepts any input shape without validation: stored drafts stay readable
//!   whatever the rules become. The rules run on every command instead.

use super::printable::Origin;
use super::{OrderContent, OrderContentInput};
use crate::error::FieldError;
use crate::ids::LocationId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use time::Date;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct DraftContent(OrderContentInput);

impl DraftContent {
    /// Checks the format of what is present; every format error at once. Gaps are allowed.
    pub fn new(input: OrderContentInput) -> Result<Self, Vec<FieldError>> {
        match OrderContent::new(input.clone()) {
            Ok(content) => Ok(Self::from(&content)),
            Err(errors) => {
                let typed = serde_json::to_value(&input).unwrap_or(Value::Null);
                let wrong: Vec<FieldError> = errors
                    .into_iter()
                    .filter(|e| !is_blank_at(&typed, &e.field))
                    .collect();
                if wrong.is_empty() {
                    Ok(Self(input))
                } else {
                    Err(wrong)
                }
            }
        }
    }

    /// The content as typed, gaps included (the edit form's starting point).
    pub fn input(&self) -> &OrderContentInput {
        &self.0
    }

    /// The validated content for submission, or every gap and problem at once, with paths.
    pub fn complete(&self) -> Result<OrderContent, Vec<FieldError>> {
        OrderContent::new(self.0.clone())
    }

    /// The validated content for reading what is stored: `None` while the draft has gaps. Rules
    /// added after the content was written do not apply ([`Origin::Stored`]).
    pub fn stored(&self) -> Option<OrderContent> {
        OrderContent::new_from(Origin::Stored, self.0.clone()).ok()
    }

    /// What submission would report as missing or wrong; empty when the draft is complete.
    pub fn missing(&self) -> Vec<FieldError> {
        self.complete().err().unwrap_or_default()
    }

    pub fn is_complete(&self) -> bool {
        self.complete().is_ok()
    }

    pub fn customer_reference(&self) -> Option<&str> {
        self.0
            .customer_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }

    /// The date rules ([`super::schedule_errors`]) on `today`, for the dates given so far.
    pub fn schedule_errors(&self, today: Date) -> Vec<FieldError> {
        super::schedule_errors(&self.0, today)
    }

    /// The locations the stops refer to.
    pub fn location_ids(&self) -> BTreeSet<LocationId> {
        self.0
            .consignments
            .iter()
            .flat_map(|c| [c.pickup.location_id, c.delivery.location_id])
            .flatten()
            .collect()
    }
}

impl From<OrderContent> for DraftContent {
    fn from(content: OrderContent) -> Self {
        Self::from(&content)
    }
}

impl From<&OrderContent> for DraftContent {
    fn from(content: &OrderContent) -> Self {
        Self(OrderContentInput::from(content))
    }
}

/// Whether the value at `path` (`consignments[0].goods[1].weight_kg`) is blank in `typed`. A path
/// that leads nowhere counts as blank: the field was left out.
fn is_blank_at(typed: &Value, path: &str) -> bool {
    let mut at = typed;
    for segment in path.split('.') {
        let (key, indexes) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        at = match at.get(key) {
            Some(v) => v,
            None => return true,
        };
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            let Ok(i) = index.parse::<usize>() else {
                return false;
            };
            at = match at.get(i) {
                Some(v) => v,
                None => return true,
            };
        }
    }
    match at {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;
