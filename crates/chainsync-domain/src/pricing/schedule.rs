//! When a promotion runs: an optional validity interval in UTC, narrowed by days of the week and
//! a time-of-day window read on the store's wall clock.
//!
//! Terms and rules:
//! - `starts_at` is inclusive and `ends_at` exclusive, so back-to-back promotions never overlap.
//! - `days_of_week` empty means every day.
//! - A time window `from`–`to` is inclusive of `from` and exclusive of `to`. When `from` is later
//!   than `to` the window crosses midnight and **belongs to the day it starts on**: "Friday
//!   22:00–02:00" covers Saturday 01:30, not Friday 01:30.
//! - The instant judged is the moment of the sale (the terminal's clock for an offline sale),
//!   never the moment the server happens to process it.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

use crate::ValidationError;

/// When a promotion is active. The default (all fields empty) is "always".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days_of_week: Vec<DayOfWeek>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_of_day: Option<TimeWindow>,
}

/// A daily window on the store's wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    #[schema(value_type = String, example = "09:00")]
    pub from: LocalTime,
    #[schema(value_type = String, example = "12:00")]
    pub to: LocalTime,
}

/// A day of the week, by its English name in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<Weekday> for DayOfWeek {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => DayOfWeek::Monday,
            Weekday::Tue => DayOfWeek::Tuesday,
            Weekday::Wed => DayOfWeek::Wednesday,
            Weekday::Thu => DayOfWeek::Thursday,
            Weekday::Fri => DayOfWeek::Friday,
            Weekday::Sat => DayOfWeek::Saturday,
            Weekday::Sun => DayOfWeek::Sunday,
        }
    }
}

/// A wall-clock time of day with minute precision, written `"HH:MM"` (00:00–23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime {
    minutes: u16,
}

impl LocalTime {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("invalid_time", "must be a time of day like 09:30");
        let (h, m) = text.split_once(':').ok_or_else(invalid)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(invalid());
        }
        let h: u16 = h.parse().map_err(|_| invalid())?;
        let m: u16 = m.parse().map_err(|_| invalid())?;
        if h > 23 || m > 59 {
            return Err(invalid());
        }
        Ok(LocalTime {
            minutes: h * 60 + m,
        })
    }

    fn seconds(self) -> u32 {
        u32::from(self.minutes) * 60
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl TryFrom<String> for LocalTime {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        LocalTime::parse(&value)
    }
}

impl From<LocalTime> for String {
    fn from(t: LocalTime) -> Self {
        t.to_string()
    }
}

impl Schedule {
    /// Whether the schedule covers the instant `at` in a store whose wall clock is `tz`.
    pub fn is_active(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        if self.starts_at.is_some_and(|s| at < s) || self.ends_at.is_some_and(|e| at >= e) {
            return false;
        }
        let local = at.with_timezone(&tz);
        let mut day = local.date_naive();
        if let Some(w) = self.time_of_day {
            let now = local.num_seconds_from_midnight();
            let (from, to) = (w.from.seconds(), w.to.seconds());
            let inside = if from < to {
                from <= now && now < to
            } else if now >= from {
                true
            } else if now < to {
                // The after-midnight part of a window that opened the day before.
                day -= Duration::days(1);
                true
            } else {
                false
            };
            if !inside {
                return false;
            }
        }
        self.days_of_week.is_empty() || self.days_of_week.contains(&day.weekday().into())
    }

    /// Checks the schedule on its own; fields are relative to the schedule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at)
            && e <= s
        {
            return Err(
                ValidationError::new("invalid_schedule", "must end after it starts").at("ends_at"),
            );
        }
        if let Some(w) = self.time_of_day
            && w.from == w.to
        {
            return Err(ValidationError::new(
                "invalid_schedule",
                "an empty time window never runs; leave time_of_day out for all day",
            )
            .at("time_of_day.to"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn end_is_exclusive_and_start_inclusive() {
        let s = Schedule {
            starts_at: Some(at("2026-03-01T00:00:00Z")),
            ends_at: Some(at("2026-03-02T00:00:00Z")),
            ..Schedule::default()
        };
        assert!(s.is_active(at("2026-03-01T00:00:00Z"), Tz::UTC));
        assert!(!s.is_active(at("2026-03-02T00:00:00Z"), Tz::UTC));
    }

    #[test]
    fn days_are_read_on_the_store_wall_clock() {
        // 2026-03-06 is a Friday; 23:30 UTC is already Saturday in Zurich.
        let s = Schedule {
            days_of_week: vec![DayOfWeek::Saturday],
            ..Schedule::default()
        };
        assert!(s.is_active(at("2026-03-06T23:30:00Z"), chrono_tz::Europe::Zurich));
        assert!(!s.is_active(at("2026-03-06T23:30:00Z"), Tz::UTC));
    }

    #[test]
    fn window_past_midnight_belongs_to_the_day_it_opens() {
        let s = Schedule {
            days_of_week: vec![DayOfWeek::Friday],
            time_of_day: Some(TimeWindow {
                from: LocalTime::parse("22:00").unwrap(),
                to: LocalTime::parse("02:00").unwrap(),
            }),
            ..Schedule::default()
        };
        assert!(s.is_active(at("2026-03-06T22:00:00Z"), Tz::UTC)); // Friday 22:00
        assert!(s.is_active(at("2026-03-07T01:30:00Z"), Tz::UTC)); // Saturday 01:30
        assert!(!s.is_active(at("2026-03-06T01:30:00Z"), Tz::UTC)); // Friday 01:30
        assert!(!s.is_active(at("2026-03-07T02:00:00Z"), Tz::UTC)); // window closed
    }

    #[test]
    fn times_must_be_hh_mm() {
        assert!(LocalTime::parse("9:00").is_err());
        assert!(LocalTime::parse("24:00").is_err());
        assert_eq!(LocalTime::parse("07:05").unwrap().to_string(), "07:05");
    }
}
