//! What the daemon records, and holds between turns: the journal, and what could not be
//! written to it yet (prompts sent, answers, how steps went), kept in memory, planned
//! with, and written at the next wake or, at a stop, to the recovery file.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{debug, error, info, warn};

use crate::config::Config;
use crate::content::Library;
use crate::history::{History, keys};
use crate::journal::{AnswerKind, Entry, Journal, NewAnswer, NewSent, Opened};
use crate::notify::{Delivery, Notifier};
use crate::planner::{Firing, Planner, Sent};
use crate::progress::Decision;
use crate::record::{self, HowItWent};

use super::send::say;
use crate::setup::{self, Restarts};

/// The journal, and what could not be written to it yet.
#[derive(Debug)]
pub(super) struct Records {
    pub(super) journal: Option<Journal>,
    /// Where the journal is, to open it again when it could not be opened.
    pub(super) path: std::path::PathBuf,
    /// How long a write waits for another process's; a test hands a short one.
    pub(super) busy_timeout: Duration,
    /// Sent prompts not in the journal yet, with the notification they were shown as.
    pub(super) unsaved: Vec<(NewSent, Option<u32>)>,
    /// Answers to notifications whose prompt is not in the journal yet, or that failed.
    pub(super) pending: Vec<(u32, AnswerKind, DateTime<Utc>)>,
    /// How steps went (follow-ups) that could not be written yet: the answer's id in the
    /// journal, and what was said.
    pub(super) pending_how: Vec<(i64, HowItWent)>,
    /// Notification id to the journal's sent id.
    pub(super) shown: HashMap<u32, i64>,
    /// A "how did it go?" notification's id to the id of the answer it asks about: a
    /// follow-up completes that answer and no other.
    pub(super) asked: HashMap<u32, i64>,
}

impl Records {
    pub(super) fn open(path: &Path, busy_timeout: Duration) -> Records {
        let mut records = Records {
            journal: None,
            path: path.to_owned(),
            busy_timeout,
            unsaved: Vec::new(),
            pending: Vec::new(),
            pending_how: Vec::new(),
            shown: HashMap::new(),
            asked: HashMap::new(),
        };
        records.journal = Records::connect(path, busy_timeout, true);
        records
    }

    /// Opens the journal; `loud` says why it cannot be (a retry at each wake is quiet).
    pub(super) fn connect(path: &Path, busy_timeout: Duration, loud: bool) -> Option<Journal> {
        let opened = Journal::open(path).and_then(|(journal, opened)| {
            journal.set_busy_timeout(busy_timeout)?;
            Ok((journal, opened))
        });
        match opened {
            Ok((journal, Opened::Recovered { moved_to, why })) => {
                error!(
                    "the journal {} was damaged ({why}); it was moved to {} and a fresh one started",
                    path.display(),
                    moved_to.display()
                );
                Some(journal)
            }
            Ok((journal, _)) => Some(journal),
            Err(e) if loud => {
                error!(
                    "cannot open the journal: {e}; running without it, keeping what happens in memory and trying again at every wake"
                );
                None
            }
            Err(e) => {
                debug!("still cannot open the journal: {e}");
                None
            }
        }
    }

    /// Opens the journal if it could not be opened before (a data dir made writable since,
    /// say), so that what the terminal wrote there (a pause) is seen.
    pub(super) fn reopen(&mut self) {
        if self.journal.is_none() {
            self.journal = Records::connect(&self.path, self.busy_timeout, false);
            if self.journal.is_some() {
                info!("the journal {} is open now", self.path.display());
            }
        }
    }

    /// The config with what the terminal keeps in the journal applied (a pause, ladders
    /// turned on or off); the config alone when the journal cannot be read.
    pub(super) fn settled(&self, config: &Config) -> Config {
        let Some(journal) = &self.journal else {
            return config.clone();
        };
        setup::settled(config, journal).unwrap_or_else(|e| {
            warn!("cannot read the journal's settings: {e}; answering with the config alone");
            config.clone()
        })
    }

    /// Hands back what the journal's connection and the heap hold but do not use.
    pub(super) fn release(&self) {
        if let Some(journal) = &self.journal {
            journal.release_memory();
        }
        release_free_memory();
    }

    /// Replays what an earlier run could not write (see `crate::recovery`).
    pub(super) fn replay(
        &self,
        file: &Path,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) {
        let Some(journal) = &self.journal else { return };
        match crate::recovery::replay(journal, config, library, file, now) {
            Ok(None) => {}
            Ok(Some(done)) => info!(
                "replayed {} unsaved record(s) from {} into the journal ({} skipped)",
                done.records,
                file.display(),
                done.skipped
            ),
            Err(e) => warn!("cannot replay {} yet: {e:#}; it is kept", file.display()),
        }
    }

