//! The journal, read for the digest: `load` and `read_settings` are the store's side of
//! `closer_core::history` (re-exported here), which digests what they read.
//!
//! `load` reads a window, not the whole journal, so that a wake's cost and the daemon's
//! memory do not grow with the journal's age: the entries of the last [`WINDOW`] before
//! `now` (and any dated later), every move, and — through indexed queries — what a ladder's rules
//! need from before that (the latest [`AT_RUNG`] answers at its current rung, and its
//! latest answer). A review of a finished rung more than [`WINDOW`] overdue is dropped.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

pub use closer_core::history::*;

use crate::config::Config;
use crate::content::{Category, Ladder};
use crate::journal::{AnswerKind, Entry, Journal, JournalError};
use crate::progress::{self, Move, Standing};

/// The settings the person changed from the terminal, as the journal holds them.
pub fn read_settings(journal: &Journal) -> Result<Settings, JournalError> {
    let paused_until = journal.setting(keys::PAUSED_UNTIL)?.and_then(|v| {
        if v == "indefinitely" {
            Some(indefinitely())
        } else {
            v.parse().ok()
        }
    });
    // Shipped ladders and the person's own alike; a key that names no ladder id
    // (written by hand, or by a future version) is passed over.
    let ladders = journal
        .settings_with_prefix("ladder.")?
        .into_iter()
        .filter_map(|(key, v)| {
            let ladder = key.strip_prefix("ladder.")?.parse::<Ladder>().ok()?;
            Some((ladder, v == "on"))
        })
        .collect();
    Ok(Settings {
        paused_until,
        steps_paused: journal.setting(keys::STEPS_PAUSED)?,
        ladders,
        fewer_said: journal.setting(keys::FEWER_SAID)?.is_some(),
    })
}

/// Reads what planning and the ladders' rules need from the journal (see the module
/// header) and digests it.
pub fn load(
    journal: &Journal,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<History, JournalError> {
    let settings = read_settings(journal)?;
    let since = now - WINDOW;
    let mut entries = journal.window(since)?;
    let moves: Vec<(DateTime<Utc>, Move)> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Move(m) => Some(dated_move(m)),
            _ => None,
        })
        .collect();
    let standings = progress::standings(&moves);
    // The ladders answered on in the window: their latest answer is in it.
    let step_ladders: BTreeMap<i64, Ladder> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Sent(s) if s.category == Category::Step => Some((s.id, s.ladder?)),
            _ => None,
        })
        .collect();
    let answered: BTreeSet<Ladder> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Answer(a) if a.kind != AnswerKind::Snooze => {
                step_ladders.get(&a.sent_id).copied()
            }
            _ => None,
        })
        .collect();
    // Every ladder that may have answers: the shipped ones, the person's own turned
    // on, and any that ever moved (an own ladder's older answers count as much).
    let mut ladders: BTreeSet<Ladder> = Ladder::ALL.iter().copied().collect();
    ladders.extend(config.ladders.iter().copied());
    ladders.extend(settings.ladders.keys().copied());
    ladders.extend(standings.keys().copied());
    for ladder in &ladders {
        let standing = standings
            .get(ladder)
            .cloned()
            .unwrap_or_else(Standing::start);
        if standing.since.is_none_or(|at| at < since) {
            entries.extend(journal.step_answers_on(
                *ladder,
                Some(standing.rung),
                standing.since,
                AT_RUNG,
            )?);
        }
        if !answered.contains(ladder) {
            entries.extend(journal.step_answers_on(*ladder, None, None, 1)?);
        }
    }
    crate::journal::sort_entries(&mut entries);
    let mut history = History::digest(&entries, &settings, config.limits.snooze);
    history.state.reviews.retain(|r| r.due >= since);
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Distress, NewAnswer, NewMove, NewSent, Shown};
    use chrono::{TimeDelta, TimeZone};

    /// Two years of a step a day, answered every other day, with a move now and then:
    /// the window gives the rules what the whole journal would.
    #[test]
    fn the_window_gives_the_rules_what_the_whole_journal_would() {
        window_matches_whole(Ladder::Physical);
    }

    /// The same for a person's own ladder: its older answers count as much (they were
    /// once left out, as only the shipped ladders were looked up).
    #[test]
    fn the_window_gives_an_own_ladder_what_the_whole_journal_would() {
        window_matches_whole("my-sister".parse().unwrap());
    }

    /// Two years of a step a day on the emotional ladder, answered every other day, with
    /// `side` left on rung 2 early and answered once more a year on.
    fn window_matches_whole(side: Ladder) {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        let (config, _) = crate::config::load(&crate::diag::Source::new("t.toml", ""), None);
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap();
        // The physical ladder is left on rung 2 early, and answered once more a year on.
        journal
            .record_move(&NewMove {
                at: start,
                ladder: side,
                from: 1,
                to: 2,
                cause: crate::journal::Cause::Up,
                reason: "set by you".into(),
            })
            .unwrap();
        journal
            .write(|journal| -> Result<(), JournalError> {
                for day in 0..730 {
                    let at = start + TimeDelta::days(day);
                    let ladder = if day == 400 { side } else { Ladder::Emotional };
                    let rung = if ladder == side {
                        2
                    } else {
                        1 + (day / 200) as u8
                    };
                    let id = journal
                        .record_sent(&NewSent {
                            at,
                            due: at,
                            rule: "daily".into(),
                            category: Category::Step,
                            prompt: Some(format!("{ladder}-{rung}")),
                            ladder: Some(ladder),
                            rung: Some(rung),
                            shown: Shown {
                                title: Some(format!("Rung {rung}")),
                                body: Some(format!("The step on rung {rung}.")),
                                ladder_name: Some(ladder.to_string()),
                            },
                        })
                        .unwrap();
                    if day % 2 == 0 || day == 400 {
                        journal
                            .record_answer(&NewAnswer {
                                sent_id: id,
                                at: at + TimeDelta::hours(1),
                                kind: AnswerKind::Done,
                                distress: Distress::new((day % 11) as u8),
                                happened: None,
                                source: "terminal",
                                too_much: false,
                            })
                            .unwrap();
                    }
                    if day % 200 == 199 {
                        journal
                            .record_move(&NewMove {
                                at: at + TimeDelta::hours(2),
                                ladder: Ladder::Emotional,
                                from: rung,
                                to: rung + 1,
                                cause: crate::journal::Cause::Up,
                                reason: "up".into(),
                            })
                            .unwrap();
                    }
                }
                Ok(())
            })
            .unwrap();
        let now = start + TimeDelta::days(730);
        let window = load(&journal, &config, now).unwrap();
        let whole = History::digest(
            &journal.entries(None).unwrap(),
            &read_settings(&journal).unwrap(),
            config.limits.snooze,
        );
        assert!(window.state.sent.len() < 200, "{}", window.state.sent.len());
        assert_eq!(whole.state.sent.len(), 730);
        assert_eq!(window.standings, whole.standings);
        assert_eq!(window.state.rungs, whole.state.rungs);
        for ladder in [Ladder::Emotional, side, Ladder::Spiritual] {
            // The latest AT_RUNG of them, which is all the rules look at.
            let all = whole.answers_at_rung(ladder);
            let latest = &all[all.len().saturating_sub(AT_RUNG as usize)..];
            assert_eq!(window.answers_at_rung(ladder), latest, "{ladder}");
            assert_eq!(window.last_activity(ladder), whole.last_activity(ladder));
        }
        assert_eq!(window.state.after_setback, whole.state.after_setback);
        let last3 = |h: &History| {
            h.step_answers
                .iter()
                .rev()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(last3(&window), last3(&whole));
    }
}
