//! A person's own ladders end to end, through the real binary in a private home: the
//! TOML `closer ladder` writes (and `closer check` accepts), hand edits and comments kept,
//! a ladder climbed over simulated days, a ladder removed with its history still shown,
//! and the bad input `closer check` names with file, line and column.

use std::os::unix::fs::PermissionsExt;

use crate::support::home::{Home, ago, ok, refused};
use serde_json::Value;

/// A step rule and no ladder but the person's own.
const CONFIG: &str = "timezone = \"UTC\"\n[content]\nladders = [\"telling-my-sister\", \"good\"]\n\
    [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
    [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n";

const FILE: &str = "config/closer/content/ladder-telling-my-sister.toml";

/// A home with the sister ladder made from the terminal, three steps given out of order.
fn sister() -> Home {
    let home = Home::with_config(&CONFIG.replace(", \"good\"", ""));
    let run = ok(home.run(&["ladder", "new", "Telling my sister"]));
    assert!(run.stdout.contains("`telling-my-sister`"), "{run:?}");
    for (step, distress) in [
        ("Tell my sister one thing I feel", "5"),
        ("Send my sister a photo", "1"),
        ("Ask my sister how her week was", "3"),
    ] {
        ok(home.run(&[
            "ladder",
            "add",
            "Telling my sister",
            step,
            "--distress",
            distress,
        ]));
    }
    home
}

#[test]
fn the_cli_writes_a_private_sorted_file_that_check_accepts() {
    let home = sister();
    let path = home.path(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let bodies: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("body = "))
        .collect();
    assert_eq!(
        bodies,
        [
            "\"Send my sister a photo\"",
            "\"Ask my sister how her week was\"",
            "\"Tell my sister one thing I feel\""
        ],
        "{text}"
    );
    let rungs: Vec<&str> = text.lines().filter(|l| l.starts_with("rung = ")).collect();
    assert_eq!(rungs, ["rung = 1", "rung = 2", "rung = 3"], "{text}");
    let run = ok(home.run(&["check"]));
    // No warning at all: the shipped rungs agree, and so does this ladder.
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("warning")),
        "{run:?}"
    );
    let show = ok(home.run(&["ladder", "show", "telling-my-sister"]));
    assert!(
        show.stdout
            .starts_with("Telling my sister (`telling-my-sister`)\n"),
        "{show:?}"
    );
    assert!(
        show.stdout.contains(">  1   1.0  Send my sister a photo"),
        "{show:?}"
    );
    // A shipped ladder's id is not the person's to take.
    refused(
        home.run(&["ladder", "new", "Emotional"]),
        "`emotional` is a shipped ladder",
    );
    let run = home.run(&["ladder", "add", "emotional", "x", "--distress", "2"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let run = home.run(&[
        "ladder",
        "add",
        "telling-my-sister",
        "x",
        "--distress",
        "11",
    ]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("expected a number from 0 to 10"),
        "{run:?}"
    );
}

#[test]
fn adds_run_at_once_never_lose_a_step() {
    let home = sister();
    // Fifteen `ladder add` processes started together, each with a step of its own.
    let steps: Vec<String> = (1..=15)
        .map(|i| format!("Tell my sister thing number {i}"))
        .collect();
    let children: Vec<std::process::Child> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let distress = (i % 10).to_string();
            home.cmd(&[
                "ladder",
                "add",
                "telling-my-sister",
                step,
                "--distress",
                &distress,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let run = crate::support::home::Run::from(child.wait_with_output().unwrap());
        assert!(
            run.stdout.contains("Added to `telling-my-sister`"),
            "{run:?}"
        );
        ok(run);
    }
    let text = std::fs::read_to_string(home.path(FILE)).unwrap();
    for step in &steps {
        assert!(
            text.contains(&format!("body = \"{step}\"")),
            "lost {step:?}:\n{text}"
        );
    }
    assert_eq!(text.matches("\n[[prompt]]\n").count(), 18, "{text}");
    let rungs: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("rung = "))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = (1..=18).map(|r| format!("rung = {r}")).collect();
    assert_eq!(rungs, expected, "{text}");
    let mut ids: Vec<&str> = text.lines().filter(|l| l.starts_with("id = ")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 19, "{text}");
    ok(home.run(&["check"]));
}

#[test]
fn a_step_the_loader_would_refuse_is_refused_before_writing() {
    let home = sister();
    let before = std::fs::read_to_string(home.path(FILE)).unwrap();
    // The same step but for case and spacing: the loader would leave the whole ladder
    // out, so nothing is written, and the reason is given.
    refused(
        home.run(&[
            "ladder",
            "add",
            "telling-my-sister",
            "send my SISTER  a photo",
            "--distress",
            "2",
        ]),
        "\"send my SISTER  a photo\" is already on this ladder, as \"Send my sister a photo\"; each step once",
    );
    // A feared outcome too long for the follow-up that asks about it.
    let long =
        "she will think that I am strange and tell everyone we know about it, and then laugh";
    let run = refused(
        home.run(&[
            "ladder",
            "add",
            "telling-my-sister",
            "Say I missed her",
            "--distress",
            "4",
            "--feared",
            long,
        ]),
        "the feared outcome has 83 characters; at most 80",
    );
    assert!(run.stderr.contains("nothing was written"), "{run:?}");
    assert_eq!(std::fs::read_to_string(home.path(FILE)).unwrap(), before);
    // Up to the most a ladder holds, and not one more.
    for i in 4..=20 {
        ok(home.run(&[
            "ladder",
            "add",
            "telling-my-sister",
            &format!("Write my sister note {i}"),
            "--distress",
            "6",
        ]));
    }
    let full = std::fs::read_to_string(home.path(FILE)).unwrap();
    refused(
        home.run(&[
            "ladder",
            "add",
            "telling-my-sister",
            "One step more",
            "--distress",
            "6",
        ]),
        "the ladder has 20 steps, as many as a ladder holds (20)",
    );
    assert_eq!(std::fs::read_to_string(home.path(FILE)).unwrap(), full);
    ok(home.run(&["ladder", "show", "telling-my-sister"]));
    ok(home.run(&["check"]));
}

#[test]
fn a_step_carries_what_is_feared_how_likely_it_feels_and_the_safety_habit() {
    let home = sister();
    let run = ok(home.run(&[
        "ladder",
        "add",
        "telling-my-sister",
        "Call her on Sunday",
        "--distress",
        "4",
        "--feared",
        "That she'll find it odd.",
        "--likely",
        "60%",
        "--fade",
        "keep it short",
        "--occasion",
    ]));
    assert!(
        run.stdout.contains("Added to `telling-my-sister`"),
        "{run:?}"
    );
    let text = std::fs::read_to_string(home.path(FILE)).unwrap();
    let block = text
        .split("[[prompt]]")
        .find(|b| b.contains("Call her on Sunday"))
        .unwrap();
    for line in [
        "feared = \"she'll find it odd\"",
        "likely = 60",
        "fade = \"keep it short\"",
        "occasion = true",
    ] {
        assert!(block.contains(line), "no {line:?} in\n{block}");
    }
    ok(home.run(&["check"]));
    // A likelihood needs the outcome it is about, and is a whole number to 100.
    let add = |extra: &[&str]| {
        let mut args = vec![
            "ladder",
            "add",
            "telling-my-sister",
            "Hug her",
            "--distress",
            "5",
        ];
        args.extend(extra);
        home.run(&args)
    };
    let run = add(&["--likely", "50"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--feared"), "{run:?}");
    let run = add(&["--feared", "she pulls away", "--likely", "fifty"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains("`fifty` is not a likelihood; expected a whole number from 0 to 100"),
        "{run:?}"
    );
    let run = add(&["--feared", "she pulls away", "--likely", "101"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(!text.contains("Hug her"));
}

#[test]
fn names_in_any_alphabet_make_ladders_and_a_taken_id_gets_a_number() {
    let home = Home::with_config(crate::support::home::ONE_LADDER);
    let run = ok(home.run(&["ladder", "new", "Мама"]));
    assert!(
        run.stdout.contains("Made your ladder `mama` (Мама)"),
        "{run:?}"
    );
    ok(home.run(&["ladder", "add", "мама", "Позвонить маме", "--distress", "2"]));
    let show = ok(home.run(&["ladder", "show", "Мама"])).stdout;
    assert!(show.starts_with("Мама (`mama`)"), "{show}");
    assert!(show.contains("Позвонить маме"), "{show}");
    // Another name with the same id gets a number; the same name again is refused.
    let run = ok(home.run(&["ladder", "new", "Mama"]));
    assert!(run.stdout.contains("`mama-2`"), "{run:?}");
    refused(
        home.run(&["ladder", "new", "МАМА"]),
        "you already have the ladder \"Мама\" (`mama`",
    );
    let run = ok(home.run(&["ladder", "new", "和妈妈说话"]));
    assert!(run.stdout.contains("`ladder-1` (和妈妈说话)"), "{run:?}");
    ok(home.run(&[
        "ladder",
        "add",
        "和妈妈说话",
        "给妈妈打电话",
        "--distress",
        "3",
    ]));
    refused(
        home.run(&["ladder", "new", &"Talking ".repeat(6)]),
        "the name has 47 characters; at most 40 fit",
    );
    ok(home.run(&["check"]));
}

#[test]
fn hand_edits_and_comments_are_kept_across_ladder_add() {
    let home = sister();
    let path = home.path(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text
        .replacen(
            "name = \"Telling my sister\"",
            "name = \"Telling my sister\"   # she matters\ndescription = \"Saying more of what I feel\"",
            1,
        )
        .replace(
            "body = \"Ask my sister how her week was\"",
            "# the call, not a text\nbody = \"Call my sister and ask about her week\"",
        )
        + "\n# my notes: go slowly\n";
    std::fs::write(&path, &edited).unwrap();
    ok(home.run(&[
        "ladder",
        "add",
        "telling-my-sister",
        "Say I missed her",
        "--distress",
        "4",
    ]));
    let after = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "# she matters",
        "description = \"Saying more of what I feel\"",
        "# the call, not a text",
        "body = \"Call my sister and ask about her week\"",
        "# my notes: go slowly",
        "body = \"Say I missed her\"",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    let show = ok(home.run(&["ladder", "show", "telling-my-sister"]));
    let order: Vec<&str> = show.stdout.lines().skip(3).collect();
    assert_eq!(
        order,
        [
            ">  1   1.0  Send my sister a photo",
            "   2   3.0  Call my sister and ask about her week",
            "   3   4.0  Say I missed her",
            "   4   5.0  Tell my sister one thing I feel",
        ],
        "{show:?}"
    );
    ok(home.run(&["check"]));
}

#[test]
fn a_personal_ladder_is_climbed_over_days_and_its_history_outlives_it() {
    let home = sister();
    // On from the terminal, by its name, as well as by the config.
    let run = ok(home.run(&["ladder", "enable", "Telling my sister"]));
    assert!(run.stdout.contains("is on"), "{run:?}");
    let run = ok(home.run(&["send", "--no-wait"]));
    assert!(run.stderr.contains("Send my sister a photo"), "{run:?}");
    home.sent_ago(96);
    home.answer("done", None, Some(2), &ago(72));
    let run = home.answer("done", None, Some(1), &ago(48));
    assert!(run.stdout.contains("up to rung 2"), "{run:?}");
    let status: Value = home.json(&["status", "--json"]);
    let ladder = &status["ladders"][0];
    assert_eq!(ladder["ladder"], "telling-my-sister", "{status}");
    assert_eq!(ladder["name"], "Telling my sister", "{status}");
    assert_eq!(ladder["rung"], 2, "{status}");
    let text = ok(home.run(&["status"])).stdout;
    assert!(text.contains("Telling my sister  rung  2 of 3"), "{text}");
    let run = ok(home.run(&["send", "--no-wait"]));
    assert!(
        run.stderr.contains("Ask my sister how her week was"),
        "{run:?}"
    );

    let log = ok(home.run(&["log"])).stdout;
    assert!(
        log.contains("move    Telling my sister ladder 1 → 2"),
        "{log}"
    );
    let export: Vec<Value> = home.json(&["export"]);
    assert!(
        export
            .iter()
            .any(|e| e["ladder_name"] == "Telling my sister"),
        "{export:?}"
    );
    let before = home.path("before.html");
    ok(home.run(&["report", "--out", before.to_str().unwrap()]));
    let html = std::fs::read_to_string(&before).unwrap();
    assert!(html.contains("<h3>Telling my sister <span>"), "{html}");

    let run = ok(home.run(&["ladder", "rm", "telling-my-sister"]));
    assert!(run.stdout.contains("stays in"), "{run:?}");
    assert!(!home.path(FILE).exists());
    // It is out of the config's list too. It was the only ladder there: the step rule
    // has nothing left to send, which `rm` says at once and `check` names.
    assert!(
        run.stdout.contains("It is out of `[content] ladders` in "),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("warning: ") && run.stdout.contains("rule \"step\" would send nothing"),
        "{run:?}"
    );
    let config = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(config.contains("ladders = []\n"), "{config}");
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(!run.stdout.contains("telling-my-sister"), "{run:?}");
    ok(home.run(&["status"]));
    let log = ok(home.run(&["log"])).stdout;
    // A removed ladder keeps the name its steps were sent under.
    assert!(
        log.contains("move    Telling my sister ladder 1 → 2"),
        "{log}"
    );
    // The words of a removed ladder's steps stay with their history.
    assert!(
        log.contains("done    telling-my-sister-2 \"Send my sister a photo\""),
        "{log}"
    );
    let export: Vec<Value> = home.json(&["export"]);
    let answers: Vec<&Value> = export.iter().filter(|e| e["event"] == "answer").collect();
    assert_eq!(answers.len(), 2, "{export:?}");
    assert!(
        answers.iter().all(|a| a["ladder"] == "telling-my-sister"),
        "{export:?}"
    );
    assert!(
        answers
            .iter()
            .all(|a| a["text"] == "Send my sister a photo"),
        "{export:?}"
    );
    ok(home.run(&["export", "--format", "csv"]));
    // Made again under the same name, its new steps take ids never used, so the old
    // answers keep their own words.
    ok(home.run(&["ladder", "new", "Telling my sister"]));
    ok(home.run(&[
        "ladder",
        "add",
        "telling-my-sister",
        "Wave at her",
        "--distress",
        "1",
    ]));
    let text = std::fs::read_to_string(home.path(FILE)).unwrap();
    assert!(text.contains("id = \"telling-my-sister-4\""), "{text}");
    let log = ok(home.run(&["log"])).stdout;
    assert!(
        log.contains("telling-my-sister-2 \"Send my sister a photo\""),
        "{log}"
    );
    let out = home.path("report.html");
    ok(home.run(&["report", "--out", out.to_str().unwrap()]));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("aria-label=\"The Telling my sister ladder: rung over time"),
        "{html}"
    );
}

#[test]
fn removing_a_listed_ladder_takes_it_out_of_the_config_and_the_daemon_reloads() {
    let config = "# my setup\ntimezone = \"UTC\"\n[content]\nladders = [\n  \"emotional\",   # since May\n  \"telling-my-sister\",  # mine\n]\n\
        [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
        [[schedule]]\nname = \"step\"   # every morning\nsend = \"step\"\nat = \"09:00\"\n";
    let home = sister();
    // The config is a link, as a dotfile manager keeps it: it stays one.
    home.write("dotfiles/closer.toml", config);
    std::fs::remove_file(home.config_path()).unwrap();
    std::os::unix::fs::symlink(home.path("dotfiles/closer.toml"), home.config_path()).unwrap();
    ok(home.run(&["check"]));
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, std::time::Duration::from_secs(20));

    let run = ok(home.run(&["ladder", "rm", "Telling my sister"]));
    assert!(
        run.stdout.contains("It is out of `[content] ladders` in "),
        "{run:?}"
    );
    assert!(!run.stdout.contains("warning"), "{run:?}");
    assert!(home.config_path().is_symlink());
    assert_eq!(
        std::fs::read_to_string(home.path("dotfiles/closer.toml")).unwrap(),
        config.replace("  \"telling-my-sister\",  # mine\n", "")
    );
    ok(home.run(&["check"]));
    // The running daemon takes the change: its reload is valid, never "has problems".
    let log = daemon.wait_for_log("reloaded", 1, std::time::Duration::from_secs(20));
    assert!(!log.contains("has problems"), "{log}");
    // Removing a ladder the config does not list leaves the config alone.
    ok(home.run(&["ladder", "new", "Mine"]));
    let run = ok(home.run(&["ladder", "rm", "Mine"]));
    assert!(!run.stdout.contains("[content] ladders"), "{run:?}");
}

#[test]
fn check_names_each_bad_ladder_and_the_rest_runs() {
    let home = Home::with_config(&CONFIG.replace("\"telling-my-sister\", ", ""));
    let step = |id: &str, ladder: &str, rung: u32, distress: &str, body: &str| {
        format!(
            "[[prompt]]\nid = \"{id}\"\ncategory = \"step\"\nladder = \"{ladder}\"\nrung = {rung}\n{distress}title = \"Mine\"\nbody = \"{body}\"\n\n"
        )
    };
    // One file per problem; `good` stays whole.
    let mut bad = String::from("[[ladder]]\nid = \"bad\"\nname = \"Bad\"\n\n");
    bad += &step("bad-1", "bad", 1, "", "No distress here");
    bad += &step("bad-2", "bad", 2, "distress = 11\n", "Too hard to rate");
    bad += &step("bad-3", "bad", 3, "distress = 3\n", "Say hello");
    bad += &step("bad-4", "bad", 4, "distress = 4\n", "say  Hello");
    home.write("config/closer/content/bad.toml", &bad);
    let mut long = String::from("[[ladder]]\nid = \"long\"\nname = \"Long\"\n\n");
    // 21 steps: the last two are wordings of rung 20.
    for i in 1..=21 {
        let rung = i.min(20);
        long += &step(
            &format!("long-{i}"),
            "long",
            rung,
            "distress = 1\n",
            &format!("Step {i}"),
        );
    }
    home.write("config/closer/content/long.toml", &long);
    home.write(
        "config/closer/content/names.toml",
        "[[ladder]]\nid = \"nameless\"\nname = \"\"\n\n[[ladder]]\nid = \"social\"\nname = \"Mine\"\n",
    );
    let mut good = String::from("[[ladder]]\nid = \"good\"\nname = \"Good\"\n\n");
    good += &step("good-1", "good", 1, "distress = 1\n", "Wave");
    good += &step("good-2", "good", 2, "distress = 6\n", "Talk");
    home.write("config/closer/content/good.toml", &good);

    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let content = home.path("config/closer/content");
    let at = |file: &str, rest: &str| format!("{}:{rest}", content.join(file).display());
    for expected in [
        at("bad.toml", "5:1: `prompt.distress`: missing"),
        at(
            "bad.toml",
            "18:12: `prompt.distress`: 11 is out of range; expected a number from 0 to 10",
        ),
        at(
            "bad.toml",
            "31:1: `prompt.body`: this step is already on the `bad` ladder at ",
        ),
        at(
            "bad.toml",
            "1:1: `ladder.id`: the `bad` ladder was left out",
        ),
        at(
            "long.toml",
            "185:1: `prompt.ladder`: the `long` ladder has 21 steps; a ladder holds at most 20",
        ),
        at("names.toml", "3:8: `ladder.name`: the name is empty"),
        at(
            "names.toml",
            "5:1: `ladder.id`: `social` is a shipped ladder",
        ),
        at(
            "good.toml",
            "14:1: `prompt.distress`: a jump of 5.0 points from \"Wave\" (1)",
        ),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("warning: ") && run.stdout.contains("closer ladder add good"),
        "{run:?}"
    );
    // The good ladder runs; the broken ones are out.
    let list = ok(home.run(&["list", "good"])).stdout;
    assert!(list.starts_with("Good (your `good` ladder)"), "{list}");
    assert!(home.run(&["list", "bad"]).code == Some(1));
    ok(home.run(&["ladder", "enable", "good"]));
    let run = ok(home.run(&["send", "--no-wait"]));
    assert!(run.stderr.contains("Wave"), "{run:?}");
    let run = home.run(&["ladder", "enable", "bad"]);
    assert_eq!(run.code, Some(1), "{run:?}");
}

/// The sister ladder with its first step ("Send my sister a photo") answered twice, on
/// two days, with what was feared not happening: the ladder moved up to rung 2.
fn answered_sister() -> Home {
    let home = sister();
    ok(home.run(&["ladder", "enable", "telling-my-sister"]));
    let run = ok(home.run(&["send", "--no-wait"]));
    assert!(run.stderr.contains("Send my sister a photo"), "{run:?}");
    home.sent_ago(96);
    for (distress, hours) in [("2", 72), ("1", 48)] {
        ok(home.run(&[
            "done",
            "--distress",
            distress,
            "--happened",
            "no",
            "--at",
            &ago(hours),
        ]));
    }
    home
}

/// What `log`, `export` (JSON and CSV) and the report show of the answered step and
/// its ladder, once the content changed under them.
fn assert_history_keeps_its_words(home: &Home) {
    let log = ok(home.run(&["log"])).stdout;
    assert!(
        log.contains("done    telling-my-sister-2 \"Send my sister a photo\""),
        "{log}"
    );
    assert!(
        log.contains("move    Telling my sister ladder 1 → 2"),
        "{log}"
    );
    let export: Vec<Value> = home.json(&["export"]);
    let answers: Vec<&Value> = export.iter().filter(|e| e["event"] == "answer").collect();
    assert_eq!(answers.len(), 2, "{export:?}");
    for a in &answers {
        assert_eq!(a["text"], "Send my sister a photo", "{a}");
        assert_eq!(a["title"], "Telling my sister", "{a}");
        assert_eq!(a["ladder"], "telling-my-sister", "{a}");
        assert_eq!(a["ladder_name"], "Telling my sister", "{a}");
    }
    let csv = ok(home.run(&["export", "--format", "csv"])).stdout;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let answers: Vec<Vec<&str>> = csv
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "answer")
        .collect();
    assert_eq!(answers.len(), 2, "{csv}");
    for a in &answers {
        assert_eq!(a[column("text")], "Send my sister a photo", "{csv}");
        assert_eq!(a[column("ladder_name")], "Telling my sister", "{csv}");
    }
    let out = home.path("report.html");
    ok(home.run(&["report", "--out", out.to_str().unwrap(), "--force"]));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<h3>Telling my sister <span>"), "{html}");
    assert_eq!(
        html.matches("Send my sister a photo — what you feared did not happen")
            .count(),
        2,
        "{html}"
    );
}

/// Takes the sister ladder's step `body` out of its file, as a hand would (no command
/// deletes one step).
fn take_out_by_hand(home: &Home, body: &str) {
    let path = home.path(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .split("\n[[prompt]]\n")
        .filter(|block| !block.contains(&format!("body = \"{body}\"")))
        .collect();
    assert_eq!(kept.len(), 3, "{text}");
    std::fs::write(&path, kept.join("\n[[prompt]]\n")).unwrap();
}

#[test]
fn a_step_deleted_by_hand_keeps_its_words_in_history() {
    let home = answered_sister();
    // The step answered, taken out of the file by hand.
    take_out_by_hand(&home, "Send my sister a photo");
    let list = ok(home.run(&["list", "telling-my-sister"])).stdout;
    assert!(!list.contains("Send my sister a photo"), "{list}");
    assert_history_keeps_its_words(&home);
}

#[test]
fn a_ladder_renamed_by_hand_keeps_its_name_and_words_in_history() {
    let home = answered_sister();
    let path = home.path(FILE);
    // A new id (its steps' ids with it) and a new name, by hand.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("telling-my-sister", "my-sister")
        .replace("Telling my sister", "Talking with my sister");
    std::fs::write(&path, text).unwrap();
    let show = ok(home.run(&["ladder", "show", "my-sister"])).stdout;
    assert!(
        show.starts_with("Talking with my sister (`my-sister`)"),
        "{show}"
    );
    assert_history_keeps_its_words(&home);
}

#[test]
fn why_done_and_ladder_name_a_personal_ladder_by_its_name() {
    let home = sister();
    let run = ok(home.run(&["ladder", "enable", "telling-my-sister"]));
    assert!(
        run.stdout.contains("The Telling my sister ladder is on."),
        "{run:?}"
    );
    ok(home.run(&["send", "--no-wait"]));
    home.sent_ago(96);
    home.answer("done", None, Some(2), &ago(72));
    let run = home.answer("done", None, Some(1), &ago(48));
    assert!(
        run.stdout.contains(
            "Noted: you did \"Send my sister a photo\".\nTelling my sister ladder: up to rung 2"
        ),
        "{run:?}"
    );
    let why = ok(home.run(&["why", "telling-my-sister"])).stdout;
    assert!(
        why.starts_with("Telling my sister ladder, rung 2 of 3: Ask my sister how her week was\n"),
        "{why}"
    );
    assert!(why.contains("\n    telling-my-sister-3  "), "{why}");
    let why = ok(home.run(&["why", "telling-my-sister-1"])).stdout;
    assert!(
        why.starts_with("Telling my sister ladder, rung 3 of 3: "),
        "{why}"
    );
    assert!(
        why.lines()
            .any(|l| l.starts_with("    telling-my-sister-1  ")
                && l.ends_with("  (the one you asked about)")),
        "{why}"
    );
    let run = ok(home.run(&["ladder", "set", "telling-my-sister", "1"]));
    assert!(
        run.stdout
            .contains("The Telling my sister ladder is on rung 1 (it was on 2)."),
        "{run:?}"
    );
}

#[test]
fn status_shows_todays_step_in_the_words_it_was_sent_with() {
    let home = sister();
    ok(home.run(&["ladder", "enable", "telling-my-sister"]));
    let run = ok(home.run(&["send", "--no-wait"]));
    assert!(run.stderr.contains("Send my sister a photo"), "{run:?}");
    // Since then, by hand: the step sent taken out, the ladder given another name.
    take_out_by_hand(&home, "Send my sister a photo");
    let path = home.path(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("Telling my sister", "Talking with my sister"),
    )
    .unwrap();

    let status: Value = home.json(&["status", "--json"]);
    let today = &status["today"][0];
    assert_eq!(today["title"], "Telling my sister", "{status}");
    assert_eq!(today["body"], "Send my sister a photo", "{status}");
    assert_eq!(today["waiting"], true, "{status}");
    assert_eq!(status["waiting"]["title"], "Telling my sister", "{status}");
    // The ladder itself goes by the name it has now.
    assert_eq!(
        status["ladders"][0]["name"], "Talking with my sister",
        "{status}"
    );
    let text = ok(home.run(&["status"])).stdout;
    assert!(
        text.contains("  step        Telling my sister  (waiting: "),
        "{text}"
    );
}

#[test]
fn why_takes_a_personal_ladders_name_as_the_ladder_commands_do() {
    let home = sister();
    let by_id = ok(home.run(&["why", "telling-my-sister"])).stdout;
    assert!(
        by_id.starts_with("Telling my sister ladder, rung 1 of 3: Send my sister a photo\n"),
        "{by_id}"
    );
    for name in ["Telling my sister", "telling my SISTER"] {
        let run = ok(home.run(&["why", name]));
        assert_eq!(run.stdout, by_id, "{name}: {run:?}");
    }
    refused(
        home.run(&["why", "Telling my brother"]),
        "`Telling my brother` is neither a step id nor a ladder",
    );
}

#[test]
fn the_daemon_logs_a_personal_ladders_move_by_its_name() {
    use closer::journal::{Journal, NewMove};
    let home = sister();
    // The sister ladder reached rung 2 twenty days ago; nothing since: the daemon
    // restarts it a rung lower, and says so.
    let (journal, _) = Journal::open(&home.journal_path()).unwrap();
    journal
        .record_move(&NewMove {
            at: chrono::Utc::now() - chrono::TimeDelta::days(20),
            ladder: "telling-my-sister".parse().unwrap(),
            from: 1,
            to: 2,
            cause: closer::journal::Cause::Set,
            reason: "up".into(),
        })
        .unwrap();
    drop(journal);
    let daemon = home.daemon(None);
    let log = daemon.wait_for_log(
        "Telling my sister ladder: ",
        1,
        std::time::Duration::from_secs(20),
    );
    assert!(log.contains("after 20 days away"), "{log}");
    assert!(!log.contains("telling-my-sister ladder"), "{log}");
}

/// `ladder set` reads where the ladder stands and records the move from there in one
/// transaction: with many run at once, each move starts on the rung the one before it
/// (in the order they were stored) ended on. Before, two could read the same standing
/// and the second stored a move from a rung the ladder had already left.
#[test]
fn ladder_sets_run_at_once_each_move_from_where_the_last_one_ended() {
    let home = Home::empty();
    // The journal is there before they start, so none of them is the one to make it.
    ok(home.run(&["ladder", "set", "emotional", "1"]));
    let sets = 4 * 8;
    for round in 0..4 {
        let children: Vec<_> = (1..=8)
            .map(|n| {
                let rung = (n + round) % 12 + 1;
                home.cmd(&["ladder", "set", "emotional", &rung.to_string()])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{out:?}");
        }
    }
    let db = rusqlite::Connection::open(home.journal_path()).unwrap();
    let moves: Vec<(u8, u8)> = db
        .prepare("SELECT from_rung, to_rung FROM move ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(moves.len(), 1 + sets, "{moves:?}");
    for pair in moves.windows(2) {
        assert_eq!(
            pair[1].0, pair[0].1,
            "a move from a rung already left: {moves:?}"
        );
    }
}
