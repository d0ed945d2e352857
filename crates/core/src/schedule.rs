//! When each schedule rule comes due, before any limit is applied.
//!
//! A rule fires either at a time or a window on some days (`at`/`days`: a window gives a
//! random moment inside it each day, replayable from the seed) or on a cron pattern
//! (`cron`, parsed by croner: 5 fields, or 6 with seconds first; day-of-month and
//! day-of-week are ORed as in classic cron). Due times are computed in the rule's time
//! zone from wall-clock time, so they stay right across daylight-saving changes. Pure.

use std::str::FromStr;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::seed::mix;
use crate::when::{self, Days, Window};

/// What makes a rule come due.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// Once on each matching day, at a time or at a random moment inside a window.
    At { window: Window, days: Days },
    /// On every match of a cron pattern.
    Cron(Box<Cron>),
}

/// How far the search for a next occurrence looks before giving up.
const SEARCH_DAYS: i64 = 400;
/// How far to look for the end of a gap in local time: more than a skipped day.
const SKIPPED_HOURS: i64 = 30;

impl Trigger {
    /// Parses a cron pattern: 5 fields, or 6 with seconds first.
    pub fn cron(pattern: &str) -> Result<Trigger, String> {
        let fields = pattern.split_whitespace().count();
        if !pattern.trim_start().starts_with('@') && !(5..=6).contains(&fields) {
            return Err(format!(
                "`{pattern}` has {fields} fields; expected 5 (minute hour day month weekday, \
                 such as \"0 13 * * *\") or 6 with seconds first (such as \"*/10 * * * * *\")"
            ));
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(pattern).map_err(|e| {
            format!("`{pattern}` is not a valid cron pattern ({e}); expected 5 fields such as \"0 13 * * *\", or 6 with seconds first")
        })?;
        // A pattern that never matches (the 30th of February) is a mistake worth naming.
        // From a fixed moment, so parsing never reads the clock: without years a pattern
        // repeats, so one that ever matches matches within a few years of any start.
        let probe = DateTime::from_timestamp(946_684_800, 0) // 2000-01-01
            .expect("a valid instant")
            .with_timezone(&Tz::UTC);
        cron.find_next_occurrence(&probe, false)
            .map_err(|_| format!("`{pattern}` never comes due"))?;
        Ok(Trigger::Cron(Box::new(cron)))
    }

    /// The first due time strictly after `after`. `salt` makes each rule's random
    /// moments its own; the same salt gives the same moments.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz, salt: u64) -> Option<DateTime<Utc>> {
        match self {
            Trigger::At { window, days } => {
                let local = after.with_timezone(&tz);
                // Start a day early: yesterday's window may reach past midnight.
                let mut date = local.date_naive().pred_opt()?;
                for _ in 0..SEARCH_DAYS {
                    if days.contains(date.weekday()) {
                        let offset = mix(salt, date.num_days_from_ce() as u64)
                            % (u64::from(window.minutes()) + 1);
                        let naive = date.and_time(window.start) + TimeDelta::minutes(offset as i64);
                        let due = when::resolve(&tz, naive).with_timezone(&Utc);
                        if due > after {
                            return Some(due);
                        }
                    }
                    date = date.succ_opt()?;
                }
                None
            }
            Trigger::Cron(cron) => {
                // Whole seconds: croner carries sub-seconds of the start into its result.
                let start = after.with_nanosecond(0)?.with_timezone(&tz);
                let due = match cron.find_next_occurrence(&start, false) {
                    Ok(due) => due,
                    // croner gives up on a match that falls in a gap of more than a couple
                    // of hours (a skipped day, as in Samoa in 2011): nothing matched before
                    // the gap, so search again from its end.
                    Err(_) => cron.find_next_occurrence(&gap_end(start)?, true).ok()?,
                };
                Some(due.with_timezone(&Utc).with_nanosecond(0)?)
            }
        }
    }

    /// The last due time in `(after, before)`, if any.
    pub fn last_between(
        &self,
        after: DateTime<Utc>,
        before: DateTime<Utc>,
        tz: Tz,
        salt: u64,
    ) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Cron(cron) => {
                let end = before.with_timezone(&tz);
                let due = cron.find_previous_occurrence(&end, false).ok()?;
                let due = due.with_timezone(&Utc).with_nanosecond(0)?;
                (due > after && due < before).then_some(due)
            }
            Trigger::At { .. } => {
                // At most one a day: walking forward is cheap.
                let mut last = None;
                let mut t = after;
                while let Some(due) = self.next_after(t, tz, salt).filter(|d| *d < before) {
                    last = Some(due);
                    t = due;
                }
                last
            }
        }
    }
}

