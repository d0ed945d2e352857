//! docs/progression.md's worked examples, run through the real binary: each `console`
//! block in a fresh home, its commands run in order on simulated days, and the lines shown
//! under a command must be among what it printed, in that order (`…` stands for any
//! words). So the page and the program say the same, line for line.
//!
//! An answer needs a step sent before it: before each `done`, `hard` or `skip`, a step of
//! the ladder's current rung is dated into the journal a minute before the answer, as the
//! daemon would have sent it. `# Day N` dates what follows N - 1 days after a start 30
//! days ago; `# Today` runs it (and dates an answer) now. A `ladder set` is dated before
//! the start.

use crate::support::home::{Home, ok};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

const DOC: &str = include_str!("../../docs/progression.md");

/// A worked example: its heading, and its lines.
#[derive(Debug)]
struct Example {
    title: String,
    lines: Vec<String>,
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    let mut title = String::new();
    let mut block: Option<Vec<String>> = None;
    for line in DOC.lines() {
        match &mut block {
            Some(lines) if line.starts_with("```") => {
                out.push(Example {
                    title: title.clone(),
                    lines: std::mem::take(lines),
                });
                block = None;
            }
            Some(lines) => lines.push(line.to_owned()),
            None if line == "```console" => block = Some(Vec::new()),
            None => {
                if let Some(rest) = line.strip_prefix("**") {
                    title = rest.split("**").next().unwrap_or("").to_owned();
                }
            }
        }
    }
    out
}

/// Whether `line` reads as `expected`, where `…` stands for any words.
fn matches(line: &str, expected: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return line == expected;
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The lines `expected` among `printed`, in order.
fn assert_shows(example: &str, command: &str, printed: &str, expected: &[String]) {
    let mut lines = printed.lines();
    for want in expected {
        assert!(
            lines.any(|line| matches(line, want)),
            "{example}: `{command}` did not show, in order,\n  {want}\nIt printed:\n{printed}"
        );
    }
}

/// Runs one example in a fresh home.
fn run(example: &Example) {
    let home = Home::with_config(
        "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n\
         [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n",
    );
    let start = Utc::now() - TimeDelta::days(30);
    let mut at: Option<DateTime<Utc>> = None;
    // (command, the lines expected under it)
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    let mut days: Vec<Option<DateTime<Utc>>> = Vec::new();
    for line in &example.lines {
        if let Some(day) = line.strip_prefix("# Day ") {
            let n: i64 = day.trim().parse().expect("a day number");
            at = Some(start + TimeDelta::days(n - 1));
        } else if line.trim() == "# Today" {
            at = None;
        } else if let Some(command) = line.strip_prefix("$ closer ") {
            steps.push((command.to_owned(), Vec::new()));
            days.push(at);
        } else if !line.trim().is_empty() {
            steps
                .last_mut()
                .expect("a command before its output")
                .1
                .push(line.to_owned());
        }
    }
    for ((command, expected), at) in steps.iter().zip(days) {
        let mut args: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        let answers = matches!(args[0].as_str(), "done" | "hard" | "skip");
        if answers {
            let at = at.unwrap_or_else(Utc::now);
            send_step(&home, at - TimeDelta::minutes(1));
            args.extend(["--at".to_owned(), at.to_rfc3339()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = ok(home.run(&refs));
        if args[0] == "ladder" && args[1] == "set" {
            // Set before the simulated days began.
            let db = rusqlite::Connection::open(home.journal_path()).unwrap();
            let at =
                (start - TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            db.execute("UPDATE move SET at = ?1 WHERE cause = 'set'", [at])
                .unwrap();
        }
        assert_shows(&example.title, command, &run.stdout, expected);
    }
}

/// Records a step of the emotional ladder's current rung as sent at `at`.
fn send_step(home: &Home, at: DateTime<Utc>) {
    // The rung as recorded (`status` would show a restart after the simulated month).
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    let rung: i64 = db
        .query_row(
            "SELECT coalesce((SELECT to_rung FROM move ORDER BY at DESC, id DESC LIMIT 1), 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let list: Vec<Value> = home.json(&["list", "emotional", "--json"]);
    let step = list
        .iter()
        .find(|p| p["rung"] == rung)
        .unwrap_or_else(|| panic!("no step at rung {rung}"));
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    db.execute(
        "INSERT INTO sent (at, due, rule, category, prompt, ladder, rung, title, body)
             VALUES (?1, ?1, 'step', 'step', ?2, 'emotional', ?3, ?4, ?5)",
        (
            &at,
            step["id"].as_str().unwrap(),
            rung,
            step["title"].as_str().unwrap(),
            step["body"].as_str().unwrap(),
        ),
    )
    .unwrap();
}

#[test]
fn every_worked_example_in_progression_md_is_what_closer_says() {
    let all = examples();
    assert!(all.len() >= 12, "only {} examples found", all.len());
    for example in &all {
        run(example);
    }
}

#[test]
fn wildcards_stand_for_any_words_and_nothing_else() {
    assert!(matches(
        "Noted: you did \"Say hi\".",
        "Noted: you did \"…\"."
    ));
    assert!(matches(
        "  emotional  rung 4  back to rung 4",
        "…back to rung 4"
    ));
    assert!(!matches("Noted: you did it", "Noted: you did \"…\"."));
    assert!(matches("exact", "exact"));
    assert!(!matches("exact and more", "exact"));
}
