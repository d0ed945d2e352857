//! `closer run`: the daemon. It plans, sleeps on the wall clock until the next prompt is
//! due, sends it, records it in the journal, and plans again; answers from notifications
//! are recorded and move the ladders (after "Did it" or "It was hard" it asks once, in the
//! answered notification's place, how it went; a discreet one clicked shows its text in
//! place); an edit of the config or a pack (or SIGHUP) reloads
//! them; SIGUSR1 (sent by the terminal's commands after they write the journal) only has
//! the journal read again; SIGTERM or SIGINT stop it.
//!
//! Between prompts it does not wake: the only things that can wake it are the timer, a
//! signal, an answer from the notification server, a change in the watched directories,
//! and — only while the server is away — the backoff to look for it again. All decisions are the planner's and the progression
//! rules'; this file carries them out. What cannot be written to the journal yet (a full
//! disk, say) is kept in memory, planned with, and written at the next wake; what is still
//! unwritten at a stop goes to the recovery file (`crate::recovery`), replayed at the next
//! start. A journal that could not be opened is tried again at every wake.
//!
//! The signal handlers exist before the lock names the pid (so an early SIGUSR1 from
//! `closer pause`, or a SIGHUP, cannot end it); the clock is read once at the top of each
//! turn of the loop and that `now` is passed down, and again when an answer arrives (it is
//! dated then). What a turn reads is let go before the daemon sleeps, so its memory does
//! not grow with wakes or with the journal's age.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use crate::Status;
use crate::config::Config;
use crate::content::{Category, Library};
use crate::history::{History, keys};
use crate::journal::{AnswerKind, Entry, Happened, Journal, NewAnswer, NewSent, Opened};
use crate::notify::{Answer, DEFAULT_ACTION, Delivery, Event, Message, Notifier, step_label};
use crate::paths::Paths;
use crate::planner::{Firing, Planner, Sent, Wake};
use crate::progress::{Decision, Felt};
use crate::record::{self, FollowedUp, HowItWent};
use crate::setup::{self, Restarts, Setup};
use crate::timer::{self, WallTimer};
use crate::watch::{Change, Watcher};

