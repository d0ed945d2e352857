//! The `closer` binary: parses the command line, runs it, and picks the exit code.
//!
//! A command that only prints ends as `cat` or `ls` do when its reader goes away (`closer
//! next | head -1`): quietly, by SIGPIPE, never with a panic. The daemon and `send` keep
//! SIGPIPE ignored, so a closed D-Bus socket or log pipe is an error they handle: `send`
//! ends quietly on a closed stdout, and nothing either says on stderr can panic.
//!
//! `closer run` first starts itself again, once, without glibc's per-thread cache of
//! freed blocks (see `without_glibc_thread_cache`), so the daemon's heap does not creep.
//! The signals the daemon answers are held back from the first line until its handlers
//! exist, across that re-exec (`closer::signals`).

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use closer::cli::{Cli, Command};

/// The daemon's signals are held back before any of the program's own code runs: this
/// runs from `.init_array`, before Rust's runtime is set up and before `main` (see
/// `closer::signals`). Only the kernel's `execve` and the dynamic loader come before it.
#[cfg(target_os = "linux")]
#[used]
// SAFETY: `.init_array` holds pointers to functions that take no arguments the callee
// reads and return nothing, called once by the C runtime before `main`; `hold` only
// calls `pthread_sigmask`, which libc, initialised by then, allows there.
#[allow(unsafe_code)]
#[unsafe(link_section = ".init_array")]
static HOLD_SIGNALS_FIRST: extern "C" fn() = {
    extern "C" fn hold() {
        closer::signals::hold();
    }
    hold
};

fn main() -> ExitCode {
    // A SIGHUP or SIGTERM that comes before the daemon's handlers exist waits for them
    // (see `closer::signals`); already done before `main` where `.init_array` exists.
    closer::signals::hold();
    let cli = Cli::parse();
    match cli.command {
        // Released by the daemon once its handlers are in place, after the re-exec.
        Command::Run(_) => without_glibc_thread_cache(),
        Command::Send(_) => closer::signals::release(),
        _ => {
            closer::signals::release();
            end_quietly_on_a_closed_pipe();
        }
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

/// The daemon sits in memory all day and wakes now and then to read its journal. glibc
/// keeps a per-thread cache of freed blocks (tcache) that `malloc_trim` cannot hand back:
/// after each wake its blocks lie scattered over the heap and keep whole pages resident (a
/// daemon on a ten-year journal grew from 1.9 to 2.2 MiB of anonymous memory over 120
/// wakes; without the cache it stays at 1.8). glibc reads that cache's size only from
/// `GLIBC_TUNABLES` when a program starts, so `closer run` starts itself again, once, in
/// place (the same pid), with the cache turned off. A person's own setting of it is kept;
/// if the exec fails, the daemon runs as it is.
fn without_glibc_thread_cache() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt as _;
        const TUNABLE: &str = "glibc.malloc.tcache_count";
        let value = match std::env::var_os("GLIBC_TUNABLES") {
            None => format!("{TUNABLE}=0"),
            Some(set) => match set.to_str() {
                Some(set) if set.contains(TUNABLE) => return,
                Some("") => format!("{TUNABLE}=0"),
                Some(set) => format!("{TUNABLE}=0:{set}"),
                None => return,
            },
        };
        let mut args = std::env::args_os();
        let Some(name) = args.next() else { return };
        // The file this program was started from (not `/proc/self/exe` itself, which a
        // tool running closer, such as valgrind, reads as its own).
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        // Returns only when the exec failed; the daemon then runs as it is.
        let _ = std::process::Command::new(program)
            .arg0(name)
            .args(args)
            .env("GLIBC_TUNABLES", value)
            .exec();
    }
}
