//! The subcommands, one file each. Each takes the resolved paths, does its one job, and
//! returns a status; none picks an exit code or exits the process.

mod about;
mod answer;
mod check;
mod edit;
mod forget;
mod init;
mod ladder;
mod list;
mod log;
mod next;
mod pause;
pub mod report;
mod send;
pub mod service;
mod status;
mod why;

use crate::Status;
use crate::cli::Command;
use crate::paths::Paths;

pub fn run(command: Command, paths: &Paths) -> anyhow::Result<Status> {
    match command {
        Command::Run => runtime()?.block_on(crate::daemon::run(paths)),
        Command::Check => check::run(paths),
        Command::Next(args) => next::run(paths, &args),
        Command::Send(args) => runtime()?.block_on(send::run(paths, &args)),
        Command::Init => init::run(paths),
        Command::Edit => edit::run(paths),
        Command::List(args) => list::run(paths, &args),
        Command::About => about::run(paths),
        Command::Service(args) => service::run(paths, &args),
        Command::Done(args) => answer::done(paths, &args),
        Command::Hard(args) => answer::hard(paths, &args),
        Command::Skip(args) => answer::skip(paths, &args),
        Command::Status(args) => status::run(paths, &args),
        Command::Log(args) => log::log(paths, &args),
        Command::Export(args) => log::export(paths, &args),
        Command::Forget(args) => forget::run(paths, &args),
        Command::Ladder(args) => ladder::run(paths, &args),
        Command::Pause(args) => pause::pause(paths, &args),
        Command::Resume => pause::resume(paths),
        Command::Report(args) => report::run(paths, &args),
        Command::Why(args) => why::run(paths, &args),
    }
}

/// One thread is plenty for a reminder daemon, and keeps it small.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
