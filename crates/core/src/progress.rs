//! Ladder progression: where each ladder stands, and when it moves. Pure: the caller
//! reads the journal and records the moves.
//!
//! The rules read an answer against the step that was tried (inhibitory learning):
//! progress comes from doing the step and learning that what was feared did not happen,
//! not from the fear vanishing. Each rung predicts a distress (the content's, or the
//! person's own rating); feeling that much is expected, not a warning sign.
//!
//! - **Up** once the step was done on two different days, each time no harder than the
//!   rung predicts or with what was feared not happening ("It was hard" is done: approach
//!   earns credit).
//! - **Back** only on *escalation*: "Too much", or a distress clearly above the rung's
//!   ([`CLEARLY_ABOVE`] and at least [`VERY_HIGH`]) — or two skips in a row. A step done
//!   where what was feared did not happen is never a step back, whatever it cost.
//! - **Hold** otherwise; after [`HOLD_BOUND`] answers without moving, a gentler way in is
//!   offered. "No chance yet" (the occasion did not come) neither holds nor moves.
//! - More than [`AWAY`] without an answer restarts a ladder one rung lower.
//! - Steps pause after escalation three times in a row ([`pause_reason`]).
//!
//! Every move and hold carries a line the person reads in `closer status`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::content::{Event, Ladder};
use crate::model::{AnswerKind, Cause, Distress, Happened};

/// More than this long without an answer restarts a ladder one rung lower.
pub const AWAY: TimeDelta = TimeDelta::days(14);
/// A finished rung comes back for review this many days after it was left: about 1, 2
/// and 4 weeks.
pub const REVIEW_DAYS: [i64; 3] = [7, 14, 28];
/// A distress this far above what the rung predicts is more than the step should cost…
pub const CLEARLY_ABOVE: f32 = 2.0;
/// …when it is also at least this high.
pub const VERY_HIGH: u8 = 8;
/// After this many answers at one rung without a move, a gentler way in is offered.
pub const HOLD_BOUND: usize = 4;
/// Escalation this many times in a row pauses steps.
pub const PAUSE_AFTER: usize = 3;
/// A step answered "No chance yet" stays open this long for the occasion to come.
pub const OCCASION_OPEN: TimeDelta = TimeDelta::days(7);

/// The steps (their sent ids) still open for an occasion at `now`: answered "No chance
/// yet" within [`OCCASION_OPEN`], and not answered otherwise since. `answers` oldest
/// first, as the history keeps them.
pub fn open_for_an_occasion(answers: &[StepAnswer], now: DateTime<Utc>) -> Vec<i64> {
    let mut open: Vec<i64> = Vec::new();
    for a in answers {
        if a.kind == AnswerKind::NoChance && now - a.at <= OCCASION_OPEN {
            if !open.contains(&a.sent_id) {
                open.push(a.sent_id);
            }
        } else if a.kind.counts() {
            open.retain(|id| *id != a.sent_id);
        }
    }
    open
}

/// An answer to a step, with the step's place.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAnswer {
    /// The prompt it answers (the journal's sent id).
    pub sent_id: i64,
    pub at: DateTime<Utc>,
    pub ladder: Ladder,
    pub rung: u8,
    pub kind: AnswerKind,
    pub distress: Option<Distress>,
    pub happened: Option<Happened>,
    /// Marked when recorded: "Too much", or a distress far above the step's (see
    /// [`too_much`]).
    pub too_much: bool,
}

impl StepAnswer {
    /// The distress the rules read: as given, or what the answer implies against the
    /// rung when none was given — "Did it" as much as the rung predicts, "It was hard"
    /// a point more.
    pub fn felt(&self, expected: f32) -> u8 {
        self.distress
            .map_or_else(|| assumed(self.kind, expected), Distress::get)
    }

    /// More than the step should cost: a step back, and one of three toward a pause.
    /// Never a step done where what was feared did not happen.
    pub fn escalation(&self) -> bool {
        self.too_much && !self.fear_disproved()
    }

    /// Done, and what was feared did not happen: the learning the ladder is for.
    pub fn fear_disproved(&self) -> bool {
        self.kind.done() && self.happened == Some(Happened::No)
    }

    /// Counts toward moving up: done, not escalation, not what was feared happening, and
    /// either no harder than the rung predicts or with what was feared not happening.
    pub fn credited(&self, expected: f32) -> bool {
        self.kind.done()
            && !self.escalation()
            && self.happened != Some(Happened::Yes)
            && (self.fear_disproved() || within(self.felt(expected), expected))
    }

