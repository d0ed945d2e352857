//! The `closer` binary: parses the command line, runs it, and picks the exit code.
//!
//! A command that only prints ends as `cat` or `ls` do when its reader goes away (`closer
//! next | head -1`): quietly, by SIGPIPE, never with a panic. The daemon and `send` keep
//! SIGPIPE ignored, so a closed D-Bus socket or log pipe is an error they handle: `send`
//! ends quietly on a closed stdout, and nothing either says on stderr can panic.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use closer::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Run(_) | Command::Send(_)) {
        end_quietly_on_a_closed_pipe();
    }
    match closer::run(cli) {
        Ok(closer::Status::Success) => ExitCode::SUCCESS,
        Ok(closer::Status::Failure) => ExitCode::FAILURE,
        Ok(closer::Status::Usage) => ExitCode::from(2),
        Err(error) => {
            // Not `eprintln!`, which panics on a closed stderr (`run` and `send` keep
            // SIGPIPE ignored).
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Restores the default action of SIGPIPE, which Rust's runtime ignores (so `println!`
/// would panic on a closed pipe instead).
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called before any other thread exists; SIG_DFL is a valid disposition.
    #[allow(unsafe_code)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