pub async fn run(paths: &Paths) -> anyhow::Result<Status> {
    // The handlers exist before the lock names our pid: `closer pause` sends SIGUSR1 to
    // that pid (and a person may send SIGHUP), and without a handler either would end the
    // daemon.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigusr1 = signal(SignalKind::user_defined1())?;
    // `main` held these signals back until now (one sent in the first milliseconds, before
    // a handler existed, would have ended the daemon); one that came meanwhile comes now.
    crate::signals::release();
    let mut locks = crate::lock::acquire_both(&paths.runtime, &paths.data)?;
    // Handlers and lock in place: systemd may send SIGHUP from now on (`Type=notify`).
    crate::ready::tell_systemd();
    let mut setup = Setup::load(paths)?;
    if !setup.problems.is_empty() {
        warn!(
            "{} has problems; running on what is valid:",
            paths.config.display()
        );
        for problem in &setup.problems {
            warn!("  {problem}");
        }
    }
    if !paths.seed().exists() {
        info!("welcome: closer is self-help, not therapy; `closer about` says where to find help");
    }
    // The icon and name its notifications show, from the first run on.
    match crate::service::desktop_files_for_this_user() {
        Ok((_, written)) => {
            for path in written {
                info!("wrote {} for closer's notifications", path.display());
            }
        }
        Err(e) => warn!("{e}; notifications show no icon of closer's"),
    }
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let mut memory = Memory::open(&paths.journal());
    memory.replay(&paths.recovery(), &setup.config, &setup.library);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let mut notifier = Notifier::new(setup.config.max_open, events_tx);
    notifier.probe().await;
    let mut timer = WallTimer::new()?;
    let mut watcher = match Watcher::new(&paths.config, &paths.user_content) {
        Ok(w) => Some(w),
        Err(e) => {
            warn!("cannot watch the config for changes ({e}); SIGHUP reloads it");
            None
        }
    };
    // The problems last reported, so a broken config is announced once, not at every save.
    let mut reported = setup.problems.clone();

    // Everything up to here has been dealt with.
    let started = Utc::now();
    let mut cursor = started;
    info!(
        "closer is running with {} from {}",
        rules(setup.config.schedule.len()),
        setup.origin(paths)
    );
    loop {
        // A data dir that could not be made at the start may be usable now: its lock keeps
        // a second daemon out once the runtime dir is gone. One that took it meanwhile
        // keeps the journal; this one gives way, so that one daemon sends, not two.
        if let Err(crate::lock::LockError::Held { pid }) = locks.take_missing() {
            error!("another closer (pid {pid}) keeps the journal now; this one stops");
            break;
        }
        // The clock is read once per turn; everything below plans with this `now`.
        let now = Utc::now();
        memory.flush(&setup.config, &setup.library);
        // The journal is read afresh at every wake: the terminal may have answered,
        // paused or moved a ladder meanwhile. What this reads is let go before the sleep
        // (the block ends): kept, a ten-year journal's 92-day window would stay in memory,
        // and what is rebuilt at every wake beside it would leave the heap in fragments.
        let wake_at = {
            let (config, history) = memory.read(&setup.config, &setup.library, now);
            let planner = Planner::new(&config, &setup.library, seed);
            let summary_at = memory.summary_due(&config, started);
            if summary_at.is_some_and(|at| at <= now) {
                memory
                    .send_summary(&config, &setup.library, &mut notifier, now)
                    .await;
                continue;
            }
            let wake = planner.wake(&history.state, cursor, now);
            if !wake.send.is_empty() || !wake.missed.is_empty() {
                send_due(&planner, &mut memory, &mut notifier, &wake, &history, now).await;
                // A clock set backwards must not send again what was sent.
                cursor = cursor.max(now);
                continue;
            }
            match &wake.next {
                Some(next) => debug!(
                    "next: \"{}\" at {}",
                    config.schedule[next.rule].name,
                    local(&config, next.at)
                ),
                None => info!(
                    "nothing is scheduled; waiting for a config change (SIGHUP) or `closer resume`"
                ),
            }
            wake.next
                .map(|f| f.at)
                .into_iter()
                .chain(summary_at)
                .min()
                .unwrap_or_else(|| timer::never(now))
        };
        memory.release();
        tokio::select! {
            woke = timer.wait_until(wake_at) => {
                if woke? == timer::Wake::ClockChanged {
                    info!("the clock changed; planning again");
                }
            }
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => {
                reload(paths, &mut setup, &mut notifier, &mut reported).await;
                close_answered(&memory, &mut notifier).await;
            }
            _ = sigusr1.recv() => {
                // The terminal wrote to the journal (an answer, a pause, a ladder moved):
                // the next turn reads it; the config and content are as they were.
                debug!("woken to read the journal again");
                // An answered step's notification goes once it is answered.
                close_answered(&memory, &mut notifier).await;
            }
            change = changed(&mut watcher) => {
                match change {
                    Ok(Change::Zone) => info!("the system time zone changed"),
                    Ok(Change::Config) => info!("the config or a content pack changed"),
                    Err(e) => {
                        warn!("stopped watching the config ({e}); SIGHUP reloads it");
                        watcher = None;
                        continue;
                    }
                }
                reload(paths, &mut setup, &mut notifier, &mut reported).await;
            }
            Some(event) = events.recv() => {
                let config = memory.settled(&setup.config);
                let heard = memory.answer(&event, &config, &setup.library);
                if heard.reveal {
                    // A click on the body: a hidden text is shown in full; a step shows
                    // its choices again, with how to answer from the terminal. From what
                    // the event says it showed: the server may have closed it since.
                    let choices = event.message.actions.iter().any(|(k, _)| k == DEFAULT_ACTION);
                    if event.message.hidden {
                        reveal(&mut notifier, &mut memory, &event, &setup.library).await;
                    } else if choices {
                        notifier.show_choices(event.id, &event.message).await;
                    } else {
                        // A click on a note that stays (notify-osd's "OK" on the one naming
                        // where help is): seen.
                        notifier.close(event.id).await;
                    }
                    continue;
                }
                if let Some(ask) = heard.ask {
                    // The question takes the answered notification's place.
                    ask_how_it_went(&mut notifier, &mut memory, &event, ask, &setup.library)
                        .await;
                } else if heard.no_chance {
                    // The occasion may still come this week: the step stays, without
                    // "No chance yet".
                    keep_open(&mut notifier, &mut memory, &event, &config, &setup.library).await;
                } else if matches!(event.answer, Answer::Action(_)) {
                    // Some servers leave an answered notification on screen.
                    notifier.close(event.id).await;
                }
                if heard.paused {
                    urgent(&mut notifier, &record::pause_note(&config)).await;
                } else if heard.too_much {
                    urgent(&mut notifier, &record::help_note(&config)).await;
                }
                if let Some(line) = &heard.said_before {
                    say(&mut notifier, "Already noted", line).await;
                }
            }
            () = notifier.until_retry() => {
                notifier.probe().await;
            }
        }
    }
    info!("stopping");
    notifier.close_all().await;
    let config = memory.settled(&setup.config);
    while let Ok(event) = events.try_recv() {
        memory.answer(&event, &config, &setup.library);
    }
    memory.flush(&setup.config, &setup.library);
    crate::recovery::keep_or_print(&paths.recovery(), &memory.unwritten());
    Ok(Status::Success)
}

