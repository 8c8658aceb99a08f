//! Explicit wire formats for `time` values, for use with `#[serde(with = …)]`.
//!
//! `time`'s built-in serde output changes with its cargo features (`serde-human-readable` turns
//! tuples into strings), and cargo unifies features across the whole build, so relying on it would
//! let an unrelated crate change the event schema. These modules pin the formats:
//! - [`date`] writes `"2025-03-14"` ([`date_opt`]: the same or `null`);
//! - [`hm`] writes `"08:30"`, minutes precision (seconds are dropped on the way in);
//! - [`weekday`] writes `"monday"` … `"sunday"`;
//! - instants use `time::serde::rfc3339` (`"2025-03-14T08:30:00Z"`), always in UTC (`decide`
//!   converts: RFC 3339 cannot carry offsets with seconds).

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::StaticFormatDescription;
use time::macros::format_description;
use time::{Date, Time, Weekday};

const DATE: StaticFormatDescription = format_description!("[year]-[month]-[day]");
const HM: StaticFormatDescription = format_description!("[hour]:[minute]");
const HMS: StaticFormatDescription = format_description!("[hour]:[minute]:[second]");

/// Drops seconds and sub-seconds: times of day in this domain have minute precision, and the
/// wire format keeps only minutes, so every stored `Time` must already be whole minutes.
pub fn to_minutes(t: Time) -> Time {
    t.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(t)
}

/// `"YYYY-MM-DD"`.
pub mod date {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.format(DATE).map_err(S::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s, DATE)
            .map_err(|_| D::Error::custom(format!("'{s}' is not a date (YYYY-MM-DD)")))
    }
}

/// An optional [`date`]: `null` (or an absent field, with `#[serde(default)]`) is `None`.
pub mod date_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => Date::parse(&s, DATE)
                .map(Some)
                .map_err(|_| D::Error::custom(format!("'{s}' is not a date (YYYY-MM-DD)"))),
        }
    }
}

/// `"HH:MM"`; `"HH:MM:SS"` is accepted on input and truncated to minutes.
pub mod hm {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format(HM).map_err(S::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let s = String::deserialize(d)?;
        Time::parse(&s, HM)
            .or_else(|_| Time::parse(&s, HMS).map(to_minutes))
            .map_err(|_| D::Error::custom(format!("'{s}' is not a time of day (HH:MM)")))
    }
}

/// Lowercase English day names.
pub mod weekday {
    use super::*;

    pub fn name(w: Weekday) -> &'static str {
        match w {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    pub fn serialize<S: Serializer>(w: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*w))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        let mut day = Weekday::Monday;
        for _ in 0..7 {
            if name(day).eq_ignore_ascii_case(s.trim()) {
                return Ok(day);
            }
            day = day.next();
        }
        Err(D::Error::custom(format!("'{s}' is not a day of the week")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde::{Deserialize, Serialize};
    use time::macros::{date, time};
    use time::{Date, Time, Weekday};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "super::date")]
        d: Date,
        #[serde(with = "super::hm")]
        t: Time,
        #[serde(with = "super::weekday")]
        w: Weekday,
    }

    #[test]
    fn formats_are_pinned() {
        let s = Sample {
            d: date!(2025 - 03 - 04),
            t: time!(8:05),
            w: Weekday::Sunday,
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"d": "2025-03-04", "t": "08:05", "w": "sunday"})
        );
        assert_eq!(serde_json::from_value::<Sample>(json).unwrap(), s);
    }

    #[test]
    fn seconds_are_accepted_and_dropped() {
        let json = serde_json::json!({"d": "2025-03-04", "t": "08:05:59", "w": "Monday"});
        let s: Sample = serde_json::from_value(json).unwrap();
        assert_eq!((s.t, s.w), (time!(8:05), Weekday::Monday));
    }

    #[test]
    fn malformed_values_are_rejected() {
        for (d, t, w) in [
            ("2025-02-30", "08:00", "monday"),
            ("04.03.2025", "08:00", "monday"),
            ("2025-03-04", "25:00", "monday"),
            ("2025-03-04", "08:00", "mon"),
        ] {
            let json = serde_json::json!({"d": d, "t": t, "w": w});
            assert!(
                serde_json::from_value::<Sample>(json).is_err(),
                "{d} {t} {w}"
            );
        }
    }
}
