//! The daemon against a private session bus and a real notification server (dunst under
//! Xvfb), answers clicked through dunst as a person would: in-process on simulated days
//! (`support::sim`) where time is what the test is about, and `closer run`, the real
//! binary, where its start and its signals are.

use std::time::Duration;

use crate::support::desktop::Desktop;
use crate::support::home::{Home, shipped_content};
use crate::support::sim::Sim;

/// The simulated days begin on a Monday morning.
const MONDAY: &str = "2026-01-05T08:00:00Z";

/// A prompt every minute, with no limits in the way, for a daemon on simulated time.
fn every_minute(send: &str, discreet: bool) -> String {
    every_two_seconds(send, discreet).replace("*/2 * * * * *", "* * * * *")
}

const WAIT: Duration = Duration::from_secs(20);

/// A schedule firing every two seconds, with no limits in the way.
fn every_two_seconds(send: &str, discreet: bool) -> String {
    format!(
        "timezone = \"UTC\"\n[notifications]\ndiscreet = {discreet}\n\
         [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n\
         [[schedule]]\nname = \"test {send}\"\nsend = \"{send}\"\ncron = \"*/2 * * * * *\"\n"
    )
}

#[test]
fn steps_reach_the_server_with_four_answers_and_a_click_reaches_the_log() {
    let desktop = Desktop::start();
    let home = Home::with_config(&every_minute("step", true));
    let mut sim = Sim::open(&home, Some(&desktop), MONDAY);
    assert_eq!(sim.next_sent(1).sent.len(), 1);
    assert_eq!(sim.next_sent(1).sent.len(), 1);

    let sent = desktop.wait_for_notifications(2, WAIT);
    let content = shipped_content();
    // The steps that need an occasion, by their words: they offer "No chance yet" in
    // place of "Later".
    let list: Vec<serde_json::Value> = home.json(&["list", "step", "--json"]);
    let occasion = |body: &str| {
        list.iter()
            .any(|p| p["body"] == body && p["occasion"] == true)
    };
    for n in &sent {
        assert_eq!(n.app_name, "closer");
        assert!(
            content.contains(&format!("body = \"{}\"", n.body)),
            "not shipped: {}",
            n.body
        );
        assert!(
            content.contains(&format!("discreet_title = \"{}\"", n.summary)),
            "not discreet: {}",
            n.summary
        );
        let actions: Vec<(&str, &str)> = n
            .actions
            .iter()
            .map(|(k, l)| (k.as_str(), l.as_str()))
            .collect();
        let fourth = if occasion(&n.body) {
            ("no-chance", "No chance yet")
        } else {
            ("snooze", "Later")
        };
        assert_eq!(
            actions,
            [
                ("done", "Did it"),
                ("hard", "It was hard"),
                ("skip", "Not today"),
                fourth,
                ("default", "Show the choices")
            ]
        );
        assert_eq!(n.hints["urgency"]["data"], 1, "{:?}", n.hints);
        assert_eq!(
            n.hints["category"]["data"], "x-closer.step",
            "{:?}",
            n.hints
        );
    }
    // Two prompts in a row differ: the pool is not repeated before it is used up.
    assert_ne!(sent[0].body, sent[1].body);

    desktop.click("hard");
    sim.hear_choice();
    let log: Vec<serde_json::Value> = home.json(&["log", "--json", "--days", "1000"]);
    let answers: Vec<_> = log.iter().filter(|e| e["event"] == "answer").collect();
    assert_eq!(answers.len(), 1, "{log:?}");
    assert_eq!(answers[0]["answer"], "hard");
    assert_eq!(answers[0]["source"], "notification");
    sim.stop();
}

#[test]
fn messages_other_than_steps_carry_no_answers_and_show_full_titles_when_asked() {
    let desktop = Desktop::start();
    let home = Home::with_config(&every_minute("compassion", false));
    let mut sim = Sim::open(&home, Some(&desktop), MONDAY);
    sim.next_sent(1);
    let sent = desktop.wait_for_notifications(1, WAIT);
    assert!(sent[0].actions.is_empty(), "{:?}", sent[0].actions);
    let content = shipped_content();
    assert!(
        content.contains(&format!("title = \"{}\"", sent[0].summary)),
        "{}",
        sent[0].summary
    );
}

