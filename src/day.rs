//! Days and weeks in UTC, from Unix seconds, without a date library: `YYYY-MM-DD` days for the
//! daily counters, Monday-to-Sunday weeks for the report, and the dates of `[[tip]]` entries.
//!
//! The conversions are Howard Hinnant's `days_from_civil` and `civil_from_days`
//! (<https://howardhinnant.github.io/date_algorithms.html>), exact for the proleptic Gregorian
//! calendar.

use std::fmt;

/// A calendar day (UTC), counted in days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

const SECONDS_PER_DAY: i64 = 86_400;

impl Day {
    /// The day a Unix timestamp falls on.
    #[must_use]
    pub fn of(timestamp: i64) -> Day {
        Day(timestamp.div_euclid(SECONDS_PER_DAY))
    }

    /// Today, by the system clock.
    #[must_use]
    pub fn today() -> Day {
        Day::of(now())
    }

    /// Parses `YYYY-MM-DD`; `None` unless it is a real date.
    #[must_use]
    pub fn parse(s: &str) -> Option<Day> {
        let mut parts = s.trim().splitn(3, '-');
        let y: i64 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Day(days_from_civil(y, m, d)))
    }

    /// The year, month and day.
    #[must_use]
    pub fn civil(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// The Monday of this day's week.
    #[must_use]
    pub fn monday(self) -> Day {
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
        Day(self.0 - (self.0 + 3).rem_euclid(7))
    }

    /// `n` days later (earlier when negative).
    #[must_use]
    pub fn plus(self, n: i64) -> Day {
        Day(self.0 + n)
    }

    /// Midnight UTC at the start of this day, as Unix seconds.
    #[must_use]
    pub fn start(self) -> i64 {
        self.0 * SECONDS_PER_DAY
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Seconds since the Unix epoch, by the system clock.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_knows_the_calendar() {
        assert_eq!(Day::of(0).to_string(), "1970-01-01");
        assert_eq!(Day::of(1_700_000_000).to_string(), "2023-11-14");
        assert_eq!(Day::of(-1).to_string(), "1969-12-31");
        for s in ["2024-02-29", "2000-03-01", "1999-12-31", "2026-11-29"] {
            assert_eq!(Day::parse(s).unwrap().to_string(), s);
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "soon",
            "2024-1",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-29 is a Sunday; its Monday is 2026-11-23, and a Monday is its own.
        let sunday = Day::parse("2026-11-29").unwrap();
        assert_eq!(sunday.monday().to_string(), "2026-11-23");
        assert_eq!(sunday.plus(1).monday(), sunday.plus(1));
        assert_eq!(Day::of(0).monday().to_string(), "1969-12-29");
    }
}
