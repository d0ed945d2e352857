//! What the journal says about the report's window: the answers to steps in it, the
//! counts, the setbacks and how they passed, and each ladder's rung over time. Pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};

use super::{ReportInput, capitalized};
use crate::content::{Category, Ladder};
use crate::history::Words;
use crate::journal::{AnswerKind, Distress, Entry};
use crate::record::top;

/// Minutes in a day: the x axis counts minutes from the window's first midnight.
pub(super) const DAY: i32 = 24 * 60;

/// One answer to a step, inside the window.
#[derive(Debug, Clone)]
pub(super) struct Answered {
    pub(super) date: NaiveDate,
    /// Minutes since the window's first midnight (local wall-clock time).
    pub(super) x: i32,
    pub(super) ladder: Option<Ladder>,
    pub(super) rung: Option<u8>,
    pub(super) kind: AnswerKind,
    pub(super) distress: Option<Distress>,
}

/// Counts over the window, for all ladders or one.
#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub(super) done: usize,
    pub(super) hard: usize,
    pub(super) skipped: usize,
    /// Rungs gone up, summed over every move up.
    pub(super) climbed: usize,
    /// Rungs gone down, summed over every move down.
    pub(super) back: usize,
}

impl Totals {
    pub(super) fn taken(&self) -> usize {
        self.done + self.hard
    }

    pub(super) fn add(&mut self, kind: AnswerKind) {
        match kind {
            AnswerKind::Done => self.done += 1,
            AnswerKind::Hard => self.hard += 1,
            AnswerKind::Skip => self.skipped += 1,
            AnswerKind::Snooze | AnswerKind::NoChance => {}
        }
    }
}

/// Hard or skipped steps, and how they passed: an episode starts with a hard or skipped
/// step and ends with the next step done.
#[derive(Debug, Clone, Default)]
pub(super) struct Setbacks {
    pub(super) count: usize,
    pub(super) recovered: usize,
    /// The most days from an episode's start to the step that ended it.
    pub(super) longest: i64,
}

/// One ladder over the window: where it started and stands, its rung as a step line, and
/// the answers to its steps.
#[derive(Debug, Clone)]
pub(super) struct LadderFacts {
    pub(super) ladder: Ladder,
    /// A person's own ladder's name (`history::Words`: also once the content no longer
    /// has it); None for a shipped ladder.
    pub(super) own_name: Option<String>,
    /// What it is about, in a few words.
    pub(super) what: String,
    pub(super) top: u8,
    pub(super) start_rung: u8,
    pub(super) now_rung: u8,
    /// The rung over the window as (x, rung) corners of a step line.
    pub(super) line: Vec<(i32, u8)>,
    pub(super) totals: Totals,
    pub(super) answers: Vec<Answered>,
}

/// What the journal says about the window (`Facts::digest`), for the page and the weekly
/// lines alike.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub(super) days: u32,
    pub(super) first: NaiveDate,
    pub(super) today: NaiveDate,
    /// Whether the journal holds any answer to a step at all.
    pub(super) ever: bool,
    pub(super) answers: Vec<Answered>,
    pub(super) totals: Totals,
    pub(super) setbacks: Setbacks,
    pub(super) ladders: Vec<LadderFacts>,
}

