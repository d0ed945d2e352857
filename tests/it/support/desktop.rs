//! A private desktop for integration tests: a session D-Bus, Xvfb (or a headless sway) and a
//! real notification server of a chosen [`Server`] kind, all torn down on drop.
//!
//! Everything lives in one temporary directory: the bus config, dunst's `dunstrc`, the
//! `busctl monitor --json=short` log every query reads, and the logs quoted in panics.
//!
//! Each server is answered as a person would answer it there:
//! - dunst: its context menu. dunst's `dmenu` setting points at `menu.sh`, which records the
//!   menu dunst offers (lines like `#Did it (Title) [2,done]`, i.e. `#LABEL (SUMMARY) [ID,KEY]`)
//!   and prints the line ending in the wanted `[ID,KEY]`; `click` opens that menu through
//!   dunst's own D-Bus method `org.dunstproject.cmd0.ContextMenuCall` (what `dunstctl context`
//!   calls), and dunst answers with `ActionInvoked(ID, KEY)`.
//! - xfce4-notifyd, notification-daemon and mate-notification-daemon (X11): a mouse click
//!   (xdotool) on the button. The button is found in a screenshot of the notification's
//!   window (ImageMagick's `import`): the lowest band of dark (text) pixels holds the button
//!   labels, one cluster of columns a button, in the order of the actions (on MATE, right
//!   of the dark stripe its theme draws down the left edge).
//! - mako (Wayland, under a headless sway run as an unprivileged user, since sway refuses
//!   root): `makoctl invoke -n ID KEY`, which is what mako's own bindings run.
//! - lxqt-notificationd (X11): its "Actions:" drop-down, opened with a click found in a
//!   screenshot, the entry chosen with the keyboard, then a click on OK.
//! - swaync (Wayland, headless sway, as nobody): its control centre opened with
//!   `swaync-client --open-panel`, then the action's number typed on a virtual keyboard
//!   (wtype): the headless seat has no pointer a click could come from.

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
// Deadlines, not waits: a step taken at once on an idle machine may take many seconds
// while the suite runs eight tests at a time beside another CPU-heavy job.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const CLICK_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);
const STOP_GRACE: Duration = Duration::from_secs(3);
const DISPLAYS: std::ops::RangeInclusive<u32> = 90..=140;
/// The unprivileged user sway and mako run as (nobody).
/// The uid and gid of nobody, whom the desktops that refuse root (sway, GNOME Shell,
/// Plasma) run as.
pub const NOBODY: u32 = 65534;

// Files in the desktop's temporary directory.
const BUS_LOG: &str = "bus.jsonl";
const MENU: &str = "menu";
const WANTED: &str = "wanted";

/// The notification servers the tests run, each from its Debian package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// dunst (X11): no buttons, a menu of the actions.
    Dunst,
    /// xfce4-notifyd (X11): buttons, body-markup, expires after ~10 s unless told not to.
    Xfce,
    /// notification-daemon (X11): buttons; vanishes without `NotificationClosed`.
    NotificationDaemon,
    /// mate-notification-daemon (X11): buttons.
    Mate,
    /// mako (Wayland, headless sway): no buttons; `makoctl invoke`.
    Mako,
    /// notify-osd (X11): no `actions` capability at all; nothing to click.
    NotifyOsd,
    /// lxqt-notificationd (X11): the actions in a drop-down ("Actions:") with an OK button;
    /// keeps a replaced notification's actions.
    Lxqt,
    /// swaync (Wayland, headless sway): buttons, and its control centre answers keys
    /// (1-9: the actions); closes a replaced notification.
    Swaync,
}

impl Server {
    /// The command that starts it.
    fn program(self) -> &'static str {
        match self {
            Server::Dunst => "dunst",
            Server::Xfce => "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd",
            Server::NotificationDaemon => "/usr/lib/notification-daemon/notification-daemon",
            Server::Mate => "/usr/lib/mate-notification-daemon/mate-notification-daemon",
            Server::Mako => "mako",
            Server::NotifyOsd => "/usr/lib/x86_64-linux-gnu/notify-osd",
            Server::Lxqt => "lxqt-notificationd",
            Server::Swaync => "swaync",
        }
    }

    /// The Debian package it comes from.
    pub fn package(self) -> &'static str {
        match self {
            Server::Dunst => "dunst",
            Server::Xfce => "xfce4-notifyd",
            Server::NotificationDaemon => "notification-daemon",
            Server::Mate => "mate-notification-daemon",
            Server::Mako => "mako-notifier",
            Server::NotifyOsd => "notify-osd",
            Server::Lxqt => "lxqt-notificationd",
            Server::Swaync => "sway-notification-center",
        }
    }

    /// The upstream version of its installed package (`dpkg-query`, without the Debian
    /// epoch and revision).
    pub fn package_version(self) -> String {
        let out = Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", self.package()])
            .output()
            .unwrap_or_else(|e| panic!("cannot run dpkg-query: {e}"));
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let version = version.split_once(':').map_or(version.as_str(), |(_, v)| v);
        version
            .rsplit_once('-')
            .map_or(version, |(upstream, _)| upstream)
            .to_owned()
    }

    fn name(self) -> &'static str {
        match self {
            Server::Dunst => "dunst",
            Server::Xfce => "xfce4-notifyd",
            Server::NotificationDaemon => "notification-daemon",
            Server::Mate => "mate-notification-daemon",
            Server::Mako => "mako",
            Server::NotifyOsd => "notify-osd",
            Server::Lxqt => "lxqt-notificationd",
            Server::Swaync => "swaync",
        }
    }
}