    /// The events a message can answer, for this answer: done, hard or skip; "too much";
    /// what was feared happened, partly happened, or did not; and, as the caller knows
    /// them, a real step back (`rung_down`) or a real restart lower (`returned`).
    pub fn events(&self, rung_down: bool, returned: bool) -> Vec<Event> {
        let mut events = Vec::new();
        match self.kind {
            AnswerKind::Done => events.push(Event::Done),
            AnswerKind::Hard => events.push(Event::Hard),
            AnswerKind::Skip => events.push(Event::Skip),
            AnswerKind::Snooze | AnswerKind::NoChance => {}
        }
        if self.escalation() {
            events.push(Event::TooMuch);
        }
        if self.kind.done() {
            match self.happened {
                Some(Happened::Yes) => events.push(Event::FearedHappened),
                Some(Happened::Partly) => events.push(Event::FearedPartly),
                Some(Happened::No) => events.push(Event::FearedDidNotHappen),
                None => {}
            }
        }
        if rung_down {
            events.push(Event::RungDown);
        }
        if returned {
            events.push(Event::Return);
        }
        events
    }
}

/// The distress an answer given without one stands for, against a rung that predicts
/// `expected`: "Did it" as predicted, "It was hard" a point more, and never as low as
/// [`MANAGEABLE`] (hard is hard on any rung).
pub fn assumed(kind: AnswerKind, expected: f32) -> u8 {
    let predicted = rounded(expected);
    match kind {
        AnswerKind::Hard => predicted.saturating_add(1).clamp(MANAGEABLE + 1, 10),
        _ => predicted,
    }
}

/// A distress this low is manageable on any rung, whatever it predicts.
pub const MANAGEABLE: u8 = 3;

/// Whether `distress` is no more than a rung predicting `expected` should cost: at or
/// below its figure, or [`MANAGEABLE`] on any rung.
pub fn within(distress: u8, expected: f32) -> bool {
    distress <= MANAGEABLE || f32::from(distress) <= expected + 0.5
}

/// Whether an answer is more than its step should cost, as recorded: the person said
/// "Too much", or the distress they gave is [`CLEARLY_ABOVE`] the rung's and at least
/// [`VERY_HIGH`]. Never an answer where the step was done and what was feared did not
/// happen.
pub fn too_much(
    kind: AnswerKind,
    distress: Option<Distress>,
    happened: Option<Happened>,
    said_too_much: bool,
    expected: f32,
) -> bool {
    let disproved = kind.done() && happened == Some(Happened::No);
    let far_above =
        distress.is_some_and(|d| d.get() >= VERY_HIGH && f32::from(d) >= expected + CLEARLY_ABOVE);
    kind.done() && !disproved && (said_too_much || far_above)
}

fn rounded(expected: f32) -> u8 {
    expected.round().clamp(0.0, 10.0) as u8
}

/// Where a ladder stands, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub rung: u8,
    pub reason: String,
    /// When it got there; None for a ladder that never moved.
    pub since: Option<DateTime<Utc>>,
}

impl Standing {
    pub fn start() -> Standing {
        Standing {
            rung: 1,
            reason: "starting at the first rung".into(),
            since: None,
        }
    }
}

/// A change of rung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub ladder: Ladder,
    pub from: u8,
    pub to: u8,
    pub cause: Cause,
    pub reason: String,
}

/// What the answers at a rung say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Move(Move),
    /// Stay, for this reason.
    Hold(String),
}

impl Decision {
    /// The line the person reads.
    pub fn reason(&self) -> &str {
        match self {
            Decision::Move(m) => &m.reason,
            Decision::Hold(why) => why,
        }
    }
}