impl Facts {
    pub(super) fn digest(input: &ReportInput) -> Facts {
        let days = input.days.max(1);
        let local_now = input.now.with_timezone(&input.tz);
        let today = local_now.date_naive();
        let first = today - TimeDelta::days(i64::from(days) - 1);
        let place = |at: DateTime<Utc>| {
            let local = at.with_timezone(&input.tz);
            let date = local.date_naive();
            let days = i32::try_from((date - first).num_days()).unwrap_or(i32::MIN / 2);
            let x = days.saturating_mul(DAY) + (local.num_seconds_from_midnight() / 60) as i32;
            (date, x)
        };
        let inside = |date: NaiveDate| first <= date && date <= today;

        let sent = Entry::sent_by_id(input.entries);
        let mut ever = false;
        let mut answers = Vec::new();
        for e in input.entries {
            let Entry::Answer(a) = e else { continue };
            let Some(s) = sent.get(&a.sent_id) else {
                continue;
            };
            if s.category != Category::Step || a.kind == AnswerKind::Snooze {
                continue;
            }
            ever = true;
            let (date, x) = place(a.at);
            if inside(date) {
                answers.push((
                    a.at,
                    a.id,
                    Answered {
                        date,
                        x,
                        ladder: s.ladder,
                        rung: s.rung,
                        kind: a.kind,
                        distress: a.distress,
                    },
                ));
            }
        }
        answers.sort_by_key(|a| (a.0, a.1));
        let answers: Vec<Answered> = answers.into_iter().map(|(_, _, a)| a).collect();

        let mut moves: Vec<(DateTime<Utc>, i64, Ladder, u8, u8)> = input
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Move(m) => Some((m.at, m.id, m.ladder, m.from, m.to)),
                _ => None,
            })
            .collect();
        moves.sort();

        // The ladders turned on, then any other with answers or moves in the window.
        let mut shown: Vec<Ladder> = Vec::new();
        for l in input.ladders {
            if !shown.contains(l) {
                shown.push(*l);
            }
        }
        let active: BTreeSet<Ladder> = answers
            .iter()
            .filter_map(|a| a.ladder)
            .chain(moves.iter().filter(|m| inside(place(m.0).0)).map(|m| m.2))
            .collect();
        for l in active {
            if !shown.contains(&l) {
                shown.push(l);
            }
        }

        let words = Words::new(input.library, input.entries, BTreeMap::new());
        let now_x = place(input.now).1;
        let mut totals = Totals::default();
        for a in &answers {
            totals.add(a.kind);
        }
        let ladders: Vec<LadderFacts> = shown
            .into_iter()
            .map(|ladder| {
                let mut start_rung = 1u8;
                let mut in_window = Vec::new();
                let mut t = Totals::default();
                for &(at, _, l, from, to) in &moves {
                    if l != ladder {
                        continue;
                    }
                    let (date, x) = place(at);
                    if date < first {
                        start_rung = to;
                    } else if date <= today {
                        in_window.push((x, to));
                        if to > from {
                            t.climbed += usize::from(to - from);
                        } else {
                            t.back += usize::from(from - to);
                        }
                    }
                }
                let (line, rung) = step_line(start_rung, &in_window, now_x);
                let answers: Vec<Answered> = answers
                    .iter()
                    .filter(|a| a.ladder == Some(ladder))
                    .cloned()
                    .collect();
                for a in &answers {
                    t.add(a.kind);
                }
                let own_name = words.ladder_name(ladder);
                let description = input
                    .library
                    .ladder(ladder)
                    .and_then(|i| i.description.clone().filter(|_| i.personal));
                LadderFacts {
                    ladder,
                    what: description.unwrap_or_else(|| about(ladder).to_owned()),
                    own_name,
                    top: top(input.library, ladder).max(rung),
                    start_rung,
                    now_rung: rung,
                    line,
                    totals: t,
                    answers,
                }
            })
            .collect();
        for l in &ladders {
            totals.climbed += l.totals.climbed;
            totals.back += l.totals.back;
        }
        let setbacks = setbacks(&answers);
        Facts {
            days,
            first,
            today,
            ever,
            answers,
            totals,
            setbacks,
            ladders,
        }
    }

    /// "in the last 4 weeks", "in the last 10 days", "in the last week", "today".
    pub(super) fn during(&self) -> String {
        match self.days {
            1 => "today".to_owned(),
            _ => format!("in {}", self.window()),
        }
    }

    /// "the last 4 weeks", "the last 10 days", "the last week", "today".
    pub(super) fn window(&self) -> String {
        match self.days {
            1 => "today".to_owned(),
            7 => "the last week".to_owned(),
            d if d % 7 == 0 => format!("the last {} weeks", d / 7),
            d => format!("the last {d} days"),
        }
    }
}

/// The rung as the corners of a step line from the window's start to now, given the
/// moves in the window as (x, new rung); and the rung it ends on.
fn step_line(start: u8, moves: &[(i32, u8)], now_x: i32) -> (Vec<(i32, u8)>, u8) {
    let mut line = vec![(0, start)];
    let mut current = start;
    for &(x, to) in moves {
        line.push((x, current));
        line.push((x, to));
        current = to;
    }
    line.push((now_x, current));
    (line, current)
}

fn setbacks(answers: &[Answered]) -> Setbacks {
    let mut s = Setbacks::default();
    let mut open: Option<NaiveDate> = None;
    for a in answers {
        match a.kind {
            AnswerKind::Hard | AnswerKind::Skip => {
                if open.is_none() {
                    open = Some(a.date);
                    s.count += 1;
                }
            }
            AnswerKind::Done => {
                if let Some(since) = open.take() {
                    s.recovered += 1;
                    s.longest = s.longest.max((a.date - since).num_days());
                }
            }
            AnswerKind::Snooze | AnswerKind::NoChance => {}
        }
    }
    s
}

fn title_case(ladder: Ladder) -> String {
    capitalized(ladder.as_str())
}

impl LadderFacts {
    /// The ladder as a heading: a person's own by its name, a shipped one capitalized.
    pub(super) fn heading(&self) -> String {
        self.own_name
            .clone()
            .unwrap_or_else(|| title_case(self.ladder))
    }

    /// The ladder in a sentence: a person's own by its name, a shipped one by its id.
    pub(super) fn named(&self) -> String {
        self.own_name
            .clone()
            .unwrap_or_else(|| self.ladder.to_string())
    }
}

/// What each face of intimacy is about, in a few words.
fn about(ladder: Ladder) -> &'static str {
    match ladder {
        Ladder::Intellectual => "sharing ideas and opinions",
        Ladder::Emotional => "sharing feelings",
        Ladder::Experiential => "doing things together",
        Ladder::Physical => "non-sexual touch and closeness",
        Ladder::Sexual => "talking about boundaries and preferences",
        Ladder::Spiritual => "sharing values and meaning",
        Ladder::Social => "meeting people",
        Ladder::Receiving => "taking in kindness and naming the fear",
        // A person's own ladder: its name says what it is about.
        _ => "your own ladder",
    }
}
