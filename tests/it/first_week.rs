//! The first week, as a new user meets it (issue 22), through the real binary in a
//! private home: every command that shows ladders agrees on which are on, and the words
//! a person reads say what is true and end with a next step.

use crate::support::home::{Home, ONE_LADDER, Run, ok};

/// Sends a step now (printed to stderr: there is no notification server here).
fn send(home: &Home) {
    ok(home.run(&["send", "--no-wait"]));
}

/// `closer report` into a file of the home; the page's text.
fn report(home: &Home) -> String {
    let out = home.path("report.html");
    ok(home.run(&["report", "--out", out.to_str().unwrap()]));
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn the_report_counts_what_you_feared_as_a_person_says_it() {
    let home = Home::with_config(ONE_LADDER);
    send(&home);
    ok(home.run(&["done", "--happened", "no", "--distress", "2"]));
    send(&home);
    ok(home.run(&["done", "--happened", "yes"]));
    assert!(
        report(&home).contains(
            "<p>You noted once that what you feared did not happen, and once that it did.</p>"
        ),
        "{}",
        report(&home)
    );
    for _ in 0..2 {
        send(&home);
        ok(home.run(&["done", "--happened", "no"]));
    }
    let html = report(&home);
    assert!(
        html.contains(
            "<p>You noted 3 times that what you feared did not happen, and once that it did.</p>"
        ),
        "{html}"
    );
}

#[test]
fn list_report_and_ladder_set_see_the_ladders_turned_on_or_off_from_the_terminal() {
    let home = Home::with_config(ONE_LADDER);
    let run = ok(home.run(&["list", "social"]));
    assert_eq!(
        run.stdout,
        "The social ladder is off. `closer ladder enable social` turns it on.\n"
    );
    ok(home.run(&["ladder", "enable", "social"]));
    let run = ok(home.run(&["list", "social"]));
    assert!(
        run.stdout.starts_with("social ladder\n   1   0.5  social-"),
        "{run:?}"
    );

    ok(home.run(&["ladder", "disable", "emotional"]));
    let run = ok(home.run(&["list", "emotional"]));
    assert_eq!(
        run.stdout,
        "The emotional ladder is off. `closer ladder enable emotional` turns it on.\n"
    );
    let run = ok(home.run(&["list", "step"]));
    assert!(!run.stdout.contains("emotional"), "{run:?}");
    let run = ok(home.run(&["ladder", "set", "emotional", "3"]));
    assert_eq!(
        run.stdout,
        "The emotional ladder is on rung 3 (it was on 1).\n\
         It is off, so no step of it comes; `closer ladder enable emotional` turns it on.\n"
    );
    let run = ok(home.run(&["ladder", "set", "social", "2"]));
    assert_eq!(
        run.stdout,
        "The social ladder is on rung 2 (it was on 1).\n"
    );

    let html = report(&home);
    assert!(
        html.contains("<li><strong>Social</strong> (meeting people): rung 2 of 12</li>"),
        "{html}"
    );
}

/// The lines `closer ARGS` (a daemon) logs until it says it is running.
fn started(home: &Home, args: &[&str]) -> Vec<String> {
    let text = home.run_until_running(args);
    text.lines()
        .filter(|l| l.starts_with(" INFO"))
        .map(|l| l.trim_start_matches(" INFO ").to_owned())
        .collect()
}

#[test]
fn run_defaults_names_what_it_leaves_aside_and_the_config_it_runs_on() {
    let home = Home::empty();
    let lines = started(&home, &["run", "--defaults"]);
    assert_eq!(
        lines.first().map(String::as_str),
        Some(
            "running on the built-in default config; you have no config of your own yet, \
             and `closer init` writes one"
        ),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("closer is running with 5 schedule rules from the built-in default config"),
        "{lines:?}"
    );

    home.write("config/closer/config.toml", ONE_LADDER);
    let config = home.config_path().display().to_string();
    let lines = started(&home, &["run", "--defaults"]);
    assert_eq!(
        lines[0],
        format!("running on the built-in default config; your config {config} is left aside")
    );
    assert_eq!(
        lines.last().unwrap(),
        "closer is running with 5 schedule rules from the built-in default config"
    );
    // Without the flag: the file, by its path.
    let lines = started(&home, &["run"]);
    assert_eq!(
        lines.last().unwrap(),
        &format!("closer is running with 1 schedule rule from {config}")
    );
    // And with no file at all, the default says where a file would go.
    std::fs::remove_file(home.config_path()).unwrap();
    let lines = started(&home, &["run"]);
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "closer is running with 5 schedule rules from the built-in default config \
             (there is no file at {config} yet; `closer init` writes one)"
        )
    );
}

