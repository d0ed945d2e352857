//! The report's tests: a fixed four weeks drawn into the committed snapshot
//! (tests/snapshots/report.html), and the words the page and the weekly lines say.

use super::facts::Facts;
use super::*;
use crate::content::Category;
use crate::diag::Source;
use crate::journal::{AnswerKind, AnswerRow, Happened, MoveRow, SentRow};

/// A small fixed pack: two short ladders and one kind message.
const PACK: &str = r#"
[[prompt]]
id = "e1"
category = "step"
ladder = "emotional"
rung = 1
distress = 1.0
title = "Name one feeling"
body = "Name one feeling to yourself."
[[prompt]]
id = "e2"
category = "step"
ladder = "emotional"
rung = 2
distress = 2.0
title = "Write a feeling down"
body = "Write one sentence about a feeling."
[[prompt]]
id = "e3"
category = "step"
ladder = "emotional"
rung = 3
distress = 3.0
title = "Thank someone for something small"
body = "Thank someone for one small thing."
[[prompt]]
id = "e4"
category = "step"
ladder = "emotional"
rung = 4
distress = 4.0
title = "Say what you appreciate <in person>"
body = "Tell someone one thing you appreciate about them."
[[prompt]]
id = "e5"
category = "step"
ladder = "emotional"
rung = 5
distress = 5.0
title = "Share a worry"
body = "Share one small worry with someone you trust."
[[prompt]]
id = "e6"
category = "step"
ladder = "emotional"
rung = 6
distress = 6.0
title = "Ask for support"
body = "Ask someone you trust for a little support."
[[prompt]]
id = "i1"
category = "step"
ladder = "intellectual"
rung = 1
distress = 1.0
title = "Notice an opinion"
body = "Notice one opinion you keep to yourself."
[[prompt]]
id = "i2"
category = "step"
ladder = "intellectual"
rung = 2
distress = 2.0
title = "Share a small opinion"
body = "Share one small opinion with someone."
[[prompt]]
id = "i3"
category = "step"
ladder = "intellectual"
rung = 3
distress = 3.0
title = "Say why you like something"
body = "Tell someone why you like a book or a song."
[[prompt]]
id = "i4"
category = "step"
ladder = "intellectual"
rung = 4
distress = 4.0
title = "Disagree gently"
body = "Disagree gently once, and stay in the conversation."
[[prompt]]
id = "x1"
category = "step"
ladder = "experiential"
rung = 1
distress = 1.0
title = "Suggest a short walk"
body = "Suggest a short walk to a friend."
[[prompt]]
id = "c1"
category = "compassion"
title = "A kind word"
body = "This is hard, and others find it hard too."
"#;

