//! Times of day: a stop's time window and a location's opening hours. Times have minute
//! precision (see [`super::serde_time`]). Neither may cross midnight: a night window such as
//! 22:00–02:00 is two periods on two days, which keeps "ends before it starts" unambiguous.

use super::serde_time::{self, to_minutes};
use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Time, Weekday};

/// The unvalidated shape of a [`TimeWindow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TimeWindowInput {
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    pub from: Time,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    pub to: Time,
}

/// When a stop can be served on its date, e.g. 08:00–12:00. `to` is strictly after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "TimeWindowInput")]
pub struct TimeWindow {
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    from: Time,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    to: Time,
}

impl TimeWindow {
    /// Validates with the field name `time_window`; seconds are dropped first.
    pub fn new(from: Time, to: Time) -> Result<Self, FieldError> {
        let (from, to) = (to_minutes(from), to_minutes(to));
        if to <= from {
            Err(FieldError::new(
                "time_window",
                "the time window ends before it starts",
            ))
        } else {
            Ok(Self { from, to })
        }
    }

    pub fn from(&self) -> Time {
        self.from
    }

    pub fn to(&self) -> Time {
        self.to
    }

    pub fn contains(&self, t: Time) -> bool {
        self.from <= t && t <= self.to
    }
}

impl TryFrom<TimeWindowInput> for TimeWindow {
    type Error = FieldError;
    fn try_from(i: TimeWindowInput) -> Result<Self, Self::Error> {
        Self::new(i.from, i.to)
    }
}

impl From<TimeWindow> for TimeWindowInput {
    fn from(w: TimeWindow) -> Self {
        Self {
            from: w.from,
            to: w.to,
        }
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}–{:02}:{:02}",
            self.from.hour(),
            self.from.minute(),
            self.to.hour(),
            self.to.minute()
        )
    }
}

/// The unvalidated shape of an [`OpeningPeriod`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OpeningPeriodInput {
    #[serde(with = "serde_time::weekday")]
    #[schemars(schema_with = "crate::schema::weekday_schema")]
    pub weekday: Weekday,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    pub opens: Time,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    pub closes: Time,
}

/// One opening period on one day of the week; `closes` is strictly after `opens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub struct OpeningPeriod {
    #[serde(with = "serde_time::weekday")]
    #[schemars(schema_with = "crate::schema::weekday_schema")]
    weekday: Weekday,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    opens: Time,
    #[serde(with = "serde_time::hm")]
    #[schemars(schema_with = "crate::schema::time_of_day_schema")]
    closes: Time,
}

impl OpeningPeriod {
    pub fn weekday(&self) -> Weekday {
        self.weekday
    }

    pub fn opens(&self) -> Time {
        self.opens
    }

    pub fn closes(&self) -> Time {
        self.closes
    }

    fn sort_key(&self) -> (u8, Time) {
        (self.weekday.number_from_monday(), self.opens)
    }
}

impl From<OpeningPeriod> for OpeningPeriodInput {
    fn from(p: OpeningPeriod) -> Self {
        Self {
            weekday: p.weekday,
            opens: p.opens,
            closes: p.closes,
        }
    }
}

/// A location's weekly opening hours: non-overlapping periods, kept sorted by day and time so
/// that equal hours compare equal however they were entered. Empty means "not specified".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "Vec<OpeningPeriodInput>", into = "Vec<OpeningPeriod>")]
pub struct OpeningHours(Vec<OpeningPeriod>);