/// `closer status --json`'s `paused_until` as `next` and `status` say it: "Sun 2026-12-06
/// 11:33" (the home's time zone is UTC).
fn pause_end(home: &Home) -> String {
    let status: serde_json::Value = home.json(&["status", "--json"]);
    let until: chrono::DateTime<chrono::Utc> =
        status["paused_until"].as_str().unwrap().parse().unwrap();
    until.format("%a %Y-%m-%d %H:%M").to_string()
}

#[test]
fn next_and_status_while_paused_say_until_when_and_how_to_resume() {
    let home = Home::empty();
    ok(home.run(&["init"]));
    ok(home.run(&["pause"]));
    const UNTIL_RESUMED: &str = "Prompts are paused until you resume; \
        `closer resume` brings them back when you're ready.\n";
    assert_eq!(ok(home.run(&["next"])).stdout, UNTIL_RESUMED);
    let status = ok(home.run(&["status"])).stdout;
    assert!(status.contains(UNTIL_RESUMED), "{status}");
    assert!(!status.contains("indefinitely"), "{status}");

    ok(home.run(&["pause", "2h"]));
    let line = format!(
        "Prompts are paused until {}; `closer resume` ends the pause sooner.\n",
        pause_end(&home)
    );
    let next = ok(home.run(&["next", "--count", "1"])).stdout;
    assert!(
        next.starts_with(&format!("{line}After the pause:\n")),
        "{next}"
    );
    assert_eq!(next.lines().count(), 3, "{next}");
    let status = ok(home.run(&["status"])).stdout;
    assert!(status.contains(&line), "{status}");
    assert!(!status.contains("+00:00"), "{status}");
}

#[test]
fn ladder_help_names_every_shipped_ladder() {
    let home = Home::empty();
    let help = ok(home.run(&["ladder", "--help"])).stdout;
    let enable = help
        .split("  disable")
        .next()
        .and_then(|h| h.split("  enable").nth(1))
        .unwrap();
    let arg = ok(home.run(&["ladder", "disable", "--help"])).stdout;
    for ladder in closer::content::Ladder::ALL {
        let word = ladder.as_str();
        assert!(
            enable.contains(word),
            "no {word} in `enable`'s line:\n{help}"
        );
        assert!(arg.contains(word), "no {word} in LADDER's help:\n{arg}");
    }
    let enable = enable.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        enable,
        "Turn a ladder on: intellectual, emotional, experiential, spiritual, social, receiving, \
         physical or sexual (these two are off until you turn them on), or one of your own"
    );
}

