//! Nothing lost, nothing hung, round two: the recovery file, the start and the stop, the
//! runtime dir and its lock, through the real binary with real processes, FIFOs, links and
//! signals. Each test is the regression test of one defect found by an adversarial run.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::home::{Home, ok};

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
fn poll<T>(what: &str, f: impl FnMut() -> Option<T>) -> T {
    crate::support::desktop::poll_until(Instant::now() + WAIT, POLL, f)
        .unwrap_or_else(|| panic!("{what}: not within {WAIT:?}"))
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

/// How many prompts the journal holds as sent (none while it does not exist).
fn sent_rows(home: &Home) -> i64 {
    if !home.journal_path().exists() {
        return 0;
    }
    rusqlite::Connection::open(home.journal_path())
        .and_then(|db| db.query_row("SELECT count(*) FROM sent", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// One invalid byte in the recovery file once blocked every replay, forever, and sent
/// new records to stderr only. Each valid line is replayed; the others are set aside,
/// byte for byte, in a file beside it, and said once.
#[test]
fn a_bad_line_in_the_recovery_file_is_set_aside_and_the_rest_replayed() {
    let home = Home::with_config(YEARLY);
    let at = (chrono::Utc::now() - chrono::TimeDelta::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let good = format!(
        "{{\"record\":\"sent\",\"at\":\"{at}\",\"due\":\"{at}\",\"rule\":\"yearly\",\
         \"category\":\"learn\",\"prompt\":null,\"ladder\":null,\"rung\":null,\"notification\":null}}\n"
    );
    let bad: &[u8] = b"{\"record\":\"sent\",\"at\":\"\xff\xfe\"}\nnot a record\n";
    let mut file = good.clone().into_bytes();
    file.splice(0..0, bad.iter().copied());
    let recovery = home.path("state/closer/unsaved.jsonl");
    fs::create_dir_all(recovery.parent().unwrap()).unwrap();
    fs::write(&recovery, &file).unwrap();

    let mut daemon = home.daemon(None);
    poll("the valid line is in the journal", || {
        (sent_rows(&home) == 1).then_some(())
    });
    poll("the recovery file is gone", || {
        (!recovery.exists()).then_some(())
    });
    let aside = home.path("state/closer/unsaved.jsonl.bad");
    assert_eq!(fs::read(&aside).unwrap(), bad);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&aside).unwrap().permissions().mode() & 0o777,
        0o600
    );
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0);
    let log = daemon.log();
    assert!(
        log.contains("2 line(s) of") && log.contains("unsaved.jsonl.bad"),
        "{log}"
    );

    // Said once: the next start has nothing to replay, and nothing to say of it.
    let mut again = home.daemon(None);
    poll("the second daemon holds its lock", || running(&home));
    again.signal("TERM");
    assert_eq!(again.wait_exit(WAIT), 0);
    assert!(!again.log().contains("unsaved"), "{}", again.log());
    assert_eq!(sent_rows(&home), 1);
    assert_eq!(fs::read(&aside).unwrap(), bad);
}

/// Sends `signal` to `pid` at once (no `kill` process in between).
fn send(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
}

/// Whether the process `pid` runs its own code: Rust's runtime has set SIGPIPE to be
/// ignored, which it does before `main`. What comes before (the kernel's `execve` and the
/// dynamic loader's relocations, some milliseconds for a debug build on a busy machine)
/// runs no code of the program's, so no program can handle a signal there; the unit
/// (`Type=notify`) keeps `systemctl reload` out of that time.
fn runs_its_own_code(pid: u32) -> bool {
    let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (libc::SIGPIPE - 1)) != 0)
}

