//! `closer report` end to end, through the real binary: four weeks of steps answered from
//! the terminal (done, hard, skipped, on two ladders, with a rung set by hand) make a
//! report that says so, is the same every time, holds no address, and lays out in
//! headless Chromium; an empty journal makes the encouraging empty state.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::home::{Home, ONE_LADDER, Run, ok};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

/// Sends prompts until one is a step (after a hard or skipped step a kind one comes
/// first); returns its number.
fn send_step(home: &Home) -> String {
    for _ in 0..4 {
        ok(home.run(&["send", "--no-wait"]));
        let events: Vec<Value> = home.json(&["export"]);
        let last = events.iter().rev().find(|e| e["event"] == "sent").unwrap();
        if last["category"] == "step" {
            return last["step"].to_string();
        }
    }
    panic!("no step was sent in four tries");
}

/// Noon, `n` days ago.
fn days_ago(now: DateTime<Utc>, n: i64) -> String {
    let day = (now - TimeDelta::days(n)).date_naive();
    format!("{day}T12:00:00Z")
}

/// Dates step `step` at 09:00 on the day of `first_answer` (noon), as if the daemon had
/// sent it then: an answer cannot be dated before its prompt was sent.
fn sent_on(home: &Home, step: &str, first_answer: &str) {
    let at = first_answer.replace("T12:00:00Z", "T09:00:00.000Z");
    home.date_sent(Some(step.parse().unwrap()), &at);
}

/// Four weeks of answers: the emotional ladder climbs from rung 1 to 4 with a hard week
/// and a step back on the way; the intellectual ladder starts with a skip and climbs one
/// rung; the experiential ladder is put on rung 2 by hand.
fn four_weeks() -> Home {
    let home = Home::with_config(ONE_LADDER);
    let now = Utc::now();
    let at = |n| days_ago(now, n);
    let plan: &[&[(&str, i64, Option<u8>)]] = &[
        // Rung 1: done twice, manageable both times: up to 2.
        &[("done", 27, Some(3)), ("done", 25, Some(2))],
        // Rung 2: hard, skipped, then done twice: up to 3.
        &[
            ("hard", 23, Some(7)),
            ("skip", 22, None),
            ("done", 20, Some(3)),
            ("done", 18, Some(2)),
        ],
        // Rung 3 (expected 2.5): far harder the second time: back to 2.
        &[("done", 16, Some(6)), ("hard", 15, Some(8))],
        // Rung 2 again, then 3, then 4.
        &[("done", 13, Some(3)), ("done", 11, Some(2))],
        &[("done", 9, Some(3)), ("done", 6, Some(3))],
        &[("done", 3, Some(5))],
    ];
    for answers in plan {
        let step = send_step(&home);
        sent_on(&home, &step, &at(answers[0].1));
        for (kind, n, distress) in *answers {
            home.answer(kind, Some(&step), *distress, &at(*n));
        }
    }
    // The intellectual ladder, alone for a moment so that its steps are sent.
    ok(home.run(&["ladder", "enable", "intellectual"]));
    ok(home.run(&["ladder", "disable", "emotional"]));
    let step = send_step(&home);
    sent_on(&home, &step, &at(21));
    home.answer("skip", Some(&step), None, &at(21));
    home.answer("done", Some(&step), Some(3), &at(14));
    home.answer("done", Some(&step), Some(2), &at(8));
    let step = send_step(&home);
    sent_on(&home, &step, &at(2));
    home.answer("done", Some(&step), None, &at(2));
    ok(home.run(&["ladder", "enable", "emotional"]));
    ok(home.run(&["ladder", "enable", "experiential"]));
    ok(home.run(&["ladder", "set", "experiential", "2"]));
    home
}

/// `closer report --out FILE ARGS…`, returning the page.
fn report(home: &Home, file: &str, args: &[&str]) -> String {
    let out = home.path(file);
    let out = out.to_str().unwrap();
    let mut all = vec!["report", "--out", out];
    all.extend(args);
    let run = ok(home.run(&all));
    assert!(run.stdout.contains(out), "{run:?}");
    fs::read_to_string(out).unwrap()
}

/// Every report is one file: no address of any kind, nothing to fetch, no script.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for needle in [
        "http://", "https://", "<script", "<link", "src=", "url(", "@import",
    ] {
        assert!(!lower.contains(needle), "the report holds {needle:?}");
    }
}

