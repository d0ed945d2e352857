//! The journal's rows as plain data: what was sent, what the person answered, how a
//! ladder moved, and the words they name. The store (`closer::journal`) reads and writes
//! them; the rules, the planner and the digest read them here, with no store in sight.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::content::{Category, Ladder, Library};

/// A prompt that went out, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSent {
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub rule: String,
    pub category: Category,
    pub prompt: Option<String>,
    pub ladder: Option<Ladder>,
    pub rung: Option<u8>,
    pub shown: Shown,
}

impl NewSent {
    /// The prompt `prompt` (an id in `library`, or none) sent at `at` for the rule named
    /// `rule`, due at `due`: with its ladder and rung, and the words it went out with.
    pub fn planned(
        at: DateTime<Utc>,
        due: DateTime<Utc>,
        rule: String,
        category: Category,
        prompt: Option<String>,
        library: &Library,
    ) -> NewSent {
        let found = prompt.as_deref().and_then(|id| library.get(id));
        let ladder = found.and_then(|p| p.ladder);
        NewSent {
            at,
            due,
            rule,
            category,
            ladder,
            rung: found.and_then(|p| p.rung),
            shown: Shown {
                title: found.map(|p| p.title.clone()),
                body: found.map(|p| p.body.clone()),
                ladder_name: ladder
                    .and_then(|l| library.ladder(l))
                    .map(|l| l.name.clone()),
            },
            prompt,
        }
    }
}

/// The words a prompt was sent with, kept with it so that its history keeps them when
/// the content changes: a step deleted or reworded by hand, a ladder renamed or removed.
/// Each is None in rows recorded before closer kept them, and in the rows planning reads
/// (`Journal::window`, `Journal::step_answers_on`): the rules never need them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// The step's own title and body (never a discreet title that stood for it).
    pub title: Option<String>,
    pub body: Option<String>,
    /// Its ladder's name then.
    pub ladder_name: Option<String>,
}

/// A recorded prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub rule: String,
    pub category: Category,
    pub prompt: Option<String>,
    pub ladder: Option<Ladder>,
    pub rung: Option<u8>,
    /// The notification id it was shown as, once known.
    pub notification: Option<u32>,
    pub shown: Shown,
}

/// What the person said to a step.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AnswerKind {
    Done,
    Hard,
    Skip,
    Snooze,
    /// The step needs an occasion that did not come yet: neither a skip nor a hold.
    NoChance,
}

impl AnswerKind {
    pub const ALL: &'static [AnswerKind] = &[
        AnswerKind::Done,
        AnswerKind::Hard,
        AnswerKind::Skip,
        AnswerKind::Snooze,
        AnswerKind::NoChance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AnswerKind::Done => "done",
            AnswerKind::Hard => "hard",
            AnswerKind::Skip => "skip",
            AnswerKind::Snooze => "snooze",
            AnswerKind::NoChance => "no-chance",
        }
    }

    /// The step was done: "Did it" and "It was hard" alike (approach earns credit).
    pub fn done(self) -> bool {
        matches!(self, AnswerKind::Done | AnswerKind::Hard)
    }

    /// Whether the ladder rules read it: a snooze and "no chance yet" are not answers
    /// to how the step went.
    pub fn counts(self) -> bool {
        !matches!(self, AnswerKind::Snooze | AnswerKind::NoChance)
    }
}

/// Whether what the person feared would happen did happen, as they said.
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum Happened {
    No,
    Partly,
    Yes,
}

impl Happened {
    pub const ALL: &'static [Happened] = &[Happened::No, Happened::Partly, Happened::Yes];

    pub fn as_str(self) -> &'static str {
        match self {
            Happened::No => "no",
            Happened::Partly => "partly",
            Happened::Yes => "yes",
        }
    }

    /// How the journal stores it (0 and 1 as before, 2 for partly).
    pub fn code(self) -> i64 {
        match self {
            Happened::No => 0,
            Happened::Yes => 1,
            Happened::Partly => 2,
        }
    }

    /// What the journal's code stands for (see [`Happened::code`]), if anything.
    pub fn from_code(code: i64) -> Option<Happened> {
        Happened::ALL.iter().copied().find(|h| h.code() == code)
    }
}