fn library() -> Library {
    let mut diags = Vec::new();
    let mut library = Library::default();
    library.add_pack(&Source::new("fixture.toml", PACK), false, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    library
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Builds a journal: `sent(id, at, ladder, rung)`, `answer(...)`, `moved(...)`.
#[derive(Default)]
struct Book {
    entries: Vec<Entry>,
    next: i64,
}

impl Book {
    fn id(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    fn sent(&mut self, at: &str, ladder: Option<Ladder>, rung: Option<u8>) -> i64 {
        let id = self.id();
        let category = if ladder.is_some() {
            Category::Step
        } else {
            Category::Compassion
        };
        self.entries.push(Entry::Sent(SentRow {
            id,
            at: t(at),
            due: t(at),
            rule: "step".into(),
            category,
            prompt: None,
            ladder,
            rung,
            notification: None,
            shown: Default::default(),
        }));
        id
    }

    fn answer(&mut self, sent_id: i64, at: &str, kind: AnswerKind, distress: Option<u8>) {
        let id = self.id();
        self.entries.push(Entry::Answer(AnswerRow {
            id,
            sent_id,
            at: t(at),
            kind,
            distress: distress.and_then(crate::journal::Distress::new),
            happened: None,
            too_much: false,
            source: "terminal".into(),
        }));
    }

    fn moved(&mut self, at: &str, ladder: Ladder, from: u8, to: u8) {
        let id = self.id();
        self.entries.push(Entry::Move(MoveRow {
            id,
            at: t(at),
            ladder,
            from,
            to,
            cause: if to > from {
                crate::journal::Cause::Up
            } else {
                crate::journal::Cause::Back
            },
            reason: String::new(),
        }));
    }

    fn done(mut self) -> Vec<Entry> {
        self.entries.sort_by_key(|e| e.at());
        self.entries
    }
}

/// Four weeks on two ladders, with hard and skipped steps, a step back, an answer
/// without a rating, a snooze and a kind message; a third ladder stays quiet.
fn four_weeks() -> Vec<Entry> {
    use AnswerKind::{Done, Hard, Skip, Snooze};
    const E: Ladder = Ladder::Emotional;
    const I: Ladder = Ladder::Intellectual;
    let mut b = Book::default();
    b.moved("2027-01-20T18:00:00Z", I, 1, 2);
    let s = b.sent("2027-02-06T08:00:00Z", Some(E), Some(1));
    b.answer(s, "2027-02-06T18:00:00Z", Done, Some(5));
    b.answer(s, "2027-02-08T18:30:00Z", Done, Some(3));
    b.moved("2027-02-08T18:30:00Z", E, 1, 2);
    let s = b.sent("2027-02-09T08:00:00Z", Some(E), Some(2));
    b.answer(s, "2027-02-10T19:00:00Z", Hard, Some(7));
    b.answer(s, "2027-02-11T09:00:00Z", Snooze, None);
    b.answer(s, "2027-02-11T19:00:00Z", Skip, None);
    let k = b.sent("2027-02-12T08:00:00Z", None, None);
    b.answer(k, "2027-02-12T08:05:00Z", Done, None);
    b.answer(s, "2027-02-13T17:00:00Z", Done, Some(4));
    b.answer(s, "2027-02-15T17:00:00Z", Done, Some(2));
    b.moved("2027-02-15T17:00:00Z", E, 2, 3);
    let s = b.sent("2027-02-16T08:00:00Z", Some(E), Some(3));
    b.answer(s, "2027-02-17T20:00:00Z", Done, Some(6));
    b.answer(s, "2027-02-18T20:00:00Z", Hard, Some(8));
    b.moved("2027-02-18T20:00:00Z", E, 3, 2);
    let s = b.sent("2027-02-19T08:00:00Z", Some(E), Some(2));
    b.answer(s, "2027-02-20T12:00:00Z", Done, Some(3));
    b.answer(s, "2027-02-23T12:00:00Z", Done, Some(2));
    b.moved("2027-02-23T12:00:00Z", E, 2, 3);
    let s = b.sent("2027-02-24T08:00:00Z", Some(E), Some(3));
    b.answer(s, "2027-02-26T19:00:00Z", Done, Some(4));
    b.answer(s, "2027-03-01T19:00:00Z", Done, Some(3));
    b.moved("2027-03-01T19:00:00Z", E, 3, 4);
    let s = b.sent("2027-03-02T08:00:00Z", Some(E), Some(4));
    b.answer(s, "2027-03-03T19:00:00Z", Done, Some(5));
    let s = b.sent("2027-02-12T10:00:00Z", Some(I), Some(2));
    b.answer(s, "2027-02-12T19:00:00Z", Skip, None);
    b.answer(s, "2027-02-22T19:00:00Z", Done, Some(4));
    b.answer(s, "2027-02-27T19:00:00Z", Done, Some(2));
    b.moved("2027-02-27T19:00:00Z", I, 2, 3);
    let s = b.sent("2027-03-04T08:00:00Z", Some(I), Some(3));
    b.answer(s, "2027-03-05T17:00:00Z", Done, None);
    // Before the window: not counted.
    let s = b.sent("2027-01-10T08:00:00Z", Some(I), Some(1));
    b.answer(s, "2027-01-10T19:00:00Z", Done, Some(6));
    b.done()
}

const LADDERS: &[Ladder] = &[
    Ladder::Intellectual,
    Ladder::Emotional,
    Ladder::Experiential,
];

fn input<'a>(entries: &'a [Entry], library: &'a Library, days: u32) -> ReportInput<'a> {
    ReportInput {
        entries,
        library,
        ladders: LADDERS,
        tz: "Europe/Berlin".parse().unwrap(),
        now: t("2027-03-05T20:00:00Z"),
        days,
        steps_paused: None,
    }
}

/// Compares `actual` with the committed snapshot; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read the snapshot {}: {e}; UPDATE_SNAPSHOTS=1 cargo test --lib report writes it",
                path.display()
            )
        });
    if expected == actual {
        return;
    }
    let (line, (want, got)) = expected
        .lines()
        .chain(std::iter::repeat("<end of file>"))
        .zip(actual.lines().chain(std::iter::repeat("<end of file>")))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, pair)| (i + 1, pair))
        .unwrap_or((0, ("", "")));
    panic!(
        "the report differs from the snapshot {} first at line {line}:\n  snapshot: {want}\n  now:      {got}\n\
             If the change is intended, look at the new report and run \
             UPDATE_SNAPSHOTS=1 cargo test --lib report",
        path.display()
    );
}

