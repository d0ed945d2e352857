//! Progress end to end, through the real binary: answers move the ladders and shape what
//! comes next, the journal survives damage, and export and forget keep their promises.

use std::time::Duration;

use crate::support::desktop::Desktop;
use crate::support::home::{Home, ONE_LADDER, ago, ok, refused};
use crate::support::sim::Sim;
use serde_json::Value;

fn status(home: &Home) -> Value {
    home.json(&["status", "--json"])
}

fn emotional(home: &Home) -> (u64, String) {
    let status = status(home);
    let ladder = &status["ladders"][0];
    assert_eq!(ladder["ladder"], "emotional", "{status}");
    (
        ladder["rung"].as_u64().unwrap(),
        ladder["reason"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn done_twice_on_different_days_advances_and_hard_holds_and_two_skips_step_back() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(96);
    home.answer("done", None, Some(2), &ago(72));
    assert_eq!(emotional(&home).0, 1);
    let run = home.answer("done", None, Some(1), &ago(48));
    assert!(
        run.stdout.contains("emotional ladder: up to rung 2"),
        "{run:?}"
    );
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 2);
    assert_eq!(
        reason,
        "up to rung 2: done on 2 days, no harder than this rung usually feels"
    );

    // The next step comes from rung 2. Hard answers are steps taken: they hold it there;
    // two skips bring it back to rung 1.
    let run = ok(home.run(&["send", "--no-wait"]));
    let list: Vec<Value> = home.json(&["list", "emotional", "--json"]);
    // Any of rung 2's wordings; status gives the reason of the one sent.
    let sent = list
        .iter()
        .filter(|row| row["rung"] == 2)
        .find(|row| run.stderr.contains(row["body"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("not the rung-2 step: {run:?}"));
    assert_eq!(status(&home)["ladders"][0]["why"], sent["why"]);
    assert_eq!(status(&home)["ladders"][0]["fade"], sent["fade"]);
    home.sent_ago(96);
    ok(home.run(&["hard", "--at", &ago(72)]));
    ok(home.run(&["hard", "--at", &ago(48)]));
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 2);
    assert!(
        reason.contains("it was hard, and doing it counts"),
        "{reason}"
    );
    ok(home.run(&["skip", "--at", &ago(24)]));
    ok(home.run(&["skip"]));
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 1);
    assert!(reason.contains("not today, twice in a row"), "{reason}");
}

#[test]
fn a_skip_is_followed_by_a_setback_or_compassion_message() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    let before: Vec<Value> = home.json(&["next", "--json", "--count", "2"]);
    assert_eq!(before[0]["category"], "step");
    let run = ok(home.run(&["skip"]));
    assert!(run.stdout.contains("That is fine."), "{run:?}");
    let after: Vec<Value> = home.json(&["next", "--json", "--count", "2"]);
    assert!(
        ["setback", "compassion"].contains(&after[0]["category"].as_str().unwrap()),
        "{after:?}"
    );
    assert_eq!(after[1]["category"], "step", "{after:?}");
}

