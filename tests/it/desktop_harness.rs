//! The test desktop itself, against the real dbus-daemon, Xvfb, dunst and busctl (no closer).

use std::time::Duration;

use crate::support::desktop::{Desktop, Signal};

const WAIT: Duration = Duration::from_secs(5);

/// Sends a Notify call with two actions and an urgency hint, as closer would; returns its id.
fn notify(desktop: &Desktop, summary: &str) -> u32 {
    let out = desktop.busctl(&[
        "call",
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "Notify",
        "susssasa{sv}i",
        "closer",
        "0",
        "",
        summary,
        "Body",
        "4",
        "done",
        "Did it",
        "hard",
        "It was hard",
        "1",
        "urgency",
        "y",
        "1",
        "-1",
    ]);
    assert!(out.status.success(), "Notify failed: {out:?}");
    let reply = String::from_utf8_lossy(&out.stdout);
    let id = reply
        .trim()
        .strip_prefix("u ")
        .and_then(|id| id.parse().ok());
    id.unwrap_or_else(|| panic!("unexpected Notify reply {reply:?}"))
}

#[test]
fn sees_a_notification_and_clicks_one_of_its_actions() {
    let desktop = Desktop::start();
    let id = notify(&desktop, "Title");

    let seen = desktop.wait_for_notifications(1, WAIT);
    let [n] = seen.as_slice() else {
        panic!("expected one notification, saw {seen:#?}")
    };
    assert_eq!(n.id, Some(id));
    assert_eq!((n.app_name.as_str(), n.replaces_id), ("closer", 0));
    assert_eq!((n.summary.as_str(), n.body.as_str()), ("Title", "Body"));
    let pair = |key: &str, label: &str| (key.to_owned(), label.to_owned());
    assert_eq!(
        n.actions,
        [pair("done", "Did it"), pair("hard", "It was hard")]
    );
    assert_eq!(n.hints["urgency"]["data"], 1);
    assert_eq!(n.expire_timeout, -1);

    desktop.click("hard");
    let hard = Signal::ActionInvoked {
        id,
        key: "hard".into(),
    };
    assert!(desktop.signals().contains(&hard), "{:?}", desktop.signals());
    let done = Signal::ActionInvoked {
        id,
        key: "done".into(),
    };
    assert!(
        !desktop.signals().contains(&done),
        "{:?}",
        desktop.signals()
    );
}

#[test]
fn clicks_the_most_recent_notification() {
    let desktop = Desktop::start();
    notify(&desktop, "First");
    let second = notify(&desktop, "Second");
    desktop.wait_for_notifications(2, WAIT);

    desktop.click("done");

    let invoked = Signal::ActionInvoked {
        id: second,
        key: "done".into(),
    };
    assert_eq!(desktop.signals(), [invoked]);
}

#[test]
fn a_bus_without_server_has_no_notification_owner() {
    let desktop = Desktop::start_without_server();
    assert!(!desktop.has_notification_server());
    let out = desktop.busctl(&["status", "org.freedesktop.Notifications"]);
    assert!(!out.status.success(), "someone owns the name: {out:?}");
    assert!(desktop.notifications().is_empty());
}

#[test]
fn the_server_can_be_stopped_and_started_again() {
    let mut desktop = Desktop::start();
    desktop.stop_server();
    assert!(!desktop.has_notification_server());

    desktop.start_server();
    notify(&desktop, "Back");
    let seen = desktop.wait_for_notifications(1, WAIT);
    assert_eq!(seen[0].summary, "Back");
}

#[test]
fn env_points_a_child_at_the_private_bus_and_display() {
    let desktop = Desktop::start_without_server();
    let env = desktop.env();
    let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY"]);
    assert_eq!(env[0].1, desktop.bus_address());
    assert!(env[1].1.starts_with(':'), "{env:?}");
}