#[test]
fn the_report_of_a_fixed_journal_matches_its_snapshot() {
    let (entries, library) = (four_weeks(), library());
    let html = render(&input(&entries, &library, 28));
    assert_eq!(html, render(&input(&entries, &library, 28)));
    assert_snapshot("report.html", &html);
}

#[test]
fn the_report_holds_no_address_and_no_script() {
    let (entries, library) = (four_weeks(), library());
    for days in [1, 7, 28, 365] {
        let html = render(&input(&entries, &library, days));
        let lower = html.to_lowercase();
        for needle in [
            "http:", "https:", "//", "<script", "url(", "@import", "<link", "src=",
        ] {
            assert!(!lower.contains(needle), "{needle} in the {days}-day report");
        }
    }
}

#[test]
fn the_summary_counts_steps_rungs_and_setbacks() {
    let (entries, library) = (four_weeks(), library());
    let html = render(&input(&entries, &library, 28));
    for sentence in [
        "You took 15 steps in the last 4 weeks; 2 of them felt hard.",
        "You skipped 2, and skipped steps are part of it.",
        "You climbed 5 rungs on the intellectual and emotional ladders.",
        "Along the way a ladder stepped back 1 rung, to make the next step smaller.",
        "Each time a step was hard or skipped, you took another within 3 days.",
    ] {
        assert!(html.contains(sentence), "no {sentence:?} in:\n{html}");
    }
    // One chart per ladder with answers; the quiet ladder says so instead.
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("No steps on this ladder in the last 4 weeks."));
    assert!(html.contains("On rung 4 of 6, from rung 1 at the start."));
    assert!(html.contains("Now: Say what you appreciate &lt;in person&gt;"));
    // The calendar: 28 days, and the padding of its first and last weeks.
    assert_eq!(html.matches("class=\"day l").count(), 28);
    assert!(html.contains("title=\"Thu 18 Feb: 1 hard\""));
    assert!(html.contains("title=\"Fri 12 Feb: 1 skipped\""));
}

