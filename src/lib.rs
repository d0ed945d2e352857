//! closer: small, spaced steps toward closeness, and a kinder inner voice, on the desktop.
//!
//! The library holds everything; `main.rs` only parses arguments and picks the exit code.
//! See ARCHITECTURE.md for the map. What decides (`config`, `content`, `schedule`,
//! `planner`, `progress`, `when`, `history`'s digest, `seed`'s mixing, `say`, `lint`, and
//! the journal's rows) is the core, the crate `closer_core`, which cannot touch the world;
//! its modules are re-exported here under their old names. This crate reads and writes:
//! `packs` and `seed::load_or_create` read files, `journal` and `history::load` the store,
//! and `daemon`, `notify`, `timer`, `files`, `setup` and the commands do the rest.

pub use closer_core::{
    config, content, diag, fields, lint, model, planner, progress, say, schedule, when,
};
// The store's modules under their old names, so `crate::journal::Journal` still reads.
pub use store::{history, journal, record, recovery};

pub mod cli;
mod cmd;
pub mod daemon;
pub mod files;
pub mod ladder_file;
pub mod lock;
mod markup;
pub mod notify;
pub mod packs;
pub mod paths;
mod ready;
pub mod report;
pub mod seed;
pub mod service;
mod session;
mod setup;
pub mod signals;
pub mod store;
mod timer;
mod watch;

/// How a command ended, for `main` to turn into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// The command ran, and found something wrong (an invalid config, say).
    Failure,
    /// The command cannot run as asked (an interactive one without a terminal): exit 2,
    /// as for a usage error.
    Usage,
}

/// Runs one command.
pub fn run(cli: cli::Cli) -> anyhow::Result<Status> {
    init_logging(cli.verbose);
    let paths = paths::Paths::resolve(cli.config.as_deref())?;
    cmd::run(cli.command, &paths)
}

fn init_logging(verbose: bool) {
    let level = if verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    };
    // journald adds its own timestamps; a terminal user sees them from the shell.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        // A failed write is reported with `eprintln!`, a panic on a closed stderr.
        .log_internal_errors(false)
        .try_init();
}
