//! Audit index: one row per event stream of a tenant (stream id, category, a human label such as
//! the customer's name or the order number, first and last log position, event count, last event
//! type and time), for the audit UI's list of streams. The events themselves are read from the
//! log (`GET /api/v1/audit/streams/{stream_id}`).
//!
//! Unlike the other projections this one indexes every stream, also of categories this build
//! does not know and events that do not decode: it uses only the envelope (the label is taken
//! from the payload when it decodes, and kept otherwise). An audit index that dead-lettered
//! undecodable events would hide exactly the events an audit looks for.

use super::paging::{Page, Paged};
use super::sql::{Listing, by_key, doc_at};
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::{ColValue, Column, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::TenantId;
use portal_domain::contact::ContactEvent;
use portal_domain::customer::CustomerEvent;
use portal_domain::location::LocationEvent;
use portal_domain::order::OrderEvent;
use portal_domain::tenant::TenantEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamRow {
    pub tenant: TenantId,
    pub stream_id: String,
    pub category: String,
    /// Customer or contact name, order number, location or tenant name; `None` where the stream
    /// has no such name (printer configurations, unknown categories).
    pub label: Option<String>,
    pub first_position: i64,
    pub last_position: i64,
    pub event_count: i64,
    pub last_event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub first_recorded_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_recorded_at: OffsetDateTime,
}

pub static AUDIT_STREAMS: Table = Table {
    name: "rm_audit_streams",
    columns: &[
        Column::text("category").indexed(),
        Column::int("last_pos").indexed(),
    ],
    indexes: &[],
};

impl Row for AuditStreamRow {
    const TABLE: &'static Table = &AUDIT_STREAMS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.stream_id.clone()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![self.category.as_str().into(), self.last_position.into()]
    }
}

/// The label an event gives its stream, if it names it.
fn label_of(decoded: &Decoded) -> Option<String> {
    match decoded {
        Decoded::Tenant(
            TenantEvent::TenantCreated { name, .. } | TenantEvent::TenantRenamed { name },
        ) => Some(name.to_string()),
        Decoded::Customer(
            CustomerEvent::CustomerCreated { name, .. }
            | CustomerEvent::CustomerDetailsUpdated { name, .. },
        ) => Some(name.to_string()),
        Decoded::Contact(
            ContactEvent::ContactAdded { name, .. } | ContactEvent::ContactUpdated { name, .. },
        ) => Some(name.to_string()),
        Decoded::Order(OrderEvent::OrderDraftCreated { number, .. }) => Some(number.clone()),
        Decoded::Location(
            LocationEvent::LocationAdded { name, .. } | LocationEvent::LocationUpdated { name, .. },
        ) => Some(name.to_string()),
        _ => None,
    }
}

static TABLES: [&Table; 1] = [&AUDIT_STREAMS];

/// Projection `audit_streams`.
pub struct AuditProjection;

impl Projection for AuditProjection {
    fn name(&self) -> &'static str {
        "audit_streams"
    }
    fn version(&self) -> u32 {
        1
    }
    fn tables(&self) -> &'static [&'static Table] {
        &TABLES
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let r = event.recorded;
            let tenant = event.tenant();
            let key = r.stream_id.as_str();
            let row = ctx
                .get_or_insert_with::<AuditStreamRow>(tenant, key, || AuditStreamRow {
                    tenant: tenant.clone(),
                    stream_id: key.to_owned(),
                    category: r.stream_id.category().to_owned(),
                    label: None,
                    first_position: r.position,
                    last_position: r.position,
                    event_count: 0,
                    last_event_type: r.event_type.clone(),
                    first_recorded_at: r.recorded_at,
                    last_recorded_at: r.recorded_at,
                })
                .await?;
            if row.event_count > 0 && r.position <= row.last_position {
                // Seen already (the projector never redelivers, but a count must not double).
                return Ok(());
            }
            row.event_count += 1;
            row.last_position = r.position;
            row.last_event_type = r.event_type.clone();
            row.last_recorded_at = r.recorded_at;
            if let Some(label) = label_of(event.decoded) {
                row.label = Some(label);
            }
            Ok(())
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        rows.want::<AuditStreamRow>(event.tenant(), event.recorded.stream_id.as_str());
    }
}

