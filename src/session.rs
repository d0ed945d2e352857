//! What a command works from, opened one way: the config and the content (`Setup`), the
//! journal when there is one, and the config as the person set it — the file's with what
//! they changed from the terminal (ladders on or off, a pause) applied. Every command that
//! reads the journal or shows ladders starts from a [`Session`], so none says a ladder is
//! off that another says is on, and "open the journal only if it exists" is written once.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::history::History;
use crate::journal::{Journal, JournalError};
use crate::paths::Paths;
use crate::setup::{Inputs, Restarts, Setup, inputs, open_journal, open_journal_to_read, settled};

/// The config, the content and the journal, as one command sees them. `J` is
/// `Option<Journal>` for a command that only looks (none is created), and `Journal` for
/// one that writes ([`Session::open_to_write`]).
#[derive(Debug)]
pub struct Session<J = Option<Journal>> {
    /// The config as its file (or the built-in default) says, the content, and every
    /// problem found in them.
    pub setup: Setup,
    /// The config as the person set it: `setup.config` with the terminal's settings applied.
    pub config: Config,
    pub journal: J,
}

impl Session {
    /// For a command that only looks: the journal is opened to read if it exists
    /// (`open_journal_to_read`), and nothing is created.
    pub fn open(paths: &Paths) -> anyhow::Result<Session> {
        Session::look(Setup::load(paths)?, paths)
    }

    /// [`Session::open`] with the setup already read.
    pub fn look(setup: Setup, paths: &Paths) -> anyhow::Result<Session> {
        let journal = journal_if_any(paths)?;
        let config = config_as_set(&setup.config, journal.as_ref())?;
        Ok(Session {
            setup,
            config,
            journal,
        })
    }
}

impl Session<Journal> {
    /// For a command that writes: the journal is opened, or made (`open_journal`).
    pub fn open_to_write(paths: &Paths) -> anyhow::Result<Session<Journal>> {
        Session::write(Setup::load(paths)?, paths)
    }

    /// [`Session::open_to_write`] with the setup already read.
    pub fn write(setup: Setup, paths: &Paths) -> anyhow::Result<Session<Journal>> {
        let journal = open_journal(paths)?;
        let config = settled(&setup.config, &journal)?;
        Ok(Session {
            setup,
            config,
            journal,
        })
    }
}

impl<J: Journaled> Session<J> {
    /// The journal, when there is one.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.journal()
    }

    /// The planner's inputs at `now` ([`inputs`]): the same settings, and the restarts
    /// after a long break as `restarts` says.
    pub fn inputs(&self, now: DateTime<Utc>, restarts: Restarts) -> Result<Inputs, JournalError> {
        inputs(&self.setup.config, self.journal(), now, restarts)
    }

    /// The config and the journal's history as they stand now, no restart applied (`send`,
    /// which tries the setup with the rungs as recorded; `why`; `ladder show`).
    pub fn history(&self) -> Result<(Config, History), JournalError> {
        let inputs = self.inputs(Utc::now(), Restarts::Ignore)?;
        Ok((inputs.config, inputs.history))
    }

    /// Sets the time zone of both configs (`next --tz`).
    pub fn set_timezone(&mut self, tz: chrono_tz::Tz) {
        self.setup.config.timezone = tz;
        self.config.timezone = tz;
    }
}

/// A session's journal: always there for one opened to write, perhaps for one that looks.
pub trait Journaled {
    fn journal(&self) -> Option<&Journal>;
}

impl Journaled for Journal {
    fn journal(&self) -> Option<&Journal> {
        Some(self)
    }
}

impl Journaled for Option<Journal> {
    fn journal(&self) -> Option<&Journal> {
        self.as_ref()
    }
}

/// `config` with the terminal's settings in `journal` applied; without a journal, as it is.
fn config_as_set(config: &Config, journal: Option<&Journal>) -> Result<Config, JournalError> {
    match journal {
        Some(journal) => settled(config, journal),
        None => Ok(config.clone()),
    }
}

/// The journal for a command that only looks: None when there is none yet (nothing is
/// created), opened read-only where it can be (`open_journal_to_read`). The one place that
/// asks whether the journal exists.
pub fn journal_if_any(paths: &Paths) -> anyhow::Result<Option<Journal>> {
    if paths.journal().exists() {
        Ok(Some(open_journal_to_read(paths)?))
    } else {
        Ok(None)
    }
}
