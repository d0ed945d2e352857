//! `closer run`: the daemon. It plans, sleeps on the wall clock until the next prompt is
//! due, sends it, records it in the journal, and plans again; answers from notifications
//! are recorded and move the ladders (after "Did it" or "It was hard" it asks once, in the
//! answered notification's place, how it went; a discreet one clicked shows its text in
//! place); an edit of the config or a pack (or SIGHUP) reloads them; SIGUSR1 (sent by the
//! terminal's commands after they write the journal) only has the journal read again;
//! SIGTERM or SIGINT stop it.
//!
//! Two layers. [`Daemon`] is what the daemon does, with time handed in: [`Daemon::turn`]
//! plans and sends what is due at `now` and says when to wake next; [`Daemon::on_answer`],
//! [`Daemon::on_change`] and [`Daemon::on_journal_written`] take what woke it. It never
//! reads the clock and never sleeps, so a test runs it in-process over simulated days.
//! [`run`] is the edge around it: the signals, the locks, the wall-clock timer, the
//! watcher, and the one place the clock is read — once per turn, and when an answer
//! arrives (it is dated then: the daemon may have waited hours for it).
//!
//! Between prompts it does not wake: the only things that can wake it are the timer, a
//! signal, an answer from the notification server, a change in the watched directories,
//! and — only while the server is away — the backoff to look for it again. All decisions
//! are the planner's and the progression rules'; this module carries them out. What cannot
//! be written to the journal yet (a full disk, say) is kept in memory ([`records`]), planned
//! with, and written at the next wake; what is still unwritten at a stop goes to the
//! recovery file (`crate::recovery`), replayed at the next start. A journal that could not
//! be opened is tried again at every wake.
//!
//! The signal handlers exist before the lock names the pid (so an early SIGUSR1 from
//! `closer pause`, or a SIGHUP, cannot end it). What a turn reads is let go before the
//! daemon sleeps, so its memory does not grow with wakes or with the journal's age.

mod answers;
mod records;
mod send;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::Status;
use crate::config::Config;
use crate::content::Library;
use crate::notify::{Answer, DEFAULT_ACTION, Event, Notifier};
use crate::paths::Paths;
use crate::planner::{Firing, Planner};
use crate::record;
use crate::setup::Setup;
use crate::timer::{self, WallTimer};
use crate::watch::{Change, Watcher};

pub(crate) use answers::{follow_up_answer, how_it_went_question, how_words};
pub(crate) use send::urgent;

use answers::{ask_how_it_went, close_answered, keep_open, reveal};
use records::Records;
use send::{say, send_due};

/// `closer run`: the daemon at the edge, on the wall clock, until SIGTERM or SIGINT.
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
    // The icon and name its notifications show, from the first run on.
    match crate::service::desktop_files_for_this_user() {
        Ok((_, written)) => {
            for path in written {
                info!("wrote {} for closer's notifications", path.display());
            }
        }
        Err(e) => warn!("{e}; notifications show no icon of closer's"),
    }
    let mut daemon = Daemon::open(paths, Wiring::default(), Utc::now()).await?;
    let mut timer = WallTimer::new()?;
    let mut watcher = match Watcher::new(&paths.config, &paths.user_content) {
        Ok(w) => Some(w),
        Err(e) => {
            warn!("cannot watch the config for changes ({e}); SIGHUP reloads it");
            None
        }
    };
    info!(
        "closer is running with {} from {}",
        rules(daemon.setup.config.schedule.len()),
        daemon.setup.origin(paths)
    );
    loop {
        // A data dir that could not be made at the start may be usable now: its lock keeps
        // a second daemon out once the runtime dir is gone. One that took it meanwhile
        // keeps the journal; this one gives way, so that one daemon sends, not two.
        if let Err(crate::lock::LockError::Held { pid }) = locks.take_missing() {
            tracing::error!("another closer (pid {pid}) keeps the journal now; this one stops");
            break;
        }
        // The clock is read once per turn; the turn plans with this `now`.
        let wake_at = daemon.turn(Utc::now()).await.wake_at;
        tokio::select! {
            woke = timer.wait_until(wake_at) => {
                if woke? == timer::Wake::ClockChanged {
                    info!("the clock changed; planning again");
                }
            }
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => daemon.on_change().await,
            _ = sigusr1.recv() => daemon.on_journal_written().await,
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
                daemon.on_change().await;
            }
            Some(event) = daemon.events.recv() => {
                // An answer is dated when it arrives, not at the turn's `now`.
                daemon.on_answer(event, Utc::now()).await;
            }
            () = daemon.notifier.until_retry() => daemon.on_retry().await,
        }
    }
    info!("stopping");
    daemon.stop(Utc::now()).await;
    Ok(Status::Success)
}

