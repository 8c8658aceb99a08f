//! The retry schedule of deliveries: after the first failed attempt a delivery is tried again
//! after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; a failure after the last is final.
//! Tests shorten it (`--webhook-retry-schedule`), never the code.

use std::time::Duration;

/// The delays before retry 1, 2, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(Vec<Duration>);

impl Default for Schedule {
    fn default() -> Self {
        let min = 60;
        let hour = 60 * min;
        Self(
            [
                5,
                5 * min,
                30 * min,
                2 * hour,
                5 * hour,
                10 * hour,
                10 * hour,
            ]
            .into_iter()
            .map(Duration::from_secs)
            .collect(),
        )
    }
}

/// A schedule that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a list of durations like `5s,5m,30m,2h` ({0})")]
pub struct ScheduleError(String);

impl Schedule {
    pub fn new(delays: Vec<Duration>) -> Self {
        Self(delays)
    }

    /// When to try again after `failed` failed attempts (`failed` ≥ 1); `None`: give up.
    pub fn retry_after(&self, failed: u32) -> Option<Duration> {
        let index = usize::try_from(failed.checked_sub(1)?).ok()?;
        self.0.get(index).copied()
    }

    /// Attempts a delivery gets in all.
    pub fn max_attempts(&self) -> usize {
        self.0.len() + 1
    }

    /// Parses `5s,5m,30m,2h` (units `ms`, `s`, `m`, `h`; an empty text: no retries).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let mut delays = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(|| ScheduleError(part.to_owned()))?;
            let (n, unit) = part.split_at(split);
            let n: u64 = n.parse().map_err(|_| ScheduleError(part.to_owned()))?;
            let delay = match unit {
                "ms" => Duration::from_millis(n),
                "s" => Duration::from_secs(n),
                "m" => Duration::from_secs(n.saturating_mul(60)),
                "h" => Duration::from_secs(n.saturating_mul(3600)),
                _ => return Err(ScheduleError(part.to_owned())),
            };
            delays.push(delay);
        }
        Ok(Self(delays))
    }

    /// `5s,5m,…` as parsed (for the settings printed at start).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|d| {
                let s = d.as_secs();
                if d.subsec_millis() != 0 || s == 0 {
                    format!("{}ms", d.as_millis())
                } else if s % 3600 == 0 {
                    format!("{}h", s / 3600)
                } else if s % 60 == 0 {
                    format!("{}m", s / 60)
                } else {
                    format!("{s}s")
                }
            })
            .collect();
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_default_gives_up_after_seven_retries() {
        let s = Schedule::default();
        assert_eq!(s.retry_after(1), Some(Duration::from_secs(5)));
        assert_eq!(s.retry_after(2), Some(Duration::from_secs(300)));
        assert_eq!(s.retry_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(s.retry_after(8), None);
        assert_eq!(s.retry_after(0), None);
        assert_eq!(s.max_attempts(), 8);
        assert_eq!(s.describe(), "5s,5m,30m,2h,5h,10h,10h");
    }

    #[test]
    fn parses_and_refuses() {
        let s = Schedule::parse("100ms, 2s,1m").unwrap();
        assert_eq!(s.retry_after(1), Some(Duration::from_millis(100)));
        assert_eq!(s.retry_after(3), Some(Duration::from_secs(60)));
        assert_eq!(s.describe(), "100ms,2s,1m");
        assert_eq!(Schedule::parse("").unwrap().max_attempts(), 1);
        for bad in ["5", "5x", "s", "-1s"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
