//! A private home for running the real `closer` binary: a temp dir with its own XDG
//! directories and config file, and helpers to run commands or the daemon in it, answer
//! from the terminal, and read or date what its journal holds.

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::desktop::{Desktop, poll_until};

const POLL: Duration = Duration::from_millis(50);

/// One ladder and one step rule, as often as asked, in UTC: every step comes from the
/// emotional ladder.
pub const ONE_LADDER: &str = "timezone = \"UTC\"\n[content]\nladders = [\"emotional\"]\n\
    [limits]\nquiet_hours = \"off\"\nmin_gap = \"0\"\nmax_per_day = 100\n\
    [[schedule]]\nname = \"step\"\nsend = \"step\"\nat = \"09:00\"\n";

/// `run`, which must have succeeded.
pub fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{run:?}");
    run
}

/// `run`, which must have been refused (exit 1) saying `needle`.
pub fn refused(run: Run, needle: &str) -> Run {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains(needle), "no {needle:?} in {run:?}");
    run
}

/// A moment `hours` ago, as `--at` takes it.
pub fn ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::TimeDelta::hours(hours)).to_rfc3339()
}

/// A temp home with a config file.
#[derive(Debug)]
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    /// A home whose config file holds `config`.
    pub fn with_config(config: &str) -> Home {
        let home = Home::empty();
        home.write("config/closer/config.toml", config);
        home
    }

    /// A home with no config file at all.
    pub fn empty() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn config_path(&self) -> PathBuf {
        self.path("config/closer/config.toml")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// `closer ARGS` in this home, without a session bus.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_closer"));
        let root = self.dir.path();
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_RUNTIME_DIR", root.join("run"))
            .env("TZ", "UTC")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", root.join("no-bus").display()),
            )
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `closer ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd(args).output().expect("closer runs");
        Run::from(out)
    }

    /// `closer ARGS`, which must succeed, its output read as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        let run = ok(self.run(args));
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
    }

    /// `closer KIND [--distress D] --at AT` (KIND: done, hard or skip), for the latest
    /// step or, with `step`, that one; it must succeed.
    pub fn answer(&self, kind: &str, step: Option<&str>, distress: Option<u8>, at: &str) -> Run {
        let distress = distress.map(|d| d.to_string());
        let mut args = vec![kind];
        args.extend(step);
        args.extend(["--at", at]);
        if let Some(d) = &distress {
            args.extend(["--distress", d]);
        }
        ok(self.run(&args))
    }

    /// The journal's file.
    pub fn journal_path(&self) -> PathBuf {
        self.path("data/closer/journal.sqlite3")
    }

    /// Dates sent prompt `id` (the latest when None) at `at` (RFC 3339, UTC, as the
    /// journal keeps it), as if the daemon had sent it then: an answer cannot be dated
    /// before its prompt was sent.
    pub fn date_sent(&self, id: Option<i64>, at: &str) {
        let db = rusqlite::Connection::open(self.journal_path()).unwrap();
        let changed = db
            .execute(
                "UPDATE sent SET at = ?1, due = ?1 \
                 WHERE id = coalesce(?2, (SELECT max(id) FROM sent))",
                (at, id),
            )
            .unwrap();
        assert_eq!(changed, 1);
    }

    /// Dates the latest sent prompt `hours` ago (see `date_sent`).
    pub fn sent_ago(&self, hours: i64) {
        let at = (chrono::Utc::now() - chrono::TimeDelta::hours(hours))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.date_sent(None, &at);
    }

    /// The latest sent prompt's number.
    pub fn latest_sent(&self) -> i64 {
        rusqlite::Connection::open(self.journal_path())
            .unwrap()
            .query_row("SELECT max(id) FROM sent", [], |r| r.get(0))
            .unwrap()
    }

    /// Starts `closer run` against `desktop` (or no bus), its stderr going to a file.
    pub fn daemon(&self, desktop: Option<&Desktop>) -> Daemon {
        let env = desktop.map(|d| d.env()).unwrap_or_default();
        self.daemon_with_env(&env)
    }

    /// Starts `closer ARGS` (a daemon), reads its stderr until it says it is running (or
    /// it ends), stops it, and returns what it said; panics with it after 30 s.
    pub fn run_until_running(&self, args: &[&str]) -> String {
        let log = self.path("started.log");
        let mut child = self
            .cmd(args)
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("closer starts");
        let said = || fs::read_to_string(&log).unwrap_or_default();
        let text = poll_until(Instant::now() + Duration::from_secs(30), POLL, || {
            let ended = child.try_wait().unwrap().is_some();
            Some(said()).filter(|text| text.contains("closer is running") || ended)
        })
        .unwrap_or_else(|| panic!("closer {args:?} did not say it runs:\n{}", said()));
        let _ = child.kill();
        let _ = child.wait();
        text
    }

    /// `closer run --verbose` with these variables added to its environment.
    pub fn daemon_with_env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&self, env: &[(K, V)]) -> Daemon {
        let mut cmd = self.cmd(&["run", "--verbose"]);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        // A log of its own: a second daemon in this home must not write over the first's.
        let log = (1..)
            .map(|n| match n {
                1 => self.path("daemon.log"),
                n => self.path(&format!("daemon-{n}.log")),
            })
            .find(|p| !p.exists())
            .unwrap();
        let child = cmd
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("closer run starts");
        Daemon { child, log }
    }
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A running `closer run`, killed on drop.
#[derive(Debug)]
pub struct Daemon {
    pub child: Child,
    log: PathBuf,
}

impl Daemon {
    /// What it logged so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Waits until the log has a line containing `needle` `n` times; panics with the log.
    pub fn wait_for_log(&self, needle: &str, n: usize, timeout: Duration) -> String {
        let log = || Some(self.log()).filter(|log| log.matches(needle).count() >= n);
        poll_until(Instant::now() + timeout, POLL, log).unwrap_or_else(|| {
            panic!(
                "no {n}× {needle:?} in the daemon's log after {timeout:?}:\n{}",
                self.log()
            )
        })
    }

    /// Sends a signal by name (TERM, HUP, …).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Waits for it to exit; panics if that takes longer than `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> i32 {
        let exited = || {
            self.child
                .try_wait()
                .unwrap()
                .map(|s| s.code().unwrap_or(-1))
        };
        poll_until(Instant::now() + timeout, POLL, exited).unwrap_or_else(|| {
            panic!(
                "closer run did not exit within {timeout:?}:\n{}",
                self.log()
            )
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of every shipped content pack, to check that what was sent came from them.
pub fn shipped_content() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap() {
        text += &fs::read_to_string(entry.unwrap().path()).unwrap();
    }
    text
}