#[test]
fn every_check_message_says_what_would_be_valid() {
    const DAYS: &str = "expected \"daily\", \"weekdays\", \"weekends\", a day such as \"mon\", \
        a range such as \"mon-fri\", or a list such as [\"mon\", \"thu\"]";
    let home = Home::with_config(
        r#"timezone = "UTC"
[[schedule]]
name = "a"
send = "step"
at = "09:00"
days = "weekdayz"
[[schedule]]
name = "b"
send = "step"
at = "09:00"
days = "mon-frii"
[[schedule]]
name = "c"
send = "step"
at = "09:00"
days = ["mon", "thurs"]
[[schedule]]
name = " "
send = "hugs"
at = "09:00"
[[schedule]]
name = "care"
send = "support"
at = "10:00"
"#,
    );
    home.write(
        "config/closer/content/mine.toml",
        "[[prompt]]\nid = \"mine\"\ncategory = \"compassion\"\ntitle = \"\"\nbody = \"b\"\n\
         [[ladder]]\nid = \"my-own\"\nname = \" \"\n",
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let config = home.config_path().display().to_string();
    let pack = home
        .path("config/closer/content/mine.toml")
        .display()
        .to_string();
    let expected = [
        format!("{config}:6:8: `schedule[1].days`: `weekdayz` is not a day of the week; {DAYS}"),
        format!("{config}:11:8: `schedule[2].days`: `frii` is not a day of the week; {DAYS}"),
        format!("{config}:16:8: `schedule[3].days`: `thurs` is not a day of the week; {DAYS}"),
        format!(
            "{config}:18:8: `schedule[4].name`: the name is empty; expected a name such as \
             \"morning step\""
        ),
        format!(
            "{config}:19:8: `schedule[4].send`: `hugs` is not one of \"step\", \"compassion\", \
             \"setback\", \"critic\", \"reflect\", \"learn\", \"support\""
        ),
        format!(
            "{pack}:4:9: `prompt.title`: the title is empty; expected some words, at most 60 characters"
        ),
        format!(
            "{pack}:8:8: `ladder.name`: the name is empty; expected some words, at most 40 characters"
        ),
        // The fifth table is the second valid rule: the message names the table and line.
        format!(
            "{config}:23:8: `schedule[5].send`: rule \"care\" would send nothing: \
             `[content] supporter` is false; set it to true to send these"
        ),
    ];
    let mut lines: Vec<&str> = run.stdout.lines().collect();
    lines.sort();
    let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(lines, want);
}

#[test]
fn the_readmes_sample_config_is_what_init_writes() {
    let readme = include_str!("../../README.md");
    let (_, rest) = readme.split_once("## Configure").unwrap();
    let (_, rest) = rest.split_once("```toml\n").unwrap();
    let (sample, _) = rest.split_once("```").unwrap();
    let home = Home::empty();
    ok(home.run(&["init"]));
    let written = std::fs::read_to_string(home.config_path()).unwrap();
    let sample: toml::Table = sample.parse().unwrap();
    let written: toml::Table = written.parse().unwrap();
    assert_eq!(sample, written);
    // And it is a valid config.
    home.write("config/closer/config.toml", &sample.to_string());
    ok(home.run(&["check"]));
}

#[test]
fn resume_says_what_was_paused_and_welcomes_back_only_after_a_pause() {
    let home = Home::with_config(ONE_LADDER);
    let said = |args: &[&str]| ok(home.run(args)).stdout;
    assert_eq!(
        said(&["resume"]),
        "Nothing was paused; prompts and steps are on.\n"
    );
    ok(home.run(&["pause", "3d"]));
    assert_eq!(said(&["resume"]), "Welcome back. Prompts are on again.\n");
    assert_eq!(
        said(&["resume"]),
        "Nothing was paused; prompts and steps are on.\n"
    );
    // Three very hard steps in a row pause steps.
    for _ in 0..3 {
        send(&home);
        ok(home.run(&["hard", "--distress", "9"]));
    }
    assert_eq!(said(&["resume"]), "Welcome back. Steps are on again.\n");
}

/// A home whose one ladder is the person's own, made and turned on from the terminal.
fn own_ladder() -> Home {
    let home = Home::with_config(&ONE_LADDER.replace("[\"emotional\"]", "[]"));
    ok(home.run(&["ladder", "new", "Telling my sister"]));
    for (step, distress) in [("Send my sister a photo", "1"), ("Call my sister", "4")] {
        ok(home.run(&[
            "ladder",
            "add",
            "Telling my sister",
            step,
            "--distress",
            distress,
        ]));
    }
    ok(home.run(&["ladder", "enable", "telling-my-sister"]));
    home
}

#[test]
fn why_next_and_the_report_show_a_personal_ladders_step_not_its_name_again() {
    let home = own_ladder();
    let why = ok(home.run(&["why"])).stdout;
    assert!(
        why.starts_with("Telling my sister ladder, rung 1 of 2: Send my sister a photo\n"),
        "{why}"
    );
    let next = ok(home.run(&["next", "--count", "1"])).stdout;
    assert!(
        next.trim_end()
            .ends_with("  step  step        Send my sister a photo"),
        "{next}"
    );
    send(&home);
    ok(home.run(&["done", "--happened", "no"]));
    let html = report(&home);
    assert!(
        html.contains("<p class=\"now\">Now: Send my sister a photo</p>"),
        "{html}"
    );
    assert!(
        html.contains(": Send my sister a photo — what you feared did not happen"),
        "{html}"
    );
}

#[test]
fn why_says_who_each_wording_needs_and_which_one_was_asked_about() {
    let home = Home::empty();
    let why = ok(home.run(&["why", "emotional-thanks-to-a-colleague"])).stdout;
    assert!(
        why.ends_with(
            "\n  its wordings, and who each needs:\n\
             \x20   emotional-small-thanks           someone close: a friend or relative already near you\n\
             \x20   emotional-thanks-online          anyone: a stranger, a colleague or someone online\n\
             \x20   emotional-thanks-to-a-colleague  anyone: a stranger, a colleague or someone online  (the one you asked about)\n"
        ),
        "{why}"
    );
    let why = ok(home.run(&["why", "emotional"])).stdout;
    assert!(
        why.contains("\n    emotional-name-a-feeling  nobody: done on your own\n"),
        "{why}"
    );
    assert!(!why.contains('*'), "{why}");
}

#[test]
fn log_and_the_report_say_how_hard_it_felt_and_what_you_feared() {
    let home = Home::with_config(ONE_LADDER);
    send(&home);
    ok(home.run(&["done", "--distress", "2", "--happened", "no"]));
    send(&home);
    ok(home.run(&["done", "--happened", "yes"]));
    let log = ok(home.run(&["log"])).stdout;
    let answers: Vec<&str> = log.lines().filter(|l| l.contains(" done ")).collect();
    assert_eq!(answers.len(), 2, "{log}");
    assert!(
        answers[0].ends_with("\", how hard it felt: 2 of 10, what you feared did not happen"),
        "{log}"
    );
    assert!(
        // No distress given: what the rules read is said, marked as assumed.
        answers[1].ends_with("\", how hard it felt: 1 of 10 (assumed), what you feared happened"),
        "{log}"
    );
    assert!(!log.contains("distress"), "{log}");

    let html = report(&home);
    assert!(
        html.contains(" — what you feared did not happen (how hard it felt: 2 of 10)</li>"),
        "{html}"
    );
    // Not said, so not shown: no "0" where nothing was given.
    assert!(
        html.contains(" — what you feared happened, and you met it</li>"),
        "{html}"
    );
    assert!(!html.contains("distress"), "{html}");

    let home = own_ladder();
    let run = ok(home.run(&[
        "ladder",
        "add",
        "telling-my-sister",
        "Visit my sister",
        "--distress",
        "6",
    ]));
    assert_eq!(
        run.stdout,
        "Added to `telling-my-sister` (how hard it would feel: 6 of 10). \
         `closer ladder show telling-my-sister` shows its rungs.\n"
    );
}

#[test]
fn forget_says_the_ladders_turned_on_or_off_follow_the_config_again() {
    let home = own_ladder();
    ok(home.run(&["ladder", "enable", "social"]));
    ok(home.run(&["ladder", "disable", "social"]));
    ok(home.run(&["ladder", "enable", "physical"]));
    let run = ok(home.run(&["forget", "--yes"]));
    assert!(
        run.stdout.ends_with(
            "The ladders you turned on or off with `closer ladder` follow your config again:\n\
             \x20 physical is off again (`closer ladder enable physical` turns it on)\n\
             \x20 Telling my sister is off again (`closer ladder enable telling-my-sister` turns it on)\n"
        ),
        "{run:?}"
    );
    assert_eq!(
        ok(home.run(&["list", "telling-my-sister"])).stdout,
        "The Telling my sister ladder is off. `closer ladder enable telling-my-sister` turns it on.\n"
    );
}

#[test]
fn an_edit_that_is_not_kept_is_saved_beside_the_config_and_said_where() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::with_config(ONE_LADDER);
    let editor = home.path("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/09:00/9 in the morning/' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = home.cmd(&["edit"]).env("EDITOR", &editor).output().unwrap();
    let run = crate::support::home::Run::from(out);
    assert_eq!(run.code, Some(1), "{run:?}");
    let config = home.config_path();
    let kept = home.path("config/closer/config.rejected.toml");
    assert!(
        run.stderr.ends_with(&format!(
            "Your edit was not kept; {} is unchanged. What you wrote is in {}; \
             `closer --config {} check` shows what to fix.\n",
            config.display(),
            kept.display(),
            kept.display()
        )),
        "{run:?}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), ONE_LADDER);
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        ONE_LADDER.replace("09:00", "9 in the morning")
    );
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let check = home.run(&["--config", kept.to_str().unwrap(), "check"]);
    assert!(
        check
            .stdout
            .contains("`schedule[1].at`: `9 in the morning` is not a time"),
        "{check:?}"
    );
}

#[test]
fn init_and_the_first_run_write_the_notifications_icon_unless_the_system_has_it() {
    const FILES: [&str; 3] = [
        "data/applications/closer.desktop",
        "data/icons/hicolor/scalable/apps/closer.svg",
        "data/icons/hicolor/256x256/apps/closer.png",
    ];
    let home = Home::empty();
    let system = home.path("system");
    std::fs::create_dir(&system).unwrap();
    let run = Run::from(
        home.cmd(&["init"])
            .env("XDG_DATA_DIRS", &system)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "\nWrote closer's icon and desktop entry under {}, for its notifications.\n",
            home.path("data").display()
        )),
        "{run:?}"
    );
    for file in FILES {
        assert_eq!(
            std::fs::read(home.path(file)).unwrap(),
            std::fs::read(format!(
                "{}/assets/{}",
                env!("CARGO_MANIFEST_DIR"),
                file.rsplit('/').next().unwrap()
            ))
            .unwrap(),
            "{file}"
        );
    }

    // The daemon's first run writes them too; not where a package put them already.
    let home = Home::empty();
    home.write("system/icons/hicolor/scalable/apps/closer.svg", "<svg/>");
    let mut daemon = home.daemon_with_env(&[("XDG_DATA_DIRS", home.path("system"))]);
    daemon.wait_for_log("closer is running", 1, std::time::Duration::from_secs(10));
    daemon.signal("TERM");
    daemon.wait_exit(std::time::Duration::from_secs(10));
    assert!(home.path(FILES[0]).exists() && home.path(FILES[2]).exists());
    assert!(!home.path(FILES[1]).exists(), "the system's icon does");
}

