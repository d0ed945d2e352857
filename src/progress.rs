//! Ladder progression: where each ladder stands, and when it moves, by the rules in
//! CONTENT.md. Pure: the caller reads the journal and records the moves.
//!
//! A ladder's rung is its latest recorded move (rung 1 before any). The answers given at
//! that rung since the move decide the next one: advance once a step was done twice on
//! different days and felt manageable (or the feared outcome twice did not happen); hold
//! while it is still hard; step back after very high distress or two hard or skipped
//! steps in a row. More than 14 days away restarts a ladder one rung lower. Every move
//! carries a one-line reason the person can read in `closer status`.
//!
//! After "Did it" or "It was hard" the person may say how it went against what they
//! feared ([`Felt`]); that sets the answer's distress and whether the feared outcome
//! happened, which these same rules read. Steps pause ([`pause_reason`]) after three very
//! hard answers in a row ("Too much" counts as distress 9) or five hard answers with
//! nothing done between.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::content::Ladder;
use crate::journal::AnswerKind;

/// More than this long without an answer restarts a ladder one rung lower.
pub const AWAY: TimeDelta = TimeDelta::days(14);
/// A finished rung comes back for review this many days after it was left: about 1, 2
/// and 4 weeks.
pub const REVIEW_DAYS: [i64; 3] = [7, 14, 28];
/// Distress at or above this is very high.
pub const VERY_HIGH: u8 = 8;

/// An answer to a step, with the step's place.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAnswer {
    pub at: DateTime<Utc>,
    pub ladder: Ladder,
    pub rung: u8,
    pub kind: AnswerKind,
    pub distress: Option<u8>,
    pub happened: Option<bool>,
}

impl StepAnswer {
    /// The distress to reason with: as given, or what the answer implies when none was
    /// given ("did it" reads as manageable, "it was hard" as hard).
    fn felt(&self) -> u8 {
        self.distress.unwrap_or(match self.kind {
            AnswerKind::Done => 3,
            _ => 7,
        })
    }
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
    pub reason: String,
}

/// What the answers at a rung say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Move(Move),
    /// Stay, for this reason.
    Hold(String),
}

/// Decides from `answers` — those given on `ladder` at its current rung since it got
/// there, oldest first, snoozes left out — whether it moves. `top` is its highest rung.
pub fn decide(
    ladder: Ladder,
    standing: &Standing,
    answers: &[StepAnswer],
    top: u8,
    tz: Tz,
) -> Decision {
    let rung = standing.rung;
    let Some(last) = answers.last() else {
        return Decision::Hold(standing.reason.clone());
    };
    let to = |to: u8, reason: String| {
        Decision::Move(Move {
            ladder,
            from: rung,
            to,
            reason,
        })
    };
    let last_two =
        |kind| answers.len() >= 2 && answers[answers.len() - 2..].iter().all(|a| a.kind == kind);

    // Step back.
    let back = if last.distress.is_some_and(|d| d >= VERY_HIGH) {
        Some(format!(
            "the last step felt very hard (distress {})",
            last.felt()
        ))
    } else if last_two(AnswerKind::Hard) {
        Some("two hard steps in a row".to_owned())
    } else if last_two(AnswerKind::Skip) {
        Some("skipped twice in a row".to_owned())
    } else {
        None
    };
    if let Some(why) = back {
        return if rung > 1 {
            to(
                rung - 1,
                format!("back to rung {}: {why}; a smaller step first", rung - 1),
            )
        } else {
            Decision::Hold(format!(
                "staying on the first rung: {why}; it's fine to take your time"
            ))
        };
    }

    // Advance.
    let done: Vec<&StepAnswer> = answers
        .iter()
        .filter(|a| a.kind == AnswerKind::Done)
        .collect();
    let days: BTreeSet<_> = done
        .iter()
        .map(|a| a.at.with_timezone(&tz).date_naive())
        .collect();
    let easier = match (done.first(), done.last()) {
        (Some(first), Some(latest)) => latest.felt() <= 3 || 2 * latest.felt() <= first.felt(),
        _ => false,
    };
    let safe = answers
        .iter()
        .filter(|a| a.kind == AnswerKind::Done && a.happened == Some(false) && a.felt() <= 5)
        .count();
    let why = if last.kind == AnswerKind::Done && days.len() >= 2 && easier {
        Some(format!(
            "done on {} days, and it felt manageable (distress {})",
            days.len(),
            last.felt()
        ))
    } else if last.kind == AnswerKind::Done && safe >= 2 {
        Some("done twice, and what you feared did not happen".to_owned())
    } else {
        None
    };
    if let Some(why) = why {
        return if rung < top {
            to(rung + 1, format!("up to rung {}: {why}", rung + 1))
        } else {
            Decision::Hold(format!(
                "at the top of the ladder: {why}; finished rungs come back now and then"
            ))
        };
    }

    // Hold.
    Decision::Hold(match last.kind {
        AnswerKind::Hard => {
            "holding: it was hard; try it again when you're ready, perhaps somewhere new".to_owned()
        }
        AnswerKind::Skip => "holding: skipped last time, which is fine".to_owned(),
        _ if (4..VERY_HIGH).contains(&last.felt()) => format!(
            "holding: distress {} last time; repeating it, perhaps with someone else, helps it settle",
            last.felt()
        ),
        _ => "holding: once more on another day, then up".to_owned(),
    })
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
        reason: format!(
            "back to rung {} after {} days away; a gentler start",
            standing.rung - 1,
            away.num_days()
        ),
    })
}

