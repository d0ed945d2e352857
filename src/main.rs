//! The `closer` binary: parses the command line, runs it, and picks the exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = closer::cli::Cli::parse();
    match closer::run(cli) {
        Ok(closer::Status::Success) => ExitCode::SUCCESS,
        Ok(closer::Status::Failure) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
