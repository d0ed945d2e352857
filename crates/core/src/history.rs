//! What the journal says, digested: the planner's `State` (what was sent and answered,
//! where each ladder stands, what is snoozed or paused) and what `closer status` shows.
//! Pure over the journal's entries and settings: the root crate's `history::load` and
//! `history::read_settings` read them from the journal (a window of [`WINDOW`], with at
//! most [`AT_RUNG`] older answers a ladder's rules need) and hand them here.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::Config;
use crate::content::{Category, Event, Ladder, Library, Prompt};
use crate::model::{AnswerKind, Cause, Entry, MoveRow, SentRow};
use crate::planner::{Answered, Sent, Snoozed, State};
use crate::progress::{self, Move, Standing, StepAnswer};

/// The keys of the settings the person changes from the terminal.
pub mod keys {
    /// No prompts until this moment (RFC 3339), or "indefinitely".
    pub const PAUSED_UNTIL: &str = "paused_until";
    /// Steps paused after very high distress: the reason.
    pub const STEPS_PAUSED: &str = "steps_paused";
    /// When steps were last restarted by `closer resume` (RFC 3339): the answers before
    /// it no longer count toward pausing them again.
    pub const STEPS_RESUMED: &str = "steps_resumed";
    /// When closer said, once, that fears tied to past harm belong with a therapist
    /// (the physical or sexual ladder was turned on).
    pub const PAST_HARM_SAID: &str = "past_harm_said";
    /// When closer last said it sends fewer steps (so it says so once).
    pub const FEWER_SAID: &str = "fewer_said";
    /// When the last weekly summary went out (RFC 3339).
    pub const SUMMARY_SENT: &str = "summary_sent";

    /// A ladder turned on ("on") or off ("off") from the terminal.
    pub fn ladder(ladder: crate::content::Ladder) -> String {
        format!("ladder.{ladder}")
    }

    /// When a ladder last got to its rung (RFC 3339, or "start"), set once a gentler way
    /// into that rung went out in a step's notification: it goes out once per stay.
    pub fn gentler(ladder: crate::content::Ladder) -> String {
        format!("gentler.{ladder}")
    }
}

/// A pause with no end: far enough away, and still a valid date for every calculation.
pub fn indefinitely() -> DateTime<Utc> {
    "9000-01-01T00:00:00Z".parse().expect("a valid date")
}

/// The settings the person changed from the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub paused_until: Option<DateTime<Utc>>,
    pub steps_paused: Option<String>,
    pub ladders: BTreeMap<Ladder, bool>,
    pub fewer_said: bool,
}

impl Settings {
    /// The config with the ladders turned on or off from the terminal.
    pub fn apply(&self, config: &mut Config) {
        for (ladder, on) in &self.ladders {
            config.ladders.retain(|l| l != ladder);
            if *on {
                config.ladders.push(*ladder);
            }
        }
    }
}

/// How far back from now planning reads the journal.
pub const WINDOW: TimeDelta = TimeDelta::days(92);

/// How many answers at a ladder's current rung the rules are given, at most.
pub const AT_RUNG: u32 = 64;

/// The journal, digested.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// What the planner needs.
    pub state: State,
    /// Where each ladder that ever moved stands; the others are on rung 1.
    pub standings: BTreeMap<Ladder, Standing>,
    /// Every answer to a step (snoozes aside, "no chance yet" kept), oldest first.
    pub step_answers: Vec<StepAnswer>,
    /// Every sent prompt, oldest first.
    pub sent: Vec<SentRow>,
}

/// A move as the journal stored it, as the ladder rules read it: when, and what moved.
pub fn dated_move(m: &MoveRow) -> (DateTime<Utc>, Move) {
    let dated = Move {
        ladder: m.ladder,
        from: m.from,
        to: m.to,
        cause: m.cause,
        reason: m.reason.clone(),
    };
    (m.at, dated)
}

