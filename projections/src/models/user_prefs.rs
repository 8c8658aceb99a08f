//! User preferences: a login identity's own time zone (`None` or no row: the carrier's zone).
//! Identities are shared across carriers, so rows live in the identity realm (the tenant of the
//! `user-…` streams), keyed by the user id; [`time_zone`] reads one.

use super::common::invalid_in;
use super::sql::by_key;
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::projection::Projection;
use crate::rows::{ColValue, Column, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::user::{User, UserEvent};
use portal_domain::values::TimeZoneName;
use portal_domain::{Aggregate, TenantId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One identity's preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPrefsRow {
    pub tenant: TenantId,
    pub user_id: UserId,
    /// `None`: times in the carrier's zone.
    pub time_zone: Option<TimeZoneName>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

pub static USER_PREFS: Table = Table {
    name: "rm_user_preferences",
    columns: &[Column::text("time_zone")],
    indexes: &[],
};

impl Row for UserPrefsRow {
    const TABLE: &'static Table = &USER_PREFS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.user_id.to_string()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![ColValue::Text(
            self.time_zone.as_ref().map(|z| z.as_str().to_owned()),
        )]
    }
}

static TABLES: [&Table; 1] = [&USER_PREFS];

/// Projection `user_preferences`.
pub struct UserPrefsProjection;

impl Projection for UserPrefsProjection {
    fn name(&self) -> &'static str {
        "user_preferences"
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
            if let Some(e) = invalid_in(&event, &[User::CATEGORY]) {
                return Err(e);
            }
            let Decoded::User(UserEvent::UserTimeZonePreferenceSet { user_id, time_zone }) =
                event.decoded
            else {
                return Ok(());
            };
            // The event carries the whole preference: it replaces the row.
            ctx.put(UserPrefsRow {
                tenant: event.tenant().clone(),
                user_id: *user_id,
                time_zone: time_zone.clone(),
                updated_at: event.recorded_at(),
            });
            Ok(())
        })
    }
}

/// The identity's own time zone, if it chose one.
pub async fn time_zone(db: &ReadDb, user_id: UserId) -> Result<Option<TimeZoneName>, QueryError> {
    let row: Option<UserPrefsRow> = by_key(db, &TenantId::identity(), &user_id.to_string()).await?;
    Ok(row.and_then(|r| r.time_zone))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::Harness;

    #[test]
    fn the_preference_is_set_and_cleared() {
        let mut h = Harness::new(UserPrefsProjection);
        let realm = TenantId::identity();
        let user_id = UserId(uuid::Uuid::from_u128(7));
        let key = user_id.to_string();
        let oslo = TimeZoneName::parse("Europe/Oslo").unwrap();
        h.apply::<User>(
            &realm,
            &key,
            UserEvent::UserTimeZonePreferenceSet {
                user_id,
                time_zone: Some(oslo.clone()),
            },
        )
        .unwrap();
        let row: UserPrefsRow = h.row(&realm, &key).unwrap();
        assert_eq!(row.time_zone, Some(oslo));
        h.apply::<User>(
            &realm,
            &key,
            UserEvent::UserTimeZonePreferenceSet {
                user_id,
                time_zone: None,
            },
        )
        .unwrap();
        let row: UserPrefsRow = h.row(&realm, &key).unwrap();
        assert_eq!(row.time_zone, None);
        assert_eq!(row.columns(), vec![ColValue::Text(None)]);
    }
}