/// The journal, and what could not be written to it yet.
#[derive(Debug)]
struct Memory {
    journal: Option<Journal>,
    /// Where the journal is, to open it again when it could not be opened.
    path: std::path::PathBuf,
    /// Sent prompts not in the journal yet, with the notification they were shown as.
    unsaved: Vec<(NewSent, Option<u32>)>,
    /// Answers to notifications whose prompt is not in the journal yet, or that failed.
    pending: Vec<(u32, AnswerKind, DateTime<Utc>)>,
    /// How steps went (follow-ups) that could not be written yet: the answer's id in the
    /// journal, and what was said.
    pending_how: Vec<(i64, HowItWent)>,
    /// Notification id to the journal's sent id.
    shown: HashMap<u32, i64>,
    /// A "how did it go?" notification's id to the id of the answer it asks about: a
    /// follow-up completes that answer and no other.
    asked: HashMap<u32, i64>,
}

impl Memory {
    fn open(path: &Path) -> Memory {
        let mut memory = Memory {
            journal: None,
            path: path.to_owned(),
            unsaved: Vec::new(),
            pending: Vec::new(),
            pending_how: Vec::new(),
            shown: HashMap::new(),
            asked: HashMap::new(),
        };
        memory.journal = Memory::connect(path, true);
        memory
    }

