//! The tenant's time-zone setting: read it (both roles: everyone sees the carrier's times), set
//! it (staff only). A name must have the shape of an IANA name (the domain's
//! [`TimeZoneName`]) and be known to the time-zone database ([`Zone::named`], checked here
//! because the domain has no database); it is stored in the database's canonical spelling.

use crate::Context;
use crate::Error;
use crate::Principal;
use crate::commands::run;
use crate::zone::{Zone, tenant_zone};
use crate::{Fields, checked, staff_only};
use portal_domain::FieldError;
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::TimeZoneName;
use portal_eventlog::{Idempotency, StreamId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tracing::info;
use utoipa::ToSchema;

/// `PUT /api/v1/tenant/time-zone`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimeZoneInput {
    /// An IANA name such as `Europe/Stockholm` (required).
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// The tenant's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TimeZoneView {
    /// The IANA name; `UTC` until staff choose one.
    pub time_zone: String,
    /// Its abbreviation now (`CET`, `CEST`, `UTC`, or a numeric `+04`).
    pub abbreviation: String,
    /// Whether this request changed it (writes only; reads answer `false`).
    pub changed: bool,
}

impl TimeZoneView {
    fn of(zone: &Zone, changed: bool) -> Self {
        Self {
            time_zone: zone.name().to_owned(),
            abbreviation: zone.abbreviation(OffsetDateTime::now_utc()),
            changed,
        }
    }
}

/// The principal's tenant's zone.
pub async fn get(cx: &Context, principal: &Principal) -> Result<TimeZoneView, Error> {
    Ok(TimeZoneView::of(
        &tenant_zone(cx, principal.tenant()).await?,
        false,
    ))
}

/// A known zone of `raw`, or the field error of `field`.
pub fn known_zone(field: &str, raw: &str) -> Result<(TimeZoneName, Zone), FieldError> {
    let name = TimeZoneName::parse_as(field, raw)?;
    let zone = Zone::named(name.as_str()).ok_or_else(|| {
        FieldError::new(
            field,
            "is not a time zone of the IANA database (such as Europe/Stockholm)",
        )
    })?;
    // The database's spelling (lookups ignore case).
    let canonical = TimeZoneName::parse_as(field, zone.name()).unwrap_or(name);
    Ok((canonical, zone))
}

/// Staff set the tenant's zone; setting the current one again changes nothing.
pub async fn set(
    cx: &Context,
    principal: &Principal,
    input: &TimeZoneInput,
    idempotency: Option<Idempotency>,
) -> Result<TimeZoneView, Error> {
    staff_only(principal)?;
    let mut fields = Fields::default();
    let raw = fields.required("time_zone", input.time_zone.as_deref());
    let known = raw.and_then(|raw| fields.take(known_zone("time_zone", raw)));
    fields.finish()?;
    let (name, zone) = checked(known)?;
    let stream = StreamId::of::<Tenant>(principal.tenant());
    let command = TenantCommand::SetTimeZone { time_zone: name };
    let done = run::<Tenant>(cx, principal, &stream, &command, idempotency).await?;
    let changed = !done.events.is_empty();
    if changed {
        info!(tenant = %principal.tenant(), time_zone = zone.name(), "tenant time zone set");
    }
    Ok(TimeZoneView::of(&zone, changed))
}