/// One page of the tenant's streams, optionally of one category (`customer`, `order`, …), most
/// recently changed first.
pub async fn list(
    db: &ReadDb,
    tenant: &TenantId,
    category: Option<&str>,
    page: &Page,
) -> Result<Paged<AuditStreamRow>, QueryError> {
    Listing {
        select: "doc",
        from: "rm_audit_streams",
        sort: "last_pos",
        key: "key",
        descending: true,
    }
    .fetch(
        db,
        page,
        None,
        |q| {
            q.push("tenant = ").bind(tenant.as_str());
            if let Some(category) = category {
                q.push(" AND category = ").bind(category);
            }
        },
        |r| doc_at(r, 0),
        |s: &AuditStreamRow| (s.last_position, s.key()),
    )
    .await
}

/// One stream of the tenant.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    stream_id: &str,
) -> Result<Option<AuditStreamRow>, QueryError> {
    by_key(db, tenant, stream_id).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::{Harness, content, id, name, tenant};
    use portal_domain::CustomerId;
    use portal_domain::OrderId;
    use portal_domain::customer::{Customer, CustomerStatus};
    use portal_domain::order::Order;

    #[test]
    fn one_row_per_stream_with_label_and_counts() {
        let mut h = Harness::new(AuditProjection);
        let t = tenant("acme");
        let c: CustomerId = id(1);
        let o: OrderId = id(100);
        h.apply::<Customer>(
            &t,
            c,
            CustomerEvent::CustomerCreated {
                customer_id: c,
                name: name("Bolt"),
                code: None,
                status: CustomerStatus::Approved,
            },
        )
        .unwrap();
        h.apply::<Order>(
            &t,
            o,
            OrderEvent::OrderDraftCreated {
                order_id: o,
                customer_id: c,
                number: "ORD-9".into(),
                content: content("PO").into(),
            },
        )
        .unwrap();
        h.apply::<Customer>(
            &t,
            c,
            CustomerEvent::CustomerDetailsUpdated {
                customer_id: c,
                name: name("Bolt Bikes"),
                code: None,
            },
        )
        .unwrap();
        h.apply::<Customer>(
            &t,
            c,
            CustomerEvent::CustomerPortalEnabled { customer_id: c },
        )
        .unwrap();
        let row: AuditStreamRow = h.row(&t, format!("customer-{c}")).unwrap();
        assert_eq!(row.label.as_deref(), Some("Bolt Bikes"));
        assert_eq!(
            (row.first_position, row.last_position, row.event_count),
            (1, 4, 3)
        );
        assert_eq!(row.last_event_type, "CustomerPortalEnabled");
        assert_eq!(row.category, "customer");
        assert!(row.last_recorded_at > row.first_recorded_at);
        let order: AuditStreamRow = h.row(&t, format!("order-{o}")).unwrap();
        assert_eq!(order.label.as_deref(), Some("ORD-9"));
        assert_eq!(order.event_count, 1);
    }

    #[test]
    fn undecodable_and_unknown_streams_are_indexed_and_redelivery_does_not_count() {
        let mut h = Harness::new(AuditProjection);
        let t = tenant("acme");
        h.apply_raw(
            &t,
            "customer-7",
            "CustomerCreated",
            serde_json::json!({"x": 1}),
        )
        .unwrap();
        h.apply_raw(&t, "gizmo-1", "GizmoMade", serde_json::json!({}))
            .unwrap();
        let bad: AuditStreamRow = h.row(&t, "customer-7").unwrap();
        assert_eq!((bad.label, bad.event_count), (None, 1));
        let gizmo: AuditStreamRow = h.row(&t, "gizmo-1").unwrap();
        assert_eq!(gizmo.category, "gizmo");
        // The same event again (same position) is not counted twice.
        let again = crate::models::testkit::recorded(
            &t,
            "gizmo-1",
            1,
            2,
            portal_eventlog::NewEvent {
                event_id: uuid::Uuid::now_v7(),
                event_type: "GizmoMade".into(),
                schema_version: 1,
                payload: serde_json::json!({}),
                metadata: portal_eventlog::Metadata::new(portal_domain::Actor::System),
            },
            h.at,
        );
        h.apply_recorded(&again).unwrap();
        let gizmo: AuditStreamRow = h.row(&t, "gizmo-1").unwrap();
        assert_eq!(gizmo.event_count, 1);
    }
}