    /// What is still not in the journal, as records for the recovery file.
    pub(super) fn unwritten(&self) -> Vec<crate::recovery::Unsaved> {
        use crate::recovery::Unsaved;
        let sent = self.unsaved.iter().map(|(s, n)| Unsaved::sent(s, *n));
        let answers = self
            .pending
            .iter()
            .map(|(n, kind, at)| Unsaved::answer(self.shown.get(n).copied(), *n, *kind, *at));
        let how = self
            .pending_how
            .iter()
            .map(|(answer_id, how)| Unsaved::how_it_went(*answer_id, *how));
        sent.chain(answers).chain(how).collect()
    }

    /// The planner's inputs at `now` (restarting ladders after a long break, recorded as
    /// moves), with what is not written yet added.
    pub(super) fn read(
        &self,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) -> (Config, History) {
        let (config, mut history) =
            match setup::inputs(config, self.journal.as_ref(), now, Restarts::Record) {
                Ok(inputs) => {
                    for m in &inputs.restarts {
                        info!("{} ladder: {}", library.ladder_name(m.ladder), m.reason);
                    }
                    (inputs.config, inputs.history)
                }
                Err(e) => {
                    warn!("cannot read the journal: {e}; planning from what is in memory");
                    (config.clone(), History::default())
                }
            };
        history
            .state
            .sent
            .extend(self.unsaved.iter().map(|(s, _)| Sent {
                at: s.at,
                rule: s.rule.clone(),
                due: s.due,
                category: s.category,
                prompt: s.prompt.clone(),
                answered: false,
            }));
        (config, history)
    }

    /// Records a prompt that went out (or keeps it until it can be written).
    pub(super) fn sent(
        &mut self,
        planner: &Planner,
        firing: &Firing,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) {
        let new = NewSent::planned(
            firing.at,
            firing.due,
            planner.config.schedule[firing.rule].name.clone(),
            firing.category,
            firing.prompt.clone(),
            planner.library,
        );
        let shown = match delivery {
            Delivery::Shown(n) => Some(n),
            Delivery::Printed => None,
        };
        self.unsaved.push((new, shown));
        self.flush(planner.config, planner.library, now);
    }

    /// Writes what is waiting; keeps what still cannot be written.
    pub(super) fn flush(&mut self, config: &Config, library: &Library, now: DateTime<Utc>) {
        self.reopen();
        let Some(journal) = &self.journal else { return };
        while let Some((new, shown)) = self.unsaved.first() {
            match journal.record_shown(new, *shown) {
                Ok(id) => {
                    if let Some(n) = shown {
                        self.shown.insert(*n, id);
                    }
                    self.unsaved.remove(0);
                }
                Err(e) => {
                    warn!(
                        "cannot write to the journal: {e}; keeping {} prompt(s) in memory to try again",
                        self.unsaved.len()
                    );
                    return;
                }
            }
        }
        let pending = std::mem::take(&mut self.pending);
        for (n, kind, at) in pending {
            self.store_answer(n, kind, at, config, library, now);
        }
        let pending_how = std::mem::take(&mut self.pending_how);
        for (answer_id, how) in pending_how {
            self.store_how(answer_id, how, config, library, now);
        }
    }

    pub(super) fn store_answer(
        &mut self,
        n: u32,
        kind: AnswerKind,
        at: DateTime<Utc>,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) -> Option<record::Recorded> {
        let (Some(journal), Some(&sent_id)) = (&self.journal, self.shown.get(&n)) else {
            self.pending.push((n, kind, at));
            return None;
        };
        let answer = NewAnswer::from_notification(sent_id, kind, at);
        match record::answer(journal, config, library, &answer, now) {
            Ok(recorded) => {
                match &recorded.decision {
                    Some(Decision::Move(m)) => {
                        info!("{} ladder: {}", library.ladder_name(m.ladder), m.reason)
                    }
                    Some(Decision::Hold(why)) => debug!("{why}"),
                    None => {}
                }
                Some(recorded)
            }
            Err(record::AnswerError::Refused(why)) => {
                warn!("answer to notification {n} not recorded: {why}");
                None
            }
            Err(record::AnswerError::Journal(e)) => {
                warn!("cannot record the answer yet: {e}; it is kept in memory");
                self.pending.push((n, kind, at));
                None
            }
        }
    }