impl History {
    pub fn digest(entries: &[Entry], settings: &Settings, snooze: TimeDelta) -> History {
        // Answers may be dated before the prompt they answer (`closer done --at`), so
        // every sent prompt is known before any answer is read.
        let sent: Vec<SentRow> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Sent(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let by_id: std::collections::BTreeMap<i64, &SentRow> =
            sent.iter().map(|s| (s.id, s)).collect();
        let mut answered = std::collections::BTreeSet::new();
        let mut moves = Vec::new();
        let mut step_answers = Vec::new();
        let mut snoozed = Vec::new();
        let mut last_step_answer: Option<(StepAnswer, Answered)> = None;
        // The rules record a step back at the moment of the answer that caused it.
        let backs: std::collections::BTreeSet<(Ladder, DateTime<Utc>)> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Move(m) if m.cause == Cause::Back => Some((m.ladder, m.at)),
                _ => None,
            })
            .collect();
        // Ladders restarted lower after time away, not answered on since.
        let mut restarted = std::collections::BTreeSet::new();
        for entry in entries {
            match entry {
                Entry::Sent(_) => {}
                Entry::Move(m) => {
                    if m.cause == Cause::Restart {
                        restarted.insert(m.ladder);
                    }
                    moves.push(dated_move(m));
                }
                Entry::Answer(a) => {
                    answered.insert(a.sent_id);
                    let Some(s) = by_id.get(&a.sent_id) else {
                        continue;
                    };
                    if a.kind == AnswerKind::Snooze {
                        if let Some(prompt) = &s.prompt {
                            snoozed.push(Snoozed {
                                at: a.at + snooze,
                                asked: a.at,
                                rule: s.rule.clone(),
                                due: s.due,
                                category: s.category,
                                prompt: prompt.clone(),
                            });
                        }
                        continue;
                    }
                    if s.category != Category::Step {
                        continue;
                    }
                    let (Some(ladder), Some(rung)) = (s.ladder, s.rung) else {
                        continue;
                    };
                    let step = StepAnswer {
                        sent_id: a.sent_id,
                        at: a.at,
                        ladder,
                        rung,
                        kind: a.kind,
                        distress: a.distress,
                        happened: a.happened,
                        too_much: a.too_much,
                    };
                    if a.kind.counts() {
                        let rung_down = backs.contains(&(ladder, a.at));
                        let returned = restarted.remove(&ladder);
                        let answered = Answered {
                            at: a.at,
                            events: step.events(rung_down, returned),
                        };
                        last_step_answer = Some((step.clone(), answered));
                    }
                    step_answers.push(step);
                }
            }
        }
        let standings = progress::standings(&moves);
        let advances: Vec<_> = moves
            .iter()
            .filter(|(_, m)| m.to > m.from)
            .map(|(at, m)| (*at, m.ladder, m.from))
            .collect();
        let reviews = progress::reviews(&advances, |ladder, rung, since| {
            sent.iter()
                .any(|s| s.at >= since && s.ladder == Some(ladder) && s.rung == Some(rung))
        });
        let state = State {
            sent: sent
                .iter()
                .map(|s| Sent {
                    at: s.at,
                    rule: s.rule.clone(),
                    due: s.due,
                    category: s.category,
                    prompt: s.prompt.clone(),
                    answered: answered.contains(&s.id),
                })
                .collect(),
            rungs: standings.iter().map(|(l, s)| (*l, s.rung)).collect(),
            // A kind message next after a hard or skipped step, and after a step whose
            // feared outcome happened.
            after_setback: last_step_answer
                .as_ref()
                .filter(|(step, answered)| {
                    matches!(step.kind, AnswerKind::Hard | AnswerKind::Skip)
                        || answered.events.contains(&Event::FearedHappened)
                })
                .map(|(_, answered)| answered.at),
            last_answer: last_step_answer.map(|(_, answered)| answered),
            snoozed,
            paused_until: settings.paused_until,
            steps_paused: settings.steps_paused.is_some(),
            reviews,
        };
        History {
            state,
            standings,
            step_answers,
            sent,
        }
    }

    /// Each sent prompt, oldest first, with whether it has an answer (any, "later" too).
    pub fn sent_answered(&self) -> impl Iterator<Item = (&SentRow, bool)> {
        // `state.sent` is made from `sent`, one for one, in the same order.
        self.sent
            .iter()
            .zip(&self.state.sent)
            .map(|(s, planned)| (s, planned.answered))
    }

    /// Where `ladder` stands.
    pub fn standing(&self, ladder: Ladder) -> Standing {
        self.standings
            .get(&ladder)
            .cloned()
            .unwrap_or_else(Standing::start)
    }

    /// The answers on `ladder` at its current rung since it got there, oldest first.
    pub fn answers_at_rung(&self, ladder: Ladder) -> Vec<StepAnswer> {
        let standing = self.standing(ladder);
        self.step_answers
            .iter()
            .filter(|a| a.ladder == ladder && a.rung == standing.rung)
            .filter(|a| standing.since.is_none_or(|since| a.at >= since))
            .cloned()
            .collect()
    }

    /// The latest answer or move on `ladder`.
    pub fn last_activity(&self, ladder: Ladder) -> Option<DateTime<Utc>> {
        let answered = self
            .step_answers
            .iter()
            .filter(|a| a.ladder == ladder)
            .map(|a| a.at)
            .max();
        let moved = self.standings.get(&ladder).and_then(|s| s.since);
        answered.max(moved)
    }
}