/// What the daemon is handed besides time: where its notifications go, and how long a
/// write waits for another process's write to the journal.
#[derive(Debug, Clone)]
pub struct Wiring {
    pub bus: Bus,
    pub busy_timeout: std::time::Duration,
}

impl Default for Wiring {
    /// The session bus, and the journal's own busy timeout.
    fn default() -> Wiring {
        Wiring {
            bus: Bus::Session,
            busy_timeout: crate::journal::BUSY_TIMEOUT,
        }
    }
}

/// Where the daemon's notifications go.
#[derive(Debug, Clone)]
pub enum Bus {
    /// The session bus of the environment (`DBUS_SESSION_BUS_ADDRESS`).
    Session,
    /// The bus at this address: a test's private one, for a daemon run in-process.
    Address(String),
}

/// The daemon, with time handed in: what it keeps between turns, and what it does when
/// woken. Nothing here reads the clock or sleeps; [`run`] does both.
#[derive(Debug)]
pub struct Daemon {
    paths: Paths,
    setup: Setup,
    seed: u64,
    records: Records,
    notifier: Notifier,
    /// Answers and closings from the notification server, for [`Daemon::on_answer`].
    events: mpsc::UnboundedReceiver<Event>,
    /// The problems last reported, so a broken config is announced once, not at every
    /// save.
    reported: Vec<crate::diag::Diagnostic>,
    /// When it started: the weekly summary's first moment counts from here.
    started: DateTime<Utc>,
    /// Up to when everything due was dealt with (sent or missed).
    cursor: DateTime<Utc>,
    /// A weekly summary that came due but could not be noted in the journal: skipped, so
    /// that it is not tried again at once, and again, for as long as the disk is full.
    summary_skipped: Option<DateTime<Utc>>,
}

/// What a turn did, and when the daemon is next due to wake.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The prompts sent in this turn, in order.
    pub sent: Vec<Firing>,
    /// When to wake next, if nothing else wakes it first.
    pub wake_at: DateTime<Utc>,
}

