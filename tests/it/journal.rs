//! The journal under real processes: several writing at once, and one killed with
//! SIGKILL in the middle of a burst of answers. The children are this test binary itself,
//! run with `--exact --ignored` on an ignored `#[test]` that only acts when its environment
//! variable is set (so a plain run never counts it as a test that passed).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use closer::content::{Category, Ladder};
use closer::journal::{AnswerKind, Entry, FILE_NAME, Journal, NewAnswer, NewSent, Opened, Shown};

/// Tells a child which journal to write to.
const WRITER: &str = "JOURNAL_WRITER";
const KILLED: &str = "JOURNAL_KILLED";
const WRITERS: usize = 4;
const ROWS_EACH: usize = 200;
/// The prefix of a line that acknowledges an answer, among libtest's own output.
const ACK: &str = "acknowledged ";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
}

fn step(at: DateTime<Utc>) -> NewSent {
    NewSent {
        at,
        due: at,
        rule: "evening".into(),
        category: Category::Step,
        prompt: Some("emotional-2".into()),
        ladder: Some(Ladder::Emotional),
        rung: Some(2),
        shown: Shown {
            title: Some("Say how your day was".into()),
            body: Some("Tell someone one true thing about your day.".into()),
            ladder_name: Some("Emotional".into()),
        },
    }
}

fn done(sent_id: i64, at: DateTime<Utc>) -> NewAnswer {
    NewAnswer {
        sent_id,
        at,
        kind: AnswerKind::Done,
        distress: closer::journal::Distress::new(3),
        happened: Some(closer::journal::Happened::No),
        too_much: false,
        source: "terminal",
    }
}

/// This test binary, running only the test `name`, as a child with `var` set to `path`.
fn child(name: &str, var: &str, path: &Path) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            &format!("journal::{name}"),
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(var, path);
    command
}

/// The child of `processes_writing_at_once_lose_and_double_nothing`.
#[test]
#[ignore = "a child process: the test that needs it starts it"]
fn writer_child() {
    let Some(path) = std::env::var_os(WRITER) else {
        return;
    };
    let (journal, _) = Journal::open(Path::new(&path)).expect("open");
    let me = std::process::id();
    for i in 0..ROWS_EACH {
        let at = start() + TimeDelta::seconds(i as i64);
        let mut sent = step(at);
        sent.rule = format!("writer {me}");
        let id = journal.record_sent(&sent).expect("record_sent");
        let stored = journal
            .record_answer(&done(id, at + TimeDelta::seconds(1)))
            .expect("record_answer");
        assert!(stored, "a first answer is stored");
    }
}

#[test]
fn processes_writing_at_once_lose_and_double_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The children also race to create the file and its schema.
    let path = dir.path().join("closer").join(FILE_NAME);
    let children: Vec<_> = (0..WRITERS)
        .map(|_| {
            child("writer_child", WRITER, &path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let (journal, opened) = Journal::open(&path).unwrap();
    assert_eq!(opened, Opened::Existing);
    let entries = journal.entries(None).unwrap();
    let sent: BTreeSet<i64> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Sent(s) => Some(s.id),
            _ => None,
        })
        .collect();
    let answered: Vec<i64> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Answer(a) => Some(a.sent_id),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), WRITERS * ROWS_EACH);
    assert_eq!(answered.len(), WRITERS * ROWS_EACH);
    // One answer for each sent row, none twice.
    assert_eq!(answered.iter().copied().collect::<BTreeSet<_>>(), sent);
    let writers: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Sent(s) => Some(s.rule.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(writers.len(), WRITERS);
}

/// The child of `sigkill_loses_no_acknowledged_answer`: answers until killed.
#[test]
#[ignore = "a child process: the test that needs it starts it"]
fn killed_child() {
    let Some(path) = std::env::var_os(KILLED) else {
        return;
    };
    let (journal, _) = Journal::open(Path::new(&path)).expect("open");
    let mut stdout = std::io::stdout().lock();
    // Bounded, in case the parent dies first.
    for i in 0..100_000 {
        let at = start() + TimeDelta::milliseconds(i);
        let id = journal.record_sent(&step(at)).expect("record_sent");
        journal.record_answer(&done(id, at)).expect("record_answer");
        writeln!(stdout, "{ACK}{id}").unwrap();
        stdout.flush().unwrap();
    }
}