#[test]
fn without_a_notification_server_prompts_go_to_stderr_until_one_appears() {
    let mut desktop = Desktop::start_without_server();
    let home = Home::with_config(&every_two_seconds("compassion", true));
    let daemon = home.daemon(Some(&desktop));
    let log = daemon.wait_for_log("closer: ", 2, WAIT);
    assert_eq!(
        log.matches("no notification server could be reached")
            .count(),
        1,
        "{log}"
    );

    desktop.start_server();
    daemon.wait_for_log(
        "the notification server is back",
        1,
        Duration::from_secs(20),
    );
    desktop.wait_for_notifications(1, WAIT);
}

#[test]
fn without_a_session_bus_it_keeps_running_and_prints() {
    let home = Home::with_config(&every_two_seconds("learn", true));
    let mut daemon = home.daemon(None);
    let log = daemon.wait_for_log("closer: ", 2, WAIT);
    assert_eq!(
        log.matches("no notification server could be reached")
            .count(),
        1,
        "{log}"
    );
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "it exited:\n{log}"
    );
    daemon.signal("INT");
    assert_eq!(daemon.wait_exit(WAIT), 0);
}

#[test]
fn send_shows_one_prompt_and_reports_the_answer() {
    let desktop = Desktop::start();
    let home = Home::empty();
    let child = home
        .cmd(&["send", "morning step"])
        .envs(desktop.env())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sent = desktop.wait_for_notifications(1, WAIT);
    assert_eq!(sent[0].actions.len(), 5);
    desktop.click("done");
    // Then, in its place, how it went: the whole conversation, as the daemon has it.
    let question = desktop.wait_for_notifications(2, WAIT)[1].clone();
    assert_eq!(question.summary, "How did it go?");
    assert_eq!(question.replaces_id, sent[0].id.unwrap());
    desktop.click("how-no");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("You answered: Did it."), "{stdout}");
    assert!(stdout.contains("How did it go?"), "{stdout}");
    let log: Vec<serde_json::Value> = home.json(&["log", "--json"]);
    let answer = log.iter().find(|e| e["event"] == "answer").unwrap();
    assert_eq!(answer["happened"], "no", "{log:?}");
}

#[test]
fn a_second_daemon_refuses_to_start_and_names_the_first() {
    let home = Home::with_config(&every_two_seconds("learn", true));
    let first = home.daemon(None);
    first.wait_for_log("closer is running", 1, WAIT);
    let second = home.run(&["run"]);
    assert_eq!(second.code, Some(1), "{second:?}");
    let pid = first.child.id();
    assert!(
        second
            .stderr
            .contains(&format!("closer is already running (pid {pid})")),
        "{second:?}"
    );
}

#[test]
fn a_weekly_summary_that_came_due_is_sent_once() {
    let desktop = Desktop::start();
    let home = Home::with_config(
        "timezone = \"UTC\"\n[notifications]\nweekly_summary = \"mon 09:00\"\n\
         [[schedule]]\nname = \"yearly\"\nsend = \"learn\"\ncron = \"0 9 1 1 *\"\n",
    );
    // The last summary went out over a week ago, so this week's is due.
    let (journal, _) = closer::journal::Journal::open(&home.journal_path()).unwrap();
    journal
        .set_setting("summary_sent", Some("2025-12-29T09:00:00Z"))
        .unwrap();
    drop(journal);

    // Wednesday: Monday's summary came due while the daemon was off.
    let mut sim = Sim::open(&home, Some(&desktop), "2026-01-07T08:00:00Z");
    sim.turn();
    let sent = desktop.wait_for_notifications(1, WAIT);
    assert_eq!(sent[0].summary, "Your week");
    assert!(
        sent[0].body.contains("Nothing answered"),
        "{}",
        sent[0].body
    );
    // The next turns plan the next one, for Monday: not sent again before.
    assert_eq!(sim.wake_at, crate::support::sim::at("2026-01-12T09:00:00Z"));
    sim.turn();
    assert_eq!(sim.wake_at, crate::support::sim::at("2026-01-12T09:00:00Z"));
    sim.wake();
    assert_eq!(
        desktop.wait_for_notifications(2, WAIT)[1].summary,
        "Your week",
        "and again a week on"
    );
    assert_eq!(desktop.notifications().len(), 2, "once each week");
}

