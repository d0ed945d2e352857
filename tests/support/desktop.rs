//! A private desktop for integration tests: a session D-Bus, Xvfb and dunst, all torn down on drop.
//!
//! Everything lives in one temporary directory: the bus config, dunst's `dunstrc`, the
//! `busctl monitor --json=short` log every query reads, and the logs quoted in panics.
//!
//! Clicking works as it does for a person using dunst's context menu: dunst's `dmenu` setting
//! points at `menu.sh`, which records the menu dunst offers (lines like
//! `#Did it (Title) [2,done]`, i.e. `#LABEL (SUMMARY) [ID,KEY]`) and prints the line ending in
//! the wanted `[ID,KEY]`; `click` opens that menu through dunst's own D-Bus method
//! `org.dunstproject.cmd0.ContextMenuCall` (what `dunstctl context` calls), and dunst answers
//! with `ActionInvoked(ID, KEY)`.
#![allow(dead_code)] // Each test binary uses only part of this module.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const START_TIMEOUT: Duration = Duration::from_secs(10);
const CLICK_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(50);
const STOP_GRACE: Duration = Duration::from_secs(3);
const DISPLAYS: std::ops::RangeInclusive<u32> = 90..=140;

// Files in the desktop's temporary directory.
const BUS_LOG: &str = "bus.jsonl";
const MENU: &str = "menu";
const WANTED: &str = "wanted";

/// A private session bus, X display and (optionally) dunst; every child is stopped on drop.
#[derive(Debug)]
pub struct Desktop {
    // Fields drop in this order: the monitor and dunst go before the display and the bus.
    monitor: Process,
    server: Option<Process>,
    xvfb: Process,
    bus: Process,
    bus_address: String,
    display: String,
    dir: TempDir,
}

/// One `org.freedesktop.Notifications.Notify` call seen on the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Notify {
    /// The id the server returned; None while unanswered or if the call failed.
    pub id: Option<u32>,
    pub app_name: String,
    pub replaces_id: u32,
    pub summary: String,
    pub body: String,
    /// (key, label) pairs.
    pub actions: Vec<(String, String)>,
    /// busctl's JSON for the `a{sv}`, e.g. `{"urgency": {"type": "y", "data": 1}}`.
    pub hints: Value,
    pub expire_timeout: i32,
}

/// A signal from the notification server seen on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    ActionInvoked { id: u32, key: String },
    Closed { id: u32, reason: u32 },
}

impl Desktop {
    /// Starts a private bus, Xvfb, a bus monitor and dunst; waits until dunst owns the name.
    ///
    /// dunst's own timeouts are 0 (never expire), so a notification stays until it is
    /// clicked, closed, or its Notify asked for a positive `expire_timeout`.
    pub fn start() -> Desktop {
        let mut desktop = Desktop::start_without_server();
        desktop.start_server();
        desktop
    }

    /// Same as [`Desktop::start`], but without dunst: a bus with no notification server.
    pub fn start_without_server() -> Desktop {
        let dir = tempfile::Builder::new()
            .prefix("closer-desktop-")
            .tempdir()
            .expect("cannot create a temporary directory for the test desktop");
        write_config(dir.path());
        let (bus, bus_address) = start_bus(dir.path());
        let (xvfb, display) = start_xvfb(dir.path());
        let monitor = start_monitor(dir.path(), &bus_address);
        Desktop {
            monitor,
            server: None,
            xvfb,
            bus,
            bus_address,
            display,
            dir,
        }
    }