/// Decides from `answers` — those given on `ladder` at its current rung since it got
/// there, oldest first, snoozes left out — whether it moves. `top` is its highest rung;
/// `expected` the distress its current rung predicts.
pub fn decide(
    ladder: Ladder,
    standing: &Standing,
    answers: &[StepAnswer],
    top: u8,
    expected: f32,
    tz: Tz,
) -> Decision {
    let rung = standing.rung;
    let counted: Vec<&StepAnswer> = answers.iter().filter(|a| a.kind.counts()).collect();
    let Some(&last) = counted.last() else {
        return Decision::Hold(standing.reason.clone());
    };
    let to = |to: u8, cause: Cause, reason: String| {
        Decision::Move(Move {
            ladder,
            from: rung,
            to,
            cause,
            reason,
        })
    };

    // Back: escalation, or not today twice in a row.
    let two_skips = counted.len() >= 2
        && counted[counted.len() - 2..]
            .iter()
            .all(|a| a.kind == AnswerKind::Skip);
    let back = if last.escalation() {
        Some(match last.distress {
            Some(d) if f32::from(d) >= expected + CLEARLY_ABOVE => format!(
                "that step felt far harder ({d} of 10) than this rung usually does (about {})",
                rounded(expected)
            ),
            _ => "that step was too much".to_owned(),
        })
    } else if two_skips {
        Some("not today, twice in a row".to_owned())
    } else {
        None
    };
    if let Some(why) = back {
        return if rung > 1 {
            to(
                rung - 1,
                Cause::Back,
                format!("back to rung {}: {why}; a smaller step first", rung - 1),
            )
        } else {
            Decision::Hold(format!(
                "staying on rung 1: {why}; take all the time you need"
            ))
        };
    }

    // Up: done on two days, each no harder than predicted or with the fear disproved.
    let credited: Vec<&StepAnswer> = counted
        .iter()
        .copied()
        .filter(|a| a.credited(expected))
        .collect();
    let days: BTreeSet<_> = credited
        .iter()
        .map(|a| a.at.with_timezone(&tz).date_naive())
        .collect();
    if last.credited(expected) && days.len() >= 2 {
        let why = if credited.iter().any(|a| a.fear_disproved()) {
            format!(
                "done on {} days, and what you feared did not happen",
                days.len()
            )
        } else {
            format!(
                "done on {} days, no harder than this rung usually feels",
                days.len()
            )
        };
        return if rung < top {
            to(
                rung + 1,
                Cause::Up,
                format!("up to rung {}: {why}", rung + 1),
            )
        } else {
            Decision::Hold(format!(
                "at the top of the ladder: {why}; finished rungs come back now and then"
            ))
        };
    }

    // Hold, saying what would move it.
    let why = if last.credited(expected) {
        "done on one day so far; done on another day, it moves up".to_owned()
    } else if last.kind == AnswerKind::Skip {
        "not today last time, which is fine; the step waits for you".to_owned()
    } else if last.happened == Some(Happened::Yes) {
        "what you feared happened last time; the step waits until it feels steadier".to_owned()
    } else if last.distress.is_none() {
        "it was hard, and doing it counts; it moves up when what you feared does not \
         happen, or when it feels closer to what this rung usually costs"
            .to_owned()
    } else {
        format!(
            "it felt harder ({} of 10) than this rung usually does (about {}); it moves up \
             when what you feared does not happen, or when it feels closer to that",
            last.felt(expected),
            rounded(expected)
        )
    };
    Decision::Hold(format!("staying on rung {rung}: {why}"))
}

/// Whether a gentler way in is due: [`HOLD_BOUND`] answers or more at the current rung
/// (`answers`, as [`decide`] takes them) without a move. "No chance yet" is not counted.
pub fn gentler_path_due(answers: &[StepAnswer]) -> bool {
    answers.iter().filter(|a| a.kind.counts()).count() >= HOLD_BOUND
}

/// A ladder nobody answered on for more than [`AWAY`] restarts one rung lower. `last` is
/// the latest answer or move on it.
pub fn after_a_break(
    ladder: Ladder,
    standing: &Standing,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Move> {
    let last = last?;
    let away = now - last;
    (away > AWAY && standing.rung > 1).then(|| Move {
        ladder,
        from: standing.rung,
        to: standing.rung - 1,
        cause: Cause::Restart,
        reason: format!(
            "back to rung {} after {} days away; a gentler start",
            standing.rung - 1,
            away.num_days()
        ),
    })
}

/// Why steps should pause after `answers` (every step answer since steps last resumed,
/// oldest first, snoozes left out), if they should: the last [`PAUSE_AFTER`] answers
/// ("no chance yet" aside) were each more than the step should cost. A step done where
/// what was feared did not happen is never one of them.
pub fn pause_reason(answers: &[StepAnswer]) -> Option<&'static str> {
    let last: Vec<&StepAnswer> = answers
        .iter()
        .rev()
        .filter(|a| a.kind.counts())
        .take(PAUSE_AFTER)
        .collect();
    (last.len() == PAUSE_AFTER && last.iter().all(|a| a.escalation()))
        .then_some("three steps in a row were too much")
}

/// How a step went, said from the terminal with `--felt`: easier, about or harder than
/// feared after "Did it"; hard but OK after "It was hard"; too much after either. Each
/// stands for a distress against the rung's and, where it says so, whether what was
/// feared happened:
///
/// | felt | after | distress | feared outcome happened |
/// |---|---|---|---|
/// | easier than I feared | done | 2 below the rung's | no |
/// | about as I feared | done | the rung's | no |
/// | harder than I feared | done | 1 above the rung's | not said |
/// | hard but OK | hard | the rung's | not said |
/// | too much | done or hard | none: marked too much | not said |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Felt {
    Easier,
    About,
    Harder,
    Ok,
    TooMuch,
}

