//! Staff: the carrier's staff members, for the login lookup ("may this email log in, and as
//! whom?") and the scope check of every staff request. One row per member, keyed by the
//! identity's user id; a removed member's row is deleted.

use super::common::invalid_in;
use super::sql::{Sql, by_key, doc_at};
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::rows::{ColValue, Column, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::tenant::{Tenant, TenantEvent};
use portal_domain::values::Email;
use portal_domain::{Aggregate, TenantId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use time::OffsetDateTime;

/// A staff member of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRow {
    pub tenant: TenantId,
    pub user_id: UserId,
    pub email: Email,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

pub static STAFF: Table = Table {
    name: "rm_staff",
    columns: &[Column::text("email").indexed()],
    indexes: &[],
};

impl Row for StaffRow {
    const TABLE: &'static Table = &STAFF;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.user_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![self.email.as_str().into()]
    }
}

static TABLES: [&Table; 1] = [&STAFF];

/// Projection `staff`.
pub struct StaffProjection;

impl Projection for StaffProjection {
    fn name(&self) -> &'static str {
        "staff"
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
            let tenant = event.tenant().clone();
            match e {
                TenantEvent::StaffMemberAdded { user_id, email, .. } => ctx.put(StaffRow {
                    tenant,
                    user_id: *user_id,
                    email: email.clone(),
                    added_at: event.recorded_at(),
                }),
                TenantEvent::StaffMemberRemoved { user_id } => {
                    ctx.delete::<StaffRow>(&tenant, &user_id.to_string());
                }
                TenantEvent::TenantCreated { .. }
                | TenantEvent::TenantRenamed { .. }
                | TenantEvent::StaffMemberRenamed { .. }
                | TenantEvent::TenantTimeZoneSet { .. } => {}
            }
            Ok(())
        })
    }
}

/// One staff membership of an email, with the carrier's display name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffMembership {
    pub tenant: TenantId,
    pub tenant_name: Option<String>,
    pub user_id: UserId,
}

/// Every staff membership of `email`, across tenants, sorted by tenant: the login lookup. Like
/// [`super::contacts::by_email`], its answer must only go to the holder of the email.
pub async fn by_email(db: &ReadDb, email: &Email) -> Result<Vec<StaffMembership>, QueryError> {
    let mut q = Sql::new(
        "SELECT s.doc, t.name FROM rm_staff s \
         LEFT JOIN rm_tenants t ON t.tenant = s.tenant AND t.key = s.tenant \
         WHERE s.email = ",
    );
    q.bind(email.as_str()).push(" ORDER BY s.tenant");
    q.fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            let s: StaffRow = doc_at(r, 0)?;
            Ok(StaffMembership {
                tenant: s.tenant,
                tenant_name: r.try_get(1)?,
                user_id: s.user_id,
            })
        })
        .collect()
}

/// The member `user_id` of `tenant`, if it is staff there now.
pub async fn get(
    db: &ReadDb,
    tenant: &TenantId,
    user_id: UserId,
) -> Result<Option<StaffRow>, QueryError> {
    by_key(db, tenant, &user_id.to_string()).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::{Harness, tenant};

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn added_and_removed() {
        let mut h = Harness::new(StaffProjection);
        let acme = tenant("acme");
        let ann = UserId::for_email(&email("ann@acme.example"));
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::StaffMemberAdded {
                user_id: ann,
                email: email("ann@acme.example"),
                name: None,
            },
        )
        .unwrap();
        let row: StaffRow = h.row(&acme, ann.to_string()).unwrap();
        assert_eq!(row.email.as_str(), "ann@acme.example");
        assert_eq!(row.columns(), vec![ColValue::from("ann@acme.example")]);
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::StaffMemberRemoved { user_id: ann },
        )
        .unwrap();
        assert!(h.row::<StaffRow>(&acme, &ann.to_string()).is_none());
    }
}