/// Whether the last three answers with a distress all had it very high: then steps pause
/// and closer suggests professional help.
pub fn very_hard_three_times(answers: &[StepAnswer]) -> bool {
    let rated: Vec<u8> = answers
        .iter()
        .rev()
        .filter_map(|a| a.distress)
        .take(3)
        .collect();
    rated.len() == 3 && rated.iter().all(|d| *d >= VERY_HIGH)
}

/// This many "it was hard" answers with nothing done between pause steps.
pub const HARD_WITHOUT_DONE: usize = 5;

/// Why steps should pause after `answers` (every step answer since steps last resumed,
/// oldest first, snoozes left out), if they should: three very hard answers in a row
/// (a "Too much" is distress 9), or [`HARD_WITHOUT_DONE`] hard answers since the last
/// step that was done (skips between do not count either way).
pub fn pause_reason(answers: &[StepAnswer]) -> Option<&'static str> {
    if very_hard_three_times(answers) {
        return Some("very high distress three times in a row");
    }
    let hard = answers
        .iter()
        .rev()
        .take_while(|a| a.kind != AnswerKind::Done)
        .filter(|a| a.kind == AnswerKind::Hard)
        .count();
    (hard >= HARD_WITHOUT_DONE).then_some("five hard steps with none done between")
}

