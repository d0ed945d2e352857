//! Words a person reads in more than one place, said one way: a count by the plural rule
//! a person uses ("1 step", "3 steps"; "once", "twice", "3 times"), and how long a pause
//! lasts. Pure: no clock, no environment.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `n` of a regular noun, as a person says it: "1 step", "0 steps", "3 steps".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How often: "once", "twice", "3 times" (and "0 times", though a sentence with nothing
/// to count is better left out).
pub fn times(n: usize) -> String {
    match n {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// What a pause that ends at `until` is, said in `tz`: "until you resume" for a pause
/// with no end (`history::indefinitely`), else "until Sun 2026-12-06 11:33".
pub fn paused_until(until: DateTime<Utc>, tz: &Tz) -> String {
    if until >= crate::history::indefinitely() {
        "until you resume".to_owned()
    } else {
        format!(
            "until {}",
            until.with_timezone(tz).format("%a %Y-%m-%d %H:%M")
        )
    }
}

/// The line `status` and `next` show while every prompt is paused.
pub fn pause_line(until: DateTime<Utc>, tz: &Tz) -> String {
    if until >= crate::history::indefinitely() {
        "Prompts are paused until you resume; `closer resume` brings them back when you're ready."
            .to_owned()
    } else {
        format!(
            "Prompts are paused {}; `closer resume` ends the pause sooner.",
            paused_until(until, tz)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_a_person_says_them() {
        for (n, noun, said) in [
            (0, "step", "0 steps"),
            (1, "step", "1 step"),
            (2, "rung", "2 rungs"),
            (3, "schedule rule", "3 schedule rules"),
        ] {
            assert_eq!(count(n, noun), said);
        }
        for (n, said) in [(0, "0 times"), (1, "once"), (2, "twice"), (7, "7 times")] {
            assert_eq!(times(n), said);
        }
    }

    #[test]
    fn a_pause_is_said_as_its_end_or_as_until_you_resume() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let at: DateTime<Utc> = "2026-12-06T11:33:27.136673437Z".parse().unwrap();
        assert_eq!(paused_until(at, &tz), "until Sun 2026-12-06 12:33");
        assert_eq!(
            paused_until(crate::history::indefinitely(), &tz),
            "until you resume"
        );
        assert_eq!(
            pause_line(at, &tz),
            "Prompts are paused until Sun 2026-12-06 12:33; `closer resume` ends the pause sooner."
        );
    }
}
