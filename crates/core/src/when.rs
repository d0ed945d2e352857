//! The friendly forms of time a person writes in the config — clock times, windows,
//! days of the week, durations — and turning a local wall-clock time into an instant.
//!
//! Pure: nothing here reads the clock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

const DAY_MINUTES: u32 = 24 * 60;

/// A daily span of wall-clock time, `HH:MM-HH:MM`, that may cross midnight; a single
/// `HH:MM` is a window of length zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Window {
    /// Length in whole minutes (0 for a single time; less than a day).
    pub fn minutes(&self) -> u32 {
        (minute_of_day(self.end) + DAY_MINUTES - minute_of_day(self.start)) % DAY_MINUTES
    }

    /// Whether the time of day `t` lies in `[start, end)`.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let offset = (minute_of_day(t) + DAY_MINUTES - minute_of_day(self.start)) % DAY_MINUTES;
        let into = offset * 60 + t.second();
        into < self.minutes() * 60
    }

    /// The first end of this window strictly after `at`. An end that a daylight-saving
    /// change skips moves forward to the first minute that exists; if that minute is
    /// inside the window again (the next one began), the window goes on to its next end.
    pub fn end_after(&self, at: DateTime<Tz>) -> DateTime<Tz> {
        let tz = at.timezone();
        let mut date = at.date_naive();
        loop {
            let end = resolve(&tz, date.and_time(self.end));
            if end > at && !self.contains(end.naive_local().time()) {
                return end;
            }
            date = date.succ_opt().expect("dates stay in range");
        }
    }
}

fn minute_of_day(t: NaiveTime) -> u32 {
    t.hour() * 60 + t.minute()
}

fn parse_clock(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

impl FromStr for Window {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "`{s}` is not a time or a window; expected \"HH:MM\" or \"HH:MM-HH:MM\" \
                 with hours 00-23, such as \"09:00\" or \"09:00-10:30\""
            )
        };
        match s.split_once('-') {
            None => {
                let t = parse_clock(s).ok_or_else(bad)?;
                Ok(Window { start: t, end: t })
            }
            Some((a, b)) => Ok(Window {
                start: parse_clock(a).ok_or_else(bad)?,
                end: parse_clock(b).ok_or_else(bad)?,
            }),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start.format("%H:%M"))
        } else {
            write!(
                f,
                "{}-{}",
                self.start.format("%H:%M"),
                self.end.format("%H:%M")
            )
        }
    }
}

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(u8);

impl Days {
    pub const DAILY: Days = Days(0b111_1111);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    fn with(self, day: Weekday) -> Days {
        Days(self.0 | 1 << day.num_days_from_monday())
    }

    /// Reads the string form: `daily`, `weekdays`, `weekends`, one day (`mon`), or a
    /// range (`mon-fri`, `fri-mon`).
    pub fn parse(s: &str) -> Result<Days, String> {
        let word = s.trim().to_ascii_lowercase();
        match word.as_str() {
            "daily" | "every day" => return Ok(Days::DAILY),
            "weekdays" => return Days::range(Weekday::Mon, Weekday::Fri),
            "weekends" => return Days::range(Weekday::Sat, Weekday::Sun),
            _ => {}
        }
        let result = match word.split_once('-') {
            Some((a, b)) => day(a).and_then(|a| Days::range(a, day(b)?)),
            None => day(&word).map(|d| Days(0).with(d)),
        };
        // Every way it can be wrong says what would be valid.
        result.map_err(|e| format!("{e}; {}", Self::EXPECTED))
    }

    /// Reads a list of day names.
    pub fn from_list(items: &[String]) -> Result<Days, String> {
        if items.is_empty() {
            return Err(format!("the list of days is empty; {}", Self::EXPECTED));
        }
        items.iter().try_fold(Days(0), |days, item| {
            Ok(days.with(day(item).map_err(|e| format!("{e}; {}", Self::EXPECTED))?))
        })
    }

    const EXPECTED: &str = "expected \"daily\", \"weekdays\", \"weekends\", a day such as \
                            \"mon\", a range such as \"mon-fri\", or a list such as [\"mon\", \"thu\"]";

    fn range(from: Weekday, to: Weekday) -> Result<Days, String> {
        let mut days = Days(0).with(from);
        let mut d = from;
        while d != to {
            d = d.succ();
            days = days.with(d);
        }
        Ok(days)
    }
}

fn day(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("`{}` is not a day of the week", s.trim()))
}

/// Parses a duration such as `90m`, `1h 30m`, `45s` or `0`.
pub fn parse_duration(s: &str) -> Result<TimeDelta, String> {
    let bad = || {
        format!(
            "`{s}` is not a duration; expected a number with a unit, such as \"90m\", \"1h 30m\" or \"45s\""
        )
    };
    if s.trim() == "0" {
        return Ok(TimeDelta::zero());
    }
    let std = humantime::parse_duration(s.trim()).map_err(|_| bad())?;
    TimeDelta::from_std(std).map_err(|_| bad())
}