/// How a step went against what the person feared: the follow-up to "Did it"
/// (easier, about, harder) or to "It was hard" (ok, too much). Each stands for a distress
/// figure and, where it says so, whether the feared outcome happened:
///
/// | felt | after | distress | feared outcome happened |
/// |---|---|---|---|
/// | easier than I feared | done | 2 | no |
/// | about as I feared | done | 4 | not said |
/// | harder than I feared | done | 6 | yes |
/// | hard but OK | hard | 6 | not said |
/// | too much | hard | 9 | not said |
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

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Felt::Easier => "Easier than I feared",
            Felt::About => "About as I feared",
            Felt::Harder => "Harder than I feared",
            Felt::Ok => "Hard but OK",
            Felt::TooMuch => "Too much",
        }
    }

    /// The answer it follows.
    pub fn follows(self) -> AnswerKind {
        match self {
            Felt::Easier | Felt::About | Felt::Harder => AnswerKind::Done,
            Felt::Ok | Felt::TooMuch => AnswerKind::Hard,
        }
    }

    /// The choices offered after `kind` (none after a skip or a snooze).
    pub fn after(kind: AnswerKind) -> Vec<Felt> {
        Felt::ALL
            .iter()
            .copied()
            .filter(|f| f.follows() == kind)
            .collect()
    }

    pub fn distress(self) -> u8 {
        match self {
            Felt::Easier => 2,
            Felt::About => 4,
            Felt::Harder | Felt::Ok => 6,
            Felt::TooMuch => 9,
        }
    }

    /// Whether the feared outcome happened, where the choice says so.
    pub fn happened(self) -> Option<bool> {
        match self {
            Felt::Easier => Some(false),
            Felt::Harder => Some(true),
            _ => None,
        }
    }

    /// Reads `s` as a choice after `kind`; the error lists the valid ones.
    pub fn parse(s: &str, kind: AnswerKind) -> Result<Felt, String> {
        let choices = Felt::after(kind);
        choices
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let words: Vec<String> = choices
                    .iter()
                    .map(|f| format!("\"{}\"", f.as_str()))
                    .collect();
                format!(
                    "`{s}` is not how a {} step can feel; expected {}",
                    kind.as_str(),
                    words.join(" or ")
                )
            })
    }
}