/// A step of a user pack, as TOML.
fn step(id: &str, ladder: &str, rung: u8, distress: f32, title: &str, body: &str) -> String {
    format!(
        "[[prompt]]\nid = \"{id}\"\ncategory = \"step\"\nladder = \"{ladder}\"\nrung = {rung}\n\
         distress = {distress:.1}\ntitle = \"{title}\"\nbody = \"{body}\"\n\n"
    )
}

#[test]
fn check_holds_shipped_ladders_to_gaps_of_1_5_and_warns_of_gaps_over_2_on_your_own() {
    let home = Home::empty();
    // The emotional ladder's top rung (its three wordings), moved from 8.5 to 9.5: 2.0
    // above 7.5.
    let fears = "fear = [\"abandonment\", \"rejection\"]\n";
    let shipped: String = [
        (
            "emotional-ask-a-group-for-support",
            "Ask a group for support",
            "In a group you belong to, say one thing that is hard for you and ask for support.",
        ),
        (
            "emotional-ask-plainly",
            "Ask for support, plainly",
            "Ask someone you trust, plainly, for time to talk this week.",
        ),
        (
            "emotional-call-about-you",
            "A call about you",
            "Call a friend and tell them about one thing on your mind at the moment.",
        ),
    ]
    .iter()
    .map(|(id, title, body)| {
        step(id, "emotional", 12, 9.5, title, body).replacen(
            "rung = 12\n",
            &format!("rung = 12\n{fears}"),
            1,
        )
    })
    .collect();
    home.write("config/closer/content/mine.toml", &shipped);
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let pack = home.path("config/closer/content/mine.toml");
    assert_eq!(
        run.stdout,
        format!(
            "{}:1:1: `prompt.distress`: distress 9.5 is 2.0 above the rung beneath it (7.5); \
             at most 1.5: add a step between them\n",
            pack.display()
        )
    );

    // The same jump of 2.0 on a ladder of your own passes; 2.5 is a warning, and check
    // still succeeds.
    std::fs::remove_file(&pack).unwrap();
    let own = |top: f32| {
        "[[ladder]]\nid = \"mine\"\nname = \"Mine\"\n\n".to_owned()
            + &step("mine-1", "mine", 1, 1.0, "Mine", "Wave")
            + &step("mine-2", "mine", 2, 3.0, "Mine", "Say hello")
            + &step("mine-3", "mine", 3, top, "Mine", "Ask how they are")
    };
    home.write("config/closer/content/ladder-mine.toml", &own(5.0));
    let run = ok(home.run(&["check"]));
    assert!(!run.stdout.contains("warning"), "{run:?}");
    home.write("config/closer/content/ladder-mine.toml", &own(5.5));
    let run = ok(home.run(&["check"]));
    let pack = home.path("config/closer/content/ladder-mine.toml");
    assert!(
        run.stdout.starts_with(&format!(
            "warning: {}:23:1: `prompt.distress`: a jump of 2.5 points from \"Say hello\" (3) \
             on the `mine` ladder; a step near 4.2 in between makes the climb gentler \
             (`closer ladder add mine \"…\" --distress 4`)\n",
            pack.display()
        )),
        "{run:?}"
    );
}