/// A SIGHUP in the first milliseconds of `closer run` (the unit's `ExecReload` can send
/// one there) once ended it in 13 of 50 tries: the signals are held back before anything
/// else, the re-exec included, and let through once the handlers are in place.
#[test]
fn a_sighup_in_the_first_milliseconds_never_ends_the_daemon() {
    let home = Home::with_config(YEARLY);
    for i in 0..40u64 {
        let mut daemon = home.daemon(None);
        let pid = daemon.child.id();
        poll(&format!("try {i}: closer runs its own code"), || {
            if let Some(status) = daemon.child.try_wait().unwrap() {
                panic!(
                    "try {i}: it ended before it ran ({status}):\n{}",
                    daemon.log()
                );
            }
            runs_its_own_code(pid).then_some(())
        });
        // 0 to 5 ms after that, in steps of half a millisecond.
        let delay = Duration::from_micros((i % 11) * 500);
        std::thread::sleep(delay);
        send(pid, rustix::process::Signal::HUP);
        poll(&format!("try {i}: the daemon holds its lock"), || {
            if let Some(status) = daemon.child.try_wait().unwrap() {
                panic!(
                    "try {i}: SIGHUP {delay:?} after it began ended it ({status}):\n{}",
                    daemon.log()
                );
            }
            (running(&home) == Some(pid)).then_some(())
        });
        daemon.signal("TERM");
        assert_eq!(daemon.wait_exit(WAIT), 0, "try {i}:\n{}", daemon.log());
    }
}

/// Under systemd the unit is `Type=notify`: the daemon says READY=1 once its handlers
/// (and its lock) are in place, and systemd runs no `ExecReload` before that. A SIGHUP
/// at once after READY=1 is a reload, never an end.
#[test]
fn ready_is_said_once_the_handlers_are_in_place() {
    use std::os::unix::net::UnixDatagram;
    let home = Home::with_config(YEARLY);
    let socket = home.path("notify.sock");
    let systemd = UnixDatagram::bind(&socket).unwrap();
    systemd.set_read_timeout(Some(WAIT)).unwrap();
    let mut daemon = home.daemon_with_env(&[("NOTIFY_SOCKET", &socket)]);
    let mut message = [0u8; 64];
    let n = systemd
        .recv(&mut message)
        .unwrap_or_else(|e| panic!("no READY=1 within {WAIT:?} ({e}):\n{}", daemon.log()));
    assert_eq!(&message[..n], b"READY=1");
    let pid = daemon.child.id();
    send(pid, rustix::process::Signal::HUP);
    assert_eq!(running(&home), Some(pid));
    // A SIGHUP that ended it would be its exit status; a handled one leaves TERM's clean
    // stop.
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.log());
}

/// A stand-in for a process of the person's that is not closer: `sleep`.
fn victim() -> std::process::Child {
    Command::new("sleep").arg("600").spawn().unwrap()
}

/// The signal `victim` ends with when it is sent SIGTERM now: the first fatal signal a
/// process is sent is the one it dies of, so SIGTERM means nothing reached it before.
fn first_signal(mut victim: std::process::Child) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    send(victim.id(), rustix::process::Signal::TERM);
    let status = poll("the victim ends", || victim.try_wait().unwrap());
    status.signal().unwrap_or(0)
}

/// Writes a lock file at `path` naming `pid` as a daemon that wakes on SIGUSR1, and holds
/// its lock (from this test process) as long as the file returned lives.
fn held_lock(path: &Path, pid: u32) -> fs::File {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, format!("{pid}\nwake: SIGUSR1\n")).unwrap();
    let file = fs::File::open(path).unwrap();
    file.try_lock().unwrap();
    file
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A lock's pid is signalled only when it is a closer of the person's: `closer pause` once
/// sent SIGUSR1 (which ends most programs) to whatever pid a held lock named.
#[test]
fn a_pid_that_is_not_a_closer_is_never_signalled() {
    let home = Home::with_config(YEARLY);
    let victim = victim();
    let _lock = held_lock(&home.path("run/closer/closer.lock"), victim.id());
    chmod(&home.path("run"), 0o700);
    chmod(&home.path("run/closer"), 0o700);
    ok(home.run(&["pause", "1h"]));
    ok(home.run(&["resume"]));
    assert_eq!(first_signal(victim), libc::SIGTERM);
}