    /// Whether the prompt shown as notification `n` has an answer in the journal.
    pub(super) fn answered(&self, n: u32) -> bool {
        let (Some(journal), Some(&sent_id)) = (&self.journal, self.shown.get(&n)) else {
            return false;
        };
        let Ok(Some(sent)) = journal.sent(sent_id) else {
            return false;
        };
        journal.entries(Some(sent.at)).is_ok_and(|entries| {
            entries
                .iter()
                .any(|e| matches!(e, Entry::Answer(a) if a.sent_id == sent_id))
        })
    }

    /// When the weekly summary is next due: the first chosen moment after the last one
    /// sent (or after the daemon started, the first time), and after `skipped`, one that
    /// could not be noted in the journal.
    pub(super) fn summary_due(
        &self,
        config: &Config,
        started: DateTime<Utc>,
        skipped: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let trigger = config.weekly_summary.as_ref()?;
        let journal = self.journal.as_ref()?;
        let last = journal
            .setting(keys::SUMMARY_SENT)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(started);
        let last = skipped.map_or(last, |skipped| last.max(skipped));
        trigger.next_after(last, config.timezone, 0)
    }

    /// Sends two or three lines about the week, and remembers that it did; false when that
    /// cannot be noted in the journal (a full disk, say): then it is not sent, and the
    /// caller skips this week's.
    pub(super) async fn send_summary(
        &self,
        config: &Config,
        library: &Library,
        notifier: &mut Notifier,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(journal) = &self.journal else {
            return false;
        };
        if let Err(e) = journal.set_setting(keys::SUMMARY_SENT, Some(&now.to_rfc3339())) {
            warn!("cannot note the weekly summary in the journal ({e}); skipping it this week");
            return false;
        }
        let entries = match journal.entries(None) {
            Ok(entries) => entries,
            Err(e) => {
                warn!("cannot read the journal for the weekly summary: {e}");
                return true;
            }
        };
        let input = crate::report::ReportInput {
            entries: &entries,
            library,
            ladders: &config.ladders,
            tz: config.timezone,
            now,
            days: 7,
            steps_paused: None,
        };
        let lines = crate::report::summary_lines(&input);
        info!("sent the weekly summary");
        say(notifier, "Your week", &lines.join("\n")).await;
        true
    }

    /// The note on past harm, the first time the physical or sexual ladder is on.
    pub(super) fn past_harm_note_once(
        &self,
        config: &Config,
        now: DateTime<Utc>,
    ) -> Option<&'static str> {
        let journal = self.journal.as_ref()?;
        record::past_harm_note_once(journal, &config.ladders, now).unwrap_or_else(|e| {
            warn!("cannot note in the journal that the note on past harm was said: {e}");
            None
        })
    }

    /// A gentler way into the rung of the step `firing` sends, when its ladder held
    /// [`crate::progress::HOLD_BOUND`] answers there and none was offered in a
    /// notification during this stay on the rung; marks it offered.
    pub(super) fn gentler_once(
        &self,
        library: &Library,
        history: &History,
        firing: &Firing,
        config: &Config,
    ) -> Option<String> {
        let journal = self.journal.as_ref()?;
        let ladder = library.get(firing.prompt.as_deref()?)?.ladder?;
        let (_, gentler) = record::standing_words(library, history, ladder, config.timezone);
        let gentler = gentler?;
        let stay = history
            .standing(ladder)
            .since
            .map_or_else(|| "start".to_owned(), |t| t.to_rfc3339());
        let key = keys::gentler(ladder);
        if journal.setting(&key).ok().flatten().as_deref() == Some(stay.as_str()) {
            return None;
        }
        journal.set_setting(&key, Some(&stay)).ok()?;
        Some(gentler)
    }

    /// Whether the "fewer steps" note is still to be said; marks it said.
    pub(super) fn say_fewer_once(&self, now: DateTime<Utc>) -> bool {
        let Some(journal) = &self.journal else {
            return false;
        };
        match journal.setting(keys::FEWER_SAID) {
            Ok(None) => journal
                .set_setting(keys::FEWER_SAID, Some(&now.to_rfc3339()))
                .is_ok(),
            _ => false,
        }
    }
}

