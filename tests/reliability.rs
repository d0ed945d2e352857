//! Nothing lost, nothing hung, round two: the recovery file, the start and the stop, the
//! runtime dir and its lock, through the real binary with real processes, FIFOs, links and
//! signals. Each test is the regression test of one defect found by an adversarial run.
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::home::{Home, ok};

const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// Nothing comes due while a test runs: one prompt a year.
const YEARLY: &str = "timezone = \"UTC\"\n[[schedule]]\nname = \"yearly\"\n\
    send = \"learn\"\ncron = \"0 9 1 1 *\"\n";

/// The pid of the daemon `closer status` finds, if any.
fn running(home: &Home) -> Option<u32> {
    let status: serde_json::Value = home.json(&["status", "--json"]);
    status["pid"].as_u64().map(|p| p as u32)
}

/// Polls `f` until it returns Some, at most `WAIT`; panics with `what` after that.
fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::sleep(POLL);
    }
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// A FIFO put where the recovery file goes once hung the daemon for good: blocked in
/// `open`, holding both locks, deaf to SIGTERM, while `status` said it ran.
#[test]
fn a_fifo_at_the_recovery_file_neither_hangs_the_daemon_nor_is_replaced() {
    let home = Home::with_config(YEARLY);
    let fifo = home.path("state/closer/unsaved.jsonl");
    mkfifo(&fifo);
    let mut daemon = home.daemon(None);
    let pid = poll("the daemon holds its lock", || running(&home));
    assert_eq!(pid, daemon.child.id());
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains("unsaved.jsonl") && log.contains("is not a regular file (a FIFO)"),
        "{log}"
    );
    assert!(is_fifo(&fifo), "the FIFO was replaced");
    ok(home.run(&["status"]));
}
