//! The daemon through edits and faults: config changes picked up without a restart (and a
//! broken one refused, said once), a notification server that goes away and comes back,
//! and a clean stop.
mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::desktop::Desktop;
use support::home::Home;

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
    let log = daemon.wait_for_log("has problems; keeping the running schedule", 1, WAIT);
    assert!(log.contains("config.toml:9:8: `schedule[1].cron`"), "{log}");
    let said = |d: &Desktop| {
        d.notifications()
            .iter()
            .filter(|n| n.summary == "closer: your change was not applied")
            .count()
    };
    let deadline = Instant::now() + WAIT;
    while said(&desktop) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
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
    let log = daemon.wait_for_log("has problems; keeping the running schedule", 1, WAIT);
    assert!(
        log.contains("config.toml:3:15: `limits.max_per_day`"),
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
    // Stopping is clean and quick, even with notifications open.
    let stop = Instant::now();
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(1)), 0);
    assert!(stop.elapsed() < Duration::from_secs(1));

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