    /// The private bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// Environment for a child process: `DBUS_SESSION_BUS_ADDRESS` and `DISPLAY`.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("DISPLAY".into(), self.display.clone()),
        ]
    }

    /// Runs `busctl --address=ADDR -- ARGS...` (so `-1` is an argument, not an option).
    pub fn busctl(&self, args: &[&str]) -> Output {
        Command::new("busctl")
            .arg(format!("--address={}", self.bus_address))
            .arg("--")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run busctl: {e}"))
    }

    /// Whether some connection owns `org.freedesktop.Notifications` on the private bus.
    pub fn has_notification_server(&self) -> bool {
        self.busctl(&["status", NOTIFICATIONS]).status.success()
    }

    /// Starts dunst and waits (at most 10 s) until it owns `org.freedesktop.Notifications`.
    pub fn start_server(&mut self) {
        assert!(self.server.is_none(), "dunst is already running");
        let mut dunst = Process::spawn(
            "dunst",
            Command::new("dunst")
                .arg("-config")
                .arg(self.dir.path().join("dunstrc"))
                .env_remove("WAYLAND_DISPLAY")
                .envs(self.env())
                .stdout(append_log(self.dir.path(), "dunst.log"))
                .stderr(append_log(self.dir.path(), "dunst.log")),
        );
        let owned = poll_until(deadline(START_TIMEOUT), POLL, || {
            (dunst.has_exited() || self.has_notification_server()).then_some(())
        });
        if owned.is_none() || dunst.has_exited() {
            panic!(
                "dunst did not take {NOTIFICATIONS} within {START_TIMEOUT:?}; its output:\n{}",
                self.log("dunst.log")
            );
        }
        self.server = Some(dunst);
    }

    /// Stops dunst (SIGTERM, then waits) and waits until its name is gone from the bus.
    pub fn stop_server(&mut self) {
        let mut dunst = self.server.take().expect("dunst is not running");
        dunst.stop();
        let gone = poll_until(deadline(START_TIMEOUT), POLL, || {
            (!self.has_notification_server()).then_some(())
        });
        assert!(
            gone.is_some(),
            "{NOTIFICATIONS} is still owned after dunst exited"
        );
    }

    /// Every `Notify` call seen so far, oldest first.
    pub fn notifications(&self) -> Vec<Notify> {
        self.notify_calls().into_iter().map(|(n, _)| n).collect()
    }

    /// Waits (polling every 50 ms, up to `timeout`) until at least `n` Notify calls were seen
    /// and every one seen was answered, so that their ids are known.
    pub fn wait_for_notifications(&self, n: usize, timeout: Duration) -> Vec<Notify> {
        poll_until(deadline(timeout), POLL, || {
            let calls = self.notify_calls();
            let answered = calls.iter().all(|(_, answered)| *answered);
            (calls.len() >= n && answered).then(|| calls.into_iter().map(|(n, _)| n).collect())
        })
        .unwrap_or_else(|| {
            panic!(
                "expected {n} Notify call(s) within {timeout:?}; saw {:#?}",
                self.notifications()
            )
        })
    }

    /// Every `Notify` call seen so far, each with whether its reply (or error) was seen.
    fn notify_calls(&self) -> Vec<(Notify, bool)> {
        let messages = self.messages();
        let replies = replies_by_call(&messages);
        let calls = messages.iter().filter(|m| is(m, "method_call", "Notify"));
        calls
            .map(|m| {
                parse_notify(m, &replies)
                    .unwrap_or_else(|| panic!("malformed Notify call on the bus: {m}"))
            })
            .collect()
    }

    /// `ActionInvoked` and `NotificationClosed` signals seen so far, oldest first.
    pub fn signals(&self) -> Vec<Signal> {
        self.messages().iter().filter_map(parse_signal).collect()
    }

    /// Chooses the action `action_key` of the most recent notification in dunst's context
    /// menu, and waits (at most 5 s) until dunst emitted `ActionInvoked` for it.
    pub fn click(&self, action_key: &str) {
        let deadline = deadline(CLICK_TIMEOUT);
        let id = self.latest_notification_id(deadline);
        let entry = format!("[{id},{action_key}]");
        self.write(WANTED, &entry);
        let invoked = Signal::ActionInvoked {
            id,
            key: action_key.to_owned(),
        };
        let before = self.count(&invoked);
        let menu = self.choose_from_menu(&entry, deadline);
        let seen = poll_until(deadline, POLL, || {
            (self.count(&invoked) > before).then_some(())
        });
        assert!(
            seen.is_some(),
            "dunst's menu offered {entry} but no {invoked:?} came; menu:\n{menu}\nsignals: {:?}",
            self.signals()
        );
    }

    /// Opens dunst's context menu until it offers `entry` (so menu.sh picks it); returns the menu.
    fn choose_from_menu(&self, entry: &str, deadline: Instant) -> String {
        loop {
            let _ = fs::remove_file(self.file(MENU));
            let opened = self.busctl(&[
                "call",
                NOTIFICATIONS,
                NOTIFICATIONS_PATH,
                "org.dunstproject.cmd0",
                "ContextMenuCall",
            ]);
            assert!(
                opened.status.success(),
                "cannot open dunst's menu: {opened:?}"
            );
            let menu = poll_until(deadline, POLL, || fs::read_to_string(self.file(MENU)).ok());
            match menu {
                Some(menu) if menu.lines().any(|line| line.ends_with(entry)) => return menu,
                Some(_) if Instant::now() < deadline => thread::sleep(POLL),
                menu => panic!("dunst's context menu never offered {entry}; last menu: {menu:?}"),
            }
        }
    }

    /// The id dunst returned for the most recent Notify call, waiting for its reply.
    fn latest_notification_id(&self, deadline: Instant) -> u32 {
        poll_until(deadline, POLL, || self.notifications().last()?.id).unwrap_or_else(|| {
            panic!(
                "no notification with a reply from the server to click; saw {:#?}",
                self.notifications()
            )
        })
    }

    fn count(&self, signal: &Signal) -> usize {
        self.signals().iter().filter(|s| *s == signal).count()
    }

    /// Every message in the monitor's log; a line still being written is skipped.
    fn messages(&self) -> Vec<Value> {
        let bytes = fs::read(self.file(BUS_LOG)).unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, contents: &str) {
        fs::write(self.file(name), contents).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }

    fn log(&self, name: &str) -> String {
        fs::read_to_string(self.file(name)).unwrap_or_default()
    }
}