/// A runtime dir others may write to (`$XDG_RUNTIME_DIR` shared, or `closer/` in it made
/// by another user) once let them pre-create the lock: closer refused to start ("already
/// running") and `closer pause` signalled the pid they wrote there. Such a dir is left
/// aside: the daemon starts, with the lock beside the journal alone, and nothing there is
/// believed.
#[test]
fn a_runtime_dir_others_may_write_neither_blocks_closer_nor_aims_its_signals() {
    // Only root can make a directory another user owns.
    let as_root = rustix::process::geteuid().is_root();
    for theirs in [false, true].into_iter().filter(|t| !t || as_root) {
        let home = Home::with_config(YEARLY);
        let victim = victim();
        let victim_pid = victim.id();
        let lock = home.path("run/closer/closer.lock");
        let _held = held_lock(&lock, victim_pid);
        if theirs {
            chmod(&home.path("run"), 0o700);
            chmod(&home.path("run/closer"), 0o777);
            let nobody = Some(rustix::fs::Uid::from_raw(65534));
            rustix::fs::chown(home.path("run/closer"), nobody, None).unwrap();
            rustix::fs::chown(&lock, nobody, None).unwrap();
        } else {
            // `$XDG_RUNTIME_DIR` itself open to all, without the sticky bit.
            chmod(&home.path("run"), 0o777);
        }
        let mut daemon = home.daemon(None);
        let pid = poll("the daemon takes the lock beside the journal", || {
            if let Some(status) = daemon.child.try_wait().unwrap() {
                panic!("it did not start ({status}):\n{}", daemon.log());
            }
            running(&home).filter(|p| *p == daemon.child.id())
        });
        // The terminal finds it (by the journal's lock) and wakes it, not the victim.
        ok(home.run(&["pause", "1h"]));
        assert_eq!(first_signal(victim), libc::SIGTERM, "theirs: {theirs}");
        assert_eq!(running(&home), Some(pid));
        daemon.signal("TERM");
        assert_eq!(daemon.wait_exit(WAIT), 0);
        assert!(
            daemon.log().contains("closer keeps no lock in"),
            "{}",
            daemon.log()
        );
        // What they wrote there is left as it was.
        assert_eq!(
            fs::read_to_string(&lock).unwrap(),
            format!("{victim_pid}\nwake: SIGUSR1\n")
        );
    }
}

/// A runtime lock hard-linked to another file once had that file truncated (the lock is
/// emptied before the pid is written). A lock file with more than one link is refused,
/// never written, and never believed.
#[test]
fn a_hard_linked_lock_file_is_refused_and_its_other_name_left_alone() {
    let home = Home::with_config(YEARLY);
    let precious = home.path("precious.txt");
    fs::write(&precious, "keep me").unwrap();
    fs::create_dir_all(home.path("run/closer")).unwrap();
    chmod(&home.path("run/closer"), 0o700);
    fs::hard_link(&precious, home.path("run/closer/closer.lock")).unwrap();
    // Started as a daemon, so that one that runs is stopped at the end of the test.
    let mut daemon = home.daemon(None);
    assert_eq!(daemon.wait_exit(WAIT), 1);
    let log = daemon.log();
    assert!(
        log.contains("closer.lock") && log.contains("has 2 links"),
        "{log}"
    );
    assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me");
    assert_eq!(running(&home), None);
}

/// Whether some process holds the lock in `path`.
fn locked(path: &Path) -> bool {
    fs::File::open(path)
        .is_ok_and(|f| matches!(f.try_lock_shared(), Err(fs::TryLockError::WouldBlock)))
}

