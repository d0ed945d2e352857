//! GNOME Shell for the tests, headless: `gnome-shell --headless --wayland --no-x11
//! --virtual-monitor 1280x800` as an unprivileged user (nobody), on the private session bus
//! of a [`Desktop`] (whose monitor records every Notify call and signal), with a second
//! private bus as its system bus, its own home and XDG_RUNTIME_DIR; and GNOME's notification
//! server, `org.gnome.Shell.Notifications`, which D-Bus would start on demand and a bus
//! without service files never does, started beside it.
//!
//! It is answered as a person answers it: the pointer moved onto the notification's banner
//! (GNOME draws a banner's buttons only while the pointer is on it), the buttons found in a
//! screenshot (org.gnome.Shell.Screenshot), and a click on one, all through `gnome.js`
//! (gjs, which gnome-shell depends on) and mutter's RemoteDesktop API.
//!
//! Only `bash scripts/test-gnome.sh` runs the tests that use it: gnome-shell is some 600
//! packages, which `scripts/test.sh` does not install. With `CLOSER_GNOME_PICTURES=DIR`
//! every screenshot a test looked at is kept in DIR, to see what it saw.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::desktop::{Desktop, NOBODY, Notify, Server, Signal, as_nobody, poll_until};

const START_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);
const HELPER: &str = include_str!("gnome.js");
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// A private GNOME Shell with its notification server; stopped on drop.
#[derive(Debug)]
pub struct Gnome {
    // Dropped in this order: the notification server and the shell before the buses.
    #[allow(dead_code)]
    notifications: Guard,
    #[allow(dead_code)]
    shell: Guard,
    #[allow(dead_code)]
    system_bus: Guard,
    desktop: Desktop,
    system_bus_address: String,
    dir: TempDir,
    shots: std::cell::Cell<u32>,
}

/// A banner on screen: where it is, and whether it is expanded (its buttons drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banner {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub expanded: bool,
}

/// A screenshot, 8-bit grey, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub grey: Vec<u8>,
}

impl Gnome {
    /// Starts the buses, the shell and its notification server; returns once the server
    /// owns `org.freedesktop.Notifications`.
    pub fn start() -> Gnome {
        let desktop = Desktop::start_without(Server::Dunst);
        let dir = tempfile::Builder::new()
            .prefix("closer-gnome-")
            .tempdir()
            .expect("cannot create a temporary directory for GNOME");
        let root = dir.path();
        for sub in [
            "home/.local/share/gnome-shell",
            "home/.config/glib-2.0/settings",
            "run",
        ] {
            fs::create_dir_all(root.join(sub)).expect("cannot create GNOME's directories");
        }
        // The warning that the screen cannot lock without GDM is shown once per home.
        fs::write(
            root.join("home/.local/share/gnome-shell/lock-warning-shown"),
            "",
        )
        .expect("cannot write GNOME's settings");
        // Settings from a key file (no dconf service here): no animations.
        fs::write(
            root.join("home/.config/glib-2.0/settings/keyfile"),
            "[org/gnome/desktop/interface]\nenable-animations=false\n",
        )
        .expect("cannot write GNOME's settings");
        fs::write(root.join("gnome.js"), HELPER).expect("cannot write gnome.js");
        fs::write(root.join("system-bus.conf"), bus_config(root)).expect("cannot write a config");
        let chown = Command::new("chown")
            .args(["-R", &format!("{NOBODY}:{NOBODY}")])
            .arg(root)
            .status();
        assert!(
            matches!(chown, Ok(s) if s.success()),
            "cannot chown {root:?}"
        );
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::set_permissions(root.join("run"), fs::Permissions::from_mode(0o700)).expect("chmod");

        let (system_bus, system_bus_address) = start_system_bus(root);
        let mut gnome = Gnome {
            notifications: Guard::none(),
            shell: Guard::none(),
            system_bus,
            desktop,
            system_bus_address,
            dir,
            shots: std::cell::Cell::new(0),
        };
        let mut shell = gnome.as_nobody("gnome-shell");
        shell.args(["--headless", "--wayland", "--no-x11"]);
        shell.args(["--virtual-monitor", &format!("{WIDTH}x{HEIGHT}")]);
        gnome.shell = Guard::spawn(&mut shell, &gnome.file("gnome-shell.log"));
        gnome.wait_for_name("org.gnome.Shell.Screenshot", "gnome-shell.log");
        let mut notifications = gnome.as_nobody("gjs");
        notifications.arg("/usr/share/gnome-shell/org.gnome.Shell.Notifications");
        gnome.notifications = Guard::spawn(&mut notifications, &gnome.file("notifications.log"));
        gnome.wait_for_name("org.freedesktop.Notifications", "notifications.log");
        gnome
    }

