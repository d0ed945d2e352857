//! The daemon through edits and faults: config changes picked up without a restart (and a
//! broken one refused, said once), a notification server that goes away and comes back,
//! and a clean stop.

use std::time::{Duration, Instant};

use crate::support::desktop::Desktop;
use crate::support::home::Home;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

fn every_two_seconds(send: &str) -> String {
    format!(
        "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n\
         [[schedule]]\nname = \"often\"\nsend = \"{send}\"\ncron = \"*/2 * * * * *\"\n"
    )
}

/// The category hint of each notification closer sent for the schedule.
fn categories(desktop: &Desktop) -> Vec<String> {
    desktop
        .notifications()
        .iter()
        .filter_map(|n| n.hints["category"]["data"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn an_edit_applies_without_restart_and_a_broken_one_is_refused_once() {
    let desktop = Desktop::start();
    let home = Home::with_config(&every_two_seconds("learn"));
    let daemon = home.daemon(Some(&desktop));
    desktop.wait_for_notifications(1, WAIT);

    // A broken edit: the old schedule keeps running, and the problem is said once.
    let broken = every_two_seconds("compassion")
        .replace("cron = \"*/2 * * * * *\"", "cron = \"every two seconds\"");
    home.write("config/closer/config.toml", &broken);
    // The warning, then the problem on a line of its own, which names the place.
    let log = daemon.wait_for_log("config.toml:9:8: `schedule[1].cron`", 1, WAIT);
    assert!(
        log.contains("has problems; keeping the running schedule"),
        "{log}"
    );
    let said = |d: &Desktop| {
        d.notifications()
            .iter()
            .filter(|n| n.summary == "closer: your change was not applied")
            .count()
    };
    crate::support::desktop::poll_until(Instant::now() + WAIT, Duration::from_millis(50), || {
        (said(&desktop) > 0).then_some(())
    });
    let note = desktop
        .notifications()
        .into_iter()
        .find(|n| n.summary == "closer: your change was not applied")
        .unwrap();
    assert!(
        note.body.contains(":9:8: `schedule[1].cron`"),
        "{}",
        note.body
    );
    // Saving the same broken file again is not announced again.
    home.write("config/closer/config.toml", &broken);
    daemon.wait_for_log("sent learn", 3, WAIT);
    assert_eq!(said(&desktop), 1);
    assert!(
        categories(&desktop).iter().all(|c| c == "x-closer.learn"),
        "{:?}",
        categories(&desktop)
    );

    // Fixing the file applies it, without a restart.
    home.write(
        "config/closer/config.toml",
        &every_two_seconds("compassion"),
    );
    daemon.wait_for_log("reloaded", 1, WAIT);
    daemon.wait_for_log("sent compassion", 1, WAIT);
    assert!(categories(&desktop).contains(&"x-closer.compassion".to_owned()));
}

#[test]
fn sighup_with_a_broken_config_keeps_the_schedule_and_names_the_line() {
    let home = Home::with_config(&every_two_seconds("learn"));
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, WAIT);
    // Written through a path the watcher does not see, then renamed over with SIGHUP
    // only: the config dir is watched, so write it in place and signal at once.
    home.write(
        "config/closer/config.toml",
        "timezone = \"UTC\"\n[limits]\nmax_per_day = \"lots\"\n",
    );
    daemon.signal("HUP");
    // The warning, then the problem on a line of its own, which names the place.
    let log = daemon.wait_for_log("config.toml:3:15: `limits.max_per_day`", 1, WAIT);
    assert!(
        log.contains("has problems; keeping the running schedule"),
        "{log}"
    );
    let before = daemon.log().matches("sent learn").count();
    daemon.wait_for_log("sent learn", before + 1, WAIT);
}

#[test]
fn a_notification_server_that_goes_away_and_comes_back_loses_no_prompt() {
    let mut desktop = Desktop::start();
    let home = Home::with_config(&every_two_seconds("compassion"));
    let mut daemon = home.daemon(Some(&desktop));
    desktop.wait_for_notifications(2, WAIT);
    desktop.stop_server();
    daemon.wait_for_log("to stderr", 2, WAIT);
    desktop.start_server();
    daemon.wait_for_log(
        "the notification server is back",
        1,
        Duration::from_secs(30),
    );
    let shown_before = daemon.log().matches(" as notification ").count();
    daemon.wait_for_log(" as notification ", shown_before + 2, WAIT);
    // Stopping is clean and quick, even with notifications open: well under the 90 s
    // systemd waits before SIGKILL. (Generous: two busy cores can stall any process.)
    let stop = Instant::now();
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(WAIT), 0);
    assert!(
        stop.elapsed() < Duration::from_secs(10),
        "{:?}",
        stop.elapsed()
    );

    let log = daemon.log();
    let shown = log.matches(" as notification ").count();
    let printed = log.matches(" to stderr").count();
    let on_stderr = log.lines().filter(|l| l.starts_with("closer: ")).count();
    assert_eq!(
        printed, on_stderr,
        "every prompt sent to stderr was printed once:\n{log}"
    );
    // Everything closer showed reached a server (the first or the second dunst): the
    // private bus's monitor saw each answered Notify once. (A call that met the server
    // as it went away got no answer, and went to stderr.)
    let seen = desktop
        .notifications()
        .iter()
        .filter(|n| n.app_name == "closer" && n.id.is_some())
        .count();
    assert_eq!(seen, shown, "{log}");
    // And the journal holds each prompt once.
    let export: Vec<Value> = serde_json::from_str(&home.run(&["export"]).stdout).unwrap();
    let sent: Vec<&Value> = export.iter().filter(|e| e["event"] == "sent").collect();
    assert_eq!(sent.len(), shown + printed, "{log}");
    let mut times: Vec<&str> = sent.iter().map(|e| e["time"].as_str().unwrap()).collect();
    times.dedup();
    assert_eq!(
        times.len(),
        sent.len(),
        "a prompt was sent twice: {times:?}"
    );
}

/// Inodes of the sockets `pid` holds open.
fn socket_inodes(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.unwrap().path()).ok())
        .filter_map(|target| {
            let t = target.to_string_lossy().into_owned();
            t.strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn it_opens_no_network_socket_and_keeps_its_files_private() {
    let desktop = Desktop::start();
    let home = Home::with_config(&every_two_seconds("step"));
    let daemon = home.daemon(Some(&desktop));
    desktop.wait_for_notifications(2, WAIT);
    daemon.wait_for_log("sent step", 2, WAIT);

    // Every socket it holds is a Unix socket (D-Bus), none an internet one.
    let sockets = socket_inodes(daemon.child.id());
    assert!(!sockets.is_empty(), "it should hold its D-Bus connections");
    let net: String = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(format!("/proc/net/{t}")).ok())
        .collect();
    for inode in &sockets {
        assert!(
            !net.split_whitespace().any(|field| field == inode),
            "socket {inode} is a network socket"
        );
    }

    // What it wrote is the user's alone.
    use std::os::unix::fs::PermissionsExt;
    for dir in ["data/closer", "state/closer", "run/closer"] {
        let dir = home.path(dir);
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700,
            "{}",
            dir.display()
        );
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
}

#[test]
fn a_deleted_or_dangling_config_keeps_the_running_schedule_and_is_said_once() {
    let home = Home::with_config(&every_two_seconds("learn"));
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, WAIT);
    let config = home.config_path();

    std::fs::remove_file(&config).unwrap();
    daemon.wait_for_log("the file is gone", 1, WAIT);
    let sent = daemon.log().matches("sent learn").count();
    daemon.wait_for_log("sent learn", sent + 2, WAIT);

    // A dotfile manager's link to a file that is not there yet.
    std::os::unix::fs::symlink(home.path("dotfiles/closer.toml"), &config).unwrap();
    daemon.wait_for_log("which does not exist", 1, WAIT);
    let sent = daemon.log().matches("sent learn").count();
    daemon.wait_for_log("sent learn", sent + 2, WAIT);
    // SIGHUP reloads, and the same problem is not said again.
    daemon.signal("HUP");
    daemon.wait_for_log("still has the same problems", 1, WAIT);
    let log = daemon.log();
    let warned = |what: &str| {
        log.lines()
            .filter(|l| l.contains("WARN") && l.contains(what))
            .count()
    };
    assert_eq!(warned("the file is gone"), 1, "{log}");
    assert_eq!(warned("which does not exist"), 1, "{log}");
    // The log line and the notification (on stderr here) name the config once each.
    let told: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("which does not exist"))
        .collect();
    assert_eq!(told.len(), 2, "{log}");
    for line in told {
        let shown = config.display().to_string();
        assert_eq!(line.matches(&shown).count(), 1, "{line}");
    }
    assert!(!log.contains("reloaded"), "{log}");

    home.write("dotfiles/closer.toml", &every_two_seconds("compassion"));
    daemon.signal("HUP");
    daemon.wait_for_log("reloaded", 1, WAIT);
    daemon.wait_for_log("sent compassion", 1, WAIT);
}

