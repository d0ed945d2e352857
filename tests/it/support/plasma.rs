//! KDE Plasma's notification server for the tests: `plasmashell` (Plasma 5.27) on the X11
//! display (Xvfb) and private session bus of a [`Desktop`], as an unprivileged user (nobody)
//! with its own home and XDG_RUNTIME_DIR, beside `kactivitymanagerd`, without which
//! plasmashell loads no shell. Plasma's notifications are X11 windows there, so they are
//! answered as on xfce4-notifyd: a click (xdotool) on the button found in a screenshot.
//!
//! Under `kwin_wayland --virtual` plasmashell runs too, but nothing there can move a
//! pointer for a test (KWin has no D-Bus input API like mutter's), so the tests use X11.
//! Only `bash scripts/test-kde.sh` runs the tests that use it: plasma-desktop is some 500
//! packages, which `scripts/test.sh` does not install.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use super::desktop::{Desktop, NOBODY, Server, as_nobody};
use super::gnome::Guard;

const START_TIMEOUT: Duration = Duration::from_secs(60);
const ACTIVITY_MANAGER: &str = "/usr/lib/x86_64-linux-gnu/libexec/kactivitymanagerd";

/// A private plasmashell; stopped on drop.
#[derive(Debug)]
pub struct Plasma {
    // Dropped in this order: plasmashell, then what it needs.
    #[allow(dead_code)]
    plasmashell: Guard,
    #[allow(dead_code)]
    activities: Guard,
    desktop: Desktop,
    dir: TempDir,
}

impl Plasma {
    /// Starts the activity manager and plasmashell; returns once plasmashell owns
    /// `org.freedesktop.Notifications`.
    pub fn start() -> Plasma {
        // Its notifications are X11 windows with buttons: clicked as on xfce4-notifyd.
        let desktop = Desktop::start_without(Server::Xfce);
        let dir = tempfile::Builder::new()
            .prefix("closer-plasma-")
            .tempdir()
            .expect("cannot create a temporary directory for Plasma");
        let root = dir.path();
        for sub in ["home", "run"] {
            fs::create_dir_all(root.join(sub)).expect("cannot create Plasma's directories");
        }
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
        let mut plasma = Plasma {
            plasmashell: Guard::none(),
            activities: Guard::none(),
            desktop,
            dir,
        };
        plasma.activities = Guard::spawn(
            &mut plasma.as_nobody(ACTIVITY_MANAGER),
            &plasma.file("kactivitymanagerd.log"),
        );
        plasma.wait_for_name("org.kde.ActivityManager", "kactivitymanagerd.log");
        plasma.plasmashell = Guard::spawn(
            &mut plasma.as_nobody("plasmashell"),
            &plasma.file("plasmashell.log"),
        );
        plasma.wait_for_name("org.freedesktop.Notifications", "plasmashell.log");
        plasma
    }

    /// The desktop: its bus, its display, what was sent, the environment for closer.
    pub fn desktop(&self) -> &Desktop {
        &self.desktop
    }

    /// The upstream version of the installed plasma-workspace package.
    pub fn version() -> String {
        let out = Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", "plasma-workspace"])
            .output()
            .expect("dpkg-query runs");
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let version = version.split_once(':').map_or(version.as_str(), |(_, v)| v);
        version.split('-').next().unwrap_or_default().to_owned()
    }

    /// `program` as nobody in a Plasma session on the desktop's display and bus.
    fn as_nobody(&self, program: &str) -> Command {
        let display = self
            .desktop
            .env()
            .into_iter()
            .find(|(name, _)| name == "DISPLAY")
            .map(|(_, value)| value)
            .expect("the desktop's DISPLAY");
        let bus = self.desktop.bus_address();
        let mut command = as_nobody("/usr/bin:/bin", &self.file("run"), bus);
        command
            .arg(format!("HOME={}", self.file("home").display()))
            .arg(format!("DISPLAY={display}"))
            .args([
                "QT_QPA_PLATFORM=xcb",
                "XDG_SESSION_TYPE=x11",
                "XDG_CURRENT_DESKTOP=KDE",
            ])
            .args(["KDE_FULL_SESSION=true", "KDE_SESSION_VERSION=5"])
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
