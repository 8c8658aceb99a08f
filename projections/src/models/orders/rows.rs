//! Rows of the orders read model.

use crate::models::common::{ActorKind, search_text};
use crate::rows::{ColValue, Column, Index, Row, Table};
use portal_domain::Actor;
use portal_domain::order::{ChargeApproval, OrderStatus};
use portal_domain::values::{CountryCode, DraftContent, Money, Name, StopInput, serde_time};
use portal_domain::{ChargeId, CustomerId, OrderId, TenantId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Where and when a stop is, for list columns. A draft's stop may have blanks (empty strings)
/// and no date yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopSummary {
    pub name: String,
    pub city: String,
    /// The ISO code, or a draft's country as typed when it is not one.
    pub country: String,
    #[serde(with = "serde_time::date_opt")]
    pub date: Option<Date>,
}

impl From<&StopInput> for StopSummary {
    fn from(s: &StopInput) -> Self {
        let country = s.address.country.trim();
        Self {
            name: s.address.name.trim().to_owned(),
            city: s.address.city.trim().to_owned(),
            country: CountryCode::parse(country)
                .map_or_else(|_| country.to_owned(), |c| c.as_str().to_owned()),
            date: s.date,
        }
    }
}

/// `YYYY-MM-DD` (years 0 to 9999, every date an order can hold): sorts like the date.
pub(crate) fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// How a customer reference is compared with another: without regard to case and surrounding
/// space. `None` for a blank one.
pub fn reference_key(reference: &str) -> Option<String> {
    let r = reference.trim();
    (!r.is_empty()).then(|| r.to_lowercase())
}

/// An order as lists show it. Holds no amounts of money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    pub tenant: TenantId,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub number: String,
    pub customer_reference: Option<String>,
    pub status: OrderStatus,
    /// The first pickup.
    pub pickup: Option<StopSummary>,
    /// The last delivery.
    pub delivery: Option<StopSummary>,
    pub consignments: i64,
    pub total_weight_kg: f64,
    /// A draft with gaps: it must be completed before it can be submitted. Always `false` once
    /// submitted. (Absent in rows written before drafts could have gaps: none had any.)
    #[serde(default)]
    pub incomplete: bool,
    /// Who submitted the order; `None` while it is a draft.
    pub submitted_by: Option<ActorKind>,
    /// Submitted by a portal user (not by staff on the customer's behalf).
    pub via_portal: bool,
    /// Charges of this order the customer is asked to approve (a count, no amounts).
    pub charges_awaiting_approval: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The submission time the handler recorded in `OrderSubmitted`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Log position of the creation: the "newest first" sort of [`super::list`].
    pub created_position: i64,
    /// Log position of the submission: the sort of [`super::inbox`].
    pub submitted_position: Option<i64>,
}

impl OrderRow {
    /// Copies what the list shows from the order's content (a draft's may have gaps).
    pub(crate) fn set_content(&mut self, content: &DraftContent) {
        let input = content.input();
        self.customer_reference = content.customer_reference().map(str::to_owned);
        self.pickup = input
            .consignments
            .first()
            .map(|c| StopSummary::from(&c.pickup));
        self.delivery = input
            .consignments
            .last()
            .map(|c| StopSummary::from(&c.delivery));
        self.consignments = input.consignments.len() as i64;
        self.total_weight_kg = input
            .consignments
            .iter()
            .flat_map(|c| &c.goods)
            .filter_map(|g| g.weight_kg)
            // A fold from +0.0: `sum` of no floats is -0.0, which reads "-0 kg".
            .fold(0.0, |total, w| total + w);
        self.incomplete = !content.is_complete();
    }

    /// The first pickup's date as `YYYY-MM-DD`, the `pickup_date` column.
    pub fn pickup_date(&self) -> Option<String> {
        self.pickup.as_ref().and_then(|p| p.date).map(iso_date)
    }

    /// The customer reference as orders are matched by it (trimmed, lowercased), the
    /// `reference` column; `None` without one.
    pub fn reference_key(&self) -> Option<String> {
        self.customer_reference.as_deref().and_then(reference_key)
    }

