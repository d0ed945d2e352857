//! The subcommands, one file each. Each takes the resolved paths, does its one job, and
//! returns a status; none picks an exit code or exits the process.

mod about;
mod answer;
mod builder;
mod check;
pub mod completions;
mod edit;
mod forget;
mod init;
mod ladder;
mod list;
mod log;
pub mod man;
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
        Command::Run(args) if args.defaults => {
            tracing::info!("{}", left_aside(paths));
            runtime()?.block_on(crate::daemon::run(&paths.clone().with_defaults()))
        }
        Command::Run(_) => runtime()?.block_on(crate::daemon::run(paths)),
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
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Why(args) => why::run(paths, &args),
    }
}

/// One thread is plenty for a reminder daemon, and keeps it small.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// What `run --defaults` says it leaves aside: only what is there.
fn left_aside(paths: &Paths) -> String {
    let config = std::fs::symlink_metadata(&paths.config).is_ok();
    let packs = std::fs::read_dir(&paths.user_content).is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "toml"))
    });
    let aside = match (config, packs) {
        (true, true) => format!(
            "your config {} and your content packs in {} are left aside",
            paths.config.display(),
            paths.user_content.display()
        ),
        (true, false) => format!("your config {} is left aside", paths.config.display()),
        (false, true) => format!(
            "your content packs in {} are left aside",
            paths.user_content.display()
        ),
        (false, false) => {
            "you have no config of your own yet, and `closer init` writes one".to_owned()
        }
    };
    format!("running on the built-in default config; {aside}")
}