impl FromStr for Happened {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Happened::ALL
            .iter()
            .copied()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not one of \"yes\", \"partly\", \"no\""))
    }
}

impl fmt::Display for Happened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Happened {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How hard a step felt, as the person rated it: a whole number from 0 (not at all) to
/// 10 (as hard as it gets). Checked once, where it enters — the command line
/// (`FromStr`, as clap's value parser) and the journal's read — so every `Distress`
/// past that point is on the scale. (A step's *expected* distress in
/// the content is a figure, fractions allowed, held to the same scale by [`on_scale`].)
///
/// [`on_scale`]: Distress::on_scale
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct Distress(u8);

impl Distress {
    /// The top of the scale.
    pub const MAX: u8 = 10;

    /// `n` as a distress, if it is on the scale.
    pub fn new(n: u8) -> Option<Distress> {
        (n <= Distress::MAX).then_some(Distress(n))
    }

    /// `n`, or the top of the scale when it is above it (for figures the rules work
    /// out, such as "a point more than the rung predicts").
    pub fn at_most_max(n: u8) -> Distress {
        Distress(n.min(Distress::MAX))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether `figure` (a step's expected distress, fractions allowed) is on the scale.
    pub fn on_scale(figure: f64) -> bool {
        (0.0..=f64::from(Distress::MAX)).contains(&figure)
    }
}

impl From<Distress> for u8 {
    fn from(d: Distress) -> u8 {
        d.0
    }
}

impl From<Distress> for f32 {
    fn from(d: Distress) -> f32 {
        f32::from(d.0)
    }
}

impl FromStr for Distress {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        s.parse::<u8>()
            .ok()
            .and_then(Distress::new)
            .ok_or_else(|| format!("`{s}` is not a distress; expected a whole number from 0 to 10"))
    }
}

impl fmt::Display for Distress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for Distress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

/// Why a ladder moved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cause {
    /// The rules moved it up after answers.
    Up,
    /// The rules stepped it back after an answer.
    Back,
    /// It restarted lower after time away.
    Restart,
    /// The person set it (`closer ladder set`).
    Set,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Up => "up",
            Cause::Back => "back",
            Cause::Restart => "restart",
            Cause::Set => "set",
        }
    }
}

impl FromStr for Cause {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [Cause::Up, Cause::Back, Cause::Restart, Cause::Set]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not one of \"up\", \"back\", \"restart\", \"set\""))
    }
}

impl FromStr for AnswerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        AnswerKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not one of \"done\", \"hard\", \"skip\", \"snooze\", \"no-chance\""
                )
            })
    }
}

/// An answer to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswer {
    pub sent_id: i64,
    pub at: DateTime<Utc>,
    pub kind: AnswerKind,
    pub distress: Option<Distress>,
    /// Did the feared thing happen?
    pub happened: Option<Happened>,
    /// More than the step should cost: "Too much", or a distress far above the step's.
    pub too_much: bool,
    /// `"notification"` or `"terminal"`.
    pub source: &'static str,
}

impl NewAnswer {
    /// An answer chosen on the notification of the prompt `sent_id`: its buttons say no
    /// distress and nothing of what happened.
    pub fn from_notification(sent_id: i64, kind: AnswerKind, at: DateTime<Utc>) -> NewAnswer {
        NewAnswer {
            sent_id,
            at,
            kind,
            distress: None,
            happened: None,
            too_much: false,
            source: "notification",
        }
    }
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub id: i64,
    pub sent_id: i64,
    pub at: DateTime<Utc>,
    pub kind: AnswerKind,
    pub distress: Option<Distress>,
    pub happened: Option<Happened>,
    pub too_much: bool,
    pub source: String,
}