/// A child process that is stopped (SIGTERM, then SIGKILL) when dropped, also on panic.
#[derive(Debug)]
struct Process {
    name: &'static str,
    child: Child,
}

impl Process {
    fn spawn(name: &'static str, command: &mut Command) -> Process {
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {name}: {e} (bash scripts/test.sh installs it)")
        });
        Process { name, child }
    }

    fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM (so Xvfb removes its lock and dunst lets go of its name), then SIGKILL.
    fn stop(&mut self) {
        if self.has_exited() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("sh")
            .args(["-c", "kill -TERM \"$1\"", "sh", &pid])
            .status();
        let step = Duration::from_millis(5);
        if poll_until(deadline(STOP_GRACE), step, || {
            self.has_exited().then_some(())
        })
        .is_none()
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes the bus config, dunstrc and the dmenu stand-in into `dir`.
fn write_config(dir: &Path) {
    let d = dir.display();
    // No <servicedir> and no <standard_session_servicedirs/>: nothing is auto-activated.
    let bus = format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={d}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    );
    let dunstrc = format!(
        "[global]\n    dmenu = {d}/menu.sh\n    show_indicators = no\n\
         [urgency_low]\n    timeout = 0\n\
         [urgency_normal]\n    timeout = 0\n\
         [urgency_critical]\n    timeout = 0\n"
    );
    // dunst pipes its menu in; print the entry ending in the wanted "[ID,KEY]".
    let menu = format!(
        r#"#!/bin/sh
cat > '{d}/{MENU}.part' && mv '{d}/{MENU}.part' '{d}/{MENU}'
want=$(cat '{d}/{WANTED}')
while IFS= read -r line || [ -n "$line" ]; do
  case $line in *"$want") printf '%s\n' "$line"; exit 0 ;; esac
done < '{d}/{MENU}'
"#
    );
    fs::write(dir.join("bus.conf"), bus).expect("cannot write bus.conf");
    fs::write(dir.join("dunstrc"), dunstrc).expect("cannot write dunstrc");
    fs::write(dir.join(WANTED), "[none]").expect("cannot write the wanted menu entry");
    fs::write(dir.join("menu.sh"), menu).expect("cannot write menu.sh");
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(dir.join("menu.sh"))
        .status();
    assert!(
        matches!(chmod, Ok(s) if s.success()),
        "cannot chmod menu.sh"
    );
}