    /// The desktop: its bus, what was sent on it, the environment for closer.
    pub fn desktop(&self) -> &Desktop {
        &self.desktop
    }

    /// The Notify calls closer made, oldest first, each once: GNOME's notification server
    /// passes each on to the shell, on the same bus, with the caller's pid added as the
    /// hint `sender-pid`.
    pub fn notifications(&self) -> Vec<Notify> {
        let calls = self.desktop.notifications().into_iter();
        calls
            .filter(|n| n.hints.get("sender-pid").is_none())
            .collect()
    }

    /// Waits (at most `timeout`) until closer made `n` Notify calls, each answered.
    pub fn wait_for_notifications(&self, n: usize, timeout: Duration) -> Vec<Notify> {
        poll_until(Instant::now() + timeout, POLL, || {
            let sent = self.notifications();
            (sent.len() >= n && sent.iter().all(|n| n.id.is_some())).then_some(sent)
        })
        .unwrap_or_else(|| panic!("not {n} notifications: {:#?}", self.notifications()))
    }

    /// The upstream version of the installed gnome-shell package.
    pub fn version() -> String {
        let out = Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", "gnome-shell"])
            .output()
            .expect("dpkg-query runs");
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        version.split('-').next().unwrap_or_default().to_owned()
    }

    /// A screenshot of the whole screen, grey.
    pub fn picture(&self) -> Picture {
        let n = self.shots.get() + 1;
        self.shots.set(n);
        let path = self.file(&format!("home/shot-{n}.png"));
        self.helper(&["picture", &path.display().to_string()]);
        if let Ok(keep) = std::env::var("CLOSER_GNOME_PICTURES") {
            let _ = fs::copy(&path, Path::new(&keep).join(format!("shot-{n}.png")));
        }
        let out = Command::new("convert")
            .arg(format!("png:{}", path.display()))
            .args(["-colorspace", "gray", "-depth", "8", "gray:-"])
            .output()
            .expect("ImageMagick's convert runs");
        assert_eq!(
            out.stdout.len(),
            (WIDTH * HEIGHT) as usize,
            "not a {WIDTH}x{HEIGHT} picture: {path:?}"
        );
        Picture { grey: out.stdout }
    }

    /// Moves the pointer to `x`,`y`.
    pub fn move_pointer(&self, x: u32, y: u32) {
        self.helper(&["move", &x.to_string(), &y.to_string()]);
    }

    /// Chooses `action_key` on the newest notification offering it, as a person would on
    /// GNOME: the pointer away, then onto its banner, so that GNOME draws its buttons; the
    /// button found in a screenshot (the action's place among those GNOME draws: the first
    /// three that are not the default action) and clicked; again while nothing came of it.
    /// Waits until the server sent `ActionInvoked` for it.
    pub fn click(&self, action_key: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let desktop = &self.desktop;
        let notify = poll_until(deadline, POLL, || {
            let offering = self
                .notifications()
                .into_iter()
                .rev()
                .find(|n| n.actions.iter().any(|(key, _)| key == action_key))?;
            offering.id.map(|_| offering)
        })
        .unwrap_or_else(|| {
            panic!(
                "nothing offers {action_key}: {:#?}",
                desktop.notifications()
            )
        });
        let buttons: Vec<&str> = notify
            .actions
            .iter()
            .map(|(key, _)| key.as_str())
            .filter(|key| *key != "default")
            .take(3)
            .collect();
        let index = buttons
            .iter()
            .position(|key| *key == action_key)
            .unwrap_or_else(|| panic!("GNOME draws no button for {action_key}: {buttons:?}"));
        let invoked = Signal::ActionInvoked {
            id: notify.id.unwrap(),
            key: action_key.to_owned(),
        };
        let mut tried = Vec::new();
        let done = poll_until(deadline, POLL, || {
            if desktop.signals().contains(&invoked) {
                return Some(());
            }
            let Some(banner) = self.banner(&self.picture()) else {
                tried.push("no banner".to_owned());
                return None;
            };
            if !banner.expanded {
                tried.push(format!("{banner:?}"));
                // Away (into a corner), then onto it: GNOME expands a banner the pointer
                // comes onto, not one that appeared under it.
                self.move_pointer(banner.x + banner.width / 2, banner.y + banner.height / 2);
                return None;
            }
            let picture = self.picture();
            let (y, xs) = labels(&picture, self.banner(&picture)?)?;
            tried.push(format!("{} buttons at y {y}: {xs:?}", xs.len()));
            if xs.len() != buttons.len() {
                return None;
            }
            self.helper(&["click", &xs[index].to_string(), &y.to_string()]);
            poll_until(Instant::now() + Duration::from_secs(2), POLL, || {
                desktop.signals().contains(&invoked).then_some(())
            })
        });
        assert!(
            done.is_some(),
            "no {invoked:?} within {timeout:?}; tried {tried:?}; signals {:?}",
            desktop.signals()
        );
    }