#[test]
fn sigkill_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut c = child("killed_child", KILLED, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(c.stdout.take().unwrap());
    let mut acknowledged = Vec::new();
    let mut line = String::new();
    let mut read = |lines: &mut BufReader<_>, acknowledged: &mut Vec<i64>| {
        line.clear();
        let n = lines.read_line(&mut line).unwrap();
        // A line cut short by the kill was not acknowledged.
        if let Some(id) = line
            .strip_prefix(ACK)
            .and_then(|rest| rest.strip_suffix('\n'))
        {
            acknowledged.push(id.parse::<i64>().unwrap());
        }
        n > 0
    };
    while acknowledged.len() < 50 {
        assert!(
            read(&mut lines, &mut acknowledged),
            "the child stopped early"
        );
    }
    c.kill().unwrap(); // SIGKILL
    let status = c.wait().unwrap();
    assert!(!status.success());
    // Whatever was acknowledged before the kill, still in the pipe.
    while read(&mut lines, &mut acknowledged) {}

    let (journal, opened) = Journal::open(&path).unwrap();
    assert_eq!(opened, Opened::Existing);
    let answered: BTreeSet<i64> = journal
        .entries(None)
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Entry::Answer(a) => Some(a.sent_id),
            _ => None,
        })
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !answered.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged answers lost: {lost:?}",
        lost.len()
    );
    assert!(answered.len() >= acknowledged.len());
}

/// Tells a child which journal to answer in, and when to start.
const ANSWERER: &str = "JOURNAL_ANSWERER";
const START_AT: &str = "JOURNAL_START_AT";
const ANSWERERS: usize = 2;

/// The config of the racing answers: one ladder, in UTC.
fn one_ladder() -> (closer::config::Config, closer::content::Library) {
    let (config, problems) = closer::config::load(
        &closer::diag::Source::new(
            "race.toml",
            "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n",
        ),
        None,
    );
    assert!(problems.is_empty(), "{problems:?}");
    (config, closer::content::Library::load(None).0)
}

/// The child of `answers_at_the_same_moment_move_a_ladder_once`: waits for the agreed
/// moment, then answers its own prompt (`sent` is its index) as a click would.
#[test]
#[ignore = "a child process: the test that needs it starts it"]
fn answerer_child() {
    let Some(path) = std::env::var_os(ANSWERER) else {
        return;
    };
    let index: i64 = std::env::var("JOURNAL_ANSWER_INDEX")
        .unwrap()
        .parse()
        .unwrap();
    let start: u128 = std::env::var(START_AT).unwrap().parse().unwrap();
    let (config, library) = one_ladder();
    let (journal, _) = Journal::open(Path::new(&path)).expect("open");
    let now = Utc::now();
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        < start
    {
        std::hint::spin_loop();
    }
    let answer = NewAnswer {
        distress: closer::journal::Distress::new(1),
        ..done(index + 2, now)
    };
    closer::record::answer(&journal, &config, &library, &answer, now).expect("answer");
}

#[test]
fn answers_at_the_same_moment_move_a_ladder_once() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let (journal, _) = Journal::open(&path).unwrap();
        // Done on rung 1 yesterday; today's first "done" moves the ladder up to rung 2.
        let yesterday = Utc::now() - TimeDelta::days(1);
        let first = journal.record_sent(&rung_one(yesterday)).unwrap();
        journal
            .record_answer(&NewAnswer {
                distress: closer::journal::Distress::new(1),
                ..done(first, yesterday)
            })
            .unwrap();
        for _ in 0..ANSWERERS {
            journal
                .record_sent(&rung_one(Utc::now() - TimeDelta::minutes(5)))
                .unwrap();
        }
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 1500;
        let children: Vec<_> = (0..ANSWERERS)
            .map(|i| {
                child("answerer_child", ANSWERER, &path)
                    .env("JOURNAL_ANSWER_INDEX", i.to_string())
                    .env(START_AT, start.to_string())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "an answer failed:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        let entries = journal.entries(None).unwrap();
        let moves: Vec<_> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Move(m) => Some((m.from, m.to)),
                _ => None,
            })
            .collect();
        let answers = entries
            .iter()
            .filter(|e| matches!(e, Entry::Answer(_)))
            .count();
        assert_eq!(answers, 1 + ANSWERERS, "round {round}");
        assert_eq!(moves, [(1, 2)], "round {round}: one move, once");
    }
}

fn rung_one(at: DateTime<Utc>) -> NewSent {
    NewSent {
        prompt: Some("emotional-1".into()),
        rung: Some(1),
        ..step(at)
    }
}