/// The person's own evidence, for a setback message: the latest step they did where
/// they noted that what they feared did not happen, as a sentence with its local date.
/// None when they never noted one: nothing is ever made up.
pub fn evidence(answers: &[StepAnswer], tz: Tz) -> Option<String> {
    let a = answers
        .iter()
        .rev()
        .find(|a| a.kind == AnswerKind::Done && a.happened == Some(false))?;
    Some(format!(
        "On {} you expected a step to go badly; what you feared did not happen.",
        a.at.with_timezone(&tz).format("%-d %B")
    ))
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

    const TZ: Tz = chrono_tz::UTC;

    fn day(d: u32, h: u32) -> DateTime<Utc> {
        format!("2027-02-{d:02}T{h:02}:00:00Z").parse().unwrap()
    }

    /// An answer on the emotional ladder at rung 3: (day, kind, distress, happened).
    type Given = (u32, AnswerKind, Option<u8>, Option<bool>);

    fn answers(list: &[Given]) -> Vec<StepAnswer> {
        list.iter()
            .map(|&(d, kind, distress, happened)| StepAnswer {
                at: day(d, 10),
                ladder: Ladder::Emotional,
                rung: 3,
                kind,
                distress,
                happened,
            })
            .collect()
    }

    fn decision(list: &[Given]) -> String {
        let standing = Standing {
            rung: 3,
            reason: "r".into(),
            since: Some(day(1, 0)),
        };
        match decide(Ladder::Emotional, &standing, &answers(list), 12, TZ) {
            Decision::Move(m) => format!("{}->{}: {}", m.from, m.to, m.reason),
            Decision::Hold(why) => why,
        }
    }

    #[test]
    fn the_rules_over_sequences_of_answers() {
        let table: &[(&[Given], &str)] = &[
            (&[], "r"),
            (
                &[(2, Done, Some(2), None)],
                "holding: once more on another day",
            ),
            (
                &[(2, Done, Some(2), None), (2, Done, Some(2), None)],
                "holding: once more on another day",
            ),
            (
                &[(2, Done, Some(2), None), (3, Done, Some(2), None)],
                "3->4: up to rung 4: done on 2 days, and it felt manageable (distress 2)",
            ),
            (
                &[(2, Done, None, None), (5, Done, None, None)],
                "3->4: up to rung 4: done on 2 days",
            ),
            (
                &[(2, Done, Some(6), None), (3, Done, Some(3), None)],
                "3->4: up to rung 4",
            ),
            (
                &[(2, Done, Some(8), None), (3, Done, Some(4), None)],
                "3->4: up to rung 4",
            ),
            (
                &[(2, Done, Some(6), None), (3, Done, Some(5), None)],
                "holding: distress 5 last time",
            ),
            (
                &[
                    (2, Done, Some(5), Some(false)),
                    (2, Done, Some(5), Some(false)),
                ],
                "3->4: up to rung 4: done twice, and what you feared did not happen",
            ),
            (
                &[
                    (2, Done, Some(6), Some(false)),
                    (3, Done, Some(6), Some(false)),
                ],
                "holding: distress 6",
            ),
            (&[(2, Hard, None, None)], "holding: it was hard"),
            (
                &[(2, Hard, None, None), (3, Hard, None, None)],
                "3->2: back to rung 2: two hard steps in a row",
            ),
            (
                &[
                    (2, Hard, None, None),
                    (3, Done, Some(4), None),
                    (4, Hard, None, None),
                ],
                "holding: it was hard",
            ),
            (
                &[(2, Done, Some(9), None)],
                "3->2: back to rung 2: the last step felt very hard (distress 9)",
            ),
            (
                &[(2, Skip, None, None)],
                "holding: skipped last time, which is fine",
            ),
            (
                &[(2, Skip, None, None), (3, Skip, None, None)],
                "3->2: back to rung 2: skipped twice in a row",
            ),
            (
                &[(2, Done, Some(2), None), (3, Skip, None, None)],
                "holding: skipped",
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
    fn the_first_rung_and_the_top_do_not_move_further() {
        let bottom = Standing {
            rung: 1,
            reason: "r".into(),
            since: None,
        };
        let two_hard = answers(&[(2, Hard, None, None), (3, Hard, None, None)]);
        assert!(
            matches!(decide(Ladder::Emotional, &bottom, &two_hard, 12, TZ), Decision::Hold(w) if w.starts_with("staying on the first rung"))
        );
        let top = Standing {
            rung: 12,
            reason: "r".into(),
            since: None,
        };
        let easy = answers(&[(2, Done, Some(1), None), (3, Done, Some(1), None)]);
        assert!(
            matches!(decide(Ladder::Emotional, &top, &easy, 12, TZ), Decision::Hold(w) if w.starts_with("at the top"))
        );
    }

    #[test]
    fn different_days_are_local_days() {
        // 23:30 and 00:30 UTC are one day in New York.
        let tz: Tz = "America/New_York".parse().unwrap();
        let mut list = answers(&[(2, Done, Some(1), None), (3, Done, Some(1), None)]);
        list[0].at = "2027-02-02T23:30:00Z".parse().unwrap();
        list[1].at = "2027-02-03T00:30:00Z".parse().unwrap();
        let standing = Standing {
            rung: 3,
            reason: "r".into(),
            since: None,
        };
        assert!(matches!(
            decide(Ladder::Emotional, &standing, &list, 12, tz),
            Decision::Hold(_)
        ));
        assert!(matches!(
            decide(Ladder::Emotional, &standing, &list, 12, TZ),
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
        assert_eq!((m.from, m.to), (4, 3));
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
    fn three_very_hard_answers_in_a_row_pause_steps() {
        let hard = answers(&[
            (1, Done, Some(8), None),
            (2, Hard, Some(9), None),
            (3, Hard, None, None),
            (4, Done, Some(10), None),
        ]);
        assert!(very_hard_three_times(&hard));
        let mixed = answers(&[
            (1, Done, Some(8), None),
            (2, Done, Some(5), None),
            (3, Hard, Some(9), None),
        ]);
        assert!(!very_hard_three_times(&mixed));
        assert!(!very_hard_three_times(&hard[..2]));
    }

    #[test]
    fn steps_pause_after_three_too_much_or_five_hard_with_nothing_done() {
        let too_much = (1, Hard, Some(Felt::TooMuch.distress()), None);
        let hard = (1, Hard, None, None);
        let table: &[(&[Given], Option<&str>)] = &[
            (&[], None),
            (&[too_much, too_much], None),
            (
                &[too_much, too_much, too_much],
                Some("very high distress three times in a row"),
            ),
            // A hard answer with no distress given does not break the row of ratings.
            (
                &[too_much, hard, too_much, too_much],
                Some("very high distress three times in a row"),
            ),
            (
                &[too_much, (2, Done, Some(4), None), too_much, too_much],
                None,
            ),
            (&[hard, hard, hard, hard], None),
            (
                &[hard, hard, hard, hard, hard],
                Some("five hard steps with none done between"),
            ),
            // Skips between hard answers neither break nor add to the count.
            (
                &[hard, (2, Skip, None, None), hard, hard, hard, hard],
                Some("five hard steps with none done between"),
            ),
            (&[hard, hard, (2, Done, None, None), hard, hard, hard], None),
            (
                &[
                    (1, Hard, Some(Felt::Ok.distress()), None),
                    hard,
                    hard,
                    hard,
                    hard,
                ],
                Some("five hard steps with none done between"),
            ),
        ];
        for (list, expected) in table {
            assert_eq!(pause_reason(&answers(list)), *expected, "{list:?}");
        }
    }

    #[test]
    fn each_follow_up_stands_for_a_distress_and_what_happened() {
        let table = [
            (Felt::Easier, Done, 2, Some(false)),
            (Felt::About, Done, 4, None),
            (Felt::Harder, Done, 6, Some(true)),
            (Felt::Ok, Hard, 6, None),
            (Felt::TooMuch, Hard, 9, None),
        ];
        for (felt, follows, distress, happened) in table {
            assert_eq!(felt.follows(), follows, "{felt:?}");
            assert_eq!(felt.distress(), distress, "{felt:?}");
            assert_eq!(felt.happened(), happened, "{felt:?}");
            assert_eq!(Felt::parse(felt.as_str(), follows), Ok(felt));
        }
        assert_eq!(Felt::after(Done).len(), 3);
        assert_eq!(Felt::after(Hard).len(), 2);
        assert!(Felt::after(Skip).is_empty());
        assert_eq!(
            Felt::parse("too-much", Done).unwrap_err(),
            "`too-much` is not how a done step can feel; expected \"easier\" or \"about\" or \"harder\""
        );
        // "Too much" is very high distress, as a terminal rating of 9 is.
        assert!(Felt::TooMuch.distress() >= VERY_HIGH);
        // Two "easier than I feared" on different days move a step up.
        assert!(
            decision(&[
                (2, Done, Some(2), Some(false)),
                (3, Done, Some(2), Some(false))
            ])
            .starts_with("3->4")
        );
        // "Harder than I feared" holds; "Too much" steps back.
        assert!(decision(&[(2, Done, Some(6), Some(true))]).starts_with("holding: distress 6"));
        assert!(decision(&[(2, Hard, Some(9), None)]).starts_with("3->2"));
    }

    #[test]
    fn evidence_comes_only_from_a_step_where_the_feared_thing_did_not_happen() {
        assert_eq!(evidence(&[], TZ), None);
        let none = answers(&[
            (2, Done, Some(2), None),
            (3, Done, Some(6), Some(true)),
            (4, Hard, Some(6), Some(false)),
        ]);
        assert_eq!(evidence(&none, TZ), None);
        let some = answers(&[
            (2, Done, Some(2), Some(false)),
            (3, Done, Some(3), Some(false)),
            (5, Done, Some(6), Some(true)),
        ]);
        assert_eq!(
            evidence(&some, TZ).unwrap(),
            "On 3 February you expected a step to go badly; what you feared did not happen."
        );
        // The local date: 23:30 UTC on the 3rd is the 4th in Tokyo.
        let mut late = answers(&[(3, Done, Some(2), Some(false))]);
        late[0].at = "2027-02-03T23:30:00Z".parse().unwrap();
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert!(evidence(&late, tokyo).unwrap().starts_with("On 4 February"));
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
}