/// A ladder move to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMove {
    pub at: DateTime<Utc>,
    pub ladder: Ladder,
    pub from: u8,
    pub to: u8,
    pub cause: Cause,
    pub reason: String,
}

/// A recorded ladder move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub ladder: Ladder,
    pub from: u8,
    pub to: u8,
    pub cause: Cause,
    pub reason: String,
}

/// Everything in time order, for replaying, the log and the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Sent(SentRow),
    Answer(AnswerRow),
    Move(MoveRow),
}

impl Entry {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Entry::Sent(s) => s.at,
            Entry::Answer(a) => a.at,
            Entry::Move(m) => m.at,
        }
    }

    /// The sent prompts among `entries`, by their id (to find the prompt an answer is to).
    pub fn sent_by_id(entries: &[Entry]) -> std::collections::BTreeMap<i64, &SentRow> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Sent(s) => Some((s.id, s)),
                _ => None,
            })
            .collect()
    }

    /// The order among entries at the same moment, then by id.
    pub fn tie(&self) -> (u8, i64) {
        match self {
            Entry::Sent(s) => (0, s.id),
            Entry::Answer(a) => (1, a.id),
            Entry::Move(m) => (2, m.id),
        }
    }
}

/// Puts `entries` in time order (ties: sent, then answer, then move, then id), each once.
pub fn sort_entries(entries: &mut Vec<Entry>) {
    entries.sort_by_key(|e| (e.at(), e.tie()));
    entries.dedup_by_key(|e| e.tie());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The journal stores these words and codes: a change to any of them would make
    /// every journal written before unreadable.
    #[test]
    fn the_stored_words_and_codes_stay_as_they_are() {
        let codes: Vec<(Happened, i64)> = Happened::ALL.iter().map(|h| (*h, h.code())).collect();
        assert_eq!(
            codes,
            [(Happened::No, 0), (Happened::Partly, 2), (Happened::Yes, 1)]
        );
        for h in Happened::ALL {
            assert_eq!(Happened::from_code(h.code()), Some(*h));
            assert_eq!(h.as_str().parse::<Happened>(), Ok(*h));
        }
        assert_eq!(Happened::from_code(3), None);
        let words: Vec<&str> = AnswerKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(words, ["done", "hard", "skip", "snooze", "no-chance"]);
        for k in AnswerKind::ALL {
            assert_eq!(k.as_str().parse::<AnswerKind>(), Ok(*k));
        }
        for c in [Cause::Up, Cause::Back, Cause::Restart, Cause::Set] {
            assert_eq!(c.as_str().parse::<Cause>(), Ok(c));
        }
        assert!("later".parse::<AnswerKind>().is_err());
    }

    /// A distress is checked where it enters, once: a whole number on the 0-10 scale, or
    /// a message saying what would be valid.
    #[test]
    fn a_distress_is_a_whole_number_from_0_to_10() {
        for n in 0..=10u8 {
            let d: Distress = n.to_string().parse().unwrap();
            assert_eq!((d.get(), d.to_string()), (n, n.to_string()));
            assert_eq!(Distress::new(n), Some(d));
        }
        for typed in ["11", "-1", "2.5", "seven", "", "256"] {
            assert_eq!(
                typed.parse::<Distress>(),
                Err(format!(
                    "`{typed}` is not a distress; expected a whole number from 0 to 10"
                )),
            );
        }
        assert_eq!(Distress::new(11), None);
        assert_eq!(Distress::at_most_max(12).get(), 10);
        assert_eq!(serde_json::to_string(&Distress::new(7)).unwrap(), "7");
        assert!(Distress::on_scale(0.0) && Distress::on_scale(2.5) && Distress::on_scale(10.0));
        assert!(
            !Distress::on_scale(10.5) && !Distress::on_scale(-0.5) && !Distress::on_scale(f64::NAN)
        );
    }
}