#[test]
fn four_weeks_of_answers_make_a_report_that_says_so_and_is_the_same_every_time() {
    let home = four_weeks();
    let (html, again) = loop {
        let day = Utc::now().date_naive();
        let html = report(&home, "a.html", &["--days", "28"]);
        let again = report(&home, "b.html", &["--days", "28"]);
        // The report draws up to today: compare two made on the same day.
        if Utc::now().date_naive() == day {
            break (html, again);
        }
    };
    assert!(html == again, "two reports of the same journal differ");
    assert_self_contained(&html);
    for sentence in [
        "You took 15 steps in the last 4 weeks; 2 of them felt hard.",
        "You skipped 2, and skipped steps are part of it.",
        "You climbed 6 rungs on the",
        "Along the way a ladder stepped back 1 rung",
        "Each time a step was hard or skipped, you took another within 3 days.",
        "On rung 4 of 12, from rung 1 at the start. 12 steps taken, 2 of them hard; 1 skipped.",
        "On rung 2 of 12, from rung 1 at the start. 3 steps taken; 1 skipped.",
        "No steps on this ladder in the last 4 weeks.",
        "closer is self-help, not therapy",
    ] {
        assert!(html.contains(sentence), "no {sentence:?} in the report");
    }
    // A chart for each ladder with answers, and a calendar of 28 days.
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("aria-label=\"The emotional ladder"));
    assert!(html.contains("aria-label=\"The intellectual ladder"));
    assert_eq!(html.matches("class=\"day l").count(), 28);
    // Answers on 17 different days.
    assert_eq!(html.matches("class=\"day l0").count(), 28 - 17);

    // A shorter window counts only its own days.
    let week = report(&home, "week.html", &["--days", "7"]);
    assert!(
        week.contains("You took 3 steps in the last week."),
        "{week}"
    );
    assert_eq!(week.matches("class=\"day l").count(), 7);
}

#[test]
fn an_empty_journal_gives_the_empty_state_and_no_journal_is_created() {
    let home = Home::with_config(ONE_LADDER);
    let run = ok(home.run(&["report"]));
    let path = home.path("data/closer/report.html");
    assert!(
        run.stdout.contains(path.to_str().unwrap()),
        "the report goes to the data dir: {run:?}"
    );
    let html = fs::read_to_string(&path).unwrap();
    assert!(html.contains("Nothing here yet."), "{html}");
    assert!(html.contains("When you answer a step, it will show up here."));
    assert!(!html.contains("<svg"));
    assert_self_contained(&html);
    assert!(!home.journal_path().exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the report is private");
}

#[test]
fn open_without_a_browser_says_so_and_keeps_the_file() {
    let home = Home::with_config(ONE_LADDER);
    let empty = home.path("no-programs");
    fs::create_dir_all(&empty).unwrap();
    let out = home
        .cmd(&["report", "--open"])
        .env("PATH", &empty)
        .output()
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("cannot open it in a browser"),
        "{run:?}"
    );
    assert!(run.stderr.contains("xdg-open"), "{run:?}");
    assert!(home.path("data/closer/report.html").exists());
}

#[test]
fn days_must_be_at_least_one() {
    let home = Home::with_config(ONE_LADDER);
    let run = home.run(&["report", "--days", "0"]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

/// Runs scripts/report-screenshot.sh on `page`: the screenshot goes to `png`; returns the
/// laid-out (width, height) of every <svg>.
fn screenshot(page: &Path, png: &Path) -> Vec<(u32, u32)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/report-screenshot.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(page)
        .arg(png)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "report-screenshot.sh failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png_bytes = fs::read(png).unwrap();
    assert!(
        png_bytes.starts_with(b"\x89PNG"),
        "not a PNG: {}",
        png.display()
    );
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("svg "))
        .map(|l| {
            let (_, size) = l.split_once(' ').unwrap();
            let (w, h) = size.split_once('x').unwrap();
            (w.parse().unwrap(), h.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_report_lays_out_in_headless_chromium() {
    let found = ["chromium", "chromium-browser"].iter().any(|name| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        eprintln!(
            "chromium is not installed: the layout check is skipped (scripts/test.sh installs it)"
        );
        return;
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let home = four_weeks();
    report(&home, "four-weeks.html", &[]);
    let png = shots.join("report-four-weeks.png");
    let sizes = screenshot(&home.path("four-weeks.html"), &png);
    assert_eq!(
        sizes.len(),
        2,
        "one chart per ladder with answers: {sizes:?}"
    );
    for (w, h) in &sizes {
        assert!(*w > 300 && *h > 100, "a chart did not lay out: {sizes:?}");
    }
    eprintln!("screenshot: {}", png.display());

    let empty = Home::with_config(ONE_LADDER);
    report(&empty, "empty.html", &[]);
    let png = shots.join("report-empty.png");
    assert_eq!(screenshot(&empty.path("empty.html"), &png), Vec::new());
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn the_report_says_step_by_step_what_was_feared_against_what_happened() {
    let home = Home::with_config(ONE_LADDER);
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(5 * 24);
    for (days, happened) in [(4, "no"), (3, "no"), (2, "partly"), (1, "no")] {
        ok(home.run(&[
            "done",
            "--happened",
            happened,
            "--at",
            &crate::support::home::ago(days * 24),
        ]));
    }
    let log: Vec<Value> = home.json(&["log", "--json"]);
    let title = log.iter().find(|e| e["event"] == "sent").unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = report(&home, "r.html", &[]);
    assert!(
        html.contains(&format!(
            "<li>{title}: you expected it to go badly; it did 0 of 4 times, partly 1</li>"
        )),
        "{html}"
    );
}
