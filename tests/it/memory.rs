//! The memory invariant, as a test: a daemon on a ten-year journal keeps its anonymous
//! memory at most 2 MiB after 100 wakes. Measured on the release binary, the one people
//! run (a debug build's heap is larger and says nothing about theirs): `scripts/test.sh`
//! builds it for the package and then runs this test with `--ignored`, naming it in
//! `CLOSER_RELEASE_BIN`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::home::{Home, ok};

/// The bound: what ARCHITECTURE.md's memory invariant promises.
const ANONYMOUS_KIB: u64 = 2048;
const WAKES: usize = 100;
const WAIT: Duration = Duration::from_secs(30);

/// One rule that sends on 1 January only: the daemon sits between wakes.
const CONFIG: &str = "timezone = \"UTC\"\n\
    [content]\nladders = [\"emotional\", \"intellectual\", \"experiential\"]\n\
    [[schedule]]\nname = \"new year\"\nsend = \"learn\"\ncron = \"0 9 1 1 *\"\n";

/// A field of `/proc/PID/status` or `/proc/PID/smaps_rollup` ("Name:  value kB").
fn proc_field(pid: u32, file: &str, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// How often the daemon has gone to sleep so far, when it is asleep in its one wait
/// (epoll); None while it runs or waits on anything else.
fn asleep(pid: u32) -> Option<u64> {
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).ok()?;
    let state = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let sleeping = state.lines().any(|l| l.starts_with("State:\tS"));
    (sleeping && wchan == "do_epoll_wait")
        .then(|| proc_field(pid, "status", "voluntary_ctxt_switches"))?
}

/// Polls `f` until it gives Some; panics naming `what` after [`WAIT`].
fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    crate::support::desktop::poll_until(Instant::now() + WAIT, Duration::from_millis(5), &mut f)
        .unwrap_or_else(|| panic!("{what}: not within {WAIT:?}"))
}

#[test]
#[ignore = "measures the release binary: scripts/test.sh builds it and runs this with --ignored"]
fn a_daemon_on_a_ten_year_journal_stays_within_2_mib_after_100_wakes() {
    let bin = PathBuf::from(
        std::env::var_os("CLOSER_RELEASE_BIN")
            .expect("CLOSER_RELEASE_BIN names the release binary to measure"),
    );
    let home = Home::with_config(CONFIG);
    // closer makes the journal and its schema; the history goes in beside it.
    ok(home.run(&["resume"]));
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    db.execute_batch(include_str!("../../bench/ten-years.sql"))
        .unwrap();
    let sent: i64 = db
        .query_row("SELECT count(*) FROM sent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sent, 14_600);
    drop(db);

    // `closer run` in this home, as `Home::cmd` sets it up, with the release binary.
    let command = home.cmd(&["run"]);
    let mut daemon = Command::new(&bin);
    daemon
        .args(command.get_args())
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = daemon.spawn().expect("the release binary starts");
    let pid = child.id();
    let mut slept = poll("the daemon's first sleep", || asleep(pid));
    // Each SIGUSR1 is a wake that reads the journal, as after an answer from the terminal;
    // the next is sent once the daemon is asleep again.
    for wake in 1..=WAKES {
        let pid_t = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process(pid_t, rustix::process::Signal::USR1).unwrap();
        slept = poll(&format!("asleep again after wake {wake}"), || {
            asleep(pid).filter(|n| *n > slept)
        });
    }
    let anonymous = proc_field(pid, "smaps_rollup", "Anonymous").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        anonymous <= ANONYMOUS_KIB,
        "after {WAKES} wakes on a ten-year journal the daemon holds {anonymous} KiB of \
         anonymous memory, more than {ANONYMOUS_KIB}"
    );
    println!("anonymous memory after {WAKES} wakes on a ten-year journal: {anonymous} KiB");
}