/// The first instant after `start` at which the UTC offset changes (the end of the next
/// daylight-saving or calendar gap), to the second.
fn gap_end(start: DateTime<Tz>) -> Option<DateTime<Tz>> {
    use chrono::Offset;
    let tz = start.timezone();
    let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
    let (mut lo, before) = (start.with_timezone(&Utc), start.offset().fix());
    let mut hi = (1..=SKIPPED_HOURS)
        .map(|h| lo + TimeDelta::hours(h))
        .find(|t| offset(*t) != before)?;
    // Whole seconds throughout: offsets change on whole seconds.
    while (hi - lo).num_seconds() > 1 {
        let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
        if offset(mid) == before {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi.with_timezone(&tz))
}

impl FromStr for Trigger {
    type Err = String;

    /// Only the cron form has a single-string spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Trigger::cron(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn series(t: &Trigger, from: &str, tz: &str, n: usize) -> Vec<String> {
        let tz: Tz = tz.parse().unwrap();
        let mut at = utc(from);
        let mut out = Vec::new();
        for _ in 0..n {
            at = t.next_after(at, tz, 42).unwrap();
            out.push(at.with_timezone(&tz).to_rfc3339());
        }
        out
    }

    fn at(window: &str, days: &str) -> Trigger {
        Trigger::At {
            window: window.parse().unwrap(),
            days: Days::parse(days).unwrap(),
        }
    }

    #[test]
    fn cron_daily_0230_across_spring_forward_and_fall_back() {
        let t = Trigger::cron("30 2 * * *").unwrap();
        assert_eq!(
            series(&t, "2027-03-27T00:00:00Z", "Europe/Berlin", 3),
            [
                "2027-03-27T02:30:00+01:00",
                "2027-03-28T03:00:00+02:00",
                "2027-03-29T02:30:00+02:00"
            ]
        );
        assert_eq!(
            series(&t, "2027-10-30T00:00:00Z", "Europe/Berlin", 3),
            [
                "2027-10-30T02:30:00+02:00",
                "2027-10-31T02:30:00+02:00",
                "2027-11-01T02:30:00+01:00"
            ]
        );
    }

    #[test]
    fn at_0230_matches_cron_on_daylight_saving_days() {
        let t = at("02:30", "daily");
        assert_eq!(
            series(&t, "2027-03-27T00:00:00Z", "Europe/Berlin", 3),
            [
                "2027-03-27T02:30:00+01:00",
                "2027-03-28T03:00:00+02:00",
                "2027-03-29T02:30:00+02:00"
            ]
        );
        assert_eq!(
            series(&t, "2027-10-30T00:00:00Z", "Europe/Berlin", 2)[1],
            "2027-10-31T02:30:00+02:00"
        );
    }

    #[test]
    fn cron_forms() {
        let six = Trigger::cron("*/10 * * * * *").unwrap();
        assert_eq!(
            series(&six, "2027-01-01T00:00:03.750Z", "UTC", 2),
            ["2027-01-01T00:00:10+00:00", "2027-01-01T00:00:20+00:00"]
        );
        // Day of month OR day of week, as in classic cron: the 13th, and every Friday.
        let or = Trigger::cron("0 9 13 * fri").unwrap();
        assert_eq!(
            series(&or, "2027-08-10T00:00:00Z", "UTC", 3),
            [
                "2027-08-13T09:00:00+00:00",
                "2027-08-20T09:00:00+00:00",
                "2027-08-27T09:00:00+00:00"
            ]
        );
        let or2 = Trigger::cron("0 9 12 * fri").unwrap();
        assert_eq!(
            series(&or2, "2027-08-10T00:00:00Z", "UTC", 1),
            ["2027-08-12T09:00:00+00:00"]
        );
        for bad in [
            "0 13 * *",
            "61 * * * *",
            "0 0 30 2 *",
            "* * * * * * *",
            "every day",
        ] {
            assert!(Trigger::cron(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn windows_give_one_moment_a_day_inside_them_on_chosen_days() {
        let t = at("09:00-10:30", "mon-fri");
        let days = series(&t, "2027-01-01T00:00:00Z", "UTC", 10);
        for d in &days {
            let dt = DateTime::parse_from_rfc3339(d).unwrap();
            assert!(dt.weekday().number_from_monday() <= 5, "{d}");
            let minutes = dt.hour() * 60 + dt.minute();
            assert!((540..=630).contains(&minutes), "{d}");
        }
        let distinct: std::collections::BTreeSet<_> = days.iter().map(|d| &d[11..16]).collect();
        assert!(distinct.len() > 3, "moments should vary: {days:?}");
        // The same seed gives the same moments.
        assert_eq!(days, series(&t, "2027-01-01T00:00:00Z", "UTC", 10));
    }

    #[test]
    fn a_window_across_midnight_belongs_to_the_day_it_starts() {
        let t = at("23:30-00:30", "sat");
        for d in series(&t, "2027-01-01T00:00:00Z", "UTC", 3) {
            let dt = DateTime::parse_from_rfc3339(&d).unwrap();
            let day = if dt.hour() == 0 {
                dt.weekday().pred()
            } else {
                dt.weekday()
            };
            assert_eq!(day, chrono::Weekday::Sat, "{d}");
        }
    }

    #[test]
    fn last_between() {
        let tz: Tz = "UTC".parse().unwrap();
        let t = Trigger::cron("*/5 * * * *").unwrap();
        let last = t.last_between(
            utc("2027-01-01T21:00:00Z"),
            utc("2027-01-02T08:30:00Z"),
            tz,
            0,
        );
        assert_eq!(last, Some(utc("2027-01-02T08:25:00Z")));
        let daily = at("22:00", "daily");
        let last = daily.last_between(
            utc("2027-01-01T21:00:00Z"),
            utc("2027-01-02T08:30:00Z"),
            tz,
            0,
        );
        assert_eq!(last, Some(utc("2027-01-01T22:00:00Z")));
        assert_eq!(
            daily.last_between(
                utc("2027-01-01T23:00:00Z"),
                utc("2027-01-02T08:30:00Z"),
                tz,
                0
            ),
            None
        );
    }
}