    /// Waits (at most `timeout`) until a banner is drawn, or, if `shown` is false, none.
    pub fn wait_for_banner(&self, shown: bool, timeout: Duration) {
        let seen = poll_until(Instant::now() + timeout, POLL, || {
            (self.banner(&self.picture()).is_some() == shown).then_some(())
        });
        assert!(
            seen.is_some(),
            "a banner drawn is not {shown} after {timeout:?}"
        );
    }

    /// Clicks notification `id` in GNOME's message list, as a person would: a click on the
    /// clock opens the list, and one on its newest entry (found in a screenshot: the box
    /// at the list's top, lighter than the list) activates it. Waits until the server sent
    /// `ActionInvoked` for its default action, then closes the list with another click on
    /// the clock (GNOME holds banners back while it is open).
    pub fn click_in_message_list(&self, id: u32, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let invoked = Signal::ActionInvoked {
            id,
            key: "default".to_owned(),
        };
        let done = poll_until(deadline, POLL, || {
            if self.desktop.signals().contains(&invoked) {
                return Some(());
            }
            if !list_open(&self.picture()) {
                self.helper(&["click", &(WIDTH / 2).to_string(), "15"]);
            }
            let entry = entry(&self.picture())?;
            let (x, y) = (entry.x + entry.width / 2, entry.y + entry.height / 2);
            self.helper(&["click", &x.to_string(), &y.to_string()]);
            poll_until(Instant::now() + Duration::from_secs(2), POLL, || {
                self.desktop.signals().contains(&invoked).then_some(())
            })
        });
        assert!(
            done.is_some(),
            "no {invoked:?} within {timeout:?}; signals {:?}",
            self.desktop.signals()
        );
        let closed = poll_until(deadline, POLL, || {
            if !list_open(&self.picture()) {
                return Some(());
            }
            self.helper(&["click", &(WIDTH / 2).to_string(), "15"]);
            None
        });
        assert!(closed.is_some(), "the message list stays open");
    }

    /// Whether notification `id` is on screen: never closed, and a banner is there.
    pub fn is_shown(&self, id: u32) -> bool {
        let closed = self
            .desktop
            .signals()
            .iter()
            .any(|s| matches!(s, Signal::Closed { id: i, .. } if *i == id));
        !closed && self.banner(&self.picture()).is_some()
    }

    /// The notification banner at the top of the screen, if one is drawn: the rows from
    /// the top bar down that are mostly the banner's grey.
    pub fn banner(&self, picture: &Picture) -> Option<Banner> {
        let grey = &picture.grey;
        let at = |x: u32, y: u32| grey[(y * WIDTH + x) as usize];
        let banner_grey = |x: u32, y: u32| (60..=100).contains(&at(x, y));
        let is_banner_row =
            |y: u32| (200..WIDTH - 200).filter(|&x| banner_grey(x, y)).count() > 420;
        // Its first row has no text; below, every row of it is no darker than its grey
        // (text, buttons and their outlines are lighter), unlike what is around it.
        let top = (32..400).find(|&y| is_banner_row(y))?;
        let left = (0..WIDTH).find(|&x| banner_grey(x, top + 2))?;
        let right = (0..WIDTH).rev().find(|&x| banner_grey(x, top + 2))?;
        let inner = left + 8..right - 8;
        let inside = |y: u32| {
            let lit = inner.clone().filter(|&x| at(x, y) >= 60).count();
            lit * 10 >= inner.len() * 9
        };
        let bottom = (top..HEIGHT).find(|&y| !inside(y))? - 1;
        // An expanded banner ends in a row of buttons, lighter than the banner's grey.
        let row = bottom - 6;
        let xs = left + 20..right - 20;
        let mean = xs.clone().map(|x| u32::from(at(x, row))).sum::<u32>() / xs.len() as u32;
        Some(Banner {
            x: left,
            y: top,
            width: right - left + 1,
            height: bottom - top + 1,
            expanded: mean >= 77,
        })
    }