#[test]
fn feared_against_what_happened_comes_only_from_the_persons_own_rows() {
    let library = library();
    let mut entries = four_weeks();
    let html = render(&input(&entries, &library, 28));
    assert!(!html.contains("What you feared"), "no rows, no panel");

    let mut b = Book {
        next: 1000,
        ..Book::default()
    };
    let s = b.sent("2027-03-02T08:00:00Z", Some(Ladder::Emotional), Some(2));
    b.answer(s, "2027-03-02T19:00:00Z", AnswerKind::Done, Some(2));
    let s2 = b.sent("2027-03-03T08:00:00Z", Some(Ladder::Emotional), Some(2));
    b.answer(s2, "2027-03-03T19:00:00Z", AnswerKind::Done, Some(6));
    for (e, happened) in b
        .entries
        .iter_mut()
        .filter_map(|e| match e {
            Entry::Answer(a) => Some(a),
            _ => None,
        })
        .zip([Happened::No, Happened::Yes])
    {
        e.happened = Some(happened);
    }
    entries.extend(b.entries);
    let html = render(&input(&entries, &library, 28));
    assert!(
        html.contains("<h2>What you feared, and what happened</h2>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<p>You noted once that what you feared did not happen, and once that it did.</p>"
        ),
        "{html}"
    );
    assert!(
        html.contains("2 March: ")
            && html.contains("what you feared did not happen (how hard it felt: 2 of 10)"),
        "{html}"
    );
    assert!(html.contains("3 March: "), "{html}");

    let paused = ReportInput {
        steps_paused: Some("very high distress three times in a row"),
        ..input(&entries, &library, 28)
    };
    let html = render(&paused);
    assert!(
        html.contains("Steps are paused (very high distress three times in a row)"),
        "{html}"
    );
}

#[test]
fn the_window_names_its_length() {
    let (entries, library) = (four_weeks(), library());
    let f = |days| Facts::digest(&input(&entries, &library, days)).window();
    assert_eq!(f(1), "today");
    assert_eq!(f(7), "the last week");
    assert_eq!(f(14), "the last 2 weeks");
    assert_eq!(f(10), "the last 10 days");
    assert_eq!(f(0), "today");
}

#[test]
fn an_empty_journal_gives_the_empty_state() {
    let library = library();
    let html = render(&input(&[], &library, 28));
    assert!(html.contains("Nothing here yet."), "{html}");
    assert!(html.contains("When you answer a step, it will show up here."));
    assert!(!html.contains("<svg"));
    assert!(html.contains("closer is self-help, not therapy"));
    // Answers only before the window: the same, said a little differently.
    let entries = four_weeks();
    let mut later = input(&entries, &library, 7);
    later.now = t("2027-06-01T12:00:00Z");
    let html = render(&later);
    assert!(html.contains("Nothing from the last week yet."), "{html}");
    assert!(html.contains("When you answer a step, it will show up here."));
}

#[test]
fn the_notification_lines_are_short_kind_and_name_no_ladder() {
    let (entries, library) = (four_weeks(), library());
    let cases: &[(u32, &[&str])] = &[
        (
            28,
            &[
                "In the last 4 weeks you took 15 steps; 2 felt hard.",
                "You climbed 5 rungs and skipped 2; skipped steps are part of it.",
                "Each time a step was hard or skipped, you took another within 3 days.",
            ],
        ),
        (
            7,
            &["In the last week you took 4 steps.", "You climbed 2 rungs."],
        ),
        (
            1,
            &[
                "Today you took 1 step.",
                "`closer report` draws a picture of the last weeks.",
            ],
        ),
    ];
    for (days, want) in cases {
        let lines = summary_lines(&input(&entries, &library, *days));
        assert_eq!(&lines, want, "{days} days");
    }
    let empty = summary_lines(&input(&[], &library, 7));
    assert_eq!(
        empty,
        [
            "Nothing answered in the last week, and that is fine.",
            "The next small step is there when you're ready."
        ]
    );
    for days in [1, 3, 7, 14, 28, 365] {
        let lines = summary_lines(&input(&entries, &library, days));
        assert!((2..=3).contains(&lines.len()), "{lines:?}");
        for line in &lines {
            assert!(line.chars().count() < 90, "too long: {line}");
            let lower = line.to_lowercase();
            for word in Ladder::ALL {
                assert!(!lower.contains(word.as_str()), "{line}");
            }
            for word in ["streak", "should", "must", "fail"] {
                assert!(!lower.contains(word), "{line}");
            }
        }
    }
}