#[test]
fn a_signal_as_soon_as_the_lock_names_the_pid_does_not_end_it() {
    // `closer pause` sends SIGUSR1 to the pid in the lock, and a person may send SIGHUP;
    // either may come at once.
    use rustix::process::Signal;
    let home = Home::with_config(&every_two_seconds("learn", true));
    let lock = home.path("run/closer/closer.lock");
    let signals = [
        (Signal::HUP, "reloaded "),
        (Signal::USR1, "woken to read the journal again"),
    ];
    for attempt in 0..4 {
        let (signal, heard) = signals[attempt % 2];
        let _ = std::fs::remove_file(&lock);
        let mut daemon = home.daemon(None);
        let pid = daemon.child.id();
        let deadline = std::time::Instant::now() + WAIT;
        while !std::fs::read_to_string(&lock)
            .is_ok_and(|t| t.lines().next() == Some(pid.to_string().as_str()))
        {
            assert!(std::time::Instant::now() < deadline, "no pid in the lock");
            std::hint::spin_loop();
        }
        let raw = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process(raw, signal).unwrap();
        let log = daemon.wait_for_log(heard, 1, WAIT);
        assert!(
            daemon.child.try_wait().unwrap().is_none(),
            "attempt {attempt}: {signal:?} ended it:\n{log}"
        );
        daemon.signal("TERM");
        assert_eq!(daemon.wait_exit(WAIT), 0, "attempt {attempt}");
    }
}

/// The daemon's environment as the kernel holds it for its running program.
fn environ(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap()
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Waits until the lock names `daemon`'s pid: by then it runs its own program for good.
fn until_locked(home: &Home, pid: u32) {
    let lock = home.path("run/closer/closer.lock");
    let named = || {
        std::fs::read_to_string(&lock)
            .is_ok_and(|t| t.lines().next() == Some(pid.to_string().as_str()))
            .then_some(())
    };
    let step = Duration::from_millis(20);
    crate::support::desktop::poll_until(std::time::Instant::now() + WAIT, step, named)
        .expect("no pid in the lock");
}

#[test]
fn the_daemon_runs_without_glibcs_thread_cache_and_keeps_a_persons_own_setting() {
    // glibc's per-thread cache keeps freed blocks scattered over the heap after each wake;
    // `closer run` starts itself again in place (the same pid) with it turned off.
    let home = Home::with_config(&every_two_seconds("learn", true));
    // glibc cuts the value it read at the first `:` once it has parsed it, so of a list
    // only the first tunable shows here: closer puts its own first.
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[], "GLIBC_TUNABLES=glibc.malloc.tcache_count=0"),
        (
            &[("GLIBC_TUNABLES", "glibc.malloc.mxfast=0")],
            "GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
        ),
        (
            &[("GLIBC_TUNABLES", "glibc.malloc.tcache_count=3")],
            "GLIBC_TUNABLES=glibc.malloc.tcache_count=3",
        ),
    ];
    for (env, want) in cases {
        let mut daemon = home.daemon_with_env(env);
        let pid = daemon.child.id();
        until_locked(&home, pid);
        let tunables: Vec<String> = environ(pid)
            .into_iter()
            .filter(|v| v.starts_with("GLIBC_TUNABLES="))
            .collect();
        assert_eq!(tunables, [want], "{}", daemon.log());
        daemon.signal("TERM");
        assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.log());
    }
}

/// A weekly summary that came due while the journal refused writes (a full disk) was tried
/// again at once, and again: the daemon spun on one core, logging a warning each time. It
/// is skipped this week, and the daemon waits for the next one.
#[test]
fn a_weekly_summary_the_journal_cannot_note_is_skipped_not_tried_again_at_once() {
    let home = Home::with_config(
        "timezone = \"UTC\"\n[notifications]\nweekly_summary = \"mon 09:00\"\n\
         [[schedule]]\nname = \"yearly\"\nsend = \"learn\"\ncron = \"0 9 1 1 *\"\n",
    );
    let (journal, _) = closer::journal::Journal::open(&home.journal_path()).unwrap();
    journal
        .set_setting("summary_sent", Some("2025-12-29T09:00:00Z"))
        .unwrap();
    drop(journal);
    let path = home.journal_path();
    let (tx, rx) = std::sync::mpsc::channel();
    // In a thread of its own: before the fix the turn never came back.
    std::thread::spawn(move || {
        // Wednesday: Monday's summary came due while the daemon was off.
        let mut sim = Sim::open(&home, None, "2026-01-07T08:00:00Z");
        // Then the disk refuses writes: another process holds the journal's write lock.
        let lock = rusqlite::Connection::open(&path).unwrap();
        lock.execute_batch("BEGIN IMMEDIATE").unwrap();
        let turn = sim.turn();
        let _ = tx.send(turn.wake_at);
        drop(lock);
        sim.stop();
    });
    let wake_at = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the turn came back");
    // Next Monday's summary is the next thing to wake for.
    assert_eq!(wake_at, crate::support::sim::at("2026-01-12T09:00:00Z"));
}