impl Felt {
    pub const ALL: &'static [Felt] = &[
        Felt::Easier,
        Felt::About,
        Felt::Harder,
        Felt::Ok,
        Felt::TooMuch,
    ];

    /// The word for it on the command line (`--felt`) and in action keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Felt::Easier => "easier",
            Felt::About => "about",
            Felt::Harder => "harder",
            Felt::Ok => "ok",
            Felt::TooMuch => "too-much",
        }
    }

    /// The words for it.
    pub fn label(self) -> &'static str {
        match self {
            Felt::Easier => "Easier than I feared",
            Felt::About => "About as I feared",
            Felt::Harder => "Harder than I feared",
            Felt::Ok => "Hard but OK",
            Felt::TooMuch => "Too much",
        }
    }

    /// Whether it can follow an answer of `kind`.
    pub fn follows(self, kind: AnswerKind) -> bool {
        match self {
            Felt::Easier | Felt::About | Felt::Harder => kind == AnswerKind::Done,
            Felt::Ok => kind == AnswerKind::Hard,
            Felt::TooMuch => kind.done(),
        }
    }

    /// The choices after `kind` (none after a skip, a snooze or "no chance yet").
    pub fn after(kind: AnswerKind) -> Vec<Felt> {
        Felt::ALL
            .iter()
            .copied()
            .filter(|f| f.follows(kind))
            .collect()
    }

    /// The distress it stands for, on a rung that predicts `expected`: none for "Too
    /// much", which is a word, not a rating (the answer is marked too much instead).
    pub fn distress(self, expected: f32) -> Option<Distress> {
        let predicted = rounded(expected);
        let n = match self {
            Felt::Easier => predicted.saturating_sub(2),
            Felt::About | Felt::Ok => predicted,
            Felt::Harder => predicted.saturating_add(1),
            Felt::TooMuch => return None,
        };
        Some(Distress::at_most_max(n))
    }

    /// Whether the feared outcome happened, where the choice says so: easier or about as
    /// feared is read as "it did not", unless the person says it did. "Harder than I
    /// feared" is a feeling, never "it happened".
    pub fn happened(self) -> Option<Happened> {
        match self {
            Felt::Easier | Felt::About => Some(Happened::No),
            _ => None,
        }
    }
}

/// The person's own evidence, for a kind message after a skip or a hard step: the
/// latest step they did where they said what they feared did not happen, named, with
/// its day as a person says it ("yesterday", "on Monday"). None after an answer where
/// what was feared happened or that was too much (evidence then would argue with the
/// pain), and when they never said so: nothing is ever made up. `title` names a step by
/// the prompt it answered.
pub fn evidence(
    answers: &[StepAnswer],
    title: impl Fn(i64) -> Option<String>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<String> {
    let latest = answers.iter().rev().find(|a| a.kind.counts())?;
    if latest.escalation() || latest.happened == Some(Happened::Yes) {
        return None;
    }
    let a = answers.iter().rev().find(|a| a.fear_disproved())?;
    let step =
        title(a.sent_id).map_or_else(|| "a step".to_owned(), |t| format!("\u{201c}{t}\u{201d}"));
    let day = day_words(a.at, now, tz);
    let mut line = format!("{day} you did {step}, and what you feared did not happen.");
    // A sentence starts with a capital.
    if let Some(first) = line.get(..1) {
        line.replace_range(..1, &first.to_uppercase());
    }
    Some(line)
}

/// A day as a person says it, from `now`: "today", "yesterday", "on Monday" within the
/// week, "on 3 December" before that (with the year when it is another year).
pub fn day_words(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    let day = at.with_timezone(&tz).date_naive();
    let today = now.with_timezone(&tz).date_naive();
    match (today - day).num_days() {
        0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        2..=6 => format!("on {}", day.format("%A")),
        _ if day.year() == today.year() => format!("on {}", day.format("%-d %B")),
        _ => format!("on {}", day.format("%-d %B %Y")),
    }
}

/// A finished rung due for a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Review {
    pub due: DateTime<Utc>,
    pub ladder: Ladder,
    pub rung: u8,
}

/// The reviews of finished rungs: for each advance from a rung at time T, one at T plus
/// each of [`REVIEW_DAYS`]. `reviewed` says whether that rung's step was sent at or after
/// a time (so a review counts once).
pub fn reviews(
    advances: &[(DateTime<Utc>, Ladder, u8)],
    reviewed: impl Fn(Ladder, u8, DateTime<Utc>) -> bool,
) -> Vec<Review> {
    let mut out: Vec<Review> = advances
        .iter()
        .flat_map(|&(at, ladder, rung)| {
            REVIEW_DAYS.iter().map(move |d| Review {
                due: at + TimeDelta::days(*d),
                ladder,
                rung,
            })
        })
        .filter(|r| !reviewed(r.ladder, r.rung, r.due))
        .collect();
    out.sort();
    out
}

