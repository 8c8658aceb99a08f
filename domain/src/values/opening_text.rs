//! Opening hours as people write them, one rule per line: `Mon-Fri 08:00-17:00`,
//! `sat 08:00-12:00`, `Monday, Wednesday 07:30-12:00, 13:00-16:30`. The forms show and take this
//! text; the JSON API and the events keep the plain list of periods ([`OpeningPeriodInput`]), so
//! the text is only ever a way of typing and showing that list.
//!
//! Days: full names or any prefix of at least two letters (`mo`, `tue`, `thurs`), any case, a
//! trailing dot allowed; ranges with `-` or an en dash (`Mon–Fri`; `Fri-Mon` wraps over the
//! weekend); several days or ranges separated by commas. Times: `H:MM` or `HH:MM`, a period as
//! `opens-closes`, several periods separated by commas.

use super::OpeningHours;
use super::OpeningPeriodInput;
use super::serde_time::weekday;
use crate::error::FieldError;
use time::{Time, Weekday};

const FIELD: &str = "opening_hours";
const EXAMPLE: &str = "like “Mon-Fri 08:00-12:00, 13:00-17:00”";

/// The periods of `text` in the order written; blank lines are skipped. Every bad line is
/// reported at once, by number, in one error on the field `opening_hours`.
pub fn parse_opening_hours(text: &str) -> Result<Vec<OpeningPeriodInput>, FieldError> {
    let mut periods = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(mut p) => periods.append(&mut p),
            Err(why) => problems.push(format!("line {}: {why}", i + 1)),
        }
    }
    if problems.is_empty() {
        Ok(periods)
    } else {
        Err(FieldError::new(FIELD, problems.join("; ")))
    }
}

/// One line: days, then times (the days end where the first digit starts).
fn parse_line(line: &str) -> Result<Vec<OpeningPeriodInput>, String> {
    let split = line
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(line.len());
    let (days_text, times_text) = line.split_at(split);
    let days_text = days_text.trim().trim_end_matches(',').trim();
    if days_text.is_empty() {
        return Err(format!("the days are missing, write the line {EXAMPLE}"));
    }
    let days = parse_days(days_text)?;
    if times_text.trim().is_empty() {
        return Err(format!(
            "the times are missing after “{days_text}”, write the line {EXAMPLE}"
        ));
    }
    let times = times_text
        .split(',')
        .map(|t| parse_period(t.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(days
        .iter()
        .flat_map(|&weekday| {
            times
                .iter()
                .map(move |&(opens, closes)| OpeningPeriodInput {
                    weekday,
                    opens,
                    closes,
                })
        })
        .collect())
}

/// `Mon-Fri, Sun`: the days in the order written, each once.
fn parse_days(text: &str) -> Result<Vec<Weekday>, String> {
    let mut days = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut ends = item.split(is_dash).map(str::trim);
        let first = day(ends.next().unwrap_or_default())?;
        let last = match ends.next() {
            Some(last) => day(last)?,
            None => first,
        };
        if ends.next().is_some() {
            return Err(format!(
                "“{item}” is not a day or a range of days like Mon-Fri"
            ));
        }
        let mut d = first;
        loop {
            if !days.contains(&d) {
                days.push(d);
            }
            if d == last {
                break;
            }
            d = d.next();
        }
    }
    Ok(days)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—')
}

/// A day by its full name or a prefix of at least two letters, any case, with an optional dot.
fn day(word: &str) -> Result<Weekday, String> {
    let w = word.trim_end_matches('.').to_lowercase();
    let mut d = Weekday::Monday;
    for _ in 0..7 {
        if w.len() >= 2 && weekday::name(d).starts_with(&w) {
            return Ok(d);
        }
        d = d.next();
    }
    Err(format!(
        "“{word}” is not a day of the week (Mon, Tue, Wed, Thu, Fri, Sat, Sun or full names)"
    ))
}

/// `08:00-12:00`: closing strictly after opening.
fn parse_period(text: &str) -> Result<(Time, Time), String> {
    let (opens, closes) = text
        .split_once(is_dash)
        .ok_or_else(|| format!("“{text}” is not a period of time like 08:00-12:00"))?;
    let (opens, closes) = (time_of_day(opens.trim())?, time_of_day(closes.trim())?);
    if closes <= opens {
        return Err(format!("{text} closes before it opens"));
    }
    Ok((opens, closes))
}

fn time_of_day(text: &str) -> Result<Time, String> {
    let bad = || format!("“{text}” is not a time of day like 08:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max: usize| s.len() <= max && s.chars().all(|c| c.is_ascii_digit());
    if h.is_empty() || !digits(h, 2) || m.len() != 2 || !digits(m, 2) {
        return Err(bad());
    }
    let (h, m) = (
        h.parse::<u8>().map_err(|_| bad())?,
        m.parse::<u8>().map_err(|_| bad())?,
    );
    Time::from_hms(h, m, 0).map_err(|_| bad())
}

/// The text of `hours`, one line per run of consecutive days with the same periods:
/// `Mon-Fri 08:00-12:00, 13:00-17:00`. It parses back to the same hours.
pub fn opening_hours_text(hours: &OpeningHours) -> String {
    let mut by_day: Vec<(Weekday, Periods)> = Vec::new();
    for p in hours.periods() {
        match by_day.last_mut() {
            Some((d, times)) if *d == p.weekday() => times.push((p.opens(), p.closes())),
            _ => by_day.push((p.weekday(), vec![(p.opens(), p.closes())])),
        }
    }
    // Runs of consecutive days: first day, last day, their periods.
    let mut lines: Vec<(Weekday, Weekday, &Periods)> = Vec::new();
    for (d, times) in &by_day {
        match lines.last_mut() {
            Some((_, last, t)) if last.next() == *d && *t == times => *last = *d,
            _ => lines.push((*d, *d, times)),
        }
    }
    lines
        .into_iter()
        .map(|(first, last, times)| {
            let days = if first == last {
                short(first).to_owned()
            } else {
                format!("{}-{}", short(first), short(last))
            };
            let times: Vec<String> = times
                .iter()
                .map(|(o, c)| format!("{}-{}", hm(*o), hm(*c)))
                .collect();
            format!("{days} {}", times.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The periods of one day: opening and closing times.
type Periods = Vec<(Time, Time)>;

fn short(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

fn hm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

#[cfg(test)]
#[path = "opening_text_tests.rs"]
mod tests;