/// Starts dbus-daemon with `dir/bus.conf`; returns it and its address.
fn start_bus(dir: &Path) -> (Process, String) {
    let mut bus = Process::spawn(
        "dbus-daemon",
        Command::new("dbus-daemon")
            .arg(format!("--config-file={}", dir.join("bus.conf").display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(append_log(dir, "dbus.log")),
    );
    let stdout = bus.child.stdout.take().expect("dbus-daemon's stdout");
    match first_line(stdout, START_TIMEOUT) {
        Some(address) if !address.is_empty() => (bus, address),
        _ => panic!(
            "dbus-daemon printed no address; its log:\n{}",
            read(dir, "dbus.log")
        ),
    }
}

/// Starts Xvfb on the first free display in :90..=:140; returns it and e.g. ":90".
fn start_xvfb(dir: &Path) -> (Process, String) {
    for n in DISPLAYS {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        if let Some(xvfb) = try_xvfb(dir, n) {
            return (xvfb, format!(":{n}"));
        }
    }
    panic!(
        "no free X display in :90..=:140; Xvfb's last log:\n{}",
        read(dir, "xvfb.log")
    )
}

/// Xvfb on display `n`, once it accepts connections (`-displayfd` prints `n` then), or None
/// if the display is taken.
fn try_xvfb(dir: &Path, n: u32) -> Option<Process> {
    let log = File::create(dir.join("xvfb.log")).expect("cannot create xvfb.log");
    let mut xvfb = Process::spawn(
        "Xvfb",
        Command::new("Xvfb")
            .arg(format!(":{n}"))
            .args(["-nolisten", "tcp", "-displayfd", "1"])
            .args(["-screen", "0", "1280x800x24"])
            .stdout(Stdio::piped())
            .stderr(log),
    );
    let stdout = xvfb.child.stdout.take().expect("Xvfb's stdout");
    if first_line(stdout, START_TIMEOUT).as_deref() == Some(n.to_string().as_str()) {
        return Some(xvfb);
    }
    let exited = poll_until(deadline(STOP_GRACE), POLL, || {
        xvfb.has_exited().then_some(())
    });
    assert!(
        exited.is_some(),
        "Xvfb :{n} neither started nor exited within {START_TIMEOUT:?}; its log:\n{}",
        read(dir, "xvfb.log")
    );
    None
}

/// Starts `busctl monitor --json=short` into `dir/bus.jsonl`; returns once it is monitoring.
fn start_monitor(dir: &Path, bus_address: &str) -> Process {
    let mut monitor = Process::spawn(
        "busctl",
        Command::new("busctl")
            .arg(format!("--address={bus_address}"))
            .args(["monitor", "--json=short"])
            .stdout(File::create(dir.join(BUS_LOG)).expect("cannot create the bus log"))
            .stderr(append_log(dir, "monitor.log")),
    );
    let ready = poll_until(deadline(START_TIMEOUT), Duration::from_millis(5), || {
        let monitoring = read(dir, "monitor.log").contains("Monitoring bus message stream");
        (monitoring || monitor.has_exited()).then_some(())
    });
    if ready.is_none() || monitor.has_exited() {
        panic!(
            "busctl monitor did not start; its log:\n{}",
            read(dir, "monitor.log")
        );
    }
    monitor
}

/// Answers to method calls: (caller, call's cookie) -> the `u` a reply carries (None: an error).
type Replies = HashMap<(String, u64), Option<u32>>;

fn replies_by_call(messages: &[Value]) -> Replies {
    messages
        .iter()
        .filter(|m| m["type"] == "method_return" || m["type"] == "error")
        .filter_map(|m| {
            let caller = m["destination"].as_str()?.to_owned();
            let cookie = m["reply_cookie"].as_u64()?;
            let id = m["payload"]["data"][0]
                .as_u64()
                .and_then(|id| id.try_into().ok());
            Some(((caller, cookie), id))
        })
        .collect()
}

/// A Notify call and whether it was answered; None if it does not fit the spec's signature.
fn parse_notify(message: &Value, replies: &Replies) -> Option<(Notify, bool)> {
    let [app, replaces, _icon, summary, body, actions, hints, timeout] =
        message["payload"]["data"].as_array()?.as_slice()
    else {
        return None;
    };
    let caller = message["sender"].as_str()?.to_owned();
    let cookie = message["cookie"].as_u64()?;
    let reply = replies.get(&(caller, cookie));
    let notify = Notify {
        id: reply.copied().flatten(),
        app_name: string(app)?,
        replaces_id: replaces.as_u64()?.try_into().ok()?,
        summary: string(summary)?,
        body: string(body)?,
        actions: action_pairs(actions)?,
        hints: hints.clone(),
        expire_timeout: timeout.as_i64()?.try_into().ok()?,
    };
    Some((notify, reply.is_some()))
}

/// `["done", "Did it", "hard", "It was hard"]` -> `[("done", "Did it"), ("hard", "It was hard")]`.
fn action_pairs(actions: &Value) -> Option<Vec<(String, String)>> {
    let flat = actions.as_array()?;
    if flat.len() % 2 != 0 {
        return None;
    }
    flat.chunks(2)
        .map(|pair| Some((string(&pair[0])?, string(&pair[1])?)))
        .collect()
}

fn parse_signal(message: &Value) -> Option<Signal> {
    let data = message["payload"]["data"].as_array()?;
    let id = u32::try_from(data.first()?.as_u64()?).ok()?;
    if is(message, "signal", "ActionInvoked") {
        let key = string(data.get(1)?)?;
        Some(Signal::ActionInvoked { id, key })
    } else if is(message, "signal", "NotificationClosed") {
        let reason = u32::try_from(data.get(1)?.as_u64()?).ok()?;
        Some(Signal::Closed { id, reason })
    } else {
        None
    }
}

/// Whether `message` is a `kind` ("signal", "method_call") of the Notifications interface.
fn is(message: &Value, kind: &str, member: &str) -> bool {
    message["type"] == kind && message["interface"] == NOTIFICATIONS && message["member"] == member
}

fn string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// The first line `out` gives within `timeout`, without its newline; None on EOF or timeout.
fn first_line(out: ChildStdout, timeout: Duration) -> Option<String> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(out).read_line(&mut line);
        let _ = send.send(
            read.ok()
                .filter(|&n| n > 0)
                .map(|_| line.trim_end().to_owned()),
        );
    });
    receive.recv_timeout(timeout).ok().flatten()
}

/// Calls `f` every `step` until it returns Some or `deadline` passes.
fn poll_until<T>(deadline: Instant, step: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    loop {
        if let Some(value) = f() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(step);
    }
}

fn deadline(timeout: Duration) -> Instant {
    Instant::now() + timeout
}

fn append_log(dir: &Path, name: &str) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .unwrap_or_else(|e| panic!("cannot open {name}: {e}"))
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_default()
}