#[test]
fn the_question_after_did_it_asks_as_its_buttons_do() {
    use crate::support::desktop::Desktop;
    use std::time::Duration;
    const WAIT: Duration = Duration::from_secs(20);
    let desktop = Desktop::start();
    // One step at 09:00, on a simulated Monday.
    let home = Home::with_config(
        "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n\
         [limits]\nquiet_hours = \"off\"\nmin_gap = \"1h\"\nmax_per_day = 100\n\
         [[schedule]]\nname = \"step\"\nsend = \"step\"\ncron = \"0 9 * * *\"\n",
    );
    let mut sim = crate::support::sim::Sim::open(&home, Some(&desktop), "2026-01-05T08:00:00Z");
    sim.next_sent(1);
    let step = desktop.wait_for_notifications(1, WAIT)[0].clone();
    assert_eq!(step.hints["category"]["data"], "x-closer.step");
    desktop.click("done");
    sim.hear_choice();
    let question = desktop.wait_for_notifications(2, WAIT)[1].clone();
    assert_eq!(question.summary, "How did it go?");
    // Whether what was feared happened, in the step's own words.
    assert!(
        question.body.starts_with("If you feared that ")
            && question.body.ends_with(": did that happen? Thank you."),
        "{:?}",
        question.body
    );
    let keys: Vec<&str> = question.actions.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["how-no", "how-partly", "how-yes", "how-too-much"]);
}