/// Gives the heap's free pages back to the system. glibc keeps them otherwise, so the
/// high-water mark of parsing the config and content (at start, and at every reload beside
/// the running ones) or of a wake's reading would stay resident for as long as the daemon
/// runs. It costs microseconds on a heap this small, once before each sleep.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only hands the allocator's free pages back.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::super::answers::HOW_KEY;
    use super::*;
    use crate::diag::Source;
    use crate::journal;
    use crate::notify::{Answer, Event, Message};
    use crate::planner::Planner;

    /// A config with one step rule, and the shipped content.
    fn one_step_rule() -> (Config, Library) {
        let (config, diags) = crate::config::load(
            &Source::new(
                "t.toml",
                "timezone = \"UTC\"\n[[schedule]]\nname = \"s\"\nsend = \"step\"\nat = \"09:00\"\n",
            ),
            None,
        );
        assert!(diags.is_empty(), "{diags:?}");
        (config, Library::load(None).0)
    }

    #[test]
    fn what_cannot_be_written_is_kept_planned_with_and_written_later() {
        let dir = tempfile::tempdir().unwrap();
        let (config, library) = one_step_rule();
        let planner = Planner::new(&config, &library, 1);
        let mut records =
            Records::open(&dir.path().join(journal::FILE_NAME), journal::BUSY_TIMEOUT);
        let now = Utc::now();
        let firing = planner.off_schedule(0, &History::default().state, now);

        // The disk refuses writes: the prompt is kept, and planned with.
        records
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(true)
            .unwrap();
        records.sent(&planner, &firing, Delivery::Shown(7), now);
        assert_eq!(records.unsaved.len(), 1);
        let (_, history) = records.read(&config, &library, now);
        assert_eq!(history.state.sent.len(), 1);
        // An answer to it waits too.
        let event = Event {
            id: 7,
            prompt: firing.prompt.clone(),
            answer: Answer::Action("done".into()),
            message: Message::note("t", "b"),
        };
        records.answer(&event, &config, &library, now);
        assert_eq!(records.pending.len(), 1);

        // The disk is back: both are written, once.
        records
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(false)
            .unwrap();
        records.flush(&config, &library, now);
        assert!(records.unsaved.is_empty() && records.pending.is_empty());
        let entries = records.journal.as_ref().unwrap().entries(None).unwrap();
        let kinds: Vec<&str> = entries
            .iter()
            .map(|e| match e {
                Entry::Sent(_) => "sent",
                Entry::Answer(_) => "answer",
                Entry::Move(_) => "move",
            })
            .collect();
        assert_eq!(kinds, ["sent", "answer"]);
        records.flush(&config, &library, now);
        assert_eq!(
            records
                .journal
                .as_ref()
                .unwrap()
                .entries(None)
                .unwrap()
                .len(),
            2
        );
    }

    /// How a step went, said while the disk refuses writes, is kept, goes to the recovery
    /// file at a stop, and is written once the disk takes writes again: "Too much" counts
    /// toward the pause as any answer does (issue 23, item 1).
    #[test]
    fn how_it_went_that_cannot_be_written_is_kept_and_written_later() {
        let dir = tempfile::tempdir().unwrap();
        let (config, library) = one_step_rule();
        let planner = Planner::new(&config, &library, 1);
        let mut records =
            Records::open(&dir.path().join(journal::FILE_NAME), journal::BUSY_TIMEOUT);
        let now = Utc::now();
        let firing = planner.off_schedule(0, &History::default().state, now);
        records.sent(&planner, &firing, Delivery::Shown(7), now);
        let done = Event {
            id: 7,
            prompt: firing.prompt.clone(),
            answer: Answer::Action("done".into()),
            message: Message::note("t", "b"),
        };
        let heard = records.answer(&done, &config, &library, now);
        let ask = heard.ask.expect("asked how it went");
        records.asked.insert(8, ask.answer_id);

        // The disk refuses writes: "Too much" is kept, and still names where help is.
        let journal = records.journal.as_ref().unwrap();
        journal.refuse_writes(true).unwrap();
        let too_much = Event {
            id: 8,
            prompt: firing.prompt.clone(),
            answer: Answer::Action(format!("{HOW_KEY}too-much")),
            message: Message::note("How did it go?", "b"),
        };
        let heard = records.answer(&too_much, &config, &library, now);
        assert!(heard.too_much);
        assert_eq!(records.pending_how.len(), 1);
        let kept = records.unwritten();
        assert!(
            kept.iter().any(|u| matches!(
                u,
                crate::recovery::Unsaved::HowItWent { felt: Some(f), .. } if f == "too-much"
            )),
            "{kept:?}"
        );

        // The disk is back: it completes that answer, once.
        records
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(false)
            .unwrap();
        records.flush(&config, &library, now);
        assert!(records.pending_how.is_empty());
        let answer = records
            .journal
            .as_ref()
            .unwrap()
            .answer(ask.answer_id)
            .unwrap()
            .unwrap();
        assert!(answer.too_much, "{answer:?}");
    }
}