/// The schema as closer wrote it before prompts kept their words (`user_version` 2),
/// frozen here as that version left it on disk.
const SCHEMA_2: &str = "
CREATE TABLE sent (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, due TEXT NOT NULL, rule TEXT NOT NULL,
    category TEXT NOT NULL, prompt TEXT, ladder TEXT,
    rung INTEGER CHECK (rung BETWEEN 0 AND 255),
    notification INTEGER CHECK (notification BETWEEN 0 AND 4294967295)
) STRICT;
CREATE INDEX sent_at ON sent (at);
CREATE INDEX sent_category_at ON sent (category, at);
CREATE INDEX sent_notification ON sent (notification, at);
CREATE TABLE answer (
    id INTEGER PRIMARY KEY, sent_id INTEGER NOT NULL REFERENCES sent (id), at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('done', 'hard', 'skip', 'snooze')),
    distress INTEGER CHECK (distress BETWEEN 0 AND 10), happened INTEGER CHECK (happened IN (0, 1)),
    source TEXT NOT NULL, UNIQUE (sent_id, kind, at)
) STRICT;
CREATE INDEX answer_at ON answer (at);
CREATE TABLE move (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, ladder TEXT NOT NULL,
    from_rung INTEGER NOT NULL CHECK (from_rung BETWEEN 0 AND 255),
    to_rung INTEGER NOT NULL CHECK (to_rung BETWEEN 0 AND 255), reason TEXT NOT NULL
) STRICT;
CREATE INDEX move_at ON move (at);
CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX sent_ladder_rung ON sent (ladder, rung, at);
PRAGMA user_version = 2;
";

/// A journal the previous version wrote is migrated by the real binary at its first
/// command: its rows read as before (words from the content where it still has them, the
/// id alone where not), and what is sent from then on keeps its words.
#[test]
fn a_journal_from_the_previous_version_is_migrated_and_still_reads() {
    let home = crate::support::home::Home::with_config(
        "timezone = \"UTC\"\n[content]\nladders = [\"mine\"]\n[limits]\nquiet_hours = \"off\"\n\
         min_gap = \"0\"\n[[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n",
    );
    home.write(
        "config/closer/content/mine.toml",
        "[[ladder]]\nid = \"mine\"\nname = \"My own\"\n\n[[prompt]]\nid = \"mine-1\"\ncategory = \"step\"\n\
         ladder = \"mine\"\nrung = 1\ndistress = 1\ntitle = \"Mine\"\nbody = \"Wave at a neighbour\"\n",
    );
    let path = home.path("data/closer").join(FILE_NAME);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let at = |hours| {
        (Utc::now() - TimeDelta::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(SCHEMA_2).unwrap();
        for (id, prompt, ladder, hours) in [(1, "mine-1", "mine", 30), (2, "gone-1", "gone", 20)] {
            old.execute(
                "INSERT INTO sent (id, at, due, rule, category, prompt, ladder, rung)
                 VALUES (?1, ?2, ?2, 'step', 'step', ?3, ?4, 1)",
                (id, at(hours), prompt, ladder),
            )
            .unwrap();
            old.execute(
                "INSERT INTO answer (sent_id, at, kind, distress, source)
                 VALUES (?1, ?2, 'done', 2, 'terminal')",
                (id, at(hours - 1)),
            )
            .unwrap();
        }
    }
    let run = home.run(&["export"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let events: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let answers: Vec<(&str, Option<&str>)> = events
        .iter()
        .filter(|e| e["event"] == "answer")
        .map(|e| (e["prompt"].as_str().unwrap(), e["text"].as_str()))
        .collect();
    assert_eq!(
        answers,
        [("mine-1", Some("Wave at a neighbour")), ("gone-1", None)],
        "{events:?}"
    );
    let log = home.run(&["log"]);
    assert!(
        log.stdout
            .contains("done    gone-1, how hard it felt: 2 of 10"),
        "{log:?}"
    );
    let db = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = db
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let words = |id: i64| -> (Option<String>, Option<String>, Option<String>) {
        db.query_row(
            "SELECT title, body, ladder_name FROM sent WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    };
    assert_eq!(words(1), (None, None, None));
    // What goes out now keeps its words.
    let run = home.run(&["send", "--no-wait"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        words(3),
        (
            Some("Mine".into()),
            Some("Wave at a neighbour".into()),
            Some("My own".into())
        )
    );
}