    /// What the search box matches: number and customer reference, lowercased.
    pub fn search_text(&self) -> String {
        search_text([
            self.number.as_str(),
            self.customer_reference.as_deref().unwrap_or_default(),
        ])
    }
}

pub static ORDERS: Table = Table {
    name: "rm_orders",
    columns: &[
        Column::text("customer_id"),
        Column::text("status"),
        Column::int("created_pos"),
        Column::int("submitted_pos"),
        Column::bool("via_portal"),
        Column::text("search"),
        // The first pickup's date as `YYYY-MM-DD` (NULL while there is none), so that a text
        // comparison is a date comparison: the pickup-date filters of the lists.
        Column::text("pickup_date").indexed(),
        // [`OrderRow::reference_key`]: the exact look-up of a customer's orders by reference.
        Column::text("reference"),
    ],
    // One per list shape, each ending in the list's sort column and then `key`, its tie-breaker,
    // so that the index order is the whole `ORDER BY` and a page is read in order and stops after
    // its rows: the tenant's orders (staff list), a customer's (all, or one status tab), the
    // tenant's by status, the inbox (all, or by status); the search through trigrams. Ending in
    // the sort column alone left a sort of the ties that the planner, without statistics (a
    // table grown since its last ANALYZE), preferred to do over every match of a bitmap scan:
    // 50 ms instead of 0.1 ms for a customer with 25,000 orders. Last, a customer's orders by
    // reference (the duplicate-reference check).
    indexes: &[
        Index::Btree(&["created_pos", "key"]),
        Index::Btree(&["customer_id", "created_pos", "key"]),
        Index::Btree(&["customer_id", "status", "created_pos", "key"]),
        Index::Btree(&["status", "created_pos", "key"]),
        Index::Btree(&["submitted_pos", "key"]),
        Index::Btree(&["status", "submitted_pos", "key"]),
        Index::Trigram {
            equal: &["customer_id"],
            column: "search",
        },
        Index::Btree(&["customer_id", "reference", "created_pos", "key"]),
    ],
};

impl Row for OrderRow {
    const TABLE: &'static Table = &ORDERS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.order_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.customer_id.to_string().into(),
            self.status.as_str().into(),
            self.created_position.into(),
            self.submitted_position.into(),
            self.via_portal.into(),
            self.search_text().into(),
            self.pickup_date().into(),
            self.reference_key().into(),
        ]
    }
}

/// One step of the status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: OrderStatus,
    /// When the event was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The time the event itself reports, when it has one (submitted, planned, in transit,
    /// delivered at).
    #[serde(with = "time::serde::rfc3339::option")]
    pub reported_at: Option<OffsetDateTime>,
    pub actor: ActorKind,
    /// Who it was, by id (names are looked up at read time, [`crate::models::people`]); absent
    /// in rows projected before ids were kept here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Actor>,
    /// Who it was in words, as the reader may see them: filled in at read time
    /// (`portal_app::people`), never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
}

/// A charge on the order, with its amount: hide it where charges are not shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCharge {
    pub charge_id: ChargeId,
    pub description: Name,
    pub amount: Money,
    pub approval: ChargeApproval,
    /// The customer's comment on the decision.
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

/// The detail of an order beyond its [`OrderRow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetailRow {
    pub tenant: TenantId,
    pub order_id: OrderId,
    /// The draft (gaps allowed), and once submitted the content as submitted (never changed
    /// afterwards; complete).
    pub content: DraftContent,
    pub rejection_reason: Option<String>,
    pub cancellation_reason: Option<String>,
    /// Oldest first.
    pub history: Vec<StatusChange>,
    /// In the order they were added.
    pub charges: Vec<OrderCharge>,
}

impl OrderDetailRow {
    pub fn charges_awaiting_approval(&self) -> i64 {
        self.charges
            .iter()
            .filter(|c| c.approval == ChargeApproval::Requested)
            .count() as i64
    }
}

pub static ORDER_DETAILS: Table = Table {
    name: "rm_order_details",
    columns: &[],
    indexes: &[],
};

impl Row for OrderDetailRow {
    const TABLE: &'static Table = &ORDER_DETAILS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.order_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        Vec::new()
    }
}