/// A private session bus, X display (or headless sway) and (optionally) a notification
/// server; every child is stopped on drop.
#[derive(Debug)]
pub struct Desktop {
    // Fields drop in this order: the monitor and the server go before the display and the bus.
    // Those never read are held for their drop, which stops them.
    #[allow(dead_code)]
    monitor: Process,
    server: Option<Process>,
    sway: Option<Process>,
    #[allow(dead_code)]
    xvfb: Process,
    #[allow(dead_code)]
    bus: Process,
    kind: Server,
    bus_address: String,
    display: String,
    /// sway's `wayland-N`, for mako.
    wayland: Option<String>,
    /// More environment for the children [`Desktop::env`] is given to.
    extra_env: Vec<(String, String)>,
    dir: TempDir,
}

/// A top-level X window: its id and geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    id: u64,
    x: i32,
    y: i32,
    width: u32,
    height: u32,
}

/// One `org.freedesktop.Notifications.Notify` call seen on the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Notify {
    /// The id the server returned; None while unanswered or if the call failed.
    pub id: Option<u32>,
    pub app_name: String,
    pub replaces_id: u32,
    pub app_icon: String,
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
        Desktop::start_with(Server::Dunst)
    }

    /// Same as [`Desktop::start`], but without dunst: a bus with no notification server.
    pub fn start_without_server() -> Desktop {
        Desktop::start_without(Server::Dunst)
    }

    /// Starts a private desktop with `kind` as its notification server, and waits until the
    /// server owns the name.
    pub fn start_with(kind: Server) -> Desktop {
        let mut desktop = Desktop::start_without(kind);
        desktop.start_server();
        desktop
    }

    /// A desktop made for `kind` (Xvfb, and a headless sway for mako), with no server yet.
    pub fn start_without(kind: Server) -> Desktop {
        let dir = tempfile::Builder::new()
            .prefix("closer-desktop-")
            .tempdir()
            .expect("cannot create a temporary directory for the test desktop");
        write_config(dir.path());
        let (bus, bus_address) = start_bus(dir.path());
        let (xvfb, display) = start_xvfb(dir.path());
        let monitor = start_monitor(dir.path(), &bus_address);
        let mut desktop = Desktop {
            monitor,
            server: None,
            sway: None,
            xvfb,
            bus,
            kind,
            bus_address,
            display,
            wayland: None,
            extra_env: Vec::new(),
            dir,
        };
        if matches!(kind, Server::Mako | Server::Swaync) {
            desktop.start_sway();
        }
        desktop
    }

    /// The private bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// Environment for a child process: `DBUS_SESSION_BUS_ADDRESS` and `DISPLAY`.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("DISPLAY".into(), self.display.clone()),
        ];
        env.extend(self.extra_env.iter().cloned());
        env
    }

    /// Adds `name=value` to what [`Desktop::env`] gives children (closer among them).
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.extra_env.push((name.to_owned(), value.to_owned()));
    }

    /// Runs `busctl --address=ADDR -- ARGS...` (so `-1` is an argument, not an option).
    /// Waits until `name` is owned on this bus, at most `timeout`; panics with the file at
    /// `log` if it is not.
    pub fn wait_for_name(&self, name: &str, log: &Path, timeout: Duration) {
        let owned = poll_until(deadline(timeout), POLL, || {
            self.busctl(&["status", name])
                .status
                .success()
                .then_some(())
        });
        assert!(
            owned.is_some(),
            "{name} was not taken within {timeout:?}; {}:\n{}",
            log.display(),
            fs::read_to_string(log).unwrap_or_default()
        );
    }

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

    /// Starts the server and waits (at most 10 s) until it owns `org.freedesktop.Notifications`.
    pub fn start_server(&mut self) {
        let name = self.kind.name();
        assert!(self.server.is_none(), "{name} is already running");
        let log = format!("{name}.log");
        let mut command = match self.kind {
            Server::Mako | Server::Swaync => self.as_nobody(self.kind.program()),
            kind => {
                let mut command = Command::new(kind.program());
                command.env_remove("WAYLAND_DISPLAY").envs(self.env());
                command
            }
        };
        if self.kind == Server::Lxqt {
            // Its settings and runtime files in here, not in the real home.
            let runtime = self.file("lxqt-run");
            fs::create_dir_all(&runtime).expect("cannot create lxqt's runtime dir");
            command
                .env("XDG_CONFIG_HOME", self.file("lxqt-config"))
                .env("XDG_RUNTIME_DIR", runtime);
        }
        if self.kind == Server::Dunst {
            command.arg("-config").arg(self.dir.path().join("dunstrc"));
        }
        let mut server = Process::spawn(
            name,
            command
                .current_dir(self.dir.path())
                .stdout(append_log(self.dir.path(), &log))
                .stderr(append_log(self.dir.path(), &log)),
        );
        let owned = poll_until(deadline(START_TIMEOUT), POLL, || {
            (server.has_exited() || self.has_notification_server()).then_some(())
        });
        if owned.is_none() || server.has_exited() {
            panic!(
                "{name} did not take {NOTIFICATIONS} within {START_TIMEOUT:?}; its output:\n{}",
                self.log(&log)
            );
        }
        self.server = Some(server);
    }

    /// Stops the server (SIGTERM, then waits) and waits until its name is gone from the bus.
    pub fn stop_server(&mut self) {
        let mut dunst = self.server.take().expect("the server is not running");
        dunst.stop();
        let gone = poll_until(deadline(START_TIMEOUT), POLL, || {
            (!self.has_notification_server()).then_some(())
        });
        assert!(
            gone.is_some(),
            "{NOTIFICATIONS} is still owned after dunst exited"
        );
    }

    /// Sends the server a signal by name ("STOP" freezes it: it then answers no call;
    /// "CONT" thaws it).
    pub fn signal_server(&self, name: &str) {
        let server = self.server.as_ref().expect("the server is not running");
        let pid = server.child.id().to_string();
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(&pid)
            .status();
        assert!(
            matches!(sent, Ok(s) if s.success()),
            "kill -{name} {pid} failed"
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

    /// Chooses the action `action_key` of the most recent notification offering it, as a person would on
    /// this server (see the module's header), and waits (at most 30 s) until the server
    /// emitted `ActionInvoked` for it.
    pub fn click(&self, action_key: &str) {
        let deadline = deadline(CLICK_TIMEOUT);
        let id = self.latest_notification_id(action_key, deadline);
        self.click_on(id, action_key, deadline);
    }

    /// Chooses the action `action_key` of notification `id`, as [`Desktop::click`] does.
    pub fn click_on(&self, id: u32, action_key: &str, deadline: Instant) {
        let invoked = Signal::ActionInvoked {
            id,
            key: action_key.to_owned(),
        };
        let before = self.count(&invoked);
        let how = match self.kind {
            Server::Dunst => {
                let entry = format!("[{id},{action_key}]");
                self.write(WANTED, &entry);
                let menu = self.choose_from_menu(&entry, deadline);
                format!("dunst's menu offered {entry}; menu:\n{menu}")
            }
            Server::Mako => {
                let out = self.makoctl(&["invoke", "-n", &id.to_string(), action_key]);
                assert!(out.status.success(), "makoctl invoke failed: {out:?}");
                format!("makoctl invoke -n {id} {action_key}")
            }
            Server::Xfce | Server::NotificationDaemon | Server::Mate => {
                self.click_button(action_key, deadline)
            }
            Server::Lxqt => self.choose_in_drop_down(action_key, deadline),
            Server::Swaync => self.press_in_control_centre(action_key, &invoked, deadline),
            Server::NotifyOsd => panic!("notify-osd takes no actions: there is nothing to click"),
        };
        let seen = poll_until(deadline, POLL, || {
            (self.count(&invoked) > before).then_some(())
        });
        assert!(
            seen.is_some(),
            "{how}, but no {invoked:?} came; signals: {:?}",
            self.signals()
        );
    }

    /// Middle-clicks the newest notification on dunst (its default `mouse_middle_click`:
    /// `do_action, close_current`, i.e. the default action, then closed as dismissed), as a
    /// person would, again if nothing came of it (the window was still being drawn); waits
    /// until the server sent `ActionInvoked` for the default action.
    pub fn middle_click(&self) {
        assert_eq!(self.kind, Server::Dunst, "the middle-click is dunst's");
        let deadline = deadline(CLICK_TIMEOUT);
        let before = self.signals().len();
        let invoked = || {
            self.signals()[before..]
                .iter()
                .any(|s| matches!(s, Signal::ActionInvoked { key, .. } if key == "default"))
        };
        let done = poll_until(deadline, Duration::from_millis(500), || {
            if invoked() {
                return Some(());
            }
            let window = *self.notification_windows().last()?;
            let x = window.x + window.width as i32 / 2;
            let y = window.y + window.height as i32 / 2;
            let (x, y) = (x.to_string(), y.to_string());
            self.xdotool(&["mousemove", &x, &y, "click", "2"]);
            poll_until(Instant::now() + Duration::from_millis(400), POLL, || {
                invoked().then_some(())
            })
        });
        assert!(
            done.is_some(),
            "middle-clicked, but no ActionInvoked came: {:?}",
            self.signals()
        );
    }

    /// Presses "OK" on notify-osd's dialog (how it shows a notification that never
    /// expires, with "Cancel" and "OK" and no other actions), found in a screenshot as the
    /// rightmost button; waits until the server sent `ActionInvoked` for it ("default").
    pub fn press_ok(&self) {
        assert_eq!(self.kind, Server::NotifyOsd, "only notify-osd draws an OK");
        let deadline = deadline(CLICK_TIMEOUT);
        let before = self.signals().len();
        let found = poll_until(deadline, POLL, || {
            let window = *self.notification_windows().last()?;
            let (y, xs) = buttons(&self.grab(window), window.width, window.height)?;
            let ok = *xs.last().filter(|_| xs.len() >= 2)?;
            Some((window, ok, y))
        });
        let Some((window, x, y)) = found else {
            panic!(
                "no dialog with buttons; windows: {:?}",
                self.notification_windows()
            )
        };
        let (x, y) = (window.x + x as i32, window.y + y as i32);
        let moved = self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
        assert!(moved.status.success(), "xdotool failed: {moved:?}");
        let invoked = poll_until(deadline, POLL, || {
            self.signals()[before..]
                .iter()
                .any(|s| matches!(s, Signal::ActionInvoked { key, .. } if key == "default"))
                .then_some(())
        });
        assert!(
            invoked.is_some(),
            "clicked OK at {x},{y}, but no ActionInvoked came: {:?}",
            self.signals()
        );
    }

    /// Whether notification `id` is closed: the server said so (`NotificationClosed`), or
    /// it is no longer on screen (mako's list; no notification window left on X11, after a
    /// `CloseNotification` for it, for servers that close without a word).
    pub fn is_closed(&self, id: u32) -> bool {
        self.signals()
            .iter()
            .any(|s| matches!(s, Signal::Closed { id: i, .. } if *i == id))
            || self.closed_without_a_word(id)
    }

    /// Whether what was last shown as `id` is closed: as [`Desktop::is_closed`], but a
    /// `NotificationClosed` before a later `Notify` was given the same id again does not
    /// count (xfce4-notifyd closes a step when a button is clicked, then shows what
    /// replaces it under the same id).
    fn is_closed_since_given(&self, id: u32) -> bool {
        self.server_closed(id) || self.closed_without_a_word(id)
    }

    /// Whether `id` is gone from the screen where the server closes without a signal.
    fn closed_without_a_word(&self, id: u32) -> bool {
        match self.kind {
            Server::Mako => !self.mako_ids().contains(&id),
            Server::Dunst | Server::NotifyOsd | Server::Lxqt | Server::Swaync => false,
            Server::Xfce | Server::NotificationDaemon | Server::Mate => {
                self.close_calls().contains(&id) && self.notification_windows().is_empty()
            }
        }
    }

    /// Whether the server's last word on `id` is `NotificationClosed`, not a reply to a
    /// `Notify` giving that id.
    fn server_closed(&self, id: u32) -> bool {
        let messages = self.messages();
        let calls: Vec<(&str, u64)> = messages
            .iter()
            .filter(|m| is(m, "method_call", "Notify"))
            .filter_map(|m| Some((m["sender"].as_str()?, m["cookie"].as_u64()?)))
            .collect();
        let mut closed = false;
        for m in &messages {
            if m["type"] == "method_return" {
                let call = (|| Some((m["destination"].as_str()?, m["reply_cookie"].as_u64()?)))();
                let given = m["payload"]["data"][0].as_u64() == Some(u64::from(id));
                if given && call.is_some_and(|call| calls.contains(&call)) {
                    closed = false;
                }
            } else if let Some(Signal::Closed { id: i, .. }) = parse_signal(m) {
                closed |= i == id;
            }
        }
        closed
    }

    /// Waits (at most `timeout`) until notification `id` is closed; see [`Desktop::is_closed`].
    pub fn wait_closed(&self, id: u32, timeout: Duration) {
        let closed = poll_until(deadline(timeout), POLL, || self.is_closed(id).then_some(()));
        assert!(
            closed.is_some(),
            "notification {id} is still open after {timeout:?}; signals {:?}, close calls {:?}",
            self.signals(),
            self.close_calls()
        );
    }

    /// The ids closed by a `CloseNotification` call, oldest first.
    pub fn close_calls(&self) -> Vec<u32> {
        self.messages()
            .iter()
            .filter(|m| is(m, "method_call", "CloseNotification"))
            .filter_map(|m| u32::try_from(m["payload"]["data"][0].as_u64()?).ok())
            .collect()
    }

    /// Shows a notification of the test's own, as another application would, with the
    /// fields of `n` (its id and `replaces_id` aside); returns the id the server gave.
    pub fn notify(&self, n: &Notify) -> u32 {
        let expire = n.expire_timeout.to_string();
        let mut args: Vec<String> = [
            "call",
            NOTIFICATIONS,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS,
            "Notify",
            "susssasa{sv}i",
            &n.app_name,
            "0",
            &n.app_icon,
            &n.summary,
            &n.body,
        ]
        .map(str::to_owned)
        .to_vec();
        args.push((n.actions.len() * 2).to_string());
        for (key, label) in &n.actions {
            args.extend([key.clone(), label.clone()]);
        }
        let hints = n.hints.as_object().cloned().unwrap_or_default();
        args.push(hints.len().to_string());
        for (key, hint) in &hints {
            let kind = hint["type"].as_str().expect("a hint's type");
            let value = match &hint["data"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            args.extend([key.clone(), kind.to_owned(), value]);
        }
        args.push(expire);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.busctl(&args);
        assert!(out.status.success(), "Notify failed: {out:?}");
        let reply = String::from_utf8_lossy(&out.stdout);
        reply
            .trim()
            .strip_prefix("u ")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("Notify answered {reply:?}"))
    }

    /// Closes notification `id` with `CloseNotification`, as its application would.
    pub fn close_notification(&self, id: u32) {
        let id = id.to_string();
        let out = self.busctl(&[
            "call",
            NOTIFICATIONS,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS,
            "CloseNotification",
            "u",
            &id,
        ]);
        assert!(out.status.success(), "CloseNotification failed: {out:?}");
    }

    /// A picture of the newest notification window (X11 servers): its width, height and
    /// grey pixels, once the server has drawn it (two grabs in a row agree).
    pub fn picture(&self, timeout: Duration) -> (u32, u32, Vec<u8>) {
        let mut last: Option<(Window, Vec<u8>)> = None;
        poll_until(deadline(timeout), Duration::from_millis(200), || {
            let window = *self.notification_windows().last()?;
            let grey = self.grab(window);
            let same = last.as_ref() == Some(&(window, grey.clone()));
            last = Some((window, grey.clone()));
            (same && !grey.is_empty()).then_some((window.width, window.height, grey))
        })
        .unwrap_or_else(|| panic!("no notification window to picture within {timeout:?}"))
    }

    /// Waits until no notification window is on screen (X11 servers).
    pub fn wait_no_windows(&self, timeout: Duration) {
        let gone = poll_until(deadline(timeout), POLL, || {
            self.notification_windows().is_empty().then_some(())
        });
        assert!(gone.is_some(), "{:?}", self.notification_windows());
    }

    /// Whether notification `id` is on screen: never closed (`NotificationClosed`), and
    /// there as this server shows notifications — dunst's count of those displayed, mako's
    /// list, a notification window (X11), swaync's popups or control centre (something
    /// drawn at the top right of a screenshot).
    pub fn is_shown(&self, id: u32) -> bool {
        let closed = self
            .signals()
            .iter()
            .any(|s| matches!(s, Signal::Closed { id: i, .. } if *i == id));
        if closed {
            return false;
        }
        match self.kind {
            Server::Dunst => {
                let out = self.busctl(&[
                    "get-property",
                    NOTIFICATIONS,
                    NOTIFICATIONS_PATH,
                    "org.dunstproject.cmd0",
                    "displayedLength",
                ]);
                let text = String::from_utf8_lossy(&out.stdout);
                text.trim()
                    .strip_prefix("u ")
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n > 0)
            }
            Server::Mako => self.mako_ids().contains(&id),
            Server::Swaync => self.wayland_top_right_is_drawn(),
            Server::Xfce
            | Server::NotificationDaemon
            | Server::Mate
            | Server::Lxqt
            | Server::NotifyOsd => !self.notification_windows().is_empty(),
        }
    }

    /// Whether something with text is drawn at the top right of the headless sway's output
    /// (where swaync puts its popups): bright pixels on sway's dark grey.
    fn wayland_top_right_is_drawn(&self) -> bool {
        let Ok(shot) = self
            .as_nobody("grim")
            .args(["-g", "780,0 500x300", "-t", "ppm", "-"])
            .output()
        else {
            panic!("cannot run grim (bash scripts/test.sh installs it)")
        };
        let grey = Command::new("convert")
            .args(["ppm:-", "-colorspace", "gray", "-depth", "8", "gray:-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut convert| {
                use std::io::Write as _;
                convert.stdin.take().unwrap().write_all(&shot.stdout)?;
                convert.wait_with_output()
            })
            .expect("ImageMagick's convert runs");
        grey.stdout.iter().filter(|&&p| p > 200).count() > 50
    }

    /// The ids mako shows now (`makoctl list`).
    pub fn mako_ids(&self) -> Vec<u32> {
        let out = self.makoctl(&["list"]);
        let list: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        list["data"][0]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| u32::try_from(n["id"]["data"].as_u64()?).ok())
            .collect()
    }

    /// Runs `makoctl ARGS` against this desktop's bus (makoctl speaks D-Bus only).
    pub fn makoctl(&self, args: &[&str]) -> Output {
        Command::new("makoctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run makoctl: {e} (bash scripts/test.sh installs it)")
            })
    }

    /// Chooses `action_key` in the "Actions:" drop-down of LXQt's newest notification and
    /// presses its OK, as a person would: the drop-down and OK found in a screenshot (the
    /// lowest band of text: the label, the drop-down, OK), the entry with the keyboard
    /// (its entries are the actions in order, the default one among them).
    fn choose_in_drop_down(&self, action_key: &str, deadline: Instant) -> String {
        let notify = self
            .notifications()
            .into_iter()
            .rev()
            .find(|n| n.actions.iter().any(|(key, _)| key == action_key))
            .expect("a notification to answer");
        let index = notify
            .actions
            .iter()
            .position(|(key, _)| key == action_key)
            .expect("the action");
        let found = poll_until(deadline, POLL, || {
            let window = *self.notification_windows().last()?;
            let (y, xs) = buttons(&self.grab(window), window.width, window.height)?;
            (xs.len() >= 3).then(|| (window, xs[1], *xs.last().unwrap(), y))
        });
        let Some((window, drop_down, ok, y)) = found else {
            panic!(
                "no drop-down and OK found; windows: {:?}",
                self.notification_windows()
            )
        };
        let at = |x: u32| {
            [
                (window.x + x as i32).to_string(),
                (window.y + y as i32).to_string(),
            ]
        };
        let windows = self.notification_windows().len();
        let [x, y] = at(drop_down);
        let opened = self.xdotool(&["mousemove", &x, &y, "click", "1"]);
        assert!(opened.status.success(), "xdotool failed: {opened:?}");
        // Its list is a window of its own: wait for it before choosing.
        let listed = poll_until(deadline, POLL, || {
            (self.notification_windows().len() > windows).then_some(())
        });
        assert!(listed.is_some(), "the drop-down did not open");
        let mut keys = vec!["key", "--delay", "50", "Home"];
        keys.extend(std::iter::repeat_n("Down", index));
        keys.push("Return");
        let chosen = self.xdotool(&keys);
        assert!(chosen.status.success(), "xdotool failed: {chosen:?}");
        let closed = poll_until(deadline, POLL, || {
            (self.notification_windows().len() == windows).then_some(())
        });
        assert!(closed.is_some(), "the drop-down did not close");
        let [x, y] = at(ok);
        let pressed = self.xdotool(&["mousemove", &x, &y, "click", "1"]);
        assert!(pressed.status.success(), "xdotool failed: {pressed:?}");
        format!("chose entry {index} ({action_key}) in the drop-down and pressed OK at {x},{y}")
    }

    /// Opens swaync's control centre (`swaync-client --open-panel`) and presses, on a
    /// virtual keyboard (wtype), Home (the latest notification) and the number of
    /// `action_key` among its actions, as a person would; again while nothing came of it
    /// (the panel was still opening).
    fn press_in_control_centre(
        &self,
        action_key: &str,
        invoked: &Signal,
        deadline: Instant,
    ) -> String {
        let notify = self
            .notifications()
            .into_iter()
            .rev()
            .find(|n| n.actions.iter().any(|(key, _)| key == action_key))
            .expect("a notification to answer");
        let number = notify
            .actions
            .iter()
            .filter(|(key, _)| key != "default")
            .position(|(key, _)| key == action_key)
            .expect("the action")
            + 1;
        assert!(number <= 9, "swaync's keys reach the first nine actions");
        let before = self.count(invoked);
        let number = number.to_string();
        let done = poll_until(deadline, Duration::from_millis(100), || {
            let mut open = self.as_nobody("swaync-client");
            let opened = open.args(["--open-panel", "--skip-wait"]).output();
            assert!(matches!(&opened, Ok(o) if o.status.success()), "{opened:?}");
            let mut keys = self.as_nobody("wtype");
            let typed = keys.args(["-k", "Home", "-s", "200", &number]).output();
            assert!(matches!(&typed, Ok(o) if o.status.success()), "{typed:?}");
            poll_until(Instant::now() + Duration::from_secs(1), POLL, || {
                (self.count(invoked) > before).then_some(())
            })
        });
        assert!(
            done.is_some(),
            "pressed {number} in swaync's control centre: nothing came"
        );
        format!("pressed Home, {number} in swaync's control centre")
    }

    /// Clicks the button of `action_key` on the newest notification window; says how.
    fn click_button(&self, action_key: &str, deadline: Instant) -> String {
        let notify = self
            .notifications()
            .into_iter()
            .rev()
            .find(|n| n.actions.iter().any(|(key, _)| key == action_key))
            .expect("a notification to click");
        // The default action is the body, not a button (xfce4-notifyd draws it last).
        let index = notify
            .actions
            .iter()
            .filter(|(key, _)| key != "default")
            .position(|(key, _)| key == action_key)
            .unwrap_or_else(|| panic!("no action {action_key} in {notify:#?}"));
        let found = poll_until(deadline, POLL, || {
            let window = self.without_stripe(*self.notification_windows().last()?);
            let (y, xs) = buttons(&self.grab(window), window.width, window.height)?;
            let x = *xs.get(index)?;
            Some((window, x, y, xs.len()))
        });
        let Some((window, x, y, n)) = found else {
            panic!(
                "no button {index} ({action_key}) found on a notification window; windows: {:?}",
                self.notification_windows()
            )
        };
        let (x, y) = (window.x + x as i32, window.y + y as i32);
        let moved = self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
        assert!(moved.status.success(), "xdotool failed: {moved:?}");
        format!("clicked button {index} of {n} ({action_key}) at {x},{y} in {window:?}")
    }

    /// The part of a notification window where its buttons may be: all of it, but on
    /// mate-notification-daemon, whose theme (nodoka) draws a stripe down the left edge
    /// that darkens towards the bottom, what lies right of the stripe (else the stripe
    /// would be the lowest band of dark pixels).
    fn without_stripe(&self, window: Window) -> Window {
        const STRIPE: u32 = 40;
        if self.kind != Server::Mate || window.width <= 2 * STRIPE {
            return window;
        }
        Window {
            x: window.x + STRIPE as i32,
            width: window.width - STRIPE,
            ..window
        }
    }

    /// The visible top-level windows a notification server could have drawn (not the root,
    /// not 1x1 helpers), oldest first.
    fn notification_windows(&self) -> Vec<Window> {
        let out = self.xdotool(&["search", "--onlyvisible", "--name", ""]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|id| id.trim().parse().ok())
            .filter_map(|id| self.geometry(id))
            .filter(|w| w.width > 16 && w.height > 16 && w.width < 1280)
            .collect()
    }

    fn geometry(&self, id: u64) -> Option<Window> {
        let out = self.xdotool(&["getwindowgeometry", "--shell", &id.to_string()]);
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        Some(Window {
            id,
            x: field("X")?.try_into().ok()?,
            y: field("Y")?.try_into().ok()?,
            width: field("WIDTH")?.try_into().ok()?,
            height: field("HEIGHT")?.try_into().ok()?,
        })
    }

    /// A screenshot of `window`'s area, 8-bit grey, row by row.
    fn grab(&self, window: Window) -> Vec<u8> {
        let crop = format!(
            "{}x{}+{}+{}",
            window.width, window.height, window.x, window.y
        );
        let out = Command::new("import")
            .args(["-window", "root", "-crop", &crop, "+repage"])
            .args(["-colorspace", "gray", "-depth", "8", "gray:-"])
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run import: {e} (bash scripts/test.sh installs it)")
            });
        out.stdout
    }

    fn xdotool(&self, args: &[&str]) -> Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run xdotool: {e} (bash scripts/test.sh installs it)")
            })
    }

    /// A command that runs `program` as nobody on the headless sway, like a desktop session.
    fn as_nobody(&self, program: &str) -> Command {
        let path = std::env::var("PATH").unwrap_or_default();
        let mut command = as_nobody(&path, &self.file("run"), &self.bus_address);
        command
            .args(["WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1"])
            .arg("WLR_RENDERER=pixman");
        if let Some(wayland) = &self.wayland {
            command.arg(format!("WAYLAND_DISPLAY={wayland}"));
        }
        command.arg(program);
        command
    }

    /// Starts sway headless as nobody (it refuses root), with its own runtime dir; waits
    /// for its Wayland socket.
    fn start_sway(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let run = self.file("run");
        fs::create_dir(&run).expect("cannot create sway's runtime dir");
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700)).expect("chmod run");
        std::os::unix::fs::chown(&run, Some(NOBODY), Some(NOBODY)).expect("chown run");
        self.write(
            "sway.conf",
            "output HEADLESS-1 resolution 1280x800\nseat seat0 fallback true\n",
        );
        let mut command = self.as_nobody("sway");
        command.arg("-c").arg(self.file("sway.conf"));
        let mut sway = Process::spawn(
            "sway",
            command
                .stdout(append_log(self.dir.path(), "sway.log"))
                .stderr(append_log(self.dir.path(), "sway.log")),
        );
        let socket = poll_until(deadline(START_TIMEOUT), POLL, || {
            if sway.has_exited() {
                return Some(None);
            }
            fs::read_dir(&run)
                .ok()?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))
                .map(Some)
        })
        .flatten();
        let Some(socket) = socket else {
            panic!("sway did not start; its log:\n{}", self.log("sway.log"))
        };
        self.wayland = Some(socket);
        self.sway = Some(sway);
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

    /// The id of the most recent notification that offers `action_key`, waiting for its reply.
    fn latest_notification_id(&self, action_key: &str, deadline: Instant) -> u32 {
        // What each notification shows now: the last Notify for its id (one that replaced
        // it in place has the same id); of those not closed since that id was given out
        // (xfce4-notifyd closes a step at a click, then shows its question under the same
        // id), the newest offering it.
        let offering = || {
            let mut shown: Vec<Notify> = Vec::new();
            for n in self.notifications() {
                shown.retain(|s| s.id != n.id && s.id != Some(n.replaces_id));
                shown.push(n);
            }
            shown.into_iter().rev().find(|n| {
                n.actions.iter().any(|(key, _)| key == action_key)
                    && n.id.is_some_and(|id| !self.is_closed_since_given(id))
            })
        };
        poll_until(deadline, POLL, || offering()?.id).unwrap_or_else(|| {
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
    /// What it is, for a failure's message (`{:?}`).
    #[allow(dead_code)]
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
    use std::os::unix::fs::PermissionsExt;
    // mako and sway run as nobody: they must reach the bus socket in here.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod the desktop dir");
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
    <allow user="*"/>
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
    let [app, replaces, icon, summary, body, actions, hints, timeout] =
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
        app_icon: string(icon)?,
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

/// Where the buttons are in a grey screenshot of a notification (`width` x `height`): the
/// middle row of the lowest band of dark (text) pixels, and the middle of each cluster of
/// dark columns in that band, left to right; None when there is no such band.
fn buttons(grey: &[u8], width: u32, height: u32) -> Option<(u32, Vec<u32>)> {
    // Margins keep out the window's edges and shadow; gaps between words are narrower
    // than gaps between buttons.
    const MARGIN: u32 = 12;
    const DARK: u8 = 100;
    const GAP: u32 = 12;
    let (w, h) = (width as usize, height as usize);
    if grey.len() < w * h || width <= 2 * MARGIN || height <= 2 * MARGIN {
        return None;
    }
    let dark = |x: u32, y: u32| grey[y as usize * w + x as usize] < DARK;
    let columns = MARGIN..width - MARGIN;
    let row_dark = |y: u32| columns.clone().any(|x| dark(x, y));
    let bottom = (MARGIN..height - MARGIN).rev().find(|&y| row_dark(y))?;
    // A band may have a light row or two in it (a descender below a baseline).
    let mut top = bottom;
    while top > MARGIN && (top.saturating_sub(3).max(MARGIN)..top).any(row_dark) {
        top -= 1;
    }
    let centers = cluster_centres(columns.clone(), GAP, |x| (top..=bottom).any(|y| dark(x, y)));
    Some(((top + bottom) / 2, centers))
}

/// The middle of each run of `columns` where `inked` holds, runs at most `gap` apart taken
/// as one: where the buttons of a row are, left to right.
pub fn cluster_centres(
    columns: impl Iterator<Item = u32>,
    gap: u32,
    inked: impl Fn(u32) -> bool,
) -> Vec<u32> {
    let mut centres = Vec::new();
    let mut cluster: Option<(u32, u32)> = None;
    for x in columns.filter(|&x| inked(x)) {
        cluster = match cluster {
            Some((start, end)) if x - end <= gap => Some((start, x)),
            Some((start, end)) => {
                centres.push((start + end) / 2);
                Some((x, x))
            }
            None => Some((x, x)),
        };
    }
    centres.extend(cluster.map(|(start, end)| (start + end) / 2));
    centres
}

/// `setpriv` with `env -i`: what the caller adds (more variables, then the program) runs as
/// nobody, with nothing of the test's environment but `path`, the runtime dir `run` and
/// the session bus at `bus`.
pub fn as_nobody(path: &str, run: &Path, bus: &str) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args([
            "--reuid",
            &NOBODY.to_string(),
            "--regid",
            &NOBODY.to_string(),
        ])
        .args(["--clear-groups", "env", "-i"])
        .arg(format!("PATH={path}"))
        .arg(format!("XDG_RUNTIME_DIR={}", run.display()))
        .arg(format!("DBUS_SESSION_BUS_ADDRESS={bus}"));
    command
}

/// Calls `f` every `step` until it returns Some or `deadline` passes.
pub fn poll_until<T>(
    deadline: Instant,
    step: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> Option<T> {
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
