//! The report's words: the sentences at the top of the page and the two or three lines of
//! the weekly summary notification (which name no ladder and no prompt). Pure.

use super::facts::{Facts, LadderFacts};
use super::{ReportInput, capitalized};
use crate::say::count;

/// Two or three short lines (each under 90 characters) for the weekly summary
/// notification, over the same window as the report (the daemon passes `days: 7`). They
/// name no ladder and no prompt, so they suit a discreet notification.
pub fn summary_lines(input: &ReportInput) -> Vec<String> {
    let f = Facts::digest(input);
    let during = f.during();
    let t = &f.totals;
    if f.answers.is_empty() {
        return vec![
            format!("Nothing answered {during}, and that is fine."),
            "The next small step is there when you're ready.".to_owned(),
        ];
    }
    let mut lines = Vec::new();
    lines.push(if t.taken() > 0 {
        let felt = match t.hard {
            0 => String::new(),
            h if h == t.taken() && h == 1 => ", and it felt hard".to_owned(),
            h if h == t.taken() => ", and all of them felt hard".to_owned(),
            h => format!("; {h} felt hard"),
        };
        format!(
            "{} you took {}{felt}.",
            capitalized(&during),
            count(t.taken(), "step")
        )
    } else {
        format!(
            "{} you skipped {}, and that is fine.",
            capitalized(&during),
            count(t.skipped, "step")
        )
    });
    let climbed = t.climbed;
    match (climbed, t.skipped > 0 && t.taken() > 0) {
        (0, false) => {}
        (0, true) => lines.push(format!(
            "You skipped {}; skipped steps are part of it.",
            t.skipped
        )),
        (c, false) => lines.push(format!("You climbed {}.", count(c, "rung"))),
        (c, true) => lines.push(format!(
            "You climbed {} and skipped {}; skipped steps are part of it.",
            count(c, "rung"),
            t.skipped
        )),
    }
    let s = &f.setbacks;
    if s.count > 0 && s.recovered == s.count {
        lines.push(format!(
            "Each time a step was hard or skipped, you took another {}.",
            within(s.longest)
        ));
    } else if s.count > 0 {
        lines.push("After a hard or skipped step, the next one is there when you're ready.".into());
    }
    if lines.len() < 2 {
        lines.push("`closer report` draws a picture of the last weeks.".into());
    }
    lines.truncate(3);
    lines
}

/// The sentences at the top of the report.
pub(super) fn summary_sentences(f: &Facts) -> Vec<String> {
    let t = &f.totals;
    let during = f.during();
    let mut out = Vec::new();
    if t.taken() > 0 {
        let felt = match t.hard {
            0 => ".".to_owned(),
            h if h == t.taken() && h == 1 => ", and it felt hard.".to_owned(),
            h if h == t.taken() => ", and all of them felt hard.".to_owned(),
            h => format!("; {h} of them felt hard."),
        };
        out.push(format!(
            "You took {} {during}{felt}",
            count(t.taken(), "step")
        ));
        if t.skipped > 0 {
            out.push(format!(
                "You skipped {}, and skipped steps are part of it.",
                t.skipped
            ));
        }
    } else {
        out.push(format!(
            "{} you skipped {}. Skipped steps are part of it.",
            capitalized(&during),
            count(t.skipped, "step")
        ));
    }
    let up: Vec<String> = f
        .ladders
        .iter()
        .filter(|l| l.totals.climbed > 0)
        .map(LadderFacts::named)
        .collect();
    if t.climbed > 0 {
        out.push(format!(
            "You climbed {} on {}.",
            count(t.climbed, "rung"),
            names(&up)
        ));
    } else if t.taken() > 0 {
        out.push(
            "No ladder moved up in this time; repeating a step is part of the practice.".into(),
        );
    }
    if t.back > 0 {
        out.push(format!(
            "Along the way a ladder stepped back {}, to make the next step smaller.",
            count(t.back, "rung")
        ));
    }
    let s = &f.setbacks;
    if s.count > 0 && s.recovered == s.count {
        out.push(format!(
            "Each time a step was hard or skipped, you took another {}.",
            within(s.longest)
        ));
    } else if s.recovered > 0 {
        out.push(format!(
            "Hard and skipped steps came and passed: each time you took another {}. After the \
             latest, the next step is there when you're ready.",
            within(s.longest)
        ));
    } else if s.count > 0 {
        out.push(
            "Setbacks are a normal part of this; the next step is there when you're ready.".into(),
        );
    }
    out
}

/// "the same day", "by the next day", "within 3 days".
fn within(days: i64) -> String {
    match days {
        0 => "the same day".to_owned(),
        1 => "by the next day".to_owned(),
        d => format!("within {d} days"),
    }
}

fn names(ladders: &[String]) -> String {
    let words: Vec<&str> = ladders.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => format!("the {one} ladder"),
        [init @ .., last] => format!("the {} and {last} ladders", init.join(", ")),
    }
}