#[test]
fn every_edit_moved_over_the_config_is_applied_under_a_one_second_schedule() {
    // As editors and dotfile tools save: a new file renamed over the old one. The
    // schedule fires every second, so edits arrive while the daemon is busy sending.
    let config = |n: usize| {
        format!(
            "timezone = \"UTC\"\n[limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 1000\n\
             [[schedule]]\nname = \"edit {n}\"\nsend = \"learn\"\ncron = \"* * * * * *\"\n"
        )
    };
    let home = Home::with_config(&config(0));
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, WAIT);
    for n in 1..=20 {
        let draft = home.path("config/closer/.config.toml.draft");
        std::fs::write(&draft, config(n)).unwrap();
        std::fs::rename(&draft, home.config_path()).unwrap();
        // Each edit is noticed (the next waits for it; a missed one never is).
        daemon.wait_for_log("reloaded", n, WAIT);
    }
    // And applied: the rule goes by its last name.
    daemon.wait_for_log("for \"edit 20\"", 1, WAIT);
}

#[test]
fn an_edit_of_a_symlinked_config_is_applied_by_itself() {
    // A dotfile manager's link: the file itself lives elsewhere, and edits land there.
    let home = Home::empty();
    home.write("dotfiles/closer.toml", &every_two_seconds("learn"));
    std::fs::create_dir_all(home.path("config/closer")).unwrap();
    std::os::unix::fs::symlink(home.path("dotfiles/closer.toml"), home.config_path()).unwrap();
    let daemon = home.daemon(None);
    daemon.wait_for_log("sent learn", 1, WAIT);

    let editor = home.path("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i s/learn/compassion/ \"$1\"\n").unwrap();
    std::fs::set_permissions(
        &editor,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .unwrap();
    let out = home.cmd(&["edit"]).env("EDITOR", &editor).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(home.config_path().is_symlink());
    daemon.wait_for_log("reloaded", 1, WAIT);
    daemon.wait_for_log("sent compassion", 1, WAIT);
}

#[test]
fn an_edit_through_a_hard_link_elsewhere_is_applied_by_itself() {
    // The config is one file with two names; written in place through the other name,
    // its own directory hears nothing of it.
    let home = Home::empty();
    home.write("dotfiles/closer.toml", &every_two_seconds("learn"));
    std::fs::create_dir_all(home.path("config/closer")).unwrap();
    std::fs::hard_link(home.path("dotfiles/closer.toml"), home.config_path()).unwrap();
    let daemon = home.daemon(None);
    daemon.wait_for_log("sent learn", 1, WAIT);

    std::fs::write(
        home.path("dotfiles/closer.toml"),
        every_two_seconds("compassion"),
    )
    .unwrap();
    daemon.wait_for_log("reloaded", 1, WAIT);
    daemon.wait_for_log("sent compassion", 1, WAIT);

    // Replaced under its own name (an editor's save), the new file is watched in turn.
    let text = every_two_seconds("learn");
    home.write("config/closer/config.toml.new", &text);
    std::fs::rename(
        home.path("config/closer/config.toml.new"),
        home.config_path(),
    )
    .unwrap();
    daemon.wait_for_log("reloaded", 2, WAIT);
    std::fs::remove_file(home.path("dotfiles/closer.toml")).unwrap();
    std::fs::hard_link(home.config_path(), home.path("dotfiles/closer.toml")).unwrap();
    std::fs::write(
        home.path("dotfiles/closer.toml"),
        every_two_seconds("compassion"),
    )
    .unwrap();
    daemon.wait_for_log("reloaded", 3, WAIT);
}

#[test]
fn a_config_written_slowly_is_read_once_it_is_whole() {
    use std::io::Write;
    let home = Home::with_config(&every_two_seconds("learn"));
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, WAIT);
    std::fs::remove_file(home.config_path()).unwrap();
    daemon.wait_for_log("the file is gone", 1, WAIT);

    // A new file, written in two parts a second apart (a slow copy): half of it is not
    // a config, and must not be read as one.
    let whole = every_two_seconds("compassion");
    let (first, second) = whole.split_at(whole.find("min_gap").unwrap() + 5);
    let mut file = std::fs::File::create(home.config_path()).unwrap();
    file.write_all(first.as_bytes()).unwrap();
    file.flush().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    file.write_all(second.as_bytes()).unwrap();
    drop(file);
    daemon.wait_for_log("reloaded", 1, WAIT);
    daemon.wait_for_log("sent compassion", 1, WAIT);
    let log = daemon.log();
    let warned = log
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("keeping the running schedule:"))
        .count();
    assert_eq!(warned, 1, "half a file was read as the config:\n{log}");
}

#[test]
fn a_content_pack_written_slowly_is_read_once_it_is_whole() {
    use std::io::Write;
    let home = Home::with_config(&every_two_seconds("learn"));
    std::fs::create_dir_all(home.path("config/closer/content")).unwrap();
    let daemon = home.daemon(None);
    daemon.wait_for_log("closer is running", 1, WAIT);
    let pack = "[[prompt]]\nid = \"learn-mine\"\ncategory = \"learn\"\ntitle = \"Mine\"\n\
                body = \"Something I wrote down for myself.\"\n";
    let (first, second) = pack.split_at(pack.find("category").unwrap() + 4);
    let mut file = std::fs::File::create(home.path("config/closer/content/mine.toml")).unwrap();
    file.write_all(first.as_bytes()).unwrap();
    file.flush().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    file.write_all(second.as_bytes()).unwrap();
    drop(file);
    daemon.wait_for_log("reloaded", 1, WAIT);
    let log = daemon.log();
    assert!(
        !log.contains("keeping the running schedule"),
        "half a pack was read:\n{log}"
    );
}
