//! The command line, run as the real binary in a private home: check, next, init, edit.

use std::os::unix::fs::PermissionsExt;

use crate::support::home::Home;
use serde_json::Value;

#[test]
fn check_reports_every_problem_with_its_place_and_exits_1() {
    let home = Home::with_config(
        r#"timezone = "UTC"
colour = "blue"

[[schedule]]
name = "kind"
send = "compassion"
cron = "0 61 * * *"

[[schedule]]
name = "step"
send = "step"
at = "9:00-25:00"
"#,
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let config = home.config_path().display().to_string();
    for expected in [
        format!("{config}:2:1: `colour`: unknown key"),
        format!("{config}:7:8: `schedule[1].cron`: `0 61 * * *` is not a valid cron pattern"),
        format!("{config}:12:6: `schedule[2].at`: `9:00-25:00` is not a time or a window"),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    assert!(run.stderr.contains("3 problems found."), "{run:?}");
}

#[test]
fn check_passes_on_the_default_config_with_or_without_a_file() {
    let home = Home::empty();
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("built-in default"), "{run:?}");
    home.write(
        "config/closer/config.toml",
        include_str!("../../config/default.toml"),
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("is valid: 5 schedule rules"), "{run:?}");
}

#[test]
fn check_names_a_broken_user_pack_and_a_rule_with_nothing_to_send() {
    let home =
        Home::with_config("[[schedule]]\nname = \"care\"\nsend = \"support\"\nat = \"10:00\"\n");
    home.write(
        "config/closer/content/mine.toml",
        "[[prompt]]\nid = \"x\"\ncategory = \"compassion\"\ntitle = 3\nbody = \"b\"\n",
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout
            .contains("content/mine.toml:4:9: `prompt.title`: expected a string, found integer"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("rule \"care\" would send nothing: `[content] supporter` is false"),
        "{run:?}"
    );
}

fn next_json(home: &Home, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["next", "--json"];
    all.extend_from_slice(args);
    let run = home.run(&all);
    assert_eq!(run.code, Some(0), "{run:?}");
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

const NIGHTLY: &str = "[limits]\nquiet_hours = \"off\"\n[[schedule]]\nname = \"nightly\"\nsend = \"learn\"\nat = \"02:30\"\n";

#[test]
fn next_keeps_a_daily_0230_once_a_day_across_daylight_saving_changes() {
    let home = Home::with_config(NIGHTLY);
    let spring = next_json(
        &home,
        &[
            "--from",
            "2027-03-27T00:00:00Z",
            "--tz",
            "Europe/Berlin",
            "--count",
            "5",
        ],
    );
    let times: Vec<&str> = spring.iter().map(|r| r["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2027-03-27T02:30:00+01:00",
            "2027-03-28T03:00:00+02:00",
            "2027-03-29T02:30:00+02:00",
            "2027-03-30T02:30:00+02:00",
            "2027-03-31T02:30:00+02:00"
        ]
    );
    let autumn = next_json(
        &home,
        &[
            "--from",
            "2027-10-30T00:00:00Z",
            "--tz",
            "Europe/Berlin",
            "--count",
            "3",
        ],
    );
    let times: Vec<&str> = autumn.iter().map(|r| r["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2027-10-30T02:30:00+02:00",
            "2027-10-31T02:30:00+02:00",
            "2027-11-01T02:30:00+01:00"
        ]
    );
    // The same with cron.
    let cron = Home::with_config(&NIGHTLY.replace("at = \"02:30\"", "cron = \"30 2 * * *\""));
    let spring_cron = next_json(
        &cron,
        &[
            "--from",
            "2027-03-27T00:00:00Z",
            "--tz",
            "Europe/Berlin",
            "--count",
            "5",
        ],
    );
    assert_eq!(spring_cron[1]["time"], "2027-03-28T03:00:00+02:00");
}

#[test]
fn next_json_rows_name_the_rule_category_prompt_and_title() {
    let home = Home::empty();
    let rows = next_json(&home, &["--from", "2027-01-04T00:00:00Z", "--count", "4"]);
    assert_eq!(rows.len(), 4);
    let content = crate::support::home::shipped_content();
    for row in &rows {
        // `part_of_day` only for a prompt that belongs to one.
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "part_of_day")
            .collect();
        assert_eq!(keys, ["category", "prompt", "schedule", "time", "title"]);
        if let Some(part) = row.get("part_of_day") {
            assert!(
                ["morning", "midday", "evening"].contains(&part.as_str().unwrap()),
                "{row}"
            );
        }
        let id = row["prompt"].as_str().unwrap();
        assert!(
            content.contains(&format!("id = \"{id}\"")),
            "{id} is not shipped"
        );
        chrono::DateTime::parse_from_rfc3339(row["time"].as_str().unwrap()).unwrap();
    }
    assert_eq!(rows[0]["schedule"], "morning step");
    assert_eq!(rows[0]["category"], "step");
    // The preview is stable: the same seed, the same plan.
    assert_eq!(
        rows,
        next_json(&home, &["--from", "2027-01-04T00:00:00Z", "--count", "4"])
    );
}

#[test]
fn next_rejects_a_bad_time_and_zone() {
    let home = Home::empty();
    let run = home.run(&["next", "--from", "tomorrow"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("--from: `tomorrow` is not an RFC 3339 time"),
        "{run:?}"
    );
    let run = home.run(&["next", "--tz", "Mars/Base"]);
    assert!(
        run.stderr.contains("--tz: `Mars/Base` is not a time zone"),
        "{run:?}"
    );
}

#[test]
fn init_writes_a_private_default_and_never_overwrites() {
    let home = Home::empty();
    let run = home.run(&["init"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let path = home.config_path();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        include_str!("../../config/default.toml")
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::write(&path, "# mine\n").unwrap();
    let run = home.run(&["init"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("already exists"), "{run:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
}

#[test]
fn init_never_replaces_a_link_to_nothing() {
    // A dotfile manager's link whose target is not there yet: replacing it with a plain
    // file would cut the config off from the person's dotfiles without a word.
    let home = Home::empty();
    let path = home.config_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let target = home.path("dotfiles/closer/config.toml");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let run = home.run(&["init"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "{} is a symbolic link to {}, which does not exist",
            path.display(),
            target.display()
        )),
        "{run:?}"
    );
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!target.exists());
    // What the message suggests writes the file the link names.
    let run = home.run(&["--config", target.to_str().unwrap(), "init"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        include_str!("../../config/default.toml")
    );
}

#[test]
fn edit_keeps_a_valid_edit_and_refuses_an_invalid_one() {
    let home = Home::with_config(NIGHTLY);
    let editor = home.path("editor.sh");
    // An "editor" that applies a sed expression given in $SED to the file.
    std::fs::write(&editor, "#!/bin/sh\nsed -i \"$SED\" \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let edit = |sed: &str| {
        let out = home
            .cmd(&["edit"])
            .env("EDITOR", &editor)
            .env("SED", sed)
            .output()
            .unwrap();
        crate::support::home::Run::from(out)
    };
    let run = edit("s/02:30/25:30/");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("config.toml:6:6: `schedule[1].at`"),
        "{run:?}"
    );
    assert!(run.stderr.contains("not kept"), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(home.config_path()).unwrap(),
        NIGHTLY
    );

    let run = edit("s/02:30/03:15/");
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        std::fs::read_to_string(home.config_path())
            .unwrap()
            .contains("03:15")
    );
    // No draft is left behind; the edit that was not kept is, under its own name.
    let mut left: Vec<_> = std::fs::read_dir(home.path("config/closer"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["config.rejected.toml", "config.toml"], "{left:?}");
}

#[test]
fn help_says_what_closer_is_and_is_not() {
    let run = Home::empty().run(&["--help"]);
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("self-help, not therapy"),
        "{}",
        run.stdout
    );
    for command in [
        "run", "check", "next", "send", "init", "edit", "list", "about",
    ] {
        assert!(
            run.stdout.contains(&format!("  {command} ")),
            "{command} missing:\n{}",
            run.stdout
        );
    }
}

fn list_ids(home: &Home, args: &[&str]) -> Vec<String> {
    let mut all = vec!["list", "--json"];
    all.extend_from_slice(args);
    let run = home.run(&all);
    assert_eq!(run.code, Some(0), "{run:?}");
    let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn list_shows_only_what_the_config_turns_on() {
    let home = Home::empty();
    let all = list_ids(&home, &[]);
    assert!(all.iter().any(|id| id.starts_with("emotional-")));
    assert!(!all.iter().any(|id| id.starts_with("sexual-")
        || id.starts_with("physical-")
        || id.starts_with("support-")));
    assert!(list_ids(&home, &["sexual"]).is_empty());
    let run = home.run(&["list", "sexual"]);
    assert_eq!(
        run.stdout,
        "The sexual ladder is off. `closer ladder enable sexual` turns it on.\n"
    );

    home.write(
        "config/closer/config.toml",
        "[content]\nladders = [\"emotional\", \"sexual\"]\nsupporter = true\n",
    );
    let sexual = list_ids(&home, &["sexual"]);
    // Twelve rungs, each in two or three wordings.
    assert!((24..=36).contains(&sexual.len()), "{sexual:?}");
    assert!(!list_ids(&home, &["support"]).is_empty());
    assert!(list_ids(&home, &["intellectual"]).is_empty());
}

#[test]
fn list_json_rows_carry_the_step_fields() {
    let run = Home::empty().run(&["list", "emotional", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let first = rows[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "body",
            "category",
            "discreet_title",
            "distress",
            "fade",
            "fear",
            "feared",
            "group",
            "id",
            "ladder",
            "needs",
            "rung",
            "title",
            "why"
        ]
    );
    assert_eq!(first["rung"], 1);
    assert_eq!(first["group"], "emotional:1");
    assert_eq!(first["needs"], "nobody");
    // The variants of a rung share its group.
    assert_eq!(rows[1]["group"], "emotional:1");
    let run = Home::empty().run(&["list", "learn", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(rows[0].get("rung").is_none());
    let run = Home::empty().run(&["list", "hugs"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("`hugs` is neither a category"),
        "{run:?}"
    );
}

#[test]
fn a_user_pack_changes_what_list_shows_and_a_broken_one_is_skipped() {
    let home = Home::empty();
    let steps = list_ids(&home, &["emotional"]);
    let replaced = &steps[0];
    home.write(
        "config/closer/content/mine.toml",
        &format!(
            "[[prompt]]\nid = \"{replaced}\"\ncategory = \"step\"\nladder = \"emotional\"\nrung = 1\ndistress = 1\n\
             title = \"My own first step\"\nbody = \"Notice one feeling, in my own words.\"\n\n\
             [[prompt]]\nid = \"compassion-mine\"\ncategory = \"compassion\"\ntitle = \"Mine\"\nbody = \"Words I wrote for myself.\"\n"
        ),
    );
    home.write(
        "config/closer/content/broken.toml",
        "[[prompt]]\nid = \"oops\"\ncategory = \n",
    );
    let run = home.run(&["list", "--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let mine = rows.iter().find(|r| r["id"] == replaced.as_str()).unwrap();
    assert_eq!(mine["title"], "My own first step");
    assert!(rows.iter().any(|r| r["id"] == "compassion-mine"));
    assert!(!rows.iter().any(|r| r["id"] == "oops"));
    assert!(run.stderr.contains("content/broken.toml:3:"), "{run:?}");
    assert!(
        run.stderr.contains("broken.toml: this pack was skipped"),
        "{run:?}"
    );
}

#[test]
fn about_says_self_help_not_therapy_and_shows_the_users_crisis_contact() {
    let run = Home::empty().run(&["about"]);
    assert_eq!(run.code, Some(0));
    for needed in [
        "self-help",
        "Not therapy",
        "emergency number",
        "https://findahelpline.com",
        "none set yet",
    ] {
        assert!(
            run.stdout.contains(needed),
            "{needed:?} missing:\n{}",
            run.stdout
        );
    }
    // No phone number of closer's own: no run of four or more digits.
    let digits = run
        .stdout
        .split(|c: char| !c.is_ascii_digit())
        .any(|d| d.len() >= 4);
    assert!(!digits, "{}", run.stdout);
    let home = Home::with_config("[help]\ncrisis = \"Call Sam, my sister\"\n");
    let run = home.run(&["about"]);
    assert!(run.stdout.contains("Call Sam, my sister"), "{}", run.stdout);
}

/// Runs `closer ARGS` with its stdout read for one line and then closed, as `| head -1`.
fn read_one_line_and_close(home: &Home, args: &[&str]) -> std::process::ExitStatus {
    use std::io::BufRead;
    let mut child = home
        .cmd(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "{args:?} printed nothing");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    out.status
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let home = Home::empty();
    for args in [
        &["next", "-n", "1000"][..],
        &["list"],
        &["list", "--json"],
        &["next", "-n", "1000", "--json"],
    ] {
        let status = read_one_line_and_close(&home, args);
        // Quietly: done (the output fit in the pipe) or ended by SIGPIPE, as `cat` would.
        assert!(
            status.code() == Some(0) || status.signal() == Some(13),
            "{args:?}: {status:?}"
        );
    }
}

#[test]
fn numeric_flags_out_of_range_are_usage_errors() {
    let home = Home::empty();
    for (args, flag) in [
        (&["log", "--days", "4294967295"][..], "--days"),
        (&["log", "--days", "0"], "--days"),
        (&["next", "-n", "18446744073709551616"], "--count"),
        (&["ladder", "set", "emotional", "0"], "<RUNG>"),
        (&["done", "--distress", "11"], "--distress"),
        (&["report", "--days", "0"], "--days"),
    ] {
        let run = home.run(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(&format!("for '{flag}")) && !run.stderr.contains("panicked"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn next_and_status_show_the_rung_the_daemon_restarts_at_after_a_long_break() {
    use closer::journal::{Journal, NewMove};
    let home = Home::with_config(
        "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n\
         [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"10:00\"\n",
    );
    // The emotional ladder reached rung 2 twenty days ago; nothing since.
    let path = home.journal_path();
    let (journal, _) = Journal::open(&path).unwrap();
    journal
        .record_move(&NewMove {
            at: chrono::Utc::now() - chrono::TimeDelta::days(20),
            ladder: closer::content::Ladder::Emotional,
            from: 1,
            to: 2,
            cause: closer::journal::Cause::Set,
            reason: "three steps done".into(),
        })
        .unwrap();
    drop(journal);

    let library = closer::content::Library::load(None).0;
    let rows = next_json(&home, &["-n", "3"]);
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let id = row["prompt"].as_str().unwrap();
        assert_eq!(library.get(id).unwrap().rung, Some(1), "{row}");
    }
    let run = home.run(&["status", "--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let status: Value = serde_json::from_str(&run.stdout).unwrap();
    let ladder = &status["ladders"][0];
    assert_eq!(ladder["rung"], 1, "{status}");
    assert!(
        ladder["reason"]
            .as_str()
            .unwrap()
            .contains("after 20 days away"),
        "{status}"
    );
    let next = status["next"][0]["prompt"].as_str().unwrap();
    assert_eq!(library.get(next).unwrap().rung, Some(1));
    // A preview records nothing: the daemon records the restart when it plans.
    let (journal, _) = Journal::open(&path).unwrap();
    assert_eq!(journal.entries(None).unwrap().len(), 1);
}

/// Runs `closer ARGS` to the end, failing (not hanging) if it takes over a minute.
fn run_within(home: &Home, args: &[&str]) -> crate::support::home::Run {
    let child = home
        .cmd(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_child(&child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => crate::support::home::Run::from(out.unwrap()),
        Err(_) => {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            panic!("closer {args:?} did not finish within a minute");
        }
    }
}

#[test]
fn a_config_that_is_not_a_readable_file_is_an_error_naming_it() {
    let home = Home::empty();
    std::fs::create_dir_all(home.path("config/closer")).unwrap();
    let config = home.config_path();
    // A link to nothing is not "no config": the built-in default would hide the mistake.
    std::os::unix::fs::symlink(home.path("dotfiles/closer.toml"), &config).unwrap();
    let run = run_within(&home, &["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "the config {} is a symbolic link to {}, which does not exist",
            config.display(),
            home.path("dotfiles/closer.toml").display()
        )),
        "{run:?}"
    );
    assert!(!run.stdout.contains("is valid"), "{run:?}");

    for (path, expected) in [
        (
            "/dev/zero",
            "the config /dev/zero is not a regular file (a device)",
        ),
        (
            "/dev/null",
            "the config /dev/null is not a regular file (a device)",
        ),
        ("/", "the config / is not a regular file (a directory)"),
    ] {
        let run = run_within(&home, &["--config", path, "check"]);
        assert_eq!(run.code, Some(1), "{path}: {run:?}");
        assert!(run.stderr.contains(expected), "{path}: {run:?}");
    }
    let fifo = home.path("fifo.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let run = run_within(&home, &["--config", fifo.to_str().unwrap(), "next"]);
    assert!(
        run.stderr.contains("is not a regular file (a FIFO)"),
        "{run:?}"
    );

    let huge = home.path("huge.toml");
    std::fs::write(&huge, "# ".repeat(1 << 20)).unwrap();
    let run = run_within(&home, &["--config", huge.to_str().unwrap(), "check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("a config is at most 1048576 bytes"),
        "{run:?}"
    );
}

#[test]
fn a_user_pack_that_is_not_a_readable_file_is_named_and_skipped_never_read_forever() {
    let home = Home::empty();
    home.write(
        "config/closer/content/mine.toml",
        "[[prompt]]\nid = \"compassion-mine\"\ncategory = \"compassion\"\ntitle = \"Mine\"\nbody = \"Words I wrote.\"\n",
    );
    let dir = home.path("config/closer/content");
    // Each would hang a plain read or fill memory: a FIFO no one writes, an endless device.
    assert!(
        std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.toml"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.toml")).unwrap();
    std::fs::write(dir.join("huge.toml"), "# ".repeat(1 << 20)).unwrap();
    let run = run_within(&home, &["list", "--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(rows.iter().any(|r| r["id"] == "compassion-mine"), "{run:?}");
    for expected in [
        "fifo.toml: this pack is not a regular file (a FIFO)",
        "zero.toml: this pack is not a regular file (a device)",
        "huge.toml: this pack is too large; a pack is at most 1048576 bytes",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {run:?}");
    }
}

/// `closer edit` with an "editor" that replaces the file with `text`.
fn edit_to(home: &Home, text: &str) -> crate::support::home::Run {
    let editor = home.path("editor.sh");
    let wanted = home.path("wanted.toml");
    std::fs::write(&wanted, text).unwrap();
    std::fs::write(&editor, "#!/bin/sh\ncat \"$WANTED\" > \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = home
        .cmd(&["edit"])
        .env("EDITOR", &editor)
        .env("WANTED", &wanted)
        .output()
        .unwrap();
    crate::support::home::Run::from(out)
}

#[test]
fn edit_refuses_what_check_and_the_daemon_refuse_and_keeps_a_link_a_link() {
    let home = Home::with_config(NIGHTLY);
    // Valid TOML, but the rule would send nothing: supporter messages are off.
    let support = "[[schedule]]\nname = \"care\"\nsend = \"support\"\nat = \"10:00\"\n";
    let run = edit_to(&home, support);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("rule \"care\" would send nothing: `[content] supporter` is false"),
        "{run:?}"
    );
    assert_eq!(
        std::fs::read_to_string(home.config_path()).unwrap(),
        NIGHTLY
    );
    // `check` says the same of the same text.
    home.write("other.toml", support);
    let check = home.run(&[
        "--config",
        home.path("other.toml").to_str().unwrap(),
        "check",
    ]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(check.stdout.contains("would send nothing"), "{check:?}");

    // A config kept elsewhere and linked in (a dotfile manager) stays a link.
    let target = home.path("dotfiles/closer.toml");
    home.write("dotfiles/closer.toml", NIGHTLY);
    std::fs::remove_file(home.config_path()).unwrap();
    std::os::unix::fs::symlink(&target, home.config_path()).unwrap();
    let run = edit_to(&home, &NIGHTLY.replace("02:30", "03:15"));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(!run.stdout.contains("SIGHUP"), "{run:?}");
    assert!(run.stdout.contains("applies it by itself"), "{run:?}");
    assert!(home.config_path().is_symlink());
    assert!(std::fs::read_to_string(&target).unwrap().contains("03:15"));
}

#[test]
fn why_explains_each_ladders_current_step_and_refuses_what_is_not_a_step() {
    let home = Home::empty();
    let run = home.run(&["why"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    for ladder in [
        "intellectual",
        "emotional",
        "experiential",
        "spiritual",
        "social",
        "receiving",
    ] {
        assert!(
            run.stdout
                .contains(&format!("{ladder} ladder, rung 1 of 12: ")),
            "{ladder}: {run:?}"
        );
    }
    assert!(!run.stdout.contains("sexual"), "{run:?}");
    assert!(run.stdout.contains("  why:        "), "{run:?}");
    assert!(run.stdout.contains("  lets go of: "), "{run:?}");

    let run = home.run(&["why", "social-swap-names"]);
    assert!(
        run.stdout
            .starts_with("social ladder, rung 6 of 12: Swap names\n"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("    social-swap-names ")
                && l.ends_with("  (the one you asked about)")),
        "{run:?}"
    );

    let run = home.run(&["why", "compassion-weather"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("`compassion-weather` is a compassion message, not a step"),
        "{run:?}"
    );
}

#[test]
fn check_warns_of_wordings_of_one_rung_that_touch_different_fears_without_failing() {
    // A second wording of intellectual rung 1 (which touches rejection) that touches
    // engulfment: the wordings of a rung share one progression, so they should be one
    // exposure. A warning, not a refusal: the pack still loads and runs.
    let home = Home::empty();
    home.write(
        "config/closer/content/mine.toml",
        "[[prompt]]\nid = \"mine-say-no-to-a-plan\"\ncategory = \"step\"\nladder = \"intellectual\"\n\
         rung = 1\ndistress = 1.0\nfear = [\"engulfment\"]\ntitle = \"A plan of your own\"\n\
         body = \"Write down one plan for the weekend that is only yours.\"\n",
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let warning = run
        .stdout
        .lines()
        .find(|l| l.contains("mine.toml"))
        .unwrap_or_else(|| panic!("{run:?}"));
    assert!(warning.starts_with("warning: "), "{run:?}");
    assert!(
        warning.ends_with(
            "mine.toml:1:1: `prompt.fear`: touches engulfment where `intellectual-notice-an-opinion`, another wording of rung 1 of the intellectual ladder, touches rejection; the wordings of a rung are one exposure: give them the same fears, or move this one to a rung of its own"
        ),
        "{run:?}"
    );
    let list = home.run(&["list", "intellectual"]);
    assert!(list.stdout.contains("mine-say-no-to-a-plan"), "{list:?}");
}

#[test]
fn check_warns_of_a_copied_distress_series_without_failing() {
    let home = Home::empty();
    let rows = |ladder: &str| -> Vec<Value> {
        serde_json::from_str(&home.run(&["list", ladder, "--json"]).stdout).unwrap()
    };
    // The spiritual ladder, every wording, with the intellectual ladder's numbers.
    let intellectual = rows("intellectual");
    let mut pack = String::new();
    for row in rows("spiritual") {
        let distress = intellectual
            .iter()
            .find(|r| r["rung"] == row["rung"])
            .unwrap()["distress"]
            .clone();
        pack += &format!(
            "[[prompt]]\nid = {}\ncategory = \"step\"\nladder = \"spiritual\"\nrung = {}\ndistress = {distress}\ntitle = {}\nbody = {}\n\n",
            row["id"], row["rung"], row["title"], row["body"]
        );
    }
    home.write("config/closer/content/copied.toml", &pack);
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("copied.toml:1:1: `prompt.distress`: the spiritual ladder's distress runs 2, 2.5, 3.5, 4, 4.5, 5.5, 6, 6.5, 7.5, 8 from its third rung, as the intellectual ladder's does"),
        "{run:?}"
    );
    assert!(run.stdout.starts_with("warning: "), "{run:?}");
}

#[test]
fn check_lists_thirty_thousand_problems_quickly() {
    let mut text = String::from("timezone = \"UTC\"\n");
    for i in 0..30_000 {
        text += &format!("unknown{i} = 1\n");
    }
    let home = Home::with_config(&text);
    // It took minutes in a debug build while each problem was placed by a scan from the
    // top of the file; now about a second. `run_within` fails it if it takes minutes
    // again: a bound against the old slowness, not a timing.
    let run = run_within(&home, &["check"]);
    assert_eq!(run.code, Some(1));
    // Warnings (about content, which never fail a check) aside.
    let problems = run.stdout.lines().filter(|l| !l.starts_with("warning: "));
    assert_eq!(problems.count(), 30_000);
    assert!(
        run.stdout
            .contains("config.toml:30001:1: `unknown29999`: unknown key")
    );
}

/// `TZ` in the forms glibc reads was silently taken as UTC when it was not a bare IANA
/// name. Each form that names a zone is honoured for "local"; a form closer cannot follow
/// is warned about, with what "local" means instead and how to say it.
#[test]
fn tz_in_every_form_glibc_reads_is_honoured_or_warned_about() {
    let home = Home::with_config(
        "timezone = \"local\"\n[limits]\nquiet_hours = \"off\"\n\
         [[schedule]]\nname = \"morning\"\nsend = \"learn\"\nat = \"09:00\"\n",
    );
    let next = |tz: &str| {
        let out = home
            .cmd(&[
                "next",
                "--json",
                "--count",
                "1",
                "--from",
                "2027-01-15T12:00:00Z",
            ])
            .env("TZ", tz)
            .output()
            .unwrap();
        let run = crate::support::home::Run::from(out);
        assert_eq!(run.code, Some(0), "TZ={tz}: {run:?}");
        let rows: Value = serde_json::from_str(&run.stdout).unwrap();
        (rows[0]["time"].as_str().unwrap().to_owned(), run.stderr)
    };
    for (tz, time) in [
        ("Asia/Tokyo", "2027-01-16T09:00:00+09:00"),
        (":Asia/Tokyo", "2027-01-16T09:00:00+09:00"),
        (
            "/usr/share/zoneinfo/Asia/Tokyo",
            "2027-01-16T09:00:00+09:00",
        ),
        (
            ":/usr/share/zoneinfo/Asia/Tokyo",
            "2027-01-16T09:00:00+09:00",
        ),
        (
            "/usr/share/zoneinfo/posix/Asia/Tokyo",
            "2027-01-16T09:00:00+09:00",
        ),
        ("JST-9", "2027-01-16T09:00:00+09:00"),
        ("EST5EDT", "2027-01-15T09:00:00-05:00"),
        ("HST10", "2027-01-15T09:00:00-10:00"),
        ("UTC0", "2027-01-16T09:00:00+00:00"),
        ("", "2027-01-16T09:00:00+00:00"),
    ] {
        let (at, stderr) = next(tz);
        assert_eq!(at, time, "TZ={tz:?}");
        assert!(!stderr.contains("TZ"), "TZ={tz:?}: {stderr}");
    }
    for tz in [
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "<+0530>-5:30",
        "/nowhere/Asia/Tokyo",
        "Mars/Olympus_Mons",
    ] {
        let (_, stderr) = next(tz);
        assert!(
            stderr.contains(&format!("TZ=`{tz}`"))
                && stderr.contains("closer cannot follow")
                && stderr.contains("timezone"),
            "TZ={tz}: {stderr}"
        );
    }
    // With a zone named in the config, `TZ` does not matter, and is not warned about.
    let named = Home::with_config(
        "timezone = \"Europe/Berlin\"\n[[schedule]]\nname = \"m\"\nsend = \"learn\"\nat = \"09:00\"\n",
    );
    let out = named
        .cmd(&["next"])
        .env("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{out:?}");
}

/// An empty `VISUAL=` (set, but to nothing) once ran the draft itself as the editor: it
/// falls back to `EDITOR`, as an unset one does.
#[test]
fn an_empty_visual_falls_back_to_editor() {
    let home = Home::with_config(NIGHTLY);
    let editor = home.path("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/02:30/03:15/' \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    for visual in ["", "  "] {
        std::fs::write(home.config_path(), NIGHTLY).unwrap();
        let out = home
            .cmd(&["edit"])
            .env("VISUAL", visual)
            .env("EDITOR", &editor)
            .output()
            .unwrap();
        let run = crate::support::home::Run::from(out);
        assert_eq!(run.code, Some(0), "VISUAL={visual:?}: {run:?}");
        assert!(
            std::fs::read_to_string(home.config_path())
                .unwrap()
                .contains("03:15"),
            "VISUAL={visual:?}"
        );
    }
}

/// `pause 0s` and `pause 1ms` once "paused" until the moment they were given.
#[test]
fn a_pause_shorter_than_a_minute_is_refused() {
    let home = Home::with_config(NIGHTLY);
    for d in ["0s", "1ms", "59s"] {
        let run = home.run(&["pause", d]);
        assert_eq!(run.code, Some(1), "{d}: {run:?}");
        assert!(
            run.stderr
                .contains(&format!("`{d}` is shorter than a minute")),
            "{d}: {run:?}"
        );
    }
    let status: Value = home.json(&["status", "--json"]);
    assert_eq!(status["paused_until"], Value::Null);
    crate::support::home::ok(home.run(&["pause", "1m"]));
}

/// `report --out -` once wrote a file named `-`: it writes the page to stdout.
#[test]
fn report_out_dash_writes_the_page_to_stdout() {
    let home = Home::with_config(NIGHTLY);
    let out = home
        .cmd(&["report", "--out", "-"])
        .current_dir(home.dir.path())
        .output()
        .unwrap();
    let run = crate::support::home::Run::from(out);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.starts_with("<!DOCTYPE html>"), "{run:?}");
    assert!(run.stdout.trim_end().ends_with("</html>"), "{run:?}");
    assert!(!home.path("-").exists());
    assert!(!home.path("data/closer/report.html").exists());
    let out = home
        .cmd(&["report", "--out", "-", "--open"])
        .current_dir(home.dir.path())
        .output()
        .unwrap();
    let run = crate::support::home::Run::from(out);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("`--open` needs a file"), "{run:?}");
}

/// `next --from 9999-12-31T…` once printed prompts in the year +10000.
#[test]
fn next_from_beyond_what_it_can_print_is_refused() {
    let home = Home::with_config(NIGHTLY);
    for from in ["9999-12-31T00:00:00Z", "9998-06-01T00:00:00Z"] {
        let run = home.run(&["next", "--from", from]);
        assert_eq!(run.code, Some(1), "{from}: {run:?}");
        assert!(
            run.stderr
                .contains(&format!("--from: `{from}` is too far ahead")),
            "{run:?}"
        );
        assert!(!run.stdout.contains("+10000"), "{run:?}");
    }
    let rows = next_json(&home, &["--from", "9997-12-31T00:00:00Z", "--count", "400"]);
    assert!(
        rows.iter()
            .all(|r| r["time"].as_str().unwrap().starts_with("99")),
        "{rows:?}"
    );
}

/// Characters that change how text around them is shown, or are not shown at all, once
/// passed `closer check`: a right-to-left override can make a step read as something else,
/// a zero-width space can make two ladder names that look the same differ. Each is named,
/// with its place.
#[test]
fn check_flags_bidirectional_overrides_and_zero_width_characters() {
    let home = Home::with_config(NIGHTLY);
    home.write(
        "config/closer/content/mine.toml",
        "[[ladder]]\nid = \"my-sister\"\nname = \"My\u{200B}sister\"\n\n\
         [[prompt]]\nid = \"my-sister-hi\"\ncategory = \"step\"\nladder = \"my-sister\"\n\
         rung = 1\ndistress = 2\ntitle = \"Say hi\"\nbody = \"Say hi to her.\"\n\n\
         [[prompt]]\nid = \"turned\"\ncategory = \"learn\"\ntitle = \"Kind \u{202E}words\"\n\
         body = \"One \u{2066}line\u{2069} and \u{FEFF}more.\"\n",
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    for line in [
        "mine.toml:3:8: `ladder.name`: the name holds U+200B (a zero-width space) at \
         character 3, which can change how the text reads on screen; write it without",
        "mine.toml:17:9: `prompt.title`: the title holds U+202E (a right-to-left override) \
         at character 6",
        "mine.toml:18:8: `prompt.body`: the body holds U+2066 (a left-to-right isolate) at \
         character 5",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in {run:?}");
    }
    // Joiners that shape writing and emoji, and direction marks, are left as they are.
    home.write(
        "config/closer/content/mine.toml",
        "[[prompt]]\nid = \"shaped\"\ncategory = \"learn\"\ntitle = \"می\u{200C}خواهم\"\n\
         body = \"A family: 👩\u{200D}👧, and a mark\u{200F}.\"\n",
    );
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}
