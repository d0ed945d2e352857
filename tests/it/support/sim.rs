//! The daemon run in-process, with time handed in: the real config and content from a
//! test's home, the real journal (SQLite) and, when a desktop is given, the real
//! notification server on its private bus, but simulated days. A turn happens at the
//! moment the test says, so a schedule of "09:00" is tested at 09:00 of a day the test
//! chose, at once; nothing here sleeps. Waiting on the server (an answer after a click) is
//! awaiting the daemon's own event with a deadline.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use closer::daemon::{Bus, Daemon, Turn, Wiring};
use closer::notify::{Answer, Event};
use closer::paths::Paths;

use super::desktop::Desktop;
use super::home::Home;

/// The longest an answer from the notification server may take to reach the daemon.
const HEARD_WITHIN: Duration = Duration::from_secs(20);

/// How long a write waits for another process's write to the journal: short, so a test
/// that holds the journal's lock sees the daemon give up at once.
const BUSY_TIMEOUT: Duration = Duration::from_millis(50);

/// A daemon on simulated time.
#[derive(Debug)]
pub struct Sim {
    runtime: tokio::runtime::Runtime,
    daemon: Option<Daemon>,
    /// The simulated moment: what the next turn or answer is handed.
    pub now: DateTime<Utc>,
    /// When the last turn said to wake next.
    pub wake_at: DateTime<Utc>,
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is no RFC 3339 instant: {e}"))
}

/// A time zone where it is around noon now (`Etc/GMT-N`), for a test whose daemon runs
/// in-process at the present moment and whose terminal answers with the real clock: the
/// day's end is hours away on both, whenever the test runs.
pub fn noon_zone() -> String {
    use chrono::Timelike;
    let offset = 12 - i64::from(Utc::now().hour());
    // The Etc zones count the other way: Etc/GMT-5 is five hours ahead of UTC.
    match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

impl Sim {
    /// Opens the daemon of `home` at `now`, sending to `desktop`'s server (or, without
    /// one, to a bus nobody listens on: prompts are printed). The seed is fixed, so the
    /// prompts chosen are the same at every run.
    pub fn open(home: &Home, desktop: Option<&Desktop>, now: &str) -> Sim {
        let now = at(now);
        // (Unless the test put a file where the data dir goes.)
        if !home.path("data/closer").is_file() && !home.path("data/closer/seed").exists() {
            home.write("data/closer/seed", "7\n");
        }
        let bus = match desktop {
            Some(d) => Bus::Address(d.bus_address().to_owned()),
            None => Bus::Address(format!("unix:path={}", home.path("no-bus").display())),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let paths = Paths::under(home.dir.path());
        let daemon = runtime
            .block_on(Daemon::open(
                &paths,
                Wiring {
                    bus,
                    busy_timeout: BUSY_TIMEOUT,
                },
                now,
            ))
            .expect("the daemon opens");
        Sim {
            runtime,
            daemon: Some(daemon),
            now,
            wake_at: now,
        }
    }

    /// A turn at the simulated `now`: what it sent.
    pub fn turn(&mut self) -> Turn {
        let now = self.now;
        let runtime = &self.runtime;
        let turn = runtime.block_on(self.daemon.as_mut().unwrap().turn(now));
        self.wake_at = turn.wake_at;
        turn
    }

    /// Moves the simulated clock to `at`, and turns.
    pub fn turn_at(&mut self, at: DateTime<Utc>) -> Turn {
        assert!(
            at >= self.now,
            "simulated time runs forward: {at} < {}",
            self.now
        );
        self.now = at;
        self.turn()
    }

    /// Sleeps, in simulated time, until the daemon's next wake, and turns there.
    pub fn wake(&mut self) -> Turn {
        let at = self.wake_at;
        self.turn_at(at.max(self.now))
    }

    /// Wakes until a turn sends something; panics after `days` simulated days without.
    pub fn next_sent(&mut self, days: i64) -> Turn {
        let until = self.now + TimeDelta::days(days);
        loop {
            let turn = self.wake();
            if !turn.sent.is_empty() {
                return turn;
            }
            assert!(self.now < until, "nothing was sent within {days} days");
        }
    }

    /// Lets `delta` of simulated time pass (without a turn).
    pub fn pass(&mut self, delta: TimeDelta) {
        self.now += delta;
    }

    /// Takes the notification server's events until one is a choice (an action), handing
    /// each to the daemon at the simulated `now`; returns that one. Panics when none comes
    /// within [`HEARD_WITHIN`] of the wall clock.
    pub fn hear_choice(&mut self) -> Event {
        loop {
            let now = self.now;
            let daemon = self.daemon.as_mut().expect("the daemon runs until `stop`");
            let event = self
                .runtime
                .block_on(async { tokio::time::timeout(HEARD_WITHIN, daemon.next_event()).await })
                .unwrap_or_else(|_| panic!("no answer reached the daemon within {HEARD_WITHIN:?}"))
                .expect("the daemon's listener runs");
            let choice = matches!(event.answer, Answer::Action(_));
            self.runtime
                .block_on(self.daemon.as_mut().unwrap().on_answer(event.clone(), now));
            if choice {
                return event;
            }
        }
    }

    /// The terminal wrote to the journal (what SIGUSR1 tells the running daemon).
    pub fn journal_written(&mut self) {
        let runtime = &self.runtime;
        runtime.block_on(self.daemon.as_mut().unwrap().on_journal_written());
    }

    /// Stops the daemon at the simulated `now`, as SIGTERM would.
    pub fn stop(mut self) {
        let now = self.now;
        let daemon = self.daemon.take().expect("stopped once");
        self.runtime.block_on(daemon.stop(now));
    }
}