    /// Opens the journal; `loud` says why it cannot be (a retry at each wake is quiet).
    fn connect(path: &Path, loud: bool) -> Option<Journal> {
        match Journal::open(path) {
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
    fn reopen(&mut self) {
        if self.journal.is_none() {
            self.journal = Memory::connect(&self.path, false);
            if self.journal.is_some() {
                info!("the journal {} is open now", self.path.display());
            }
        }
    }

    /// The config with what the terminal keeps in the journal applied (a pause, ladders
    /// turned on or off); the config alone when the journal cannot be read.
    fn settled(&self, config: &Config) -> Config {
        let Some(journal) = &self.journal else {
            return config.clone();
        };
        setup::settled(config, journal).unwrap_or_else(|e| {
            warn!("cannot read the journal's settings: {e}; answering with the config alone");
            config.clone()
        })
    }

    /// Hands back what the journal's connection and the heap hold but do not use.
    fn release(&self) {
        if let Some(journal) = &self.journal {
            journal.release_memory();
        }
        release_free_memory();
    }

    /// Replays what an earlier run could not write (see `crate::recovery`).
    fn replay(&self, file: &Path, config: &Config, library: &Library) {
        let Some(journal) = &self.journal else { return };
        match crate::recovery::replay(journal, config, library, file, Utc::now()) {
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
    fn unwritten(&self) -> Vec<crate::recovery::Unsaved> {
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
    fn read(&self, config: &Config, library: &Library, now: DateTime<Utc>) -> (Config, History) {
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
    fn sent(&mut self, planner: &Planner, firing: &Firing, delivery: Delivery) {
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
        self.flush(planner.config, planner.library);
    }

    /// Writes what is waiting; keeps what still cannot be written.
    fn flush(&mut self, config: &Config, library: &Library) {
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
            self.store_answer(n, kind, at, config, library);
        }
        let pending_how = std::mem::take(&mut self.pending_how);
        for (answer_id, how) in pending_how {
            self.store_how(answer_id, how, config, library);
        }
    }

    /// Records an answer from a notification: what it calls for next.
    fn answer(&mut self, event: &Event, config: &Config, library: &Library) -> Heard {
        let prompt = event.prompt.as_deref().unwrap_or("?");
        let key = match &event.answer {
            Answer::Closed(reason) => {
                info!("notification {} (`{prompt}`) closed: {reason}", event.id);
                return Heard::default();
            }
            Answer::Replaced => {
                debug!("notification {} (`{prompt}`) closed to make room", event.id);
                return Heard::default();
            }
            Answer::Action(key) => key,
        };
        if key == DEFAULT_ACTION {
            return Heard {
                reveal: true,
                ..Heard::default()
            };
        }
        if let Some(how) = follow_up_answer(key) {
            return self.follow_up(event, how, config, library);
        }
        let label = step_label(key).unwrap_or(key);
        let Ok(kind) = key.parse::<AnswerKind>() else {
            debug!("notification {} (`{prompt}`): {key}", event.id);
            return Heard::default();
        };
        // Stored first, logged after: a logged answer is a kept answer.
        // An answer is dated when it arrives, which is not the turn's `now`: the daemon
        // may have waited hours for it.
        let recorded = self.store_answer(event.id, kind, Utc::now(), config, library);
        let kept = self.pending.iter().any(|(n, _, _)| *n == event.id);
        info!(
            "answer to notification {} (`{prompt}`): {key} (\"{label}\"){}",
            event.id,
            if kept {
                " (kept in memory until it can be written)"
            } else {
                ""
            }
        );
        // How it went is asked once, of an answer that was kept: about that answer.
        let ask = recorded
            .as_ref()
            .and_then(|r| r.answer_id)
            .filter(|_| kind.done())
            .map(|answer_id| Ask { kind, answer_id });
        Heard {
            paused: recorded.as_ref().is_some_and(|r| r.steps_paused),
            ask,
            no_chance: kind == AnswerKind::NoChance,
            ..Heard::default()
        }
    }

    /// Records how a step went, the answer to a follow-up: it completes the answer it
    /// asked about, and no other; the first word on it stands. Kept in memory when the
    /// journal cannot be written, as answers are.
    fn follow_up(
        &mut self,
        event: &Event,
        how: HowItWent,
        config: &Config,
        library: &Library,
    ) -> Heard {
        let Some(&answer_id) = self.asked.get(&event.id) else {
            warn!(
                "notification {}: how it went came for an answer this run did not ask about; not kept",
                event.id
            );
            return Heard::default();
        };
        info!(
            "how it went, for notification {} (`{}`): {}",
            event.id,
            event.prompt.as_deref().unwrap_or("?"),
            how_words(how)
        );
        self.store_how(answer_id, how, config, library)
    }

    fn store_how(
        &mut self,
        answer_id: i64,
        how: HowItWent,
        config: &Config,
        library: &Library,
    ) -> Heard {
        let Some(journal) = &self.journal else {
            self.pending_how.push((answer_id, how));
            return Heard::default();
        };
        match record::follow_up(journal, config, library, answer_id, how, Utc::now()) {
            Ok(FollowedUp::Recorded(recorded)) => {
                if let Some(Decision::Move(m)) = &recorded.decision {
                    info!("{} ladder: {}", library.ladder_name(m.ladder), m.reason);
                }
                Heard {
                    paused: recorded.steps_paused,
                    too_much: recorded.too_much,
                    ..Heard::default()
                }
            }
            Ok(FollowedUp::AlreadySaid(first)) => {
                info!(
                    "how answer {answer_id} went was already said (from the {}); the first word stands",
                    first.source
                );
                Heard {
                    said_before: Some(format!(
                        "How that step went was already noted from the {}; the first word stands.",
                        first.source
                    )),
                    ..Heard::default()
                }
            }
            Ok(FollowedUp::Unknown) => {
                warn!("how it went follows no answer {answer_id} in the journal; not kept");
                Heard::default()
            }
            Err(e) => {
                warn!("cannot record how it went yet: {e}; it is kept in memory");
                self.pending_how.push((answer_id, how));
                // "Too much" names where help is at once, written or not.
                Heard {
                    too_much: how.felt == Some(Felt::TooMuch),
                    ..Heard::default()
                }
            }
        }
    }

    fn store_answer(
        &mut self,
        n: u32,
        kind: AnswerKind,
        at: DateTime<Utc>,
        config: &Config,
        library: &Library,
    ) -> Option<record::Recorded> {
        let (Some(journal), Some(&sent_id)) = (&self.journal, self.shown.get(&n)) else {
            self.pending.push((n, kind, at));
            return None;
        };
        let answer = NewAnswer::from_notification(sent_id, kind, at);
        match record::answer(journal, config, library, &answer, Utc::now()) {
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
    fn answered(&self, n: u32) -> bool {
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
    /// sent (or after the daemon started, the first time).
    fn summary_due(&self, config: &Config, started: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let trigger = config.weekly_summary.as_ref()?;
        let journal = self.journal.as_ref()?;
        let last = journal
            .setting(keys::SUMMARY_SENT)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(started);
        trigger.next_after(last, config.timezone, 0)
    }

    /// Sends two or three lines about the week, and remembers that it did.
    async fn send_summary(
        &self,
        config: &Config,
        library: &Library,
        notifier: &mut Notifier,
        now: DateTime<Utc>,
    ) {
        let Some(journal) = &self.journal else { return };
        if let Err(e) = journal.set_setting(keys::SUMMARY_SENT, Some(&now.to_rfc3339())) {
            warn!("cannot note the weekly summary in the journal ({e}); skipping it this week");
            return;
        }
        let entries = match journal.entries(None) {
            Ok(entries) => entries,
            Err(e) => return warn!("cannot read the journal for the weekly summary: {e}"),
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
    }

    /// The note on past harm, the first time the physical or sexual ladder is on.
    fn past_harm_note_once(&self, config: &Config) -> Option<&'static str> {
        let journal = self.journal.as_ref()?;
        record::past_harm_note_once(journal, &config.ladders, Utc::now()).unwrap_or_else(|e| {
            warn!("cannot note in the journal that the note on past harm was said: {e}");
            None
        })
    }

    /// A gentler way into the rung of the step `firing` sends, when its ladder held
    /// [`crate::progress::HOLD_BOUND`] answers there and none was offered in a
    /// notification during this stay on the rung; marks it offered.
    fn gentler_once(
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
    fn say_fewer_once(&self, now: DateTime<Utc>) -> bool {
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

/// How many missed prompts are named one by one in the log.
const MISSED_SHOWN: usize = 24;

/// What an answer from a notification calls for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Heard {
    /// Steps were paused because of it: say so, and where help is.
    paused: bool,
    /// Ask how it went, about this answer.
    ask: Option<Ask>,
    /// Show the full text of a discreet notification, which was clicked.
    reveal: bool,
    /// "Too much": name where help is at once.
    too_much: bool,
    /// "No chance yet": the step stays open.
    no_chance: bool,
    /// How it went was already said elsewhere: this, to say so.
    said_before: Option<String>,
}

/// A follow-up to ask: about the answer `answer_id`, of `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ask {
    kind: AnswerKind,
    answer_id: i64,
}

/// The action keys of a follow-up: this, then a word of [`how_it_went`].
const HOW_KEY: &str = "how-";

/// The choices of a follow-up: whether what was feared happened, and "Too much", as
/// (word in the key, label, what it says).
const HOW_CHOICES: &[(&str, &str, HowItWent)] = &[
    (
        "no",
        "No",
        HowItWent {
            happened: Some(Happened::No),
            felt: None,
        },
    ),
    (
        "partly",
        "Partly",
        HowItWent {
            happened: Some(Happened::Partly),
            felt: None,
        },
    ),
    (
        "yes",
        "Yes",
        HowItWent {
            happened: Some(Happened::Yes),
            felt: None,
        },
    ),
    (
        "too-much",
        "Too much",
        HowItWent {
            happened: None,
            felt: Some(Felt::TooMuch),
        },
    ),
];

/// What a follow-up's key word says.
fn how_it_went(word: &str) -> Option<HowItWent> {
    HOW_CHOICES
        .iter()
        .find(|(w, _, _)| *w == word)
        .map(|(_, _, how)| *how)
}

/// What a follow-up said, for the log.
pub(crate) fn how_words(how: HowItWent) -> String {
    match (how.felt, how.happened) {
        (Some(felt), _) => format!("\"{}\"", felt.label()),
        (None, Some(h)) => format!("what was feared happened: {h}"),
        (None, None) => "nothing".to_owned(),
    }
}

/// Shows the full text of the prompt in a notification that was clicked, in its place,
/// with the answers a step takes.
async fn reveal(notifier: &mut Notifier, memory: &mut Memory, event: &Event, library: &Library) {
    let Some(message) = event
        .prompt
        .as_deref()
        .and_then(|id| Message::revealed(library, id))
    else {
        return;
    };
    let actions = message.actions.clone();
    if let Some(n) = notifier.replace(event.id, &message, &actions).await {
        if let Some(&sent_id) = memory.shown.get(&event.id) {
            memory.shown.insert(n, sent_id);
        }
        debug!(
            "showed notification {}'s text as notification {n}",
            event.id
        );
    }
}

/// Asks once how the step went, in place of the notification just answered (see
/// [`how_it_went_question`]). Closing it or letting it be costs nothing.
async fn ask_how_it_went(
    notifier: &mut Notifier,
    memory: &mut Memory,
    event: &Event,
    ask: Ask,
    library: &Library,
) {
    let Some(&sent_id) = memory.shown.get(&event.id) else {
        return;
    };
    let (message, actions) = how_it_went_question(library, event.prompt.as_deref(), ask.kind);
    if let Some(n) = notifier.replace(event.id, &message, &actions).await {
        memory.shown.insert(n, sent_id);
        memory.asked.insert(n, ask.answer_id);
        debug!("asked how it went as notification {n}");
    }
}

/// The question that follows a "Did it" or "It was hard" (`kind`) to the step `prompt`,
/// with its choices: did what was feared happen (in the step's own words, when it names
/// them), with "Too much" beside the answers ([`HOW_CHOICES`]). Asked by the daemon and
/// by `closer send` alike; [`follow_up_answer`] reads the choice.
pub(crate) fn how_it_went_question(
    library: &Library,
    prompt: Option<&str>,
    kind: AnswerKind,
) -> (Message, Vec<(String, String)>) {
    let step = prompt.and_then(|id| library.get(id));
    let personal = step
        .and_then(|p| p.ladder)
        .and_then(|l| library.ladder(l))
        .is_some_and(|l| l.personal);
    let question = match step.and_then(|p| p.feared.as_deref()) {
        Some(feared) if personal => format!("You feared that {feared}. Did that happen?"),
        Some(feared) => format!("If you feared that {feared}: did that happen?"),
        None => "Did what you feared happen?".to_owned(),
    };
    let thanks = match kind {
        AnswerKind::Hard => "Thank you for doing it.",
        _ => "Thank you.",
    };
    let mut message = Message::note("How did it go?", &format!("{question} {thanks}"));
    message.category = Category::Step;
    message.prompt = prompt.map(str::to_owned);
    message.stays = true;
    message.without_actions = Some(format!(
        "To answer: `closer {} --happened no` (or partly, yes), or `--felt too-much`.",
        kind.as_str()
    ));
    let actions: Vec<(String, String)> = HOW_CHOICES
        .iter()
        .map(|(word, label, _)| (format!("{HOW_KEY}{word}"), (*label).to_owned()))
        .collect();
    (message, actions)
}

/// What the action key of a follow-up's choice says; None for any other key.
pub(crate) fn follow_up_answer(key: &str) -> Option<HowItWent> {
    key.strip_prefix(HOW_KEY).and_then(how_it_went)
}

/// Shows a step answered "No chance yet" again, in its place, without that choice: the
/// occasion may still come this week.
async fn keep_open(
    notifier: &mut Notifier,
    memory: &mut Memory,
    event: &Event,
    config: &Config,
    library: &Library,
) {
    let Some(prompt) = event.prompt.as_deref().and_then(|id| library.get(id)) else {
        return;
    };
    let mut message = Message::for_prompt(prompt, config.discreet);
    message
        .actions
        .retain(|(key, _)| key != AnswerKind::NoChance.as_str());
    let actions = message.actions.clone();
    if let Some(n) = notifier.replace(event.id, &message, &actions).await
        && let Some(&sent_id) = memory.shown.get(&event.id)
    {
        memory.shown.insert(n, sent_id);
    }
}

/// Sends what came due (after a suspend, only what the catch-up rule allows), records it,
/// and says once when closer starts sending fewer steps.
async fn send_due(
    planner: &Planner<'_>,
    memory: &mut Memory,
    notifier: &mut Notifier,
    wake: &Wake,
    history: &History,
    now: DateTime<Utc>,
) {
    let config = planner.config;
    // Each missed prompt is named, up to a screenful; a rule firing every second would
    // otherwise fill the log after a night asleep.
    for firing in wake.missed.iter().take(MISSED_SHOWN) {
        info!(
            "missed \"{}\" due at {} (asleep or off); not sent",
            config.schedule[firing.rule].name,
            local(config, firing.at)
        );
    }
    if let Some(more) = wake
        .missed
        .len()
        .checked_sub(MISSED_SHOWN)
        .filter(|n| *n > 0)
    {
        info!("and {more} more missed (asleep or off); not sent");
    }
    if !wake.send.is_empty()
        && let Some(note) = memory.past_harm_note_once(config)
    {
        // The config turned the physical or sexual ladder on: how to keep its text off
        // the screen, as `closer ladder enable` says it.
        let note = if config.discreet == crate::config::Discreet::All {
            note.to_owned()
        } else {
            format!("{note} {}", record::DISCREET_HINT)
        };
        info!("{note}");
        say(notifier, "A note for you", &note).await;
    }
    // A setback message carries the person's own evidence, when they have some and it
    // would not argue with the latest answer.
    let words = crate::history::Words::new(planner.library, &[], Default::default());
    let evidence = crate::progress::evidence(
        &history.step_answers,
        |id| {
            history
                .sent
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| words.title(s))
        },
        now,
        config.timezone,
    );
    for firing in &wake.send {
        let gentler = memory.gentler_once(planner.library, history, firing, config);
        let delivery = deliver(
            config,
            planner.library,
            notifier,
            firing,
            evidence.as_deref(),
            gentler.as_deref(),
        )
        .await;
        memory.sent(planner, firing, delivery);
    }
    let mut timeline = history.state.sent.clone();
    timeline.extend(wake.send.iter().map(|f| planner.sent(f)));
    if planner.fewer(&timeline) && memory.say_fewer_once(now) {
        let note = "No answer to the last few steps, which is fine. closer will send fewer \
                    of them for now; answering one brings them back.";
        info!("{note}");
        say(notifier, "A note for you", note).await;
    }
}

async fn deliver(
    config: &Config,
    library: &Library,
    notifier: &mut Notifier,
    firing: &Firing,
    evidence: Option<&str>,
    gentler: Option<&str>,
) -> Delivery {
    let rule = &config.schedule[firing.rule].name;
    let Some(mut message) = Message::for_firing(config, library, firing) else {
        warn!(
            "\"{rule}\" came due, but has no {} prompt to send",
            firing.category
        );
        return Delivery::Printed;
    };
    if let Some(evidence) =
        evidence.filter(|_| firing.category == Category::Setback && !message.hidden)
    {
        message.body = format!("{}\n{evidence}", message.body);
    }
    if let Some(gentler) = gentler.filter(|_| !message.hidden) {
        message.body = format!("{}\n{gentler}", message.body);
    }
    let id = message.prompt.as_deref().unwrap_or("");
    let delivery = notifier.send(&message).await;
    match delivery {
        Delivery::Shown(n) => info!(
            "sent {} `{id}` for \"{rule}\" as notification {n}",
            firing.category
        ),
        Delivery::Printed => info!("sent {} `{id}` for \"{rule}\" to stderr", firing.category),
    }
    delivery
}

/// A note from closer itself, outside the schedule.
async fn say(notifier: &mut Notifier, title: &str, body: &str) {
    notifier.send(&Message::note(title, body)).await;
}

/// A note that must be seen (where help is): critical urgency, never expired by the
/// server.
pub(crate) async fn urgent(notifier: &mut Notifier, body: &str) {
    notifier
        .send(&Message::urgent(record::HELP_TITLE, body))
        .await;
}

/// Closes the open notifications whose step has an answer in the journal (given from the
/// terminal, say). One that vanished unanswered stays answerable from the terminal.
async fn close_answered(memory: &Memory, notifier: &mut Notifier) {
    for (n, _) in notifier.open() {
        // The question how an answered step went stays until it is answered or let be.
        let asks = notifier
            .message(n)
            .is_some_and(|m| m.actions.iter().any(|(key, _)| key.starts_with(HOW_KEY)));
        if !asks && memory.answered(n) {
            debug!("notification {n} was answered elsewhere; closing it");
            notifier.close(n).await;
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

/// Reloads the config and content; an invalid edit keeps the running ones, and so does
/// a config that went away or cannot be read (never the built-in default in its place).
/// A problem is reported once — in the log and with one notification — until it changes.
async fn reload(
    paths: &Paths,
    setup: &mut Setup,
    notifier: &mut Notifier,
    reported: &mut Vec<crate::diag::Diagnostic>,
) {
    let problems = match Setup::load(paths) {
        Ok(new) if setup.from_file && !new.from_file => vec![crate::diag::Diagnostic::file(
            &paths.config,
            "the file is gone; closer keeps the schedule it runs until the file is back",
        )],
        Ok(new) if new.problems.is_empty() => {
            info!(
                "reloaded {}: {}",
                new.origin(paths),
                rules(new.config.schedule.len())
            );
            notifier.set_max_open(new.config.max_open);
            // The new content was parsed beside the running one, so it lies above it in
            // the heap. Once the running one is gone, a copy fills the heap from the
            // bottom and the parsed one is freed whole, so repeated reloads leave the heap
            // in fewer fragments (after 120 reloads: 2.15 MiB resident, 2.3 without this).
            setup.library = Library::default();
            setup.library = new.library.clone();
            drop(new.library);
            setup.config = new.config;
            setup.problems = new.problems;
            setup.from_file = new.from_file;
            reported.clear();
            return;
        }
        Ok(new) => new.problems,
        Err(e) => vec![e.diagnostic()],
    };
    if problems == *reported {
        debug!(
            "{} still has the same problems; keeping the running schedule",
            paths.config.display()
        );
        return;
    }
    warn!(
        "{} has problems; keeping the running schedule:",
        paths.config.display()
    );
    for problem in &problems {
        warn!("  {problem}");
    }
    let first = &problems[0];
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" (and {} more: `closer check` lists them)", n - 1),
    };
    say(
        notifier,
        "closer: your change was not applied",
        &format!("{first}{more}"),
    )
    .await;
    *reported = problems;
}

/// The next change the watcher sees; never, without one.
async fn changed(watcher: &mut Option<Watcher>) -> std::io::Result<Change> {
    match watcher {
        Some(w) => w.changed().await,
        None => std::future::pending().await,
    }
}

fn rules(n: usize) -> String {
    crate::say::count(n, "schedule rule")
}

fn local(config: &Config, at: DateTime<Utc>) -> String {
    at.with_timezone(&config.timezone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::journal;

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
        let mut memory = Memory::open(&dir.path().join(journal::FILE_NAME));
        let firing = planner.now(0, &History::default().state, Utc::now());

        // The disk refuses writes: the prompt is kept, and planned with.
        memory
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(true)
            .unwrap();
        memory.sent(&planner, &firing, Delivery::Shown(7));
        assert_eq!(memory.unsaved.len(), 1);
        let (_, history) = memory.read(&config, &library, Utc::now());
        assert_eq!(history.state.sent.len(), 1);
        // An answer to it waits too.
        let event = Event {
            id: 7,
            prompt: firing.prompt.clone(),
            answer: Answer::Action("done".into()),
            message: Message::note("t", "b"),
        };
        memory.answer(&event, &config, &library);
        assert_eq!(memory.pending.len(), 1);

        // The disk is back: both are written, once.
        memory
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(false)
            .unwrap();
        memory.flush(&config, &library);
        assert!(memory.unsaved.is_empty() && memory.pending.is_empty());
        let entries = memory.journal.as_ref().unwrap().entries(None).unwrap();
        let kinds: Vec<&str> = entries
            .iter()
            .map(|e| match e {
                Entry::Sent(_) => "sent",
                Entry::Answer(_) => "answer",
                Entry::Move(_) => "move",
            })
            .collect();
        assert_eq!(kinds, ["sent", "answer"]);
        memory.flush(&config, &library);
        assert_eq!(
            memory
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
        let mut memory = Memory::open(&dir.path().join(journal::FILE_NAME));
        let firing = planner.now(0, &History::default().state, Utc::now());
        memory.sent(&planner, &firing, Delivery::Shown(7));
        let done = Event {
            id: 7,
            prompt: firing.prompt.clone(),
            answer: Answer::Action("done".into()),
            message: Message::note("t", "b"),
        };
        let heard = memory.answer(&done, &config, &library);
        let ask = heard.ask.expect("asked how it went");
        memory.asked.insert(8, ask.answer_id);

        // The disk refuses writes: "Too much" is kept, and still names where help is.
        let journal = memory.journal.as_ref().unwrap();
        journal.refuse_writes(true).unwrap();
        let too_much = Event {
            id: 8,
            prompt: firing.prompt.clone(),
            answer: Answer::Action(format!("{HOW_KEY}too-much")),
            message: Message::note("How did it go?", "b"),
        };
        let heard = memory.answer(&too_much, &config, &library);
        assert!(heard.too_much);
        assert_eq!(memory.pending_how.len(), 1);
        let kept = memory.unwritten();
        assert!(
            kept.iter().any(|u| matches!(
                u,
                crate::recovery::Unsaved::HowItWent { felt: Some(f), .. } if f == "too-much"
            )),
            "{kept:?}"
        );

        // The disk is back: it completes that answer, once.
        memory
            .journal
            .as_ref()
            .unwrap()
            .refuse_writes(false)
            .unwrap();
        memory.flush(&config, &library);
        assert!(memory.pending_how.is_empty());
        let answer = memory
            .journal
            .as_ref()
            .unwrap()
            .answer(ask.answer_id)
            .unwrap()
            .unwrap();
        assert!(answer.too_much, "{answer:?}");
    }
}
