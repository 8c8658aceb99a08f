//! The date rules of an order's stops, relative to "today" (the caller's calendar day in the
//! tenant's time zone, passed in with the command: the domain has no clock).
//!
//! - A pickup is not before today and not more than [`MAX_DAYS_AHEAD`] days ahead; so is a
//!   delivery.
//! - A delivery is not before its consignment's pickup; on the same day, the delivery window does
//!   not end before the pickup window starts.
//!
//! They work on the unvalidated input, so they are reported together with every other problem
//! of a request (a stop whose address is wrong still has its date checked). A window's own
//! `from` before `to` is [`super::TimeWindow`]'s rule.
//!
//! HAZARD: these rules depend on the day, so they are never part of deserialising a value: a
//! stored order whose dates have passed stays readable. `decide` enforces them on every command
//! that gives or submits dates.

use super::{ConsignmentInput, OrderContentInput};
use crate::error::FieldError;
use time::{Date, Duration};

/// How far ahead a stop may be planned.
pub const MAX_DAYS_AHEAD: i64 = 365;

/// Every date-rule violation of `input` on `today`, with the path of the field to correct.
pub fn schedule_errors(input: &OrderContentInput, today: Date) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, c) in input.consignments.iter().enumerate() {
        consignment(&mut errors, &format!("consignments[{i}]"), c, today);
    }
    errors
}

fn consignment(errors: &mut Vec<FieldError>, path: &str, c: &ConsignmentInput, today: Date) {
    let latest = today
        .checked_add(Duration::days(MAX_DAYS_AHEAD))
        .unwrap_or(Date::MAX);
    // A date not given yet (an incomplete draft) has no rule to break.
    if let Some(pickup) = c.pickup.date {
        if pickup < today {
            errors.push(FieldError::new(
                format!("{path}.pickup.date"),
                format!("the pickup date is in the past (today is {today})"),
            ));
        } else if pickup > latest {
            errors.push(FieldError::new(
                format!("{path}.pickup.date"),
                format!("the pickup date is more than {MAX_DAYS_AHEAD} days ahead"),
            ));
        }
    }
    let Some(delivery) = c.delivery.date else {
        return;
    };
    if let Some(pickup) = c.pickup.date
        && delivery < pickup
    {
        errors.push(FieldError::new(
            format!("{path}.delivery.date"),
            "the delivery date is before the pickup date",
        ));
    } else if delivery > latest {
        errors.push(FieldError::new(
            format!("{path}.delivery.date"),
            format!("the delivery date is more than {MAX_DAYS_AHEAD} days ahead"),
        ));
    } else if c.pickup.date == Some(delivery)
        && let (Some(p), Some(d)) = (&c.pickup.time_window, &c.delivery.time_window)
        && d.to < p.from
    {
        errors.push(FieldError::new(
            format!("{path}.delivery.time_window.to"),
            "on the pickup day, the delivery window ends before the pickup window starts",
        ));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::values::{AddressInput, StopInput, TimeWindowInput};
    use time::macros::{date, time};

    const TODAY: Date = date!(2026 - 12 - 05);

    fn stop(date: Date, window: Option<(time::Time, time::Time)>) -> StopInput {
        StopInput {
            location_id: None,
            address: AddressInput::default(),
            date: Some(date),
            time_window: window.map(|(from, to)| TimeWindowInput { from, to }),
            reference: None,
            instructions: None,
        }
    }

    fn order(pickup: StopInput, delivery: StopInput) -> OrderContentInput {
        OrderContentInput {
            customer_reference: None,
            consignments: vec![ConsignmentInput {
                pickup,
                delivery,
                goods: vec![],
            }],
            notes: None,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn today_and_a_later_delivery_are_fine() {
        let o = order(stop(TODAY, None), stop(date!(2026 - 12 - 07), None));
        assert!(schedule_errors(&o, TODAY).is_empty());
    }

    #[test]
    fn a_pickup_in_the_past_is_refused_at_its_field() {
        let o = order(stop(date!(2020 - 01 - 01), None), stop(TODAY, None));
        let e = schedule_errors(&o, TODAY);
        assert_eq!(fields(&e), ["consignments[0].pickup.date"]);
        assert!(e[0].message.contains("in the past"), "{}", e[0].message);
    }

    #[test]
    fn more_than_a_year_ahead_is_refused_for_pickup_and_delivery() {
        let far = date!(2099 - 01 - 01);
        let o = order(stop(far, None), stop(far, None));
        assert_eq!(
            fields(&schedule_errors(&o, TODAY)),
            [
                "consignments[0].pickup.date",
                "consignments[0].delivery.date"
            ]
        );
        let o = order(stop(TODAY, None), stop(far, None));
        assert_eq!(
            fields(&schedule_errors(&o, TODAY)),
            ["consignments[0].delivery.date"]
        );
        let last = TODAY + Duration::days(MAX_DAYS_AHEAD);
        assert!(schedule_errors(&order(stop(last, None), stop(last, None)), TODAY).is_empty());
    }

    #[test]
    fn a_delivery_before_its_pickup_is_refused_with_the_past_pickup_at_once() {
        let o = order(
            stop(date!(2026 - 12 - 01), None),
            stop(date!(2026 - 11 - 30), None),
        );
        assert_eq!(
            fields(&schedule_errors(&o, TODAY)),
            [
                "consignments[0].pickup.date",
                "consignments[0].delivery.date"
            ]
        );
    }

    #[test]
    fn same_day_windows_must_not_cross() {
        let o = order(
            stop(TODAY, Some((time!(10:00), time!(12:00)))),
            stop(TODAY, Some((time!(08:00), time!(09:00)))),
        );
        assert_eq!(
            fields(&schedule_errors(&o, TODAY)),
            ["consignments[0].delivery.time_window.to"]
        );
        // Overlapping windows are possible (a short trip); another day never conflicts.
        let o = order(
            stop(TODAY, Some((time!(10:00), time!(12:00)))),
            stop(TODAY, Some((time!(08:00), time!(10:30)))),
        );
        assert!(schedule_errors(&o, TODAY).is_empty());
        let o = order(
            stop(TODAY, Some((time!(10:00), time!(12:00)))),
            stop(date!(2026 - 12 - 06), Some((time!(08:00), time!(09:00)))),
        );
        assert!(schedule_errors(&o, TODAY).is_empty());
    }

    #[test]
    fn a_date_not_given_yet_breaks_no_rule_but_a_given_one_is_still_checked() {
        let mut o = order(stop(TODAY, None), stop(date!(2026 - 11 - 30), None));
        o.consignments[0].pickup.date = None;
        assert!(schedule_errors(&o, TODAY).is_empty());
        let mut o = order(stop(date!(2020 - 01 - 01), None), stop(TODAY, None));
        o.consignments[0].delivery.date = None;
        assert_eq!(
            fields(&schedule_errors(&o, TODAY)),
            ["consignments[0].pickup.date"]
        );
    }
}