/// A daemon that started while its data dir could not be made ran with the runtime
/// dir's lock alone, and never took the journal's: once the runtime dir was deleted
/// (a logout, a cleaner), a second daemon could start. It takes it at the first wake
/// after the data dir is usable.
#[test]
fn a_missed_data_dir_lock_is_taken_once_the_dir_is_usable() {
    let home = Home::with_config(YEARLY);
    // The data dir cannot be made: a file is where it would go.
    home.write("data", "in the way");
    let first = home.daemon(None);
    let pid = poll("the daemon runs", || running(&home));
    assert_eq!(pid, first.child.id());
    fs::remove_file(home.path("data")).unwrap();
    // Any wake will do; the terminal's is SIGUSR1.
    send(pid, rustix::process::Signal::USR1);
    let data_lock = home.path("data/closer/closer.lock");
    poll("the daemon holds the lock beside the journal", || {
        locked(&data_lock).then_some(())
    });
    fs::remove_dir_all(home.path("run/closer")).unwrap();
    let mut second = home.daemon(None);
    assert_eq!(second.wait_exit(WAIT), 1);
    assert!(
        second
            .log()
            .contains(&format!("closer is already running (pid {pid})")),
        "{}",
        second.log()
    );
}

/// And when another daemon took the journal's lock first (started after the runtime dir
/// was deleted), the one without it stops at its next wake: one daemon sends, not two.
#[test]
fn a_daemon_without_the_data_dir_lock_gives_way_to_the_one_that_has_it() {
    let home = Home::with_config(YEARLY);
    home.write("data", "in the way");
    let mut first = home.daemon(None);
    let pid = poll("the first daemon runs", || running(&home));
    // Frozen, the first daemon cannot wake while the second starts, wherever a busy
    // machine left it (even before its first turn): the second takes the lock first.
    send(pid, rustix::process::Signal::STOP);
    fs::remove_dir_all(home.path("run/closer")).unwrap();
    fs::remove_file(home.path("data")).unwrap();
    let second = home.daemon(None);
    poll(
        "the second daemon holds the lock beside the journal",
        || (running(&home) == Some(second.child.id())).then_some(()),
    );
    send(pid, rustix::process::Signal::CONT);
    send(pid, rustix::process::Signal::USR1);
    assert_eq!(first.wait_exit(WAIT), 0, "{}", first.log());
    assert!(
        first.log().contains(&format!(
            "another closer (pid {}) keeps the journal",
            second.child.id()
        )),
        "{}",
        first.log()
    );
    assert_eq!(running(&home), Some(second.child.id()));
}

/// When each prompt in the journal was due to go out, oldest first.
fn sent_times(home: &Home) -> Vec<chrono::DateTime<chrono::Utc>> {
    if !home.journal_path().exists() {
        return Vec::new();
    }
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    // Not made yet, by a daemon just started.
    let Ok(mut query) = db.prepare("SELECT at FROM sent ORDER BY at") else {
        return Vec::new();
    };
    query
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|at| at.unwrap().parse().unwrap())
        .collect()
}

/// A daemon stopped for less than a minute (SIGSTOP, then SIGCONT) once sent every prompt
/// that came due meanwhile, at once: eleven in a second after a 40 s stop. The no-burst
/// rule holds for every gap: only the latest goes out. (The stop has to last: this test
/// waits five seconds of the wall clock, the one thing it tests.)
#[test]
fn a_short_stop_releases_no_burst() {
    let home = Home::with_config(
        "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\n\
         max_per_day = 1000\ncatch_up = \"0\"\n\
         [[schedule]]\nname = \"every second\"\nsend = \"learn\"\ncron = \"* * * * * *\"\n",
    );
    let mut daemon = home.daemon(None);
    let pid = daemon.child.id();
    poll("the daemon sends on time", || {
        (sent_times(&home).len() >= 2).then_some(())
    });
    send(pid, rustix::process::Signal::STOP);
    let stopped = chrono::Utc::now();
    let resume = Instant::now() + Duration::from_secs(5);
    while Instant::now() < resume {
        std::thread::sleep(POLL);
    }
    send(pid, rustix::process::Signal::CONT);
    let resumed = chrono::Utc::now();
    // Back on time: a prompt due after the stop went out.
    poll("the daemon sends on time again", || {
        sent_times(&home).iter().any(|t| *t > resumed).then_some(())
    });
    // What was due within the stop (leaving a second for a turn under way at its start).
    let in_the_stop: Vec<_> = sent_times(&home)
        .into_iter()
        .filter(|t| *t > stopped + chrono::TimeDelta::seconds(1) && *t < resumed)
        .collect();
    assert_eq!(in_the_stop.len(), 1, "{in_the_stop:?}\n{}", daemon.log());
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0);
}