/// The instant of a local wall-clock time in `tz`. A time skipped by a daylight-saving
/// change moves forward to the first minute that exists (02:30 becomes 03:00 on a
/// spring-forward day); a time that happens twice means the first of the two.
pub fn resolve(tz: &Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    let mut t = naive;
    // Gaps are mostly an hour; the largest on record is a whole day (Samoa, 2011-12-30).
    for _ in 0..2 * DAY_MINUTES {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return at;
        }
        t = (t + TimeDelta::minutes(1))
            .with_second(0)
            .expect("0 is a valid second");
    }
    tz.from_utc_datetime(&naive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn windows_parse_and_reject() {
        let w: Window = "09:00-10:30".parse().unwrap();
        assert_eq!((w.start, w.end, w.minutes()), (hm(9, 0), hm(10, 30), 90));
        let single: Window = "7:05".parse().unwrap();
        assert_eq!((single.start, single.minutes()), (hm(7, 5), 0));
        for bad in [
            "25:00",
            "09:60",
            "9",
            "09:00-",
            "nine",
            "09:0",
            "09:00-10:30-11:00",
        ] {
            assert!(bad.parse::<Window>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let quiet: Window = "21:30-08:30".parse().unwrap();
        let cases = [
            (hm(21, 29), false),
            (hm(21, 30), true),
            (hm(23, 59), true),
            (hm(0, 0), true),
            (hm(8, 29), true),
            (hm(8, 30), false),
            (hm(12, 0), false),
        ];
        for (t, inside) in cases {
            assert_eq!(quiet.contains(t), inside, "{t}");
        }
        let day: Window = "09:00-17:00".parse().unwrap();
        assert!(day.contains(hm(9, 0)) && !day.contains(hm(17, 0)));
        let none: Window = "09:00".parse().unwrap();
        assert!(!none.contains(hm(9, 0)));
    }

    #[test]
    fn the_end_of_quiet_hours_after_an_instant() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let quiet: Window = "21:30-08:30".parse().unwrap();
        let at = resolve(
            &tz,
            NaiveDate::from_ymd_opt(2027, 1, 5)
                .unwrap()
                .and_time(hm(2, 0)),
        );
        assert_eq!(
            quiet.end_after(at).naive_local().to_string(),
            "2027-01-05 08:30:00"
        );
        let evening = resolve(
            &tz,
            NaiveDate::from_ymd_opt(2027, 1, 5)
                .unwrap()
                .and_time(hm(22, 0)),
        );
        assert_eq!(
            quiet.end_after(evening).naive_local().to_string(),
            "2027-01-06 08:30:00"
        );
    }

    #[test]
    fn days_forms() {
        use Weekday::*;
        let set = |d: Days| [Mon, Tue, Wed, Thu, Fri, Sat, Sun].map(|w| d.contains(w));
        assert_eq!(set(Days::parse("daily").unwrap()), [true; 7]);
        assert_eq!(
            set(Days::parse("weekdays").unwrap()),
            set(Days::parse("mon-fri").unwrap())
        );
        assert_eq!(
            set(Days::parse("weekends").unwrap()),
            [false, false, false, false, false, true, true]
        );
        assert_eq!(
            set(Days::parse("fri-mon").unwrap()),
            [true, false, false, false, true, true, true]
        );
        assert!(set(Days::parse("Thu").unwrap())[3]);
        let list = Days::from_list(&["mon".into(), "thursday".into()]).unwrap();
        assert_eq!(set(list), [true, false, false, true, false, false, false]);
        assert!(Days::parse("someday").is_err());
        assert!(Days::from_list(&[]).is_err());
        assert!(Days::from_list(&["mon".into(), "funday".into()]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("1h 30m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("0").unwrap(), TimeDelta::zero());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("90").is_err());
    }

    #[test]
    fn resolving_local_times_on_daylight_saving_days() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let at = |y, mo, d, h, mi| {
            resolve(
                &tz,
                NaiveDate::from_ymd_opt(y, mo, d)
                    .unwrap()
                    .and_time(hm(h, mi)),
            )
        };
        // Spring forward: 02:00-03:00 does not exist on 2027-03-28.
        assert_eq!(
            at(2027, 3, 28, 2, 30).to_rfc3339(),
            "2027-03-28T03:00:00+02:00"
        );
        // Fall back: 02:30 happens twice on 2027-10-31; the first is meant.
        assert_eq!(
            at(2027, 10, 31, 2, 30).to_rfc3339(),
            "2027-10-31T02:30:00+02:00"
        );
        assert_eq!(
            at(2027, 7, 1, 9, 0).to_rfc3339(),
            "2027-07-01T09:00:00+02:00"
        );
    }
}