impl OpeningHours {
    /// Validates every period (field paths `opening_hours[i].closes`, `opening_hours[i]`) and
    /// returns all problems at once.
    pub fn new(periods: Vec<OpeningPeriodInput>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut valid: Vec<(usize, OpeningPeriod)> = Vec::new();
        for (i, p) in periods.into_iter().enumerate() {
            let (opens, closes) = (to_minutes(p.opens), to_minutes(p.closes));
            if closes <= opens {
                errors.push(FieldError::new(
                    format!("opening_hours[{i}].closes"),
                    "the closing time is not after the opening time",
                ));
            } else {
                let weekday = p.weekday;
                valid.push((
                    i,
                    OpeningPeriod {
                        weekday,
                        opens,
                        closes,
                    },
                ));
            }
        }
        valid.sort_by_key(|(_, p)| p.sort_key());
        for pair in valid.windows(2) {
            let ((_, a), (j, b)) = (&pair[0], &pair[1]);
            if a.weekday == b.weekday && b.opens < a.closes {
                errors.push(FieldError::new(
                    format!("opening_hours[{j}]"),
                    format!(
                        "overlaps another opening period on {}",
                        serde_time::weekday::name(b.weekday)
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self(valid.into_iter().map(|(_, p)| p).collect()))
        } else {
            Err(errors)
        }
    }

    pub fn periods(&self) -> &[OpeningPeriod] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the location is open at `time` on `weekday` (bounds included).
    pub fn is_open(&self, weekday: Weekday, time: Time) -> bool {
        self.0
            .iter()
            .any(|p| p.weekday == weekday && p.opens <= time && time <= p.closes)
    }
}

impl From<OpeningHours> for Vec<OpeningPeriod> {
    fn from(h: OpeningHours) -> Self {
        h.0
    }
}

impl TryFrom<Vec<OpeningPeriodInput>> for OpeningHours {
    type Error = crate::error::DomainError;
    fn try_from(periods: Vec<OpeningPeriodInput>) -> Result<Self, Self::Error> {
        Self::new(periods).map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::time;

    fn period(weekday: Weekday, opens: Time, closes: Time) -> OpeningPeriodInput {
        OpeningPeriodInput {
            weekday,
            opens,
            closes,
        }
    }

    #[test]
    fn time_window_ending_before_it_starts_is_rejected() {
        let e = TimeWindow::new(time!(12:00), time!(8:00)).unwrap_err();
        assert_eq!(
            e,
            FieldError::new("time_window", "the time window ends before it starts")
        );
        assert!(TimeWindow::new(time!(8:00), time!(8:00)).is_err());
        assert!(TimeWindow::new(time!(8:00:10), time!(8:00:50)).is_err());
    }

    #[test]
    fn time_window_keeps_minutes_and_displays() {
        let w = TimeWindow::new(time!(8:00:30), time!(12:15)).unwrap();
        assert_eq!(w.from(), time!(8:00));
        assert!(w.contains(time!(12:15)) && !w.contains(time!(12:16)));
        assert_eq!(w.to_string(), "08:00–12:15");
    }

    #[test]
    fn time_window_deserialisation_validates() {
        let ok = serde_json::json!({"from": "08:00", "to": "12:00"});
        let w: TimeWindow = serde_json::from_value(ok.clone()).unwrap();
        assert_eq!(serde_json::to_value(w).unwrap(), ok);
        let bad = serde_json::json!({"from": "12:00", "to": "08:00"});
        assert!(serde_json::from_value::<TimeWindow>(bad).is_err());
    }

    #[test]
    fn opening_hours_are_sorted_and_comparable() {
        let a = OpeningHours::new(vec![
            period(Weekday::Tuesday, time!(8:00), time!(16:00)),
            period(Weekday::Monday, time!(13:00), time!(17:00)),
            period(Weekday::Monday, time!(8:00), time!(12:00)),
        ])
        .unwrap();
        let days: Vec<_> = a
            .periods()
            .iter()
            .map(|p| (p.weekday(), p.opens()))
            .collect();
        assert_eq!(
            days,
            vec![
                (Weekday::Monday, time!(8:00)),
                (Weekday::Monday, time!(13:00)),
                (Weekday::Tuesday, time!(8:00)),
            ]
        );
        assert!(a.is_open(Weekday::Monday, time!(12:00)));
        assert!(!a.is_open(Weekday::Monday, time!(12:30)));
        assert!(!a.is_open(Weekday::Sunday, time!(10:00)));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(
            json[0],
            serde_json::json!({"weekday": "monday", "opens": "08:00", "closes": "12:00"})
        );
        assert_eq!(serde_json::from_value::<OpeningHours>(json).unwrap(), a);
    }

    #[test]
    fn opening_hours_report_every_problem() {
        let errors = OpeningHours::new(vec![
            period(Weekday::Monday, time!(8:00), time!(12:00)),
            period(Weekday::Monday, time!(18:00), time!(9:00)),
            period(Weekday::Monday, time!(11:00), time!(14:00)),
        ])
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                FieldError::new(
                    "opening_hours[1].closes",
                    "the closing time is not after the opening time"
                ),
                FieldError::new(
                    "opening_hours[2]",
                    "overlaps another opening period on monday"
                ),
            ]
        );
    }

    #[test]
    fn touching_periods_and_empty_hours_are_fine() {
        assert!(
            OpeningHours::new(vec![
                period(Weekday::Friday, time!(8:00), time!(12:00)),
                period(Weekday::Friday, time!(12:00), time!(16:00)),
            ])
            .is_ok()
        );
        assert!(OpeningHours::new(vec![]).unwrap().is_empty());
    }
}