impl Daemon {
    /// Loads the config, content, seed and journal, replays what an earlier run could not
    /// write, and looks for the notification server; everything up to `now` counts as
    /// dealt with (a daemon that was off sends nothing it missed). Takes no lock: [`run`]
    /// does that first.
    pub async fn open(paths: &Paths, wiring: Wiring, now: DateTime<Utc>) -> anyhow::Result<Daemon> {
        let setup = Setup::load(paths)?;
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
            info!(
                "welcome: closer is self-help, not therapy; `closer about` says where to find help"
            );
        }
        let seed = crate::seed::load_or_create(&paths.seed())?;
        let records = Records::open(&paths.journal(), wiring.busy_timeout);
        records.replay(&paths.recovery(), &setup.config, &setup.library, now);
        let (events_tx, events) = mpsc::unbounded_channel();
        let mut notifier = Notifier::new(setup.config.max_open, events_tx);
        if let Bus::Address(address) = wiring.bus {
            notifier = notifier.on_bus(address);
        }
        notifier.probe().await;
        Ok(Daemon {
            paths: paths.clone(),
            reported: setup.problems.clone(),
            setup,
            seed,
            records,
            notifier,
            events,
            started: now,
            cursor: now,
            summary_skipped: None,
        })
    }

    /// Plans at `now` and sends what is due (after a suspend, only what the catch-up rule
    /// allows) and the weekly summary when it is due; says when the daemon is next due to
    /// wake. What this reads is let go before it returns.
    pub async fn turn(&mut self, now: DateTime<Utc>) -> Turn {
        let mut sent = Vec::new();
        self.records
            .flush(&self.setup.config, &self.setup.library, now);
        loop {
            // The journal is read afresh at every turn: the terminal may have answered,
            // paused or moved a ladder meanwhile. What this reads is let go before the
            // sleep (the block ends): kept, a ten-year journal's 92-day window would stay
            // in memory, and what is rebuilt at every wake beside it would leave the heap
            // in fragments.
            let records = &mut self.records;
            let (config, history) = records.read(&self.setup.config, &self.setup.library, now);
            let planner = Planner::new(&config, &self.setup.library, self.seed);
            let summary_at = records.summary_due(&config, self.started, self.summary_skipped);
            if summary_at.is_some_and(|at| at <= now) {
                let sent = records
                    .send_summary(&config, &self.setup.library, &mut self.notifier, now)
                    .await;
                if !sent {
                    self.summary_skipped = summary_at;
                }
                continue;
            }
            let wake = planner.wake(&history.state, self.cursor, now);
            if !wake.send.is_empty() || !wake.missed.is_empty() {
                send_due(&planner, records, &mut self.notifier, &wake, &history, now).await;
                sent.extend(wake.send);
                // A clock set backwards must not send again what was sent.
                self.cursor = self.cursor.max(now);
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
            let wake_at = wake
                .next
                .map(|f| f.at)
                .into_iter()
                .chain(summary_at)
                .min()
                .unwrap_or_else(|| timer::never(now));
            drop((config, history));
            self.records.release();
            return Turn { sent, wake_at };
        }
    }

    /// Takes an answer (or a closing) from the notification server, heard at `now`.
    pub async fn on_answer(&mut self, event: Event, now: DateTime<Utc>) {
        let config = self.records.settled(&self.setup.config);
        let library = &self.setup.library;
        let notifier = &mut self.notifier;
        let records = &mut self.records;
        let heard = records.answer(&event, &config, library, now);
        if heard.reveal {
            // A click on the body: a hidden text is shown in full; a step shows its
            // choices again, with how to answer from the terminal. From what the event
            // says it showed: the server may have closed it since.
            let choices = event
                .message
                .actions
                .iter()
                .any(|(k, _)| k == DEFAULT_ACTION);
            if event.message.hidden {
                reveal(notifier, records, &event, library).await;
            } else if choices {
                notifier.show_choices(event.id, &event.message).await;
            } else {
                // A click on a note that stays (notify-osd's "OK" on the one naming where
                // help is): seen.
                notifier.close(event.id).await;
            }
            return;
        }
        if let Some(ask) = heard.ask {
            // The question takes the answered notification's place.
            ask_how_it_went(notifier, records, &event, ask, library).await;
        } else if heard.no_chance {
            // The occasion may still come this week: the step stays, without "No chance
            // yet".
            keep_open(notifier, records, &event, &config, library).await;
        } else if matches!(event.answer, Answer::Action(_)) {
            // Some servers leave an answered notification on screen.
            notifier.close(event.id).await;
        }
        if heard.paused {
            urgent(notifier, &record::pause_note(&config)).await;
        } else if heard.too_much {
            urgent(notifier, &record::help_note(&config)).await;
        }
        if let Some(line) = &heard.said_before {
            say(notifier, "Already noted", line).await;
        }
    }

    /// The next answer or closing from the notification server; None once the server's
    /// listener is gone for good. [`run`] waits on this beside its timer and signals; a
    /// test in-process awaits it after a click.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// The config or a content pack changed (or SIGHUP): reload them, then close what was
    /// answered meanwhile.
    pub async fn on_change(&mut self) {
        reload(
            &self.paths,
            &mut self.setup,
            &mut self.notifier,
            &mut self.reported,
        )
        .await;
        close_answered(&self.records, &mut self.notifier).await;
    }

    /// The terminal wrote to the journal (an answer, a pause, a ladder moved; SIGUSR1):
    /// the next turn reads it; the config and content are as they were. An answered
    /// step's notification goes once it is answered.
    pub async fn on_journal_written(&mut self) {
        debug!("woken to read the journal again");
        close_answered(&self.records, &mut self.notifier).await;
    }

    /// The notification server was away and it is time to look for it again.
    pub async fn on_retry(&mut self) {
        self.notifier.probe().await;
    }

    /// Stops at `now`: closes its notifications, records the answers that came in
    /// meanwhile, and keeps what is still unwritten in the recovery file.
    pub async fn stop(mut self, now: DateTime<Utc>) {
        self.notifier.close_all().await;
        let config = self.records.settled(&self.setup.config);
        while let Ok(event) = self.events.try_recv() {
            self.records
                .answer(&event, &config, &self.setup.library, now);
        }
        self.records
            .flush(&self.setup.config, &self.setup.library, now);
        crate::recovery::keep_or_print(&self.paths.recovery(), &self.records.unwritten());
    }

    /// The journal this daemon writes, if it could be opened.
    pub fn journal(&self) -> Option<&crate::journal::Journal> {
        self.records.journal.as_ref()
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