    /// Runs gnome.js as nobody with `args`.
    fn helper(&self, args: &[&str]) {
        let out = self
            .as_nobody("gjs")
            .arg(self.file("gnome.js"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("gjs runs");
        assert!(out.status.success(), "gnome.js {args:?}: {out:?}");
    }

    /// `program` as nobody in the shell's session: nothing of the test's environment.
    fn as_nobody(&self, program: &str) -> Command {
        let bus = self.desktop.bus_address();
        let mut command = as_nobody("/usr/bin:/bin", &self.file("run"), bus);
        command
            .arg(format!("HOME={}", self.file("home").display()))
            .arg(format!(
                "DBUS_SYSTEM_BUS_ADDRESS={}",
                self.system_bus_address
            ))
            .arg("GSETTINGS_BACKEND=keyfile")
            .arg(program)
            .current_dir(self.dir.path());
        command
    }

    /// Waits until `name` is owned on the session bus; panics with `log` if it is not.
    fn wait_for_name(&self, name: &str, log: &str) {
        self.desktop
            .wait_for_name(name, &self.file(log), START_TIMEOUT);
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Whether the message list (with the calendar beside it) is open: its empty space below
/// the newest entry, a row of the list's own grey.
fn list_open(picture: &Picture) -> bool {
    let row = 300 * WIDTH as usize;
    let list = &picture.grey[row + 300..row + 690];
    list.iter().filter(|&&p| (44..=50).contains(&p)).count() > 350
}

/// The newest entry of the open message list: the first box, from the top, of its
/// entries' grey (lighter than the list's own), as wide as a list entry.
fn entry(picture: &Picture) -> Option<Banner> {
    let at = |x: u32, y: u32| picture.grey[(y * WIDTH + x) as usize];
    let entry_grey = |x: u32, y: u32| (58..=68).contains(&at(x, y));
    // Wider than the overview's search entry, which is near that grey.
    let is_entry_row = |y: u32| (200..WIDTH - 200).filter(|&x| entry_grey(x, y)).count() > 380;
    let top = (40..400).find(|&y| is_entry_row(y))?;
    let left = (200..WIDTH - 200).find(|&x| entry_grey(x, top + 2))?;
    let right = (200..WIDTH - 200).rev().find(|&x| entry_grey(x, top + 2))?;
    // Below its rounded corners, its sides are its grey down to its last row.
    let side = |y: u32| entry_grey(left + 6, y) && entry_grey(right - 6, y);
    let bottom = (top + 12..HEIGHT).find(|&y| !side(y))? - 1;
    Some(Banner {
        x: left,
        y: top,
        width: right - left + 1,
        height: bottom - top + 1,
        expanded: false,
    })
}

/// Where the button labels are in `banner`: the middle row of its lowest band of light
/// (text) pixels, and the middle of each cluster of light columns in that band, left to
/// right. Gaps between words are narrower than gaps between buttons.
fn labels(picture: &Picture, banner: Banner) -> Option<(u32, Vec<u32>)> {
    const MARGIN: u32 = 6;
    const LIGHT: u8 = 150;
    const GAP: u32 = 14;
    let light = |x: u32, y: u32| picture.grey[(y * WIDTH + x) as usize] >= LIGHT;
    let columns = banner.x + MARGIN..banner.x + banner.width - MARGIN;
    let row_light = |y: u32| columns.clone().any(|x| light(x, y));
    let rows = banner.y + MARGIN..banner.y + banner.height - MARGIN;
    let bottom = rows.clone().rev().find(|&y| row_light(y))?;
    let mut top = bottom;
    while top > rows.start && (top.saturating_sub(3).max(rows.start)..top).any(row_light) {
        top -= 1;
    }
    let centres =
        super::desktop::cluster_centres(columns, GAP, |x| (top..=bottom).any(|y| light(x, y)));
    Some(((top + bottom) / 2, centres))
}

/// A bus config like the session bus's: listens in `dir`, no service files, allows all.
fn bus_config(dir: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
"#,
        dir.display()
    )
}

/// dbus-daemon with `dir/system-bus.conf`; it and its address.
fn start_system_bus(dir: &Path) -> (Guard, String) {
    let mut child = Command::new("dbus-daemon")
        .arg(format!(
            "--config-file={}",
            dir.join("system-bus.conf").display()
        ))
        .args(["--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon runs");
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    thread::spawn(move || {
        use std::io::BufRead;
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(line.trim().to_owned());
    });
    let address = receive
        .recv_timeout(START_TIMEOUT)
        .ok()
        .filter(|a| !a.is_empty())
        .expect("the system bus printed no address");
    (Guard(Some(child)), address)
}

/// A child stopped (SIGTERM, then SIGKILL) on drop.
#[derive(Debug)]
pub(super) struct Guard(Option<Child>);

impl Guard {
    pub(super) fn none() -> Guard {
        Guard(None)
    }

    pub(super) fn spawn(command: &mut Command, log: &Path) -> Guard {
        let file = || fs::File::create(log).expect("cannot create a log");
        let out = file();
        let err = out.try_clone().expect("cannot share a log");
        let child = command
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Guard(Some(child))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(child) = self.0.as_mut() else { return };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let gone = poll_until(Instant::now() + Duration::from_secs(3), POLL, || {
            matches!(child.try_wait(), Ok(Some(_))).then_some(())
        });
        if gone.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
