//! The one rejection type of the domain. The API maps every variant to a 4xx answer with its
//! message (validation → 422 with field messages; `Conflict`-like state rules → 409 or 422 as the
//! variant says), so messages are written for the person who sent the command.

use serde::Serialize;
use std::fmt;

/// A validation message for one input field (`field` uses the API's snake_case names, with dotted
/// paths for nested input such as `consignments[0].pickup.time_window`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Prefixes the field path, e.g. `email` inside `contacts[2]` → `contacts[2].email`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// How the API should answer a rejection. Kept here so the mapping is decided once, next to the
/// rules, instead of in every handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Malformed input: 422 with field messages.
    Validation,
    /// The target does not exist (or not in the caller's scope): 404.
    NotFound,
    /// The command contradicts the current state and retrying it cannot help: 409.
    Conflict,
    /// A business rule forbids it in the current situation: 422.
    Rule,
}

/// Why a command was rejected. Messages are shown to users verbatim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {}", join(.0))]
    Validation(Vec<FieldError>),

    #[error("{0} not found")]
    NotFound(&'static str),

    #[error("{0} already exists")]
    AlreadyExists(&'static str),

    #[error("Enable Access to Customer Portal on the customer first")]
    CustomerPortalNotEnabled,

    #[error("a blocked customer cannot be given portal access")]
    CustomerBlocked,

    #[error("a contact with this email already exists for this customer")]
    DuplicateContactEmail,

    #[error("the contact was removed")]
    ContactRemoved,

    #[error("Submitted orders cannot be edited")]
    SubmittedOrderCannotBeEdited,

    /// A draft that was cancelled before it was submitted: nothing can be done with it any more.
    #[error("the draft was cancelled")]
    DraftCancelled,

    #[error("an order cannot go from {from} to {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },

    #[error("charges cannot be added to an order that is {0}")]
    ChargesNotAllowed(&'static str),

    #[error("this charge is not awaiting approval")]
    ChargeNotAwaitingApproval,

    /// Approval was requested for a charge the customer already approved or rejected.
    #[error("the customer already decided on this charge")]
    ChargeAlreadyDecided,

    #[error("charges are not shown on this customer's portal")]
    ChargesNotShown,

    #[error("the location is archived")]
    LocationArchived,

    #[error("a location used by {0} customers cannot be limited to one customer")]
    LocationSharedByCustomers(usize),

    #[error("the contact has no portal access, so it gets no portal emails")]
    NoPortalAccess,

    /// A state rule without a dedicated variant; the message names the rule.
    #[error("{0}")]
    Rule(String),
}

impl DomainError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn kind(&self) -> RejectionKind {
        match self {
            Self::Validation(_) => RejectionKind::Validation,
            Self::NotFound(_) => RejectionKind::NotFound,
            Self::AlreadyExists(_)
            | Self::SubmittedOrderCannotBeEdited
            | Self::DraftCancelled
            | Self::ChargeAlreadyDecided
            | Self::InvalidTransition { .. }
            | Self::ChargeNotAwaitingApproval
            | Self::ContactRemoved
            | Self::LocationArchived => RejectionKind::Conflict,
            Self::CustomerPortalNotEnabled
            | Self::CustomerBlocked
            | Self::DuplicateContactEmail
            | Self::ChargesNotAllowed(_)
            | Self::ChargesNotShown
            | Self::LocationSharedByCustomers(_)
            | Self::NoPortalAccess
            | Self::Rule(_) => RejectionKind::Rule,
        }
    }

    /// The field messages of a validation error (empty for other rejections).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) => errors,
            _ => &[],
        }
    }
}

impl From<FieldError> for DomainError {
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}

impl From<Vec<FieldError>> for DomainError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