/// How `log`, `export`, `status`, the report and the terminal's answers show what the journal
/// holds after the content changed (a step deleted or reworded by hand, a ladder renamed
/// or removed).
///
/// A prompt's words: those it was sent with (`journal::Shown`), which are what the person
/// saw, so they win over the content's present wording; for a row from before closer
/// kept them, the content's, then a removed ladder's file; else none (the id alone).
/// A person's own ladder: its name now while the content has it (one name across its
/// history, its moves included, which keep no words), else the name its prompts were
/// last sent under. A shipped ladder goes by its id, as everywhere in closer.
#[derive(Debug)]
pub struct Words<'a> {
    library: &'a Library,
    removed: BTreeMap<String, Prompt>,
    /// The name each ladder's prompts were last sent under.
    sent_under: BTreeMap<Ladder, String>,
}

impl<'a> Words<'a> {
    /// `entries` in time order, as `Journal::entries` gives them; `removed`: the prompts
    /// of removed ladders' files (`content::removed_prompts`), or none.
    pub fn new(
        library: &'a Library,
        entries: &[Entry],
        removed: BTreeMap<String, Prompt>,
    ) -> Words<'a> {
        let mut sent_under = BTreeMap::new();
        for e in entries {
            if let Entry::Sent(s) = e
                && let (Some(ladder), Some(name)) = (s.ladder, &s.shown.ladder_name)
            {
                sent_under.insert(ladder, name.clone());
            }
        }
        Words {
            library,
            removed,
            sent_under,
        }
    }

    /// The prompt as the content knows it now, or a removed ladder's file.
    fn prompt(&self, s: &SentRow) -> Option<&Prompt> {
        let id = s.prompt.as_deref()?;
        self.library.get(id).or_else(|| self.removed.get(id))
    }

    /// The body `s` was sent with.
    pub fn body(&self, s: &SentRow) -> Option<String> {
        s.shown
            .body
            .clone()
            .or_else(|| self.prompt(s).map(|p| p.body.clone()))
    }

    /// The title `s` was sent with (its own, never a discreet one).
    pub fn title(&self, s: &SentRow) -> Option<String> {
        s.shown
            .title
            .clone()
            .or_else(|| self.prompt(s).map(|p| p.title.clone()))
    }

    /// A person's own ladder's name (None for a shipped ladder, and for an id nothing
    /// ever named).
    pub fn ladder_name(&self, ladder: Ladder) -> Option<String> {
        match self.library.ladder(ladder) {
            Some(info) if info.personal => Some(info.name.clone()),
            Some(_) => None,
            None => self.sent_under.get(&ladder).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Shown;
    use chrono::TimeZone;
    /// Each sent row is paired with whether it has an answer, an answer dated before its
    /// prompt (`--at`) and a "later" included.
    #[test]
    fn sent_rows_come_with_whether_they_were_answered() {
        let at = Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap();
        let sent = |id| {
            Entry::Sent(SentRow {
                id,
                at: at + TimeDelta::hours(id),
                due: at,
                rule: "step".into(),
                category: Category::Step,
                prompt: Some(format!("p-{id}")),
                ladder: None,
                rung: None,
                notification: None,
                shown: Shown::default(),
            })
        };
        let answer = |sent_id, hours, kind| {
            Entry::Answer(crate::model::AnswerRow {
                id: sent_id,
                sent_id,
                at: at + TimeDelta::hours(hours),
                kind,
                distress: None,
                happened: None,
                source: "terminal".into(),
                too_much: false,
            })
        };
        let entries = [
            answer(2, 0, AnswerKind::Done),
            sent(1),
            sent(2),
            sent(3),
            answer(3, 4, AnswerKind::Snooze),
            sent(4),
        ];
        let history = History::digest(&entries, &Settings::default(), TimeDelta::minutes(30));
        let pairs: Vec<(i64, bool)> = history
            .sent_answered()
            .map(|(s, answered)| (s.id, answered))
            .collect();
        assert_eq!(pairs, [(1, false), (2, true), (3, true), (4, false)]);
    }

    /// What wins where: the words sent, then the content's, then a removed file's; a
    /// person's own ladder by its name now, else the name it was last sent under.
    #[test]
    fn history_shows_the_words_sent_and_falls_back_for_older_rows() {
        let pack = crate::diag::Source::new(
            "mine.toml",
            "[[ladder]]\nid = \"sister\"\nname = \"Telling my sister\"\n\n[[prompt]]\nid = \"sister-1\"\ncategory = \"step\"\nladder = \"sister\"\nrung = 1\ndistress = 2\ntitle = \"A photo\"\nbody = \"Send her a photo, reworded.\"\n",
        );
        let (library, diags) = crate::content::Library::load([pack]);
        assert!(diags.is_empty(), "{diags:?}");
        let at = Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap();
        let row = |id, prompt: &str, ladder: &str, shown: Shown| SentRow {
            id,
            at,
            due: at,
            rule: "step".into(),
            category: Category::Step,
            prompt: Some(prompt.into()),
            ladder: Some(ladder.parse().unwrap()),
            rung: Some(1),
            notification: None,
            shown,
        };
        let sent = |title: &str, body: &str, ladder: &str| Shown {
            title: Some(title.into()),
            body: Some(body.into()),
            ladder_name: Some(ladder.into()),
        };
        let rows = [
            // Sent before the step was reworded and the ladder renamed.
            row(
                1,
                "sister-1",
                "sister",
                sent("A photo", "Send her a photo.", "Sister"),
            ),
            // From before closer kept the words.
            row(2, "sister-1", "sister", Shown::default()),
            row(
                3,
                "gone-1",
                "gone",
                sent("Wave", "Wave at her.", "Gone now"),
            ),
            row(4, "gone-2", "gone", Shown::default()),
            row(5, "old-1", "old", Shown::default()),
        ];
        let entries: Vec<Entry> = rows.iter().cloned().map(Entry::Sent).collect();
        let mut removed = BTreeMap::new();
        let mut lent = library.get("sister-1").unwrap().clone();
        lent.id = "old-1".into();
        lent.body = "From a removed file.".into();
        removed.insert(lent.id.clone(), lent);
        let words = Words::new(&library, &entries, removed);
        let bodies: Vec<Option<String>> = rows.iter().map(|r| words.body(r)).collect();
        assert_eq!(
            bodies,
            [
                Some("Send her a photo.".into()),
                Some("Send her a photo, reworded.".into()),
                Some("Wave at her.".into()),
                None,
                Some("From a removed file.".into()),
            ]
        );
        assert_eq!(words.title(&rows[3]), None);
        assert_eq!(words.title(&rows[2]).as_deref(), Some("Wave"));
        let name = |l: &str| words.ladder_name(l.parse().unwrap());
        assert_eq!(name("sister").as_deref(), Some("Telling my sister"));
        assert_eq!(name("gone").as_deref(), Some("Gone now"));
        assert_eq!(name("old"), None);
        assert_eq!(name("emotional"), None);
    }
}