/// The answers in the journal, as `closer export` gives them: (answer, source).
fn answers(home: &Home) -> Vec<(String, String)> {
    let export: Vec<serde_json::Value> = home.json(&["export"]);
    export
        .iter()
        .filter(|e| e["event"] == "answer")
        .map(|e| {
            (
                e["answer"].as_str().unwrap_or_default().to_owned(),
                e["source"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Any program on the session bus can emit a signal named `ActionInvoked`: closer once
/// recorded such a forged "Did it" as the person's answer. Only the notification server
/// (the connection that owns `org.freedesktop.Notifications`) is heard.
#[test]
fn an_action_from_another_connection_than_the_server_is_not_an_answer() {
    let desktop = crate::support::desktop::Desktop::start();
    let home = Home::with_config(
        "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1\n\
         [[schedule]]\nname = \"step\"\nsend = \"step\"\ncron = \"*/2 * * * * *\"\n",
    );
    let mut daemon = home.daemon(Some(&desktop));
    let shown = desktop.wait_for_notifications(1, WAIT);
    let id = shown[0].id.unwrap().to_string();
    poll("the prompt is in the journal", || {
        (sent_rows(&home) == 1).then_some(())
    });
    let forged = desktop.busctl(&[
        "emit",
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "ActionInvoked",
        "us",
        &id,
        "done",
    ]);
    assert!(forged.status.success(), "{forged:?}");
    // The person's own answer, through the server, comes after the forged one.
    desktop.click("skip");
    let answers = poll("the person's answer is recorded", || {
        Some(answers(&home)).filter(|a| !a.is_empty())
    });
    assert_eq!(answers, [("skip".to_owned(), "notification".to_owned())]);
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0);
    assert!(
        !daemon.log().contains(": done (\"Did it\")"),
        "{}",
        daemon.log()
    );
}

/// The README's "What it survives" names a test for each claim: each of them exists.
#[test]
fn the_readme_names_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## What it survives").expect("the section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut named = 0;
    for quoted in section.split('`').skip(1).step_by(2) {
        let word = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        };
        let Some((file, name)) = quoted.split_once("::").filter(|(f, n)| word(f) && word(n)) else {
            continue;
        };
        // A unit test, `module::tests::name`, is in src/module.rs or in the core's
        // crates/core/src/module.rs (a module split between the two has both).
        let (files, name) = match name.split_once("::") {
            Some(("tests", name)) => (
                vec![
                    root.join("src").join(format!("{file}.rs")),
                    root.join("crates/core/src").join(format!("{file}.rs")),
                ],
                name,
            ),
            _ => (vec![root.join("tests/it").join(format!("{file}.rs"))], name),
        };
        let texts: Vec<String> = files
            .iter()
            .filter_map(|f| fs::read_to_string(f).ok())
            .collect();
        assert!(!texts.is_empty(), "`{quoted}`: no file {files:?}");
        assert!(
            texts.iter().any(|t| t.contains(&format!("fn {name}()"))),
            "`{quoted}`: no test `{name}` in {files:?}"
        );
        named += 1;
    }
    assert!(named >= 18, "{named} tests named");
}
