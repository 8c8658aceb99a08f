//! Tenants: the carrier's display name, for email texts, page headers and the portal switcher
//! ("Carrier — Customer"), and the time zone its times are shown in. One row per tenant, keyed
//! by its slug.

use super::common::invalid_in;
use super::sql::by_key;
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::rows::{ColValue, Column, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::tenant::{Tenant, TenantEvent};
use portal_domain::values::{Name, TimeZoneName};
use portal_domain::{Aggregate, TenantId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A tenant (carrier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRow {
    pub tenant: TenantId,
    pub name: Name,
    /// The zone chosen by staff; `None` shows times in UTC. Rows written before the setting
    /// existed read as `None`.
    #[serde(default)]
    pub time_zone: Option<TimeZoneName>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

pub static TENANTS: Table = Table {
    name: "rm_tenants",
    columns: &[Column::text("name"), Column::text("time_zone")],
    indexes: &[],
};

impl Row for TenantRow {
    const TABLE: &'static Table = &TENANTS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.tenant.as_str().to_owned()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.name.as_str().into(),
            ColValue::Text(self.time_zone.as_ref().map(|z| z.as_str().to_owned())),
        ]
    }
}

static TABLES: [&Table; 1] = [&TENANTS];

/// Projection `tenants`.
pub struct TenantsProjection;

impl Projection for TenantsProjection {
    fn name(&self) -> &'static str {
        "tenants"
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
            if let Some(e) = invalid_in(&event, &[Tenant::CATEGORY]) {
                return Err(e);
            }
            let Decoded::Tenant(e) = event.decoded else {
                return Ok(());
            };
            // The row belongs to the tenant that recorded the event (the event log's tenant
            // column), never to an id inside the payload.
            let tenant = event.tenant().clone();
            let at = event.recorded_at();
            match e {
                TenantEvent::TenantCreated { name, .. } => ctx.put(TenantRow {
                    tenant,
                    name: name.clone(),
                    time_zone: None,
                    created_at: at,
                    updated_at: at,
                }),
                TenantEvent::TenantRenamed { name } => {
                    let key = tenant.as_str().to_owned();
                    let row = ctx
                        .get_or_insert_with::<TenantRow>(&tenant, &key, || TenantRow {
                            tenant: tenant.clone(),
                            name: name.clone(),
                            time_zone: None,
                            created_at: at,
                            updated_at: at,
                        })
                        .await?;
                    row.name = name.clone();
                    row.updated_at = at;
                }
                TenantEvent::TenantTimeZoneSet { time_zone } => {
                    let key = tenant.as_str().to_owned();
                    // A tenant's first event is its creation; a row is there already.
                    if let Some(row) = ctx.get_mut::<TenantRow>(&tenant, &key).await? {
                        row.time_zone = Some(time_zone.clone());
                        row.updated_at = at;
                    }
                }
                // Staff members are the `staff` read model's.
                TenantEvent::StaffMemberAdded { .. }
                | TenantEvent::StaffMemberRenamed { .. }
                | TenantEvent::StaffMemberRemoved { .. } => {}
            }
            Ok(())
        })
    }
}

/// The tenant's row.
pub async fn get(db: &ReadDb, tenant: &TenantId) -> Result<Option<TenantRow>, QueryError> {
    by_key(db, tenant, tenant.as_str()).await
}

/// The tenant's time zone, if the tenant is known and staff chose one.
pub async fn time_zone(db: &ReadDb, tenant: &TenantId) -> Result<Option<TimeZoneName>, QueryError> {
    Ok(get(db, tenant).await?.and_then(|t| t.time_zone))
}

/// The tenant's display name, if the tenant is known.
pub async fn name(db: &ReadDb, tenant: &TenantId) -> Result<Option<String>, QueryError> {
    Ok(get(db, tenant).await?.map(|t| t.name.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::{Harness, name, tenant};

    #[test]
    fn created_and_renamed() {
        let mut h = Harness::new(TenantsProjection);
        let acme = tenant("acme");
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::TenantCreated {
                tenant_id: acme.clone(),
                name: name("ACME Transport"),
            },
        )
        .unwrap();
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::TenantRenamed {
                name: name("ACME Logistics"),
            },
        )
        .unwrap();
        let row: TenantRow = h.row(&acme, "acme").unwrap();
        assert_eq!(row.name.as_str(), "ACME Logistics");
        assert!(row.updated_at > row.created_at);
        assert_eq!(
            row.columns(),
            vec![ColValue::from("ACME Logistics"), ColValue::Text(None)]
        );
        let zone = TimeZoneName::parse("Europe/Stockholm").unwrap();
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::TenantTimeZoneSet {
                time_zone: zone.clone(),
            },
        )
        .unwrap();
        let row: TenantRow = h.row(&acme, "acme").unwrap();
        assert_eq!(row.time_zone, Some(zone));
        assert_eq!(row.name.as_str(), "ACME Logistics");
        assert_eq!(
            row.columns()[1],
            ColValue::Text(Some("Europe/Stockholm".to_owned()))
        );
    }

    #[test]
    fn invalid_payload_fails_and_other_categories_are_ignored() {
        let mut h = Harness::new(TenantsProjection);
        let acme = tenant("acme");
        let e = h
            .apply_raw(
                &acme,
                "tenant-acme",
                "TenantCreated",
                serde_json::json!({"name": ""}),
            )
            .unwrap_err();
        assert!(matches!(e, ApplyError::Event(_)), "{e}");
        h.apply_raw(&acme, "widget-1", "WidgetMade", serde_json::json!({}))
            .unwrap();
        h.apply_raw(&acme, "customer-1", "Nonsense", serde_json::json!({}))
            .unwrap();
        assert!(h.row::<TenantRow>(&acme, "acme").is_none());
    }
}