#[test]
fn answers_name_what_they_answer_and_refuse_what_they_cannot() {
    let home = Home::with_config(ONE_LADDER);
    let run = home.run(&["done"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no step has been sent yet"), "{run:?}");
    ok(home.run(&["send", "--no-wait"]));
    let run = home.run(&["done", "7"]);
    assert!(run.stderr.contains("there is no prompt #7"), "{run:?}");
    let run = home.run(&["done", "--distress", "11"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    ok(home.run(&["done", "1", "--distress", "4", "--happened", "no"]));

    // One prompt, answered again the same day: refused, and the ladder does not move.
    for kind in ["done", "hard"] {
        refused(
            home.run(&[kind, "1"]),
            "prompt #1 was already answered `done` at",
        );
    }
    // Never in the future, never before the prompt was sent.
    refused(
        home.run(&["done", "1", "--at", "9999-12-31T23:59:59Z"]),
        "an answer dated 9999-12-31 23:59 is in the future",
    );
    let run = home.run(&["skip", "1", "--at", &ago(1)]);
    assert!(
        run.stderr.contains("prompt #1 was sent at")
            && run.stderr.contains("cannot be dated before that"),
        "{run:?}"
    );
    let export: Vec<Value> = home.json(&["export"]);
    assert_eq!(export.iter().filter(|e| e["event"] == "answer").count(), 1);
    assert!(export.iter().all(|e| e["event"] != "move"), "{export:?}");
}

#[test]
fn export_holds_every_answer_and_forget_leaves_nothing_behind() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(24 * 5);
    for (i, kind) in ["done", "hard", "skip", "done"].iter().enumerate() {
        ok(home.run(&[kind, "--at", &ago(24 * (4 - i as i64))]));
    }
    let events: Vec<Value> = home.json(&["export"]);
    let answers: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "answer")
        .map(|e| e["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["done", "hard", "skip", "done"]);
    let csv = ok(home.run(&["export", "--format", "csv"])).stdout;
    assert!(csv.starts_with("time,event,step,"), "{csv}");
    // Read back by a CSV reader, each row holds what the JSON export holds: bodies with
    // commas and quotes included.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let text = headers.iter().position(|h| h == "text").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), events.len());
    for (row, event) in rows.iter().zip(&events) {
        assert_eq!(row.len(), headers.len());
        assert_eq!(row[text], *event["text"].as_str().unwrap_or(""), "{row:?}");
    }
    assert_eq!(
        csv.lines()
            .skip(1)
            .filter(|l| l.contains(",answer,"))
            .count(),
        4,
        "{csv}"
    );
    let log: Vec<Value> = home.json(&["log", "--days", "36600", "--json"]);
    assert_eq!(log.len(), events.len());

    // The report holds rungs, steps and hard counts: it is closer's record too.
    ok(home.run(&["report"]));
    assert!(home.path("data/closer/report.html").exists());

    let run = home.run(&["forget"]);
    assert_eq!(run.code, Some(1), "forget must ask first: {run:?}");
    let run = ok(home.run(&["forget", "--yes"]));
    assert!(run.stdout.contains("report.html"), "{run:?}");
    for dir in ["data/closer", "state/closer", "run/closer"] {
        assert!(!home.path(dir).exists(), "{dir} is still there");
    }
    assert!(
        home.config_path().exists(),
        "the config is the person's own"
    );
}

#[test]
fn pause_and_resume_and_ladders_from_the_terminal() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["pause", "3d"]));
    let next: Vec<Value> = home.json(&["next", "--json", "--count", "1"]);
    let first = chrono::DateTime::parse_from_rfc3339(next[0]["time"].as_str().unwrap()).unwrap();
    assert!(
        first > chrono::Utc::now() + chrono::TimeDelta::days(2),
        "{next:?}"
    );
    ok(home.run(&["pause"]));
    assert_eq!(ok(home.run(&["next", "--json"])).stdout.trim(), "[]");
    assert_eq!(status(&home)["paused_until"], "indefinitely");
    ok(home.run(&["resume"]));
    assert_eq!(status(&home)["paused_until"], Value::Null);

    ok(home.run(&["ladder", "enable", "spiritual"]));
    ok(home.run(&["ladder", "set", "spiritual", "4"]));
    let ladders = status(&home)["ladders"].clone();
    assert_eq!(ladders[1]["ladder"], "spiritual", "{ladders}");
    assert_eq!(ladders[1]["rung"], 4);
    assert_eq!(ladders[1]["reason"], "set to rung 4 by you");
    ok(home.run(&["ladder", "disable", "spiritual"]));
    assert_eq!(status(&home)["ladders"].as_array().unwrap().len(), 1);
    let run = home.run(&["ladder", "set", "emotional", "13"]);
    assert!(run.stderr.contains("rungs 1 to 12"), "{run:?}");
}

#[test]
fn a_damaged_journal_is_moved_aside_and_the_daemon_runs_on_a_fresh_one() {
    let home = Home::with_config(ONE_LADDER);
    home.write(
        "data/closer/journal.sqlite3",
        &"not a database ".repeat(200),
    );
    let daemon = home.daemon(None);
    let log = daemon.wait_for_log("closer is running", 1, Duration::from_secs(10));
    assert!(log.contains("was damaged"), "{log}");
    let moved: Vec<_> = std::fs::read_dir(home.path("data/closer"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.sqlite3.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
}

#[test]
fn clicking_done_on_the_desktop_moves_the_ladder() {
    let desktop = Desktop::start();
    let config = ONE_LADDER.replace("at = \"09:00\"", "cron = \"*/2 * * * * *\"");
    let home = Home::with_config(&config);
    // Done once yesterday, from the terminal.
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(25);
    home.answer("done", None, Some(2), &ago(24));

    // The daemon in-process, on the wall clock's day: the terminal's answer was a day ago.
    let mut sim = Sim::open(&home, Some(&desktop), &chrono::Utc::now().to_rfc3339());
    sim.next_sent(1);
    desktop.wait_for_notifications(1, Duration::from_secs(10));
    desktop.click("done");
    sim.hear_choice();
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 2, "{reason}");
    assert!(
        reason.starts_with("up to rung 2: done on 2 days"),
        "{reason}"
    );
}

#[test]
fn sigkill_in_a_burst_of_answers_loses_none_that_were_logged() {
    let desktop = Desktop::start();
    // Three steps, a second apart, all left open (closer sends fewer after three
    // unanswered); then a burst of answers to them.
    let config = ONE_LADDER
        .replace("at = \"09:00\"", "cron = \"* * * * * *\"")
        .replace("max_per_day = 100", "max_per_day = 3")
        .replace("[content]", "[notifications]\nmax_open = 10\n[content]");
    let home = Home::with_config(&config);
    let mut daemon = home.daemon(Some(&desktop));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let offer_done =
        |n: &crate::support::desktop::Notify| n.actions.iter().any(|(k, _)| k == "done");
    let steps = crate::support::desktop::poll_until(deadline, Duration::from_millis(50), || {
        let steps: Vec<_> = desktop
            .notifications()
            .into_iter()
            .filter(offer_done)
            .collect();
        (steps.len() == 3 && steps.iter().all(|n| n.id.is_some())).then_some(steps)
    })
    .expect("three steps");
    // dunst stacks a step sent twice on the first and closes that one: the ones still
    // open are clicked, each by its id (each answer's question comes in its place).
    let open: Vec<u32> = steps
        .iter()
        .filter_map(|n| n.id)
        .filter(|id| !desktop.is_closed(*id))
        .collect();
    assert!(open.len() >= 2, "{steps:?}");
    for id in open.iter().rev() {
        desktop.click_on(*id, "done", deadline);
    }
    let answered = ": done (\"Did it\")";
    daemon.wait_for_log(answered, open.len(), Duration::from_secs(10));
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();

    let logged = daemon.log().matches(answered).count();
    let export: Vec<Value> = home.json(&["export"]);
    let stored = export.iter().filter(|e| e["event"] == "answer").count();
    assert!(logged >= open.len(), "{}", daemon.log());
    assert!(
        stored >= logged,
        "{logged} answers were logged, {stored} stored:\n{}",
        daemon.log()
    );
}

/// Kind words every half minute; with no session bus they are printed to stderr. (Each
/// refused write waits out the journal's 5 s busy timeout: a prompt a second would keep
/// the daemon writing and never listening.)
const HALF_MINUTELY: &str = "timezone = \"UTC\"\n\
    [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n\
    [[schedule]]\nname = \"kind\"\nsend = \"compassion\"\ncron = \"*/30 * * * * *\"\n";

/// Kind words at 09:00 every day, for a daemon on simulated days.
const DAILY_KIND: &str = "timezone = \"UTC\"\n\
    [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\n\
    [[schedule]]\nname = \"kind\"\nsend = \"compassion\"\ncron = \"0 9 * * *\"\n";

/// Holds the journal's write lock, as a full or locked disk would refuse writes: until
/// the connection is dropped or rolled back.
fn lock_journal(home: &Home) -> rusqlite::Connection {
    let path = home.journal_path();
    closer::journal::Journal::open(&path).unwrap();
    let lock = rusqlite::Connection::open(&path).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    lock
}

/// Starts the daemon on a journal whose write lock another process holds (as a full or
/// locked disk would refuse writes), until it has a prompt it cannot write; returns the
/// daemon and the lock's connection.
fn daemon_that_cannot_write(home: &Home) -> (crate::support::home::Daemon, rusqlite::Connection) {
    let lock = lock_journal(home);
    let daemon = home.daemon(None);
    daemon.wait_for_log("prompt(s) in memory", 1, Duration::from_secs(60));
    (daemon, lock)
}

#[test]
fn what_the_journal_refused_is_kept_at_a_stop_and_replayed_once_at_the_next_start() {
    let home = Home::with_config(DAILY_KIND);
    let lock = lock_journal(&home);
    let mut sim = Sim::open(&home, None, "2026-01-05T08:00:00Z");
    assert_eq!(sim.next_sent(1).sent.len(), 1);
    sim.pass(chrono::TimeDelta::minutes(1));
    sim.stop();
    let file = home.path("state/closer/unsaved.jsonl");
    let kept = std::fs::read_to_string(&file).unwrap();
    let times: Vec<String> = kept
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["at"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(times, ["2026-01-05T09:00:00.000Z"], "{kept}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);

    // The next start replays it, once, and removes the file.
    let sim = Sim::open(&home, None, "2026-01-05T10:00:00Z");
    assert!(!file.exists(), "replayed once, then removed");
    sim.stop();
    let again = Sim::open(&home, None, "2026-01-05T10:01:00Z");
    again.stop();
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    for at in &times {
        let n: i64 = db
            .query_row("SELECT count(*) FROM sent WHERE at = ?1", [at], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 1, "the prompt sent at {at}");
    }
}

#[test]
fn what_cannot_even_be_kept_is_printed_whole() {
    let home = Home::with_config(HALF_MINUTELY);
    let (mut daemon, _lock) = daemon_that_cannot_write(&home);
    // The state dir is gone, and a file stands in its way.
    std::fs::remove_dir_all(home.path("state/closer")).unwrap();
    home.write("state/closer", "");
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(30)), 0);
    let log = daemon.log();
    let printed: Vec<Value> = log
        .lines()
        .filter_map(|l| l.strip_prefix(closer::recovery::STDERR_PREFIX))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!printed.is_empty(), "{log}");
    assert!(
        printed
            .iter()
            .all(|r| r["record"] == "sent" && r["category"] == "compassion"),
        "{printed:?}"
    );
}

#[test]
fn a_daemon_started_without_its_journal_opens_it_later_and_sees_a_pause() {
    let home = Home::with_config(DAILY_KIND);
    // The data dir cannot be made: a file stands where it goes.
    home.write("data/closer", "");
    let mut sim = Sim::open(&home, None, "2026-01-05T08:00:00Z");
    assert_eq!(sim.next_sent(1).sent.len(), 1, "sent without a journal");

    std::fs::remove_file(home.path("data/closer")).unwrap();
    ok(home.run(&["pause"]));
    assert_eq!(status(&home)["paused_until"], "indefinitely");
    sim.journal_written();
    // The next turn opens the journal, writes what it sent before, and sees the pause:
    // a week of days, and nothing more is sent.
    for _ in 0..7 {
        sim.pass(chrono::TimeDelta::days(1));
        assert!(sim.turn().sent.is_empty(), "sent while paused");
    }
    let export: Vec<Value> = home.json(&["export"]);
    assert_eq!(
        export.iter().filter(|e| e["event"] == "sent").count(),
        1,
        "{export:?}"
    );
}

#[test]
fn rows_closer_cannot_read_are_skipped_with_a_warning_and_exported_raw() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(2);
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    db.execute_batch(
        "INSERT INTO sent (id, at, due, rule, category) VALUES
             (7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day'),
              strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day'), 'x', 'gossip');
         INSERT INTO sent (id, at, due, rule, category, prompt, ladder, rung) VALUES
             (8, '9000-01-01T00:00:00.000Z', '9000-01-01T00:00:00.000Z', 's', 'step',
              'emotional-1', 'Not a ladder!', 1);
         INSERT INTO answer (id, sent_id, at, kind, source) VALUES (5, 1, 'soon', 'done', 'x');
         INSERT INTO move (id, at, ladder, from_rung, to_rung, reason) VALUES
             (3, 'not a time', 'emotional', 1, 2, 'by hand');",
    )
    .unwrap();
    drop(db);

    let run = ok(home.run(&["status"]));
    for (table, id) in [("sent", 7), ("sent", 8), ("answer", 5), ("move", 3)] {
        let warning = format!("skipping `{table}` row {id}, which closer cannot read");
        assert_eq!(
            run.stderr.matches(&warning).count(),
            1,
            "{warning}: {run:?}"
        );
    }
    assert!(run.stderr.contains("`gossip`"), "{run:?}");
    for args in [
        &["next"][..],
        &["log"],
        &["report"],
        &["export", "--format", "csv"],
    ] {
        ok(home.run(args));
    }
    // The latest readable step is the one answered.
    let run = ok(home.run(&["done"]));
    assert!(run.stdout.contains("Noted: you did"), "{run:?}");

    let export: Vec<Value> = home.json(&["export"]);
    let raw: Vec<(String, i64)> = export
        .iter()
        .filter(|e| e["event"] == "unreadable")
        .map(|e| {
            (
                e["table"].as_str().unwrap().to_owned(),
                e["step"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        raw,
        [
            ("sent".to_owned(), 7),
            ("sent".to_owned(), 8),
            ("answer".to_owned(), 5),
            ("move".to_owned(), 3)
        ]
    );
    let gossip = export.iter().find(|e| e["event"] == "unreadable").unwrap();
    assert_eq!(gossip["row"]["category"], "gossip");
    assert_eq!(gossip["row"]["rule"], "x");
    assert_eq!(export.iter().filter(|e| e["event"] == "answer").count(), 1);
}

#[test]
fn status_shows_the_step_done_answers_as_waiting_also_from_yesterday() {
    // Closed unanswered yesterday (expired, dismissed, the server gone): still answerable
    // from the terminal, so still waiting, and `done` answers the very step status shows.
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(50);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(30);
    let latest = home.latest_sent();

    let waiting = status(&home)["waiting"].clone();
    assert_eq!(waiting["id"], latest, "{waiting}");
    let title = waiting["title"].as_str().unwrap().to_owned();
    let text = ok(home.run(&["status"])).stdout;
    assert!(
        text.contains(&format!("\"{title}\"")) && text.contains("(waiting: `closer done`"),
        "{text}"
    );

    let done = ok(home.run(&["done"]));
    assert!(
        done.stdout.contains(&format!("Noted: you did \"{title}\"")),
        "{done:?}"
    );
    // Answered, it waits no more; nor does the older one, which `done` would not answer.
    assert_eq!(status(&home)["waiting"], Value::Null);
    assert!(!ok(home.run(&["status"])).stdout.contains("(waiting"));
}

#[test]
fn a_rung_held_four_times_offers_a_gentler_way_in_and_says_it_once_on_screen() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["ladder", "set", "emotional", "4"]));
    // Set a week ago, and its step sent then.
    let week_ago = (chrono::Utc::now() - chrono::TimeDelta::days(7))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    rusqlite::Connection::open(home.journal_path())
        .unwrap()
        .execute("UPDATE move SET at = ?1", [&week_ago])
        .unwrap();
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(5 * 24);
    // Done four times, each harder than the rung (3.0) predicts: it holds.
    let mut last = None;
    for days in [4, 3, 2, 1] {
        last = Some(home.answer("done", None, Some(6), &ago(days * 24)));
    }
    let reply = last.unwrap();
    assert!(
        reply.stdout.contains(
            "emotional ladder: staying on rung 4: it felt harder (6 of 10) than this rung usually does (about 3)"
        ) && reply.stdout.contains("A gentler way in: the same step in other words, “")
            && reply
                .stdout
                .contains("or the rung below (`closer ladder set emotional 3`)."),
        "{reply:?}"
    );
    let text = ok(home.run(&["status"])).stdout;
    assert!(text.contains("A gentler way in"), "{text}");
    let why = ok(home.run(&["why", "emotional"])).stdout;
    assert!(
        why.contains("now:        staying on rung 4") && why.contains("A gentler way in"),
        "{why}"
    );

    // The daemon's next step carries it; the one after does not.
    let desktop = Desktop::start();
    home.write(
        "config/closer/config.toml",
        &ONE_LADDER.replace("at = \"09:00\"", "cron = \"*/2 * * * * *\""),
    );
    let _daemon = home.daemon(Some(&desktop));
    let steps = desktop.wait_for_notifications(2, Duration::from_secs(20));
    assert!(
        steps[0].body.contains("\nA gentler way in:"),
        "{:?}",
        steps[0].body
    );
    assert!(!steps[1].body.contains("gentler"), "{:?}", steps[1].body);
}
