//! Local time: the zone a reader sees times in (the user's own zone, else the tenant's IANA
//! zone, else UTC), "today" in that zone (the order date rules), and the one format every page,
//! email, export and document uses for an instant, naming the zone.
//!
//! Times are stored in UTC everywhere; they become local only here, at the edge. Zone rules come
//! from `jiff`'s time-zone database (the system's, else the copy bundled into the binary, so a
//! container without `/usr/share/zoneinfo` shows the same times).

use crate::Context;
use crate::Error;
use crate::Principal;
use jiff::tz::TimeZone;
use portal_domain::TenantId;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A time zone to show times in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// The zone of an IANA name known to the time-zone database (`Europe/Stockholm`); `None`
    /// for any other text.
    pub fn named(name: &str) -> Option<Self> {
        let tz = TimeZone::get(name).ok()?;
        Some(Self {
            name: tz.iana_name().unwrap_or(name).to_owned(),
            tz,
        })
    }

    /// Every IANA name of the time-zone database, sorted (for choosing one).
    pub fn known_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .collect();
        names.sort();
        names
    }

    /// The IANA name (`Europe/Stockholm`, `UTC`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instant in this zone; `None` only outside jiff's range (years beyond ±9999).
    fn zoned(&self, at: OffsetDateTime) -> Option<jiff::ZonedDateTime> {
        let ts = jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos()).ok()?;
        Some(ts.to_zoned_datetime(self.tz.clone()))
    }

    /// The calendar day of `now` in this zone.
    pub fn today(&self, now: OffsetDateTime) -> Date {
        self.civil(now).date()
    }

    /// The wall-clock time of `at` in this zone, to the second (fractions dropped).
    pub fn civil(&self, at: OffsetDateTime) -> PrimitiveDateTime {
        let fallback = || {
            let utc = at.to_offset(time::UtcOffset::UTC);
            PrimitiveDateTime::new(
                utc.date(),
                utc.time().replace_nanosecond(0).unwrap_or(utc.time()),
            )
        };
        let Some(z) = self.zoned(at) else {
            return fallback();
        };
        let month = u8::try_from(z.month())
            .ok()
            .and_then(|m| Month::try_from(m).ok());
        let date = month.and_then(|month| {
            Date::from_calendar_date(
                i32::from(z.year()),
                month,
                u8::try_from(z.day()).unwrap_or(1),
            )
            .ok()
        });
        let time = Time::from_hms(
            u8::try_from(z.hour()).unwrap_or(0),
            u8::try_from(z.minute()).unwrap_or(0),
            u8::try_from(z.second()).unwrap_or(0),
        )
        .ok();
        match (date, time) {
            (Some(d), Some(t)) => PrimitiveDateTime::new(d, t),
            _ => fallback(),
        }
    }

    /// The zone's abbreviation at `at` (`CET`, `CEST`, `UTC`; a numeric `+04` where the
    /// database has no letters for the zone).
    pub fn abbreviation(&self, at: OffsetDateTime) -> String {
        match jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos()) {
            Ok(ts) => self.tz.to_offset_info(ts).abbreviation().to_owned(),
            Err(_) => self.name.clone(),
        }
    }

    /// `2026-12-04 15:03 CET`: local minutes, the zone's abbreviation at that instant.
    pub fn format(&self, at: OffsetDateTime) -> String {
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        format!(
            "{} {}",
            self.civil(at).format(&fmt).unwrap_or_default(),
            self.abbreviation(at)
        )
    }
}

/// The zone `principal` reads times in: their own preference (set on `/account`), else their
/// tenant's zone, else UTC.
pub async fn reader_zone(cx: &Context, principal: &Principal) -> Result<Zone, Error> {
    let own =
        portal_projections::models::user_prefs::time_zone(&cx.read, principal.user_id).await?;
    match own.and_then(|n| Zone::named(n.as_str())) {
        Some(zone) => Ok(zone),
        None => tenant_zone(cx, principal.tenant()).await,
    }
}

/// The tenant's zone (a staff setting, from the `tenants` read model; `UTC` until set, and
/// for a name the database no longer knows).
pub async fn tenant_zone(cx: &Context, tenant: &TenantId) -> Result<Zone, Error> {
    let name = portal_projections::models::tenants::time_zone(&cx.read, tenant).await?;
    Ok(name
        .and_then(|n| Zone::named(n.as_str()))
        .unwrap_or_else(Zone::utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn stockholm_is_local_with_its_abbreviation_in_winter_and_summer() {
        let z = Zone::named("Europe/Stockholm").expect("known zone");
        assert_eq!(z.name(), "Europe/Stockholm");
        let winter = datetime!(2026-12-06 13:05:09.987 UTC);
        assert_eq!(z.civil(winter), datetime!(2026-12-06 14:05:09));
        assert_eq!(z.format(winter), "2026-12-06 14:05 CET");
        assert_eq!(
            z.format(datetime!(2026-07-01 10:00 UTC)),
            "2026-07-01 12:00 CEST"
        );
        // Late evening UTC is already tomorrow in Tokyo.
        let tokyo = Zone::named("Asia/Tokyo").expect("known zone");
        assert_eq!(
            tokyo.today(datetime!(2026-12-06 20:00 UTC)),
            date!(2026 - 12 - 07)
        );
    }

    #[test]
    fn utc_and_unknown_names() {
        let at = datetime!(2026-12-06 14:05:09.5 UTC);
        assert_eq!(Zone::utc().format(at), "2026-12-06 14:05 UTC");
        assert_eq!(Zone::utc().civil(at), datetime!(2026-12-06 14:05:09));
        assert!(Zone::named("Mars/Olympus").is_none());
        assert!(Zone::known_names().iter().any(|n| n == "Europe/Berlin"));
    }
}
