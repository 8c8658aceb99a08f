//! Local time for emails: when a recipient's daily digest goes out (07:00 in their zone) and how
//! an instant reads to them (`2026-12-04 15:03 CET`, naming the zone, as on the pages). Zones
//! come from jiff's time-zone database (bundled, so every machine agrees); an unknown name reads
//! as UTC.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// The local hour of the daily digest.
pub const DIGEST_HOUR: i8 = 7;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

fn zoned(ms: i64, name: &str) -> Option<ZonedDateTime> {
    Some(
        Timestamp::from_millisecond(ms)
            .ok()?
            .to_zoned_datetime(zone(name)),
    )
}

/// The first digest time strictly after `after_ms` in zone `name`: (Unix ms, the local day
/// `yyyy-mm-dd`). `None` only outside the calendar's range.
pub fn next_digest(after_ms: i64, name: &str) -> Option<(i64, String)> {
    let now = zoned(after_ms, name)?;
    let mut day = now.date();
    for _ in 0..3 {
        let at = day
            .at(DIGEST_HOUR, 0, 0, 0)
            .to_zoned_datetime(zone(name))
            .ok()?;
        let ms = at.timestamp().as_millisecond();
        if ms > after_ms {
            return Some((ms, day.to_string()));
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// `2026-12-04 15:03 CET`: the instant in zone `name`.
pub fn format(ms: i64, name: &str) -> String {
    match zoned(ms, name) {
        Some(z) => z.strftime("%Y-%m-%d %H:%M %Z").to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn the_digest_goes_out_at_seven_local_on_the_next_morning() {
        // 20:00 in Stockholm (CET, UTC+1) → 07:00 the next day, 06:00 UTC.
        let (at, day) = next_digest(ms("2026-12-06T19:00:00Z"), "Europe/Stockholm").unwrap();
        assert_eq!(at, ms("2026-12-07T06:00:00Z"));
        assert_eq!(day, "2026-12-07");
        // 05:00 local → the same morning.
        let (at, day) = next_digest(ms("2026-12-07T04:00:00Z"), "Europe/Stockholm").unwrap();
        assert_eq!(at, ms("2026-12-07T06:00:00Z"));
        assert_eq!(day, "2026-12-07");
        // At 07:00 sharp the digest of that day is due, so the next one is tomorrow's.
        let (_, day) = next_digest(ms("2026-12-07T06:00:00Z"), "Europe/Stockholm").unwrap();
        assert_eq!(day, "2026-12-08");
        // Summer time and an unknown zone (UTC).
        let (at, _) = next_digest(ms("2026-07-01T12:00:00Z"), "Europe/Stockholm").unwrap();
        assert_eq!(at, ms("2026-07-02T05:00:00Z"));
        let (at, _) = next_digest(ms("2026-07-01T12:00:00Z"), "Nowhere/Else").unwrap();
        assert_eq!(at, ms("2026-07-02T07:00:00Z"));
    }

    #[test]
    fn instants_name_their_zone() {
        assert_eq!(
            format(ms("2026-12-04T14:03:00Z"), "Europe/Berlin"),
            "2026-12-04 15:03 CET"
        );
        assert_eq!(
            format(ms("2026-12-04T14:03:00Z"), "UTC"),
            "2026-12-04 14:03 UTC"
        );
    }
}
