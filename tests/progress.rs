//! Progress end to end, through the real binary: answers move the ladders and shape what
//! comes next, the journal survives damage, and export and forget keep their promises.
mod support;

use std::time::Duration;

use serde_json::Value;
use support::desktop::Desktop;
use support::home::{Home, Run};

/// One ladder and one step rule, so every step comes from the emotional ladder.
const ONE_LADDER: &str = "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n\
    [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
    [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n";

fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{run:?}");
    run
}

fn status(home: &Home) -> Value {
    serde_json::from_str(&ok(home.run(&["status", "--json"])).stdout).unwrap()
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
fn done_twice_on_different_days_advances_and_hard_twice_steps_back() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    ok(home.run(&["done", "--distress", "2", "--at", "2027-01-04T18:00:00Z"]));
    assert_eq!(emotional(&home).0, 1);
    let run = ok(home.run(&["done", "--distress", "1", "--at", "2027-01-05T18:00:00Z"]));
    assert!(
        run.stdout.contains("emotional ladder: up to rung 2"),
        "{run:?}"
    );
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 2);
    assert_eq!(
        reason,
        "up to rung 2: done on 2 days, and it felt manageable (distress 1)"
    );

    // The next step comes from rung 2; two hard answers bring it back to rung 1.
    let run = ok(home.run(&["send", "--no-wait"]));
    let list: Vec<Value> =
        serde_json::from_str(&ok(home.run(&["list", "emotional", "--json"])).stdout).unwrap();
    assert!(
        run.stderr.contains(list[1]["body"].as_str().unwrap()),
        "not the rung-2 step: {run:?}"
    );
    ok(home.run(&["hard", "--at", "2027-01-06T18:00:00Z"]));
    assert_eq!(emotional(&home).0, 2);
    ok(home.run(&["hard", "--at", "2027-01-07T18:00:00Z"]));
    let (rung, reason) = emotional(&home);
    assert_eq!(rung, 1);
    assert!(reason.contains("two hard steps in a row"), "{reason}");
}

#[test]
fn a_skip_is_followed_by_a_setback_or_compassion_message() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    let before: Vec<Value> =
        serde_json::from_str(&ok(home.run(&["next", "--json", "--count", "2"])).stdout).unwrap();
    assert_eq!(before[0]["category"], "step");
    let run = ok(home.run(&["skip"]));
    assert!(run.stdout.contains("That is fine."), "{run:?}");
    let after: Vec<Value> =
        serde_json::from_str(&ok(home.run(&["next", "--json", "--count", "2"])).stdout).unwrap();
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
}

#[test]
fn export_holds_every_answer_and_forget_leaves_nothing_behind() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    for (i, kind) in ["done", "hard", "skip", "done"].iter().enumerate() {
        ok(home.run(&[kind, "--at", &format!("2027-01-0{}T18:00:00Z", i + 4)]));
    }
    let events: Vec<Value> = serde_json::from_str(&ok(home.run(&["export"])).stdout).unwrap();
    let answers: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "answer")
        .map(|e| e["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["done", "hard", "skip", "done"]);
    let csv = ok(home.run(&["export", "--format", "csv"])).stdout;
    assert!(csv.starts_with("time,event,step,"), "{csv}");
    assert_eq!(
        csv.lines()
            .skip(1)
            .filter(|l| l.contains(",answer,"))
            .count(),
        4,
        "{csv}"
    );
    let log: Vec<Value> =
        serde_json::from_str(&ok(home.run(&["log", "--days", "100000", "--json"])).stdout).unwrap();
    assert_eq!(log.len(), events.len());

    let run = home.run(&["forget"]);
    assert_eq!(run.code, Some(1), "forget must ask first: {run:?}");
    ok(home.run(&["forget", "--yes"]));
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
    let next: Vec<Value> =
        serde_json::from_str(&ok(home.run(&["next", "--json", "--count", "1"])).stdout).unwrap();
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
    let yesterday = (chrono::Utc::now() - chrono::TimeDelta::days(1)).to_rfc3339();
    ok(home.run(&["done", "--distress", "2", "--at", &yesterday]));

    let daemon = home.daemon(Some(&desktop));
    desktop.wait_for_notifications(1, Duration::from_secs(10));
    desktop.click("done");
    let log = daemon.wait_for_log("emotional ladder: up to rung 2", 1, Duration::from_secs(10));
    assert!(log.contains(": done (\"Did it\")"), "{log}");
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
    let config = ONE_LADDER.replace("at = \"09:00\"", "cron = \"* * * * * *\"");
    let home = Home::with_config(&config);
    let mut daemon = home.daemon(Some(&desktop));
    // Each answer is followed by a question in its place; answer only the steps.
    let mut seen = 0;
    for _ in 1..=6 {
        loop {
            let all = desktop.wait_for_notifications(seen + 1, Duration::from_secs(10));
            seen = all.len();
            if all[seen - 1].actions.iter().any(|(k, _)| k == "done") {
                break;
            }
        }
        desktop.click("done");
    }
    daemon.wait_for_log("answer to notification", 3, Duration::from_secs(10));
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();

    let logged = daemon.log().matches("answer to notification").count();
    let export: Vec<Value> = serde_json::from_str(&ok(home.run(&["export"])).stdout).unwrap();
    let stored = export.iter().filter(|e| e["event"] == "answer").count();
    assert!(logged >= 3, "{}", daemon.log());
    assert!(
        stored >= logged,
        "{logged} answers were logged, {stored} stored:\n{}",
        daemon.log()
    );
}
