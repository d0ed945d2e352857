//! Reading the config and the content together, as every command does, and checking
//! that each schedule rule has something to send.

use std::collections::BTreeMap;

use anyhow::Context as _;

use crate::config::Config;
use crate::content::{Category, Library};
use crate::diag::Diagnostic;
use crate::history::{History, Settings};
use crate::journal::{Journal, Opened};
use crate::paths::Paths;
use crate::planner::Planner;

/// The config and content as they are on disk now, with every problem found.
#[derive(Debug)]
pub struct Setup {
    pub config: Config,
    pub library: Library,
    pub problems: Vec<Diagnostic>,
}

impl Setup {
    pub fn load(paths: &Paths) -> anyhow::Result<Setup> {
        let (config, mut problems, _) = Config::read(&paths.config)?;
        let (library, content_problems) = Library::load(Some(&paths.user_content));
        problems.extend(content_problems);
        let planner = Planner::new(&config, &library, 0);
        for (i, rule) in config.schedule.iter().enumerate() {
            if planner.pool(rule.send, &BTreeMap::new()).is_empty() {
                let why = match rule.send {
                    Category::Support => {
                        "`[content] supporter` is false; set it to true to send these".to_owned()
                    }
                    Category::Step => {
                        "no ladder in `[content] ladders` has a first step".to_owned()
                    }
                    other => format!("no content pack has a `{other}` prompt"),
                };
                problems.push(Diagnostic::file(
                    &paths.config,
                    format!(
                        "`schedule[{}].send`: rule \"{}\" would send nothing: {why}",
                        i + 1,
                        rule.name
                    ),
                ));
            }
        }
        Ok(Setup {
            config,
            library,
            problems,
        })
    }

    /// What the journal says, and the config with the person's terminal changes (ladders
    /// turned on or off) applied. Without a journal yet, an empty history; nothing is created.
    pub fn history(&self, paths: &Paths) -> anyhow::Result<(Config, History)> {
        let mut config = self.config.clone();
        if !paths.journal().exists() {
            return Ok((config, History::default()));
        }
        let journal = open_journal(paths)?;
        Settings::read(&journal)?.apply(&mut config);
        let history = History::load(&journal, &config, chrono::Utc::now())?;
        Ok((config, history))
    }
}

/// Opens the journal for a terminal command, saying so if it had to start afresh.
pub fn open_journal(paths: &Paths) -> anyhow::Result<Journal> {
    let path = paths.journal();
    let (journal, opened) = Journal::open_for_command(&path)
        .with_context(|| format!("cannot open the journal {}", path.display()))?;
    if let Opened::Recovered { moved_to, why } = opened {
        eprintln!(
            "warning: the journal {} was damaged ({why}); it was moved to {} and a fresh one started",
            path.display(),
            moved_to.display()
        );
    }
    Ok(journal)
}
