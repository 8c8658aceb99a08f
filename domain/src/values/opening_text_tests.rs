//! Opening hours typed as text: day ranges, abbreviations, several periods a day, errors by
//! line, and the text shown for stored hours parsing back to the same hours.
#![allow(clippy::unwrap_used)]
use super::*;
use time::macros::time;

fn periods(text: &str) -> Vec<(Weekday, Time, Time)> {
    parse_opening_hours(text)
        .unwrap()
        .into_iter()
        .map(|p| (p.weekday, p.opens, p.closes))
        .collect()
}

fn error(text: &str) -> String {
    let e = parse_opening_hours(text).unwrap_err();
    assert_eq!(e.field, "opening_hours");
    e.message
}

#[test]
fn given_a_day_range_when_parsed_then_every_day_gets_the_period() {
    let p = periods("Mon-Fri 08:00-17:00");
    assert_eq!(p.len(), 5);
    assert_eq!(p[0], (Weekday::Monday, time!(8:00), time!(17:00)));
    assert_eq!(p[4].0, Weekday::Friday);
}

#[test]
fn given_abbreviations_full_names_and_any_case_when_parsed_then_days_are_recognised() {
    for (text, day) in [
        ("sat 08:00-12:00", Weekday::Saturday),
        ("SUNDAY 8:00-12:00", Weekday::Sunday),
        ("Tues. 08:00-12:00", Weekday::Tuesday),
        ("thurs 08:00-12:00", Weekday::Thursday),
        ("We 08:00-12:00", Weekday::Wednesday),
        ("monday 08:00-12:00", Weekday::Monday),
    ] {
        assert_eq!(periods(text), [(day, time!(8:00), time!(12:00))], "{text}");
    }
}

#[test]
fn given_several_periods_and_en_dashes_when_parsed_then_each_day_has_each_period() {
    let p = periods("Mon–Wed 08:00–12:00, 13:00-17:00\nsat 9:00-12:00");
    assert_eq!(p.len(), 7);
    assert_eq!(p[1], (Weekday::Monday, time!(13:00), time!(17:00)));
    assert_eq!(p[6], (Weekday::Saturday, time!(9:00), time!(12:00)));
    let days: Vec<_> = periods("Fri-Mon 10:00-11:00")
        .into_iter()
        .map(|p| p.0)
        .collect();
    let weekend = [
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
        Weekday::Monday,
    ];
    assert_eq!(days, weekend, "a range wraps over the weekend");
    let days: Vec<_> = periods("Mon, Wed, Fri-Sat 10:00-11:00")
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(
        days,
        [
            Weekday::Monday,
            Weekday::Wednesday,
            Weekday::Friday,
            Weekday::Saturday
        ]
    );
}

#[test]
fn given_bad_lines_when_parsed_then_each_is_named_by_number() {
    assert_eq!(
        error("Mon-Fri 08:00-17:00\n\nMnday 08:00-12:00\nsat 25:00-26:00"),
        "line 3: “Mnday” is not a day of the week (Mon, Tue, Wed, Thu, Fri, Sat, Sun or full \
         names); line 4: “25:00” is not a time of day like 08:00"
    );
    assert_eq!(
        error("mon 17:00-08:00"),
        "line 1: 17:00-08:00 closes before it opens"
    );
    assert!(error("08:00-17:00").starts_with("line 1: the days are missing"));
    assert!(error("Mon-Fri").starts_with("line 1: the times are missing after “Mon-Fri”"));
    assert!(error("mon 08:00").contains("“08:00” is not a period of time"));
    assert!(error("m 08:00-12:00").contains("“m” is not a day"));
    assert!(error("mon-tue-wed 08:00-12:00").contains("not a day or a range"));
}

#[test]
fn given_stored_hours_when_shown_as_text_then_days_are_grouped_and_parse_back() {
    let text = "Mon-Fri 08:00-12:00, 13:00-17:00\nSat 08:00-12:00\nSun 10:00-11:00";
    let hours = OpeningHours::new(parse_opening_hours(text).unwrap()).unwrap();
    assert_eq!(opening_hours_text(&hours), text);
    let gap =
        OpeningHours::new(parse_opening_hours("mon 8:00-9:00\nwed 8:00-9:00").unwrap()).unwrap();
    assert_eq!(opening_hours_text(&gap), "Mon 08:00-09:00\nWed 08:00-09:00");
    assert_eq!(opening_hours_text(&OpeningHours::default()), "");
}

#[test]
fn given_overlapping_lines_when_validated_then_the_hours_reject_them() {
    let input = parse_opening_hours("Mon-Fri 08:00-17:00\nFri 16:00-18:00").unwrap();
    assert!(OpeningHours::new(input).is_err());
}