/// The standing of every ladder from the moves so far, oldest first.
pub fn standings(moves: &[(DateTime<Utc>, Move)]) -> BTreeMap<Ladder, Standing> {
    let mut out = BTreeMap::new();
    for (at, m) in moves {
        out.insert(
            m.ladder,
            Standing {
                rung: m.to,
                reason: m.reason.clone(),
                since: Some(*at),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnswerKind::*;
    use Happened::{No, Partly, Yes};

    const TZ: Tz = chrono_tz::UTC;

    fn day(d: u32, h: u32) -> DateTime<Utc> {
        format!("2027-02-{d:02}T{h:02}:00:00Z").parse().unwrap()
    }

    /// An answer at rung 3 of the emotional ladder: (day, kind, distress, happened,
    /// too much).
    type Given = (u32, AnswerKind, Option<u8>, Option<Happened>, bool);

    fn answers(list: &[Given]) -> Vec<StepAnswer> {
        list.iter()
            .enumerate()
            .map(|(i, &(d, kind, distress, happened, too_much))| StepAnswer {
                sent_id: i as i64 + 1,
                at: day(d, 10),
                ladder: Ladder::Emotional,
                rung: 3,
                kind,
                distress: distress.and_then(Distress::new),
                happened,
                too_much,
            })
            .collect()
    }

    fn on(rung: u8, expected: f32, list: &[Given]) -> String {
        let standing = Standing {
            rung,
            reason: "r".into(),
            since: Some(day(1, 0)),
        };
        match decide(
            Ladder::Emotional,
            &standing,
            &answers(list),
            12,
            expected,
            TZ,
        ) {
            Decision::Move(m) => format!("{}->{}: {}", m.from, m.to, m.reason),
            Decision::Hold(why) => why,
        }
    }

    /// Rung 3, which predicts a distress of 3.
    fn decision(list: &[Given]) -> String {
        on(3, 3.0, list)
    }

    #[test]
    fn the_rules_over_sequences_of_answers() {
        let table: &[(&[Given], &str)] = &[
            (&[], "r"),
            (
                &[(2, Done, None, None, false)],
                "staying on rung 3: done on one day so far",
            ),
            (
                &[
                    (2, Done, Some(2), None, false),
                    (2, Done, Some(2), None, false),
                ],
                "staying on rung 3: done on one day so far",
            ),
            (
                &[
                    (2, Done, Some(2), None, false),
                    (3, Done, Some(3), None, false),
                ],
                "3->4: up to rung 4: done on 2 days, no harder than this rung usually feels",
            ),
            (
                &[(2, Done, None, None, false), (5, Done, None, None, false)],
                "3->4: up to rung 4: done on 2 days",
            ),
            // Above the rung's distress, and nothing said of the fear: not yet.
            (
                &[
                    (2, Done, Some(6), None, false),
                    (3, Done, Some(5), None, false),
                ],
                "staying on rung 3: it felt harder (5 of 10) than this rung usually does (about 3)",
            ),
            // What was feared did not happen: that is the learning, whatever it cost.
            (
                &[
                    (2, Done, Some(7), Some(No), false),
                    (3, Done, Some(7), Some(No), false),
                ],
                "3->4: up to rung 4: done on 2 days, and what you feared did not happen",
            ),
            // "It was hard" is done; with the fear disproved it counts.
            (
                &[
                    (2, Hard, None, Some(No), false),
                    (4, Hard, None, Some(No), false),
                ],
                "3->4: up to rung 4: done on 2 days, and what you feared did not happen",
            ),
            (
                &[(2, Hard, None, None, false)],
                "staying on rung 3: it was hard, and doing it counts",
            ),
            // Hard, and never escalation: no step back.
            (
                &[(2, Hard, None, None, false), (3, Hard, None, None, false)],
                "staying on rung 3: it was hard",
            ),
            // Hard but OK (the rung's own distress) counts as done.
            (
                &[
                    (2, Hard, Some(3), None, false),
                    (3, Hard, Some(3), None, false),
                ],
                "3->4: up to rung 4",
            ),
            (
                &[(2, Done, Some(3), Some(Yes), false)],
                "staying on rung 3: what you feared happened last time",
            ),
            (
                &[
                    (2, Done, Some(3), Some(Yes), false),
                    (3, Done, Some(3), None, false),
                ],
                "staying on rung 3: done on one day so far",
            ),
            (
                &[
                    (2, Done, Some(3), Some(Partly), false),
                    (3, Done, Some(2), Some(Partly), false),
                ],
                "3->4: up to rung 4: done on 2 days, no harder",
            ),
            (
                &[(2, Hard, Some(9), None, true)],
                "3->2: back to rung 2: that step felt far harder (9 of 10) than this rung usually does (about 3); a smaller step first",
            ),
            (
                &[(2, Hard, None, None, true)],
                "3->2: back to rung 2: that step was too much; a smaller step first",
            ),
            // Too much with the fear disproved is not a step back.
            (&[(2, Hard, Some(9), Some(No), true)], "staying on rung 3"),
            (
                &[(2, Skip, None, None, false)],
                "staying on rung 3: not today last time, which is fine",
            ),
            (
                &[(2, Skip, None, None, false), (3, Skip, None, None, false)],
                "3->2: back to rung 2: not today, twice in a row",
            ),
            // "No chance yet" is neither: it does not break a pair of days or skips.
            (
                &[
                    (2, Skip, None, None, false),
                    (3, NoChance, None, None, false),
                    (4, Skip, None, None, false),
                ],
                "3->2: back to rung 2: not today, twice in a row",
            ),
            (
                &[
                    (2, Done, None, None, false),
                    (3, NoChance, None, None, false),
                    (4, Done, None, None, false),
                ],
                "3->4: up to rung 4",
            ),
            (
                &[
                    (2, NoChance, None, None, false),
                    (3, NoChance, None, None, false),
                ],
                "r",
            ),
            (
                &[
                    (2, Done, Some(2), None, false),
                    (3, Skip, None, None, false),
                ],
                "staying on rung 3: not today last time",
            ),
        ];
        for (list, expected) in table {
            let got = decision(list);
            assert!(
                got.starts_with(expected),
                "{list:?}\n  got:      {got}\n  expected: {expected}…"
            );
        }
    }

    #[test]
    fn success_on_a_hard_rung_is_never_read_as_a_crisis() {
        // Rung 12 predicts 8.5: three answers of 8 where nothing feared happened move
        // nothing back, and pause nothing.
        let list = [
            (2, Done, Some(8), Some(No), false),
            (3, Done, Some(8), Some(No), false),
            (4, Done, Some(8), Some(No), false),
        ];
        assert!(on(12, 8.5, &list).starts_with("at the top of the ladder"));
        assert_eq!(pause_reason(&answers(&list)), None);
        // Even with no word on the fear, 9 is not far above 8.5.
        assert!(!too_much(Done, Distress::new(9), None, false, 8.5));
        assert!(!too_much(Done, Distress::new(10), None, false, 8.5));
        // On a rung that predicts 5, a 9 is.
        assert!(too_much(Done, Distress::new(9), None, false, 5.0));
        assert!(!too_much(Done, Distress::new(9), Some(No), true, 5.0));
        assert!(too_much(Hard, None, None, true, 8.5));
    }

    #[test]
    fn the_first_rung_and_the_top_do_not_move_further() {
        let too_much = [(2, Hard, None, None, true)];
        assert!(on(1, 1.0, &too_much).starts_with("staying on rung 1: that step was too much"));
        let easy = [
            (2, Done, Some(1), None, false),
            (3, Done, Some(1), None, false),
        ];
        assert!(on(12, 8.5, &easy).starts_with("at the top"));
    }

    #[test]
    fn different_days_are_local_days() {
        // 23:30 and 00:30 UTC are one day in New York.
        let tz: Tz = "America/New_York".parse().unwrap();
        let mut list = answers(&[
            (2, Done, Some(1), None, false),
            (3, Done, Some(1), None, false),
        ]);
        list[0].at = "2027-02-02T23:30:00Z".parse().unwrap();
        list[1].at = "2027-02-03T00:30:00Z".parse().unwrap();
        let standing = Standing {
            rung: 3,
            reason: "r".into(),
            since: None,
        };
        assert!(matches!(
            decide(Ladder::Emotional, &standing, &list, 12, 3.0, tz),
            Decision::Hold(_)
        ));
        assert!(matches!(
            decide(Ladder::Emotional, &standing, &list, 12, 3.0, TZ),
            Decision::Move(_)
        ));
    }

    #[test]
    fn a_long_break_restarts_one_rung_lower() {
        let standing = Standing {
            rung: 4,
            reason: "r".into(),
            since: Some(day(1, 0)),
        };
        assert_eq!(
            after_a_break(Ladder::Emotional, &standing, Some(day(1, 0)), day(14, 0)),
            None
        );
        let m = after_a_break(Ladder::Emotional, &standing, Some(day(1, 0)), day(16, 0)).unwrap();
        assert_eq!((m.from, m.to, m.cause), (4, 3, Cause::Restart));
        assert!(m.reason.contains("after 15 days away"), "{}", m.reason);
        assert_eq!(
            after_a_break(
                Ladder::Emotional,
                &Standing::start(),
                Some(day(1, 0)),
                day(28, 0)
            ),
            None
        );
    }

    #[test]
    fn steps_pause_after_escalation_three_times_in_a_row() {
        let too_much = (1, Hard, None, None, true);
        let hard = (1, Hard, None, None, false);
        let table: &[(&[Given], Option<&str>)] = &[
            (&[], None),
            (&[too_much, too_much], None),
            (
                &[too_much, too_much, too_much],
                Some("three steps in a row were too much"),
            ),
            // "No chance yet" neither breaks the row nor adds to it.
            (
                &[
                    too_much,
                    (2, NoChance, None, None, false),
                    too_much,
                    too_much,
                ],
                Some("three steps in a row were too much"),
            ),
            // Anything else between breaks the row.
            (&[too_much, hard, too_much, too_much], None),
            (&[too_much, too_much, hard], None),
            (&[hard, hard, hard, hard, hard, hard], None),
            // Too much, but what was feared did not happen: not escalation.
            (
                &[too_much, too_much, (2, Done, Some(9), Some(No), true)],
                None,
            ),
        ];
        for (list, expected) in table {
            assert_eq!(pause_reason(&answers(list)), *expected, "{list:?}");
        }
    }

    #[test]
    fn each_felt_stands_for_a_distress_against_the_rung() {
        let table = [
            (Felt::Easier, 5.0, Some(3), Some(No)),
            (Felt::About, 5.0, Some(5), Some(No)),
            (Felt::Harder, 5.0, Some(6), None),
            (Felt::Ok, 5.0, Some(5), None),
            (Felt::TooMuch, 5.0, None, None),
            (Felt::Harder, 10.0, Some(10), None),
            (Felt::Easier, 1.0, Some(0), Some(No)),
        ];
        for (felt, expected, distress, happened) in table {
            assert_eq!(
                felt.distress(expected).map(Distress::get),
                distress,
                "{felt:?} at {expected}"
            );
            assert_eq!(felt.happened(), happened, "{felt:?}");
        }
        assert_eq!(
            Felt::after(Done),
            [Felt::Easier, Felt::About, Felt::Harder, Felt::TooMuch]
        );
        assert_eq!(Felt::after(Hard), [Felt::Ok, Felt::TooMuch]);
        assert!(Felt::after(Skip).is_empty());
        assert!(Felt::after(NoChance).is_empty());
    }

    #[test]
    fn evidence_is_the_persons_own_named_and_dated_as_they_would_say_it() {
        let title = |id: i64| Some(format!("Step {id}"));
        let now = day(10, 18);
        assert_eq!(evidence(&[], title, now, TZ), None);
        // Nothing disproved yet: nothing to say.
        let none = answers(&[
            (2, Done, Some(2), None, false),
            (3, Done, Some(6), Some(Yes), false),
            (4, Skip, None, None, false),
        ]);
        assert_eq!(evidence(&none, title, now, TZ), None);
        let mut some = answers(&[
            (4, Done, Some(3), Some(No), false),
            (9, Skip, None, None, false),
        ]);
        assert_eq!(
            evidence(&some, title, now, TZ).unwrap(),
            "On Thursday you did \u{201c}Step 1\u{201d}, and what you feared did not happen."
        );
        some[0].at = day(9, 8);
        assert!(
            evidence(&some, title, now, TZ)
                .unwrap()
                .starts_with("Yesterday you did")
        );
        some[0].at = day(10, 8);
        assert!(
            evidence(&some, title, now, TZ)
                .unwrap()
                .starts_with("Today you did")
        );
        some[0].at = day(1, 8);
        assert!(
            evidence(&some, title, now, TZ)
                .unwrap()
                .starts_with("On 1 February you did")
        );
        // Never beside pain: not after what was feared happened, nor after too much.
        let mut after_pain = some.clone();
        after_pain[1].kind = Hard;
        after_pain[1].happened = Some(Yes);
        assert_eq!(evidence(&after_pain, title, now, TZ), None);
        after_pain[1].happened = None;
        after_pain[1].too_much = true;
        assert_eq!(evidence(&after_pain, title, now, TZ), None);
        // The local day: 23:30 UTC on the 3rd is the 4th in Tokyo.
        let mut late = answers(&[(3, Done, Some(2), Some(No), false)]);
        late[0].at = "2027-02-03T23:30:00Z".parse().unwrap();
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert!(
            evidence(&late, title, day(20, 0), tokyo)
                .unwrap()
                .starts_with("On 4 February")
        );
    }

    #[test]
    fn events_say_only_what_the_answer_says() {
        let a = &answers(&[(2, Done, Some(3), Some(No), false)])[0];
        assert_eq!(
            a.events(false, false),
            [Event::Done, Event::FearedDidNotHappen]
        );
        let b = &answers(&[(2, Hard, None, Some(Yes), true)])[0];
        assert_eq!(
            b.events(true, false),
            [
                Event::Hard,
                Event::TooMuch,
                Event::FearedHappened,
                Event::RungDown
            ]
        );
        let c = &answers(&[(2, Skip, None, None, false)])[0];
        assert_eq!(c.events(false, true), [Event::Skip, Event::Return]);
        let d = &answers(&[(2, NoChance, None, None, false)])[0];
        assert!(d.events(false, false).is_empty());
    }

    #[test]
    fn a_step_with_no_chance_yet_stays_open_a_week_until_it_is_answered() {
        let mut list = answers(&[
            (2, NoChance, None, None, false),
            (3, NoChance, None, None, false),
            (4, Skip, None, None, false),
        ]);
        list[1].sent_id = 1;
        list[2].sent_id = 7;
        assert_eq!(open_for_an_occasion(&list, day(8, 9)), [1]);
        // A week on, it is closed; answered, it is closed at once.
        assert!(open_for_an_occasion(&list, day(10, 11)).is_empty());
        list[2].sent_id = 1;
        assert!(open_for_an_occasion(&list, day(5, 9)).is_empty());
    }

    #[test]
    fn finished_rungs_come_back_at_widening_gaps() {
        let advances = [(day(1, 12), Ladder::Emotional, 2)];
        let all = reviews(&advances, |_, _, _| false);
        let due: Vec<String> = all.iter().map(|r| r.due.to_rfc3339()).collect();
        assert_eq!(
            due,
            [
                "2027-02-08T12:00:00+00:00",
                "2027-02-15T12:00:00+00:00",
                "2027-03-01T12:00:00+00:00"
            ]
        );
        let first_done = reviews(&advances, |_, _, at| at == day(8, 12));
        assert_eq!(first_done.len(), 2);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn answer() -> impl Strategy<Value = (u8, AnswerKind, Option<u8>, Option<Happened>, bool)> {
            (
                0u8..3,
                prop::sample::select(vec![Done, Hard, Skip, NoChance]),
                prop::option::of(0u8..=10),
                prop::option::of(prop::sample::select(vec![No, Partly, Yes])),
                any::<bool>(),
            )
        }

        proptest! {
            /// Over any answers on a ladder, replayed as the journal would hold them (each
            /// marked "too much" by [`too_much`] when recorded, each move starting a new
            /// rung's answers): never a step back or a pause after a step done where
            /// what was feared did not happen; never "feared happened" without a yes;
            /// no evidence after a yes or too much; no hold past the bound without a
            /// gentler way in; "rung-down" only with a real step back.
            #[test]
            fn the_rules_never_mishear(
                expected in prop::sample::select(vec![1.0f32, 3.0, 5.5, 7.0, 8.5]),
                list in prop::collection::vec(answer(), 1..40),
            ) {
                let mut standing = Standing::start();
                let mut at_rung: Vec<StepAnswer> = Vec::new();
                let mut all: Vec<StepAnswer> = Vec::new();
                let mut at = day(1, 9);
                for (i, (gap, kind, distress, happened, said)) in list.into_iter().enumerate() {
                    at += TimeDelta::hours(8 * i64::from(gap) + 1);
                    let (distress, happened) = if kind.done() { (distress, happened) } else { (None, None) };
                    let distress = distress.and_then(Distress::new);
                    let a = StepAnswer {
                        sent_id: i as i64,
                        at,
                        ladder: Ladder::Emotional,
                        rung: standing.rung,
                        kind,
                        distress,
                        happened,
                        too_much: too_much(kind, distress, happened, said && kind.done(), expected),
                    };
                    at_rung.push(a.clone());
                    all.push(a.clone());
                    let decision = decide(Ladder::Emotional, &standing, &at_rung, 12, expected, TZ);
                    let stepped_back = matches!(&decision, Decision::Move(m) if m.to < m.from);
                    let paused = pause_reason(&all).is_some();
                    if a.fear_disproved() {
                        prop_assert!(!stepped_back, "{decision:?} after {a:?}");
                        prop_assert!(!paused, "a pause after {a:?}");
                    }
                    let events = a.events(stepped_back, false);
                    if events.contains(&Event::FearedHappened) {
                        prop_assert_eq!(a.happened, Some(Yes));
                    }
                    if events.contains(&Event::TooMuch) {
                        prop_assert!(!a.fear_disproved());
                    }
                    if a.happened == Some(Yes) || a.escalation() {
                        prop_assert_eq!(evidence(&all, |_| None, at, TZ), None);
                    }
                    match decision {
                        Decision::Move(m) => {
                            standing = Standing { rung: m.to, reason: m.reason, since: Some(at) };
                            at_rung.clear();
                        }
                        Decision::Hold(_) => {
                            let counted = at_rung.iter().filter(|a| a.kind.counts()).count();
                            prop_assert!(counted < HOLD_BOUND || gentler_path_due(&at_rung));
                        }
                    }
                }
            }
        }
    }
}
