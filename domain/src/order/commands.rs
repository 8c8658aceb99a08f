//! Commands on an order. Who may send which is the API's business (portal users: drafts,
//! submission, charge decisions; staff: the rest); the rules here hold for everyone.

use crate::ids::{ChargeId, CustomerId, LocationId, OrderId};
use crate::values::{Address, DraftContent, Money, Name};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq)]
pub enum OrderCommand {
    // --- portal user: drafts and submission ---
    /// `number` is the order number assigned by the handler (non-empty, ≤ 40 characters).
    /// `today` (here and below): the caller's calendar day in the tenant's time zone, for the
    /// date rules ([`crate::values::schedule_errors`]).
    CreateDraft {
        order_id: OrderId,
        customer_id: CustomerId,
        number: String,
        content: DraftContent,
        today: Date,
    },
    UpdateDraft {
        content: DraftContent,
        today: Date,
    },
    /// The draft must be complete: every gap is reported at once, with the date rules.
    /// `location_addresses` holds the current address of every location the stops refer to that
    /// the customer may still use (see `OrderContent::location_ids`); they are copied into the
    /// submitted content. `submitted_at` is the handler's "now".
    SubmitOrder {
        location_addresses: Vec<(LocationId, Address)>,
        submitted_at: OffsetDateTime,
        today: Date,
    },
    CancelDraft,

    // --- staff: status ---
    AcceptOrder,
    RejectOrder {
        reason: String,
    },
    /// `planned_at`: when the order was planned (the handler's "now").
    PlanOrder {
        planned_at: OffsetDateTime,
    },
    MarkInTransit {
        at: OffsetDateTime,
    },
    MarkDelivered {
        delivered_at: OffsetDateTime,
    },
    CancelOrder {
        reason: String,
    },

    // --- charges: staff add and request, the customer decides ---
    AddCharge {
        charge_id: ChargeId,
        description: Name,
        amount: Money,
        request_approval: bool,
    },
    RequestChargeApproval {
        charge_id: ChargeId,
    },
    /// `customer_shows_charges`: the customer's *Show charges on customer portal* switch, read by
    /// the handler; without it the customer cannot see charges, let alone decide on them.
    ApproveCharge {
        charge_id: ChargeId,
        customer_shows_charges: bool,
        comment: Option<String>,
    },
    RejectCharge {
        charge_id: ChargeId,
        customer_shows_charges: bool,
        comment: Option<String>,
    },
}
