//! closer as a user service: the systemd unit (or, on macOS, the launchd agent) rendered
//! from the templates in `service/`, written where the service manager looks, and the
//! manager told about it. Rendering a service file and reading one back are pure; every
//! external command goes through `command`. Nothing here needs root or touches a
//! system-wide unit, and `--print` writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;

const UNIT_TEMPLATE: &str = include_str!("../service/closer.service");
const PLIST_TEMPLATE: &str = include_str!("../service/closer.plist");

/// The desktop entry and icon desktops use to name closer's notifications (GNOME offers
/// per-app notification settings only for an app with a desktop entry), as paths under the
/// user's data dir (`$XDG_DATA_HOME`, `~/.local/share`) with their contents.
const DESKTOP_FILES: &[(&str, &[u8])] = &[
    (
        "applications/closer.desktop",
        include_bytes!("../assets/closer.desktop"),
    ),
    (
        "icons/hicolor/scalable/apps/closer.svg",
        include_bytes!("../assets/closer.svg"),
    ),
    (
        "icons/hicolor/256x256/apps/closer.png",
        include_bytes!("../assets/closer.png"),
    ),
];

/// Writes the desktop entry and icons under `data_dir`; returns the paths written.
pub fn install_desktop_files(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use std::io::Write as _;
    DESKTOP_FILES
        .iter()
        .map(|(rel, bytes)| {
            let path = data_dir.join(rel);
            if let Some(dir) = path.parent() {
                crate::files::create_private_dir(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            }
            crate::files::write_private(&path, |f| f.write_all(bytes))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            Ok(path)
        })
        .collect()
}

/// Writes, under `data_dir`, the desktop entry and icons that none of `data_dirs` (the
/// user's and the system's, where a package puts them) holds yet; returns the paths
/// written. Called at `closer init` and when the daemon starts, so notifications carry
/// closer's icon and name from the first run, not only once the service is installed.
pub fn desktop_files_if_missing(
    data_dir: &Path,
    data_dirs: &[PathBuf],
) -> anyhow::Result<Vec<PathBuf>> {
    use std::io::Write as _;
    let mut written = Vec::new();
    for (rel, bytes) in DESKTOP_FILES {
        let there = std::iter::once(data_dir)
            .chain(data_dirs.iter().map(PathBuf::as_path))
            .any(|dir| dir.join(rel).exists());
        if there {
            continue;
        }
        let path = data_dir.join(rel);
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        crate::files::write_private(&path, |f| f.write_all(bytes))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The desktop entry and icons for this user, where missing (see
/// [`desktop_files_if_missing`]): under `$XDG_DATA_HOME` (returned first), unless
/// `$XDG_DATA_DIRS` (by default /usr/local/share and /usr/share) has them. Nothing on
/// macOS, whose notifications take the app's own icon.
pub fn desktop_files_for_this_user() -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    #[cfg(target_os = "macos")]
    {
        Ok((PathBuf::new(), Vec::new()))
    }
    #[cfg(not(target_os = "macos"))]
    {
        let dirs = std::env::var_os("XDG_DATA_DIRS")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
        let dirs: Vec<PathBuf> = std::env::split_paths(&dirs)
            .filter(|d| d.is_absolute())
            .collect();
        let data_dir = data_dir()?;
        let written = desktop_files_if_missing(&data_dir, &dirs)?;
        Ok((data_dir, written))
    }
}

/// Removes the desktop entry and icons from `data_dir`; returns the paths removed.
pub fn remove_desktop_files(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for (rel, _) in DESKTOP_FILES {
        let path = data_dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot remove {}: {e}", path.display()),
        }
    }
    Ok(removed)
}

/// The user's data dir, where desktops look for desktop entries and icons.
#[cfg(not(target_os = "macos"))]
fn data_dir() -> anyhow::Result<PathBuf> {
    let dirs = directories::BaseDirs::new().context("cannot find your home directory; set HOME")?;
    Ok(dirs.data_dir().to_owned())
}

/// The systemd unit's name.
pub const UNIT: &str = "closer.service";
/// The launchd agent's label.
pub const LABEL: &str = "org.closer.closer";

/// What the service starts with. systemd only: launchd starts agents at login.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// With your desktop session (graphical-session.target, which GNOME and KDE Plasma start).
    #[default]
    Graphical,
    /// At login (default.target), for desktops that never start graphical-session.target.
    Default,
}

impl Target {
    /// The systemd target unit.
    pub fn unit(self) -> &'static str {
        match self {
            Target::Graphical => "graphical-session.target",
            Target::Default => "default.target",
        }
    }
}

/// The systemd unit that runs `exec [--config config] run`, started with `target`.
pub fn render_unit(exec: &Path, config: Option<&Path>, target: Target) -> String {
    let args = config.map_or_else(String::new, |c| format!(" --config {}", systemd_word(c)));
    fill(
        UNIT_TEMPLATE,
        &[
            ("EXEC", &systemd_word(exec)),
            ("ARGS", &args),
            ("TARGET", target.unit()),
        ],
    )
}

/// The launchd agent that runs `exec [--config config] run` at login and logs to `log`.
pub fn render_plist(exec: &Path, config: Option<&Path>, log: &Path) -> String {
    let args = config.map_or_else(String::new, |c| {
        format!(
            "\n\t\t<string>--config</string>\n\t\t<string>{}</string>",
            crate::markup::text(&c.to_string_lossy())
        )
    });
    fill(
        PLIST_TEMPLATE,
        &[
            ("EXEC", &crate::markup::text(&exec.to_string_lossy())),
            ("ARGS", &args),
            ("LOG", &crate::markup::text(&log.to_string_lossy())),
        ],
    )
}

/// Where the unit goes, given the user's config dir (`$XDG_CONFIG_HOME`, `~/.config`).
pub fn unit_path(config_dir: &Path) -> PathBuf {
    config_dir.join("systemd/user").join(UNIT)
}

/// The directories the systemd user manager loads units from that a unit of closer's could
/// be in, highest precedence first, as systemd.unit(5) lists them: the person's own
/// (`config_home`, where `closer service install` writes), `$XDG_CONFIG_DIRS`, the
/// administrator's, the runtime ones, `data_home`, `$XDG_DATA_DIRS` and the packages'
/// (`/usr/lib/systemd/user`, where the Debian package puts its unit). A variable that is
/// unset or empty stands for its default, as in the XDG base directory specification.
pub fn unit_dirs(
    config_home: &Path,
    runtime: Option<&Path>,
    data_home: &Path,
    config_dirs: Option<&str>,
    data_dirs: Option<&str>,
) -> Vec<PathBuf> {
    let list = |value: Option<&str>, default: &str| -> Vec<PathBuf> {
        let value = value.filter(|v| !v.is_empty()).unwrap_or(default);
        value
            .split(':')
            .filter(|d| Path::new(d).is_absolute())
            .map(|d| Path::new(d).join("systemd/user"))
            .collect()
    };
    let mut dirs = vec![config_home.join("systemd/user")];
    dirs.extend(list(config_dirs, "/etc/xdg"));
    dirs.push("/etc/systemd/user".into());
    dirs.extend(runtime.map(|r| r.join("systemd/user")));
    dirs.push("/run/systemd/user".into());
    dirs.push(data_home.join("systemd/user"));
    dirs.extend(list(data_dirs, "/usr/local/share:/usr/share"));
    dirs.extend(
        [
            "/usr/local/lib/systemd/user",
            "/usr/lib/systemd/user",
            "/lib/systemd/user",
        ]
        .map(PathBuf::from),
    );
    dirs
}

/// Where the agent goes, given the user's home.
pub fn plist_path(home: &Path) -> PathBuf {
    home.join("Library/LaunchAgents")
        .join(format!("{LABEL}.plist"))
}

/// The program an installed unit starts: the first word of its last `ExecStart=` in
/// `[Service]`, unquoted and unescaped as systemd reads it. `None` when there is none.
pub fn installed_exec(unit_text: &str) -> Option<PathBuf> {
    let mut section = "";
    let mut exec = None;
    for line in unit_text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if let Some((key, value)) = line.split_once('=')
            && section == "[Service]"
            && key.trim() == "ExecStart"
        {
            // An empty `ExecStart=` clears the ones before it.
            exec = systemd_first_word(value.trim());
        }
    }
    exec
}

/// The program an installed agent starts: the first string of `ProgramArguments`.
pub fn installed_plist_exec(plist_text: &str) -> Option<PathBuf> {
    let (_, args) = plist_text.split_once("<key>ProgramArguments</key>")?;
    let (_, first) = args.split_once("<string>")?;
    let (first, _) = first.split_once("</string>")?;
    Some(PathBuf::from(xml_unescape(first)))
}

/// Replaces each `@KEY@` in `template` with its value in one pass, so a value that
/// happens to hold `@LOG@` is left as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let found = values.iter().find_map(|(key, value)| {
            let after = rest.strip_prefix(key)?.strip_prefix('@')?;
            Some((after, value))
        });
        match found {
            Some((after, value)) => {
                out.push_str(value);
                rest = after;
            }
            None => out.push('@'),
        }
    }
    out.push_str(rest);
    out
}

/// Whether systemd will start the program at `path`: it refuses a path with a quote, a
/// backslash or a control character in it, however the unit escapes them.
pub fn systemd_accepts(path: &Path) -> bool {
    !path
        .to_string_lossy()
        .chars()
        .any(|c| c.is_ascii_control() || "\"'\\".contains(c))
}

/// `path` as the first word of an `ExecStart=` line: `%` doubled (systemd's specifiers),
/// and in double quotes with C escapes when it holds a space, a quote, a backslash, a
/// control character or a `;` (which would end the command).
fn systemd_word(path: &Path) -> String {
    let text = path.to_string_lossy().replace('%', "%%");
    let plain = |c: char| !(c.is_whitespace() || c.is_control() || "\"'\\;".contains(c));
    if text.chars().all(plain) {
        return text;
    }
    let mut word = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                word.push('\\');
                word.push(c);
            }
            c if c.is_control() => {
                for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                    word.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => word.push(c),
        }
    }
    word.push('"');
    word
}

/// The first word of an `ExecStart=` value, read back as `systemd_word` wrote it (and as
/// a person might: single quotes, the usual C escapes, the `@-:+!` prefixes).
fn systemd_first_word(value: &str) -> Option<PathBuf> {
    let value = value.trim_start_matches(['@', '-', ':', '+', '!']);
    let mut bytes = Vec::new();
    let mut quote = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => match chars.next()? {
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).ok()?);
                }
                'n' => bytes.push(b'\n'),
                't' => bytes.push(b'\t'),
                's' => bytes.push(b' '),
                other => push_char(&mut bytes, other),
            },
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (c, None) if c.is_whitespace() => break,
            (c, _) => push_char(&mut bytes, c),
        }
    }
    let word = String::from_utf8_lossy(&bytes).replace("%%", "%");
    (!word.is_empty()).then(|| PathBuf::from(word))
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The path of the running closer, as a service file will name it.
///
/// Not canonicalized: on Linux it already is (it comes from /proc/self/exe), and on macOS
/// a symlink such as Homebrew's /opt/homebrew/bin/closer outlives the versioned path it
/// points to. Comparisons go through `same_file`, which canonicalizes both sides.
fn this_exe() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the path of this closer binary")?;
    if exe.to_str().is_none() {
        anyhow::bail!(
            "the path of this closer binary is not valid UTF-8, so a service file cannot name it: {}",
            exe.display()
        );
    }
    Ok(exe)
}

/// Whether `a` and `b` name the same file, through any symlinks.
fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    canonical(a) == canonical(b)
}

/// What `status` says about an installed service file that starts `installed`: which
/// program it starts (not whether it runs, which is the manager's to say). `own`: the file
/// is the person's own, which `closer service install` rewrites (never advised for a unit a
/// package installed: one of the person's own would take its place).
fn points_at(installed: Option<&Path>, this: &Path, own: bool) -> (String, bool) {
    let fix = if own {
        format!(
            "; run `closer service install` again to point it at {}",
            this.display()
        )
    } else {
        format!(" (this one is {})", this.display())
    };
    match installed {
        Some(exe) if same_file(exe, this) => {
            (format!("it starts this closer ({})", exe.display()), true)
        }
        Some(exe) => (
            format!("it starts {}, not this closer{fix}", exe.display()),
            false,
        ),
        None => (format!("it names no program to start{fix}"), false),
    }
}

/// `path` as one word of a desktop entry's `Exec=`: quoted when it holds a space or a
/// character the format reserves.
fn exec_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text
        .chars()
        .all(|c| !c.is_whitespace() && !"\"'\\`$<>|;&*?#()".contains(c))
    {
        return text.into_owned();
    }
    let mut word = String::from('"');
    for c in text.chars() {
        if "\"`$\\".contains(c) {
            word.push('\\');
        }
        word.push(c);
    }
    word.push('"');
    word
}

/// `path` as one word for a POSIX shell: single-quoted when it holds anything but
/// letters, digits and `/._-+,@%:~`.
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-+,@%:~".contains(c))
    {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The next step when no service manager answers: how to have the desktop start
/// `closer run` at login instead (an autostart entry at `autostart`, or the desktop's
/// own list of startup programs), and how to keep it going meanwhile.
pub fn without_a_manager(exe: &Path, config: Option<&Path>, autostart: &Path) -> String {
    let mut command = exec_word(exe);
    if let Some(config) = config {
        command += &format!(" --config {}", exec_word(config));
    }
    command += " run";
    format!(
        "No systemd user manager answers here (as in a container, a root shell, or ssh \
         without a desktop login), so closer cannot run as a service.\n\
         To start closer with your desktop instead, add `{command}` to your desktop's \
         startup programs, or save this as {}:\n\
         \x20 [Desktop Entry]\n\
         \x20 Type=Application\n\
         \x20 Name=closer\n\
         \x20 Exec={command}\n\
         Until then, `closer run` in a terminal keeps it going while the terminal is open.",
        autostart.display()
    )
}

/// An external command that failed: which one, and what it said.
#[derive(Debug, thiserror::Error)]
#[error("`{command}` failed: {reason}")]
pub struct CommandFailed {
    /// The command line, as a user would type it.
    pub command: String,
    /// Its stdout: `systemctl is-active` prints the state there even when it exits non-zero.
    pub stdout: String,
    /// Its stderr; or its exit status when that is empty; or why it could not start.
    pub reason: String,
}

impl CommandFailed {
    /// Whether it failed for want of a service manager to talk to: the program is not
    /// there, or (systemctl) no bus or no systemd answers.
    pub fn no_manager(&self) -> bool {
        [
            "cannot start it",
            "Failed to connect to bus",
            "Failed to connect to user scope bus",
            "not been booted with systemd",
        ]
        .iter()
        .any(|why| self.reason.contains(why))
    }
}

/// Runs `program args` to the end and returns its stdout, trimmed. Every external command
/// closer runs goes through here.
fn command(program: &str, args: &[&str]) -> Result<String, CommandFailed> {
    let line = [program]
        .iter()
        .chain(args)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let failed = |stdout: String, reason: String| CommandFailed {
        command: line.clone(),
        stdout,
        reason,
    };
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| failed(String::new(), format!("cannot start it: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let reason = if stderr.is_empty() {
        out.status.to_string()
    } else {
        stderr
    };
    Err(failed(stdout, reason))
}

/// Reads a service file; `None` when there is none.
fn read_installed(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Replaces the service file at `path` atomically. It is 0600, from `write_private`; a
/// service file holds no secrets, so 0644 would do as well, but nobody else needs it.
fn write_service_file(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    crate::files::write_private(path, |f| f.write_all(text.as_bytes()))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// `gui/<uid>`: launchd's domain of this user's agents. The uid is the process's own
/// (getuid, which cannot fail), not `id -u` run as a program that might not be on `PATH`.
#[cfg(any(target_os = "macos", all(test, unix)))]
fn gui_domain() -> String {
    format!("gui/{}", rustix::process::getuid().as_raw())
}

#[cfg(not(target_os = "macos"))]
pub use systemd::Service;

#[cfg(target_os = "macos")]
pub use launchd::Service;

#[cfg(not(target_os = "macos"))]
mod systemd {
    //! The systemd user unit, driven through `systemctl --user`.

    use std::path::PathBuf;

    use anyhow::Context as _;

    use super::{CommandFailed, Target, UNIT, command};
    use crate::Status;

    /// This user's closer service: where its unit goes, and the binary it runs.
    #[derive(Debug, Clone)]
    pub struct Service {
        pub file: PathBuf,
        pub exe: PathBuf,
        /// The config the service runs with, when not the standard one (absolute).
        pub config: Option<PathBuf>,
        /// Where an autostart entry would go, for a session without a user manager.
        pub autostart: PathBuf,
        /// Units of closer's the user manager would load when `file` is not there (the
        /// Debian package's in /usr/lib/systemd/user, say), highest precedence first.
        pub elsewhere: Vec<PathBuf>,
        /// The person's home: a unit outside it is everyone's.
        pub home: PathBuf,
    }

    fn systemctl(args: &[&str]) -> Result<String, CommandFailed> {
        command("systemctl", &[&["--user"][..], args].concat())
    }

    impl Service {
        pub fn for_this_user(config: Option<PathBuf>) -> anyhow::Result<Service> {
            let dirs = directories::BaseDirs::new()
                .context("cannot find your home directory; set HOME")?;
            let var = |name| std::env::var(name).ok();
            let search = super::unit_dirs(
                dirs.config_dir(),
                dirs.runtime_dir(),
                dirs.data_dir(),
                var("XDG_CONFIG_DIRS").as_deref(),
                var("XDG_DATA_DIRS").as_deref(),
            );
            let file = super::unit_path(dirs.config_dir());
            // /lib is /usr/lib on most systems now: one file, named once.
            let mut seen = vec![std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())];
            let mut elsewhere = Vec::new();
            for unit in search.iter().skip(1).map(|dir| dir.join(UNIT)) {
                let Ok(real) = std::fs::canonicalize(&unit) else {
                    continue;
                };
                if !seen.contains(&real) {
                    seen.push(real);
                    elsewhere.push(unit);
                }
            }
            Ok(Service {
                file,
                exe: super::this_exe()?,
                config,
                autostart: dirs.config_dir().join("autostart/closer.desktop"),
                elsewhere,
                home: dirs.home_dir().to_owned(),
            })
        }

        /// The unit the user manager loads when the person has none of their own.
        fn shared(&self) -> Option<&PathBuf> {
            self.elsewhere.first()
        }

        /// Where a unit that is not the person's own is, in words.
        fn where_shared(&self, unit: &std::path::Path) -> String {
            if unit.starts_with(&self.home) {
                format!("at {}", unit.display())
            } else {
                format!(
                    "for every user at {} (by a package, or by whoever runs this machine)",
                    unit.display()
                )
            }
        }

        pub fn render(&self, target: Target) -> anyhow::Result<String> {
            if !super::systemd_accepts(&self.exe) {
                anyhow::bail!(
                    "systemd will not start a program whose path holds a quote, a backslash or \
                     a control character: {}; move closer to a plainer path and install from there",
                    self.exe.display()
                );
            }
            if let Some(config) = self
                .config
                .as_deref()
                .filter(|c| !super::systemd_accepts(c))
            {
                anyhow::bail!(
                    "systemd will not pass a path that holds a quote, a backslash or a control \
                     character: {}; move the config to a plainer path",
                    config.display()
                );
            }
            Ok(super::render_unit(
                &self.exe,
                self.config.as_deref(),
                target,
            ))
        }

        /// What `failed` means for the person: the failure, and when no user manager
        /// answers, how to keep closer running without one.
        fn explain(&self, failed: &CommandFailed) -> String {
            if failed.no_manager() {
                format!(
                    "{failed}\n{}",
                    super::without_a_manager(&self.exe, self.config.as_deref(), &self.autostart)
                )
            } else {
                failed.to_string()
            }
        }

        pub fn install(&self, target: Target) -> anyhow::Result<Status> {
            super::write_service_file(&self.file, &self.render(target)?)?;
            println!("Wrote {}.", self.file.display());
            if let Some(shared) = self.shared() {
                println!(
                    "For you, it takes the place of the unit installed {}.",
                    self.where_shared(shared)
                );
            }
            for path in super::install_desktop_files(&super::data_dir()?)? {
                println!("Wrote {}.", path.display());
            }
            let enabled =
                systemctl(&["daemon-reload"]).and_then(|_| systemctl(&["enable", "--now", UNIT]));
            if let Err(failed) = enabled {
                eprintln!(
                    "error: the unit is written, but {UNIT} is not enabled: {}",
                    self.explain(&failed)
                );
                return Ok(Status::Failure);
            }
            println!(
                "{UNIT} is enabled and running; it starts with {}.",
                target.unit()
            );
            println!(
                "`closer service status` checks on it; `journalctl --user -u {UNIT}` shows its log."
            );
            Ok(Status::Success)
        }

        /// The links `systemctl enable` made to the unit, that are there now.
        fn enable_links(&self) -> Vec<PathBuf> {
            let Some(dir) = self.file.parent() else {
                return Vec::new();
            };
            [Target::Graphical, Target::Default]
                .iter()
                .map(|t| dir.join(format!("{}.wants", t.unit())).join(UNIT))
                .filter(|link| std::fs::symlink_metadata(link).is_ok())
                .collect()
        }

        pub fn uninstall(&self) -> anyhow::Result<Status> {
            if self.file.exists() {
                if let Err(failed) = systemctl(&["disable", "--now", UNIT]) {
                    eprintln!("error: {} is left in place: {failed}", self.file.display());
                    if failed.no_manager() {
                        let files: Vec<String> = std::iter::once(self.file.clone())
                            .chain(self.enable_links())
                            .map(|p| super::shell_word(&p))
                            .collect();
                        eprintln!(
                            "No systemd user manager answers here, so closer cannot stop or \
                             disable {UNIT} from this session. To remove it by hand:\n  rm {}",
                            files.join(" ")
                        );
                    }
                    return Ok(Status::Failure);
                }
                std::fs::remove_file(&self.file)
                    .with_context(|| format!("cannot remove {}", self.file.display()))?;
                systemctl(&["daemon-reload"])?;
                println!(
                    "Stopped and disabled {UNIT}, and removed {}.",
                    self.file.display()
                );
            } else if let Some(shared) = self.shared() {
                println!(
                    "You have no {UNIT} of your own (none at {}); the one installed {} \
                     stays. `systemctl --user enable --now {UNIT}` and `disable --now` turn it \
                     on and off for you.",
                    self.file.display(),
                    self.where_shared(shared)
                );
            } else {
                println!(
                    "{UNIT} is not installed (no unit at {}).",
                    self.file.display()
                );
            }
            for path in super::remove_desktop_files(&super::data_dir()?)? {
                println!("Removed {}.", path.display());
            }
            Ok(Status::Success)
        }

        pub fn start(&self) -> anyhow::Result<Status> {
            self.systemctl_on_unit("start", "Started")
        }

        pub fn stop(&self) -> anyhow::Result<Status> {
            self.systemctl_on_unit("stop", "Stopped")
        }

        fn systemctl_on_unit(&self, verb: &str, done: &str) -> anyhow::Result<Status> {
            if !self.file.exists() && self.shared().is_none() {
                anyhow::bail!(
                    "{UNIT} is not installed (no unit at {}); `closer service install` installs it",
                    self.file.display()
                );
            }
            if let Err(failed) = systemctl(&[verb, UNIT]) {
                eprintln!("error: {}", self.explain(&failed));
                return Ok(Status::Failure);
            }
            println!("{done} {UNIT}.");
            Ok(Status::Success)
        }

        /// Says, each on its own line, whether the unit is installed (and starts this
        /// closer), enabled and active; exits 0 only when all three hold.
        pub fn status(&self) -> anyhow::Result<Status> {
            let own = super::read_installed(&self.file)?;
            // A unit the person did not write (the Debian package's): never advise
            // `closer service install`, whose unit would take its place.
            let shared = match (&own, self.shared()) {
                (None, Some(shared)) => super::read_installed(shared)?.map(|t| (shared, t)),
                _ => None,
            };
            let installed = match (own, &shared) {
                (Some(text), _) => {
                    let exe = super::installed_exec(&text);
                    let (line, here) = super::points_at(exe.as_deref(), &self.exe, true);
                    println!("Installed: yes, at {}; {line}.", self.file.display());
                    if let Some(other) = self.shared() {
                        println!(
                            "           it takes the place of the one installed {}.",
                            self.where_shared(other)
                        );
                    }
                    here
                }
                (None, Some((path, text))) => {
                    let exe = super::installed_exec(text);
                    let (line, here) = super::points_at(exe.as_deref(), &self.exe, false);
                    println!("Installed: yes, {}; {line}.", self.where_shared(path));
                    here
                }
                (None, None) => {
                    println!(
                        "Installed: no; there is no unit at {}, and `closer service install` installs it.",
                        self.file.display()
                    );
                    false
                }
            };
            // How to turn it on: a package's unit with systemctl, one's own with closer.
            let turn_on = if shared.is_some() {
                format!("`systemctl --user enable --now {UNIT}` turns it on for you")
            } else {
                "`closer service install` enables it".to_owned()
            };
            // is-active and is-enabled print the state even when they exit non-zero; with
            // nothing printed, no manager answered.
            let state = |verb: &str| match systemctl(&[verb, UNIT]) {
                Ok(state) => Ok(state),
                Err(failed) if !failed.stdout.is_empty() => Ok(failed.stdout),
                Err(failed) => Err(failed),
            };
            let (enabled, active) = match state("is-active") {
                Err(failed) => {
                    println!(
                        "Enabled:   unknown; cannot reach the user service manager (systemctl --user): {}",
                        failed.reason
                    );
                    println!("Active:    unknown");
                    println!(
                        "{}",
                        super::without_a_manager(
                            &self.exe,
                            self.config.as_deref(),
                            &self.autostart
                        )
                    );
                    (false, false)
                }
                Ok(active) => {
                    let enabled = state("is-enabled").unwrap_or_else(|f| f.reason);
                    let on = enabled == "enabled";
                    if on {
                        println!("Enabled:   yes; it starts by itself when you log in.");
                    } else {
                        println!("Enabled:   no ({enabled}); {turn_on}.");
                    }
                    if active == "active" {
                        println!("Active:    yes; it is running now.");
                    } else {
                        println!("Active:    no ({active}); `closer service start` starts it.");
                    }
                    (on, active == "active")
                }
            };
            Ok(if installed && enabled && active {
                Status::Success
            } else {
                Status::Failure
            })
        }
    }
}

#[cfg(target_os = "macos")]
mod launchd {
    //! The launchd agent, driven through `launchctl` in the user's GUI domain.

    use std::path::PathBuf;

    use anyhow::Context as _;

    use super::{LABEL, Target, command, gui_domain};
    use crate::Status;

    /// This user's closer agent: its plist, its log, and the binary it runs.
    #[derive(Debug, Clone)]
    pub struct Service {
        pub file: PathBuf,
        pub log: PathBuf,
        pub exe: PathBuf,
        /// The config the agent runs with, when not the standard one (absolute).
        pub config: Option<PathBuf>,
    }

    impl Service {
        pub fn for_this_user(config: Option<PathBuf>) -> anyhow::Result<Service> {
            let dirs = directories::BaseDirs::new()
                .context("cannot find your home directory; set HOME")?;
            let home = dirs.home_dir();
            Ok(Service {
                file: super::plist_path(home),
                log: home.join("Library/Logs/closer.log"),
                exe: super::this_exe()?,
                config,
            })
        }

        /// launchd has no targets: the agent starts at login either way.
        pub fn render(&self, _target: Target) -> anyhow::Result<String> {
            Ok(super::render_plist(
                &self.exe,
                self.config.as_deref(),
                &self.log,
            ))
        }

        pub fn install(&self, target: Target) -> anyhow::Result<Status> {
            super::write_service_file(&self.file, &self.render(target)?)?;
            println!("Wrote {}.", self.file.display());
            let domain = gui_domain();
            // An agent that is already loaded must be booted out before it can be reloaded.
            let _ = command("launchctl", &["bootout", &format!("{domain}/{LABEL}")]);
            let file = self.file.to_string_lossy();
            command("launchctl", &["bootstrap", &domain, &file])?;
            println!(
                "{LABEL} is loaded; it starts at login and logs to {}.",
                self.log.display()
            );
            Ok(Status::Success)
        }

        pub fn uninstall(&self) -> anyhow::Result<Status> {
            if !self.file.exists() {
                println!(
                    "{LABEL} is not installed (no agent at {}).",
                    self.file.display()
                );
                return Ok(Status::Success);
            }
            // Booting out an agent that is not loaded fails, and is fine.
            let _ = command(
                "launchctl",
                &["bootout", &format!("{}/{LABEL}", gui_domain())],
            );
            std::fs::remove_file(&self.file)
                .with_context(|| format!("cannot remove {}", self.file.display()))?;
            println!("Unloaded {LABEL} and removed {}.", self.file.display());
            Ok(Status::Success)
        }

        pub fn start(&self) -> anyhow::Result<Status> {
            command(
                "launchctl",
                &["kickstart", &format!("{}/{LABEL}", gui_domain())],
            )?;
            println!("Started {LABEL}.");
            Ok(Status::Success)
        }

        /// A SIGTERM: closer exits cleanly, so KeepAlive leaves it stopped.
        pub fn stop(&self) -> anyhow::Result<Status> {
            let service = format!("{}/{LABEL}", gui_domain());
            command("launchctl", &["kill", "SIGTERM", &service])?;
            println!("Stopped {LABEL}.");
            Ok(Status::Success)
        }

        pub fn status(&self) -> anyhow::Result<Status> {
            let mut ok = false;
            match super::read_installed(&self.file)? {
                None => println!(
                    "Installed: no; there is no agent at {}, and `closer service install` installs it.",
                    self.file.display()
                ),
                Some(text) => {
                    let exe = super::installed_plist_exec(&text);
                    let (line, here) = super::points_at(exe.as_deref(), &self.exe, true);
                    println!("Installed: yes, at {}; {line}.", self.file.display());
                    ok = here;
                }
            }
            let running = match command(
                "launchctl",
                &["print", &format!("{}/{LABEL}", gui_domain())],
            ) {
                Ok(out) if out.contains("state = running") => {
                    println!("Loaded:    yes; it starts by itself when you log in.");
                    println!("Active:    yes; it is running now.");
                    true
                }
                Ok(_) => {
                    println!("Loaded:    yes; it starts by itself when you log in.");
                    println!("Active:    no; `closer service start` starts it.");
                    false
                }
                Err(e) => {
                    println!(
                        "Loaded:    no ({}); `closer service install` loads it.",
                        e.reason
                    );
                    println!("Active:    no");
                    false
                }
            };
            Ok(if ok && running {
                Status::Success
            } else {
                Status::Failure
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// launchd's domain names this user by the process's uid, as `id -u` prints it (run
    /// here only to check against; closer itself runs no program for it).
    #[cfg(unix)]
    #[test]
    fn the_launchd_domain_is_this_users_uid() {
        let id = Command::new("id").arg("-u").output().unwrap();
        let uid = String::from_utf8(id.stdout).unwrap();
        assert_eq!(gui_domain(), format!("gui/{}", uid.trim()));
    }

    #[test]
    fn a_rendered_unit_names_its_program_and_target_and_reads_back() {
        for (exec, word) in [
            ("/usr/bin/closer", "/usr/bin/closer"),
            ("/home/a b/closer", r#""/home/a b/closer""#),
            ("/opt/100%/closer", "/opt/100%%/closer"),
            (r#"/tmp/q"u\o;te/closer"#, r#""/tmp/q\"u\\o;te/closer""#),
            ("/tmp/new\nline/closer", r#""/tmp/new\x0aline/closer""#),
            ("/tmp/@LOG@/@TARGET@/closer", "/tmp/@LOG@/@TARGET@/closer"),
            ("/home/zoë/closer", "/home/zoë/closer"),
        ] {
            let unit = render_unit(Path::new(exec), None, Target::Default);
            assert!(
                unit.contains(&format!("\nExecStart={word} run\n")),
                "{exec:?}:\n{unit}"
            );
            assert_eq!(installed_exec(&unit), Some(PathBuf::from(exec)), "{unit}");
        }
        let unit = render_unit(Path::new("/usr/bin/closer"), None, Target::Graphical);
        for line in [
            "After=graphical-session.target",
            "PartOf=graphical-session.target",
            "WantedBy=graphical-session.target",
        ] {
            assert!(unit.lines().any(|l| l == line), "no {line:?} in:\n{unit}");
        }
        assert!(!unit.contains("@EXEC@") && !unit.contains("@TARGET@"));
        // With a config of the person's choosing, it stays the program's first argument.
        let config = Path::new("/home/a b/closer.toml");
        let unit = render_unit(Path::new("/usr/bin/closer"), Some(config), Target::Default);
        assert!(
            unit.contains("\nExecStart=/usr/bin/closer --config \"/home/a b/closer.toml\" run\n"),
            "{unit}"
        );
        assert_eq!(
            installed_exec(&unit),
            Some(PathBuf::from("/usr/bin/closer"))
        );
        let plist = render_plist(Path::new("/usr/bin/closer"), Some(config), Path::new("/l"));
        assert!(
            plist.contains("<string>--config</string>\n\t\t<string>/home/a b/closer.toml</string>"),
            "{plist}"
        );
    }

    #[test]
    fn systemd_refuses_paths_with_quotes_backslashes_and_control_characters() {
        for (path, ok) in [
            ("/usr/bin/closer", true),
            ("/home/zoë/my bin/100%;$HOME/closer", true),
            ("/a\"b/closer", false),
            ("/a'b/closer", false),
            ("/a\\b/closer", false),
            ("/a\nb/closer", false),
            ("/a\tb/closer", false),
        ] {
            assert_eq!(systemd_accepts(Path::new(path)), ok, "{path:?}");
        }
    }

    #[test]
    fn installed_exec_reads_what_systemd_would_run() {
        for (unit, exec) in [
            ("[Service]\nExecStart=/a/closer run\n", Some("/a/closer")),
            ("[Service]\nExecStart = -/a/closer run\n", Some("/a/closer")),
            (
                "[Service]\nExecStart='/a b/closer' run\n",
                Some("/a b/closer"),
            ),
            (
                "[Service]\nExecStart=/a/first\nExecStart=\nExecStart=/a/last run",
                Some("/a/last"),
            ),
            ("[Service]\nExecStart=\n", None),
            ("[Unit]\nExecStart=/not/here\n[Service]\nType=exec\n", None),
            ("", None),
        ] {
            assert_eq!(installed_exec(unit), exec.map(PathBuf::from), "{unit:?}");
        }
    }

    #[test]
    fn a_rendered_plist_escapes_its_paths_and_reads_back() {
        let exec = Path::new("/Users/a&b/<bin>/closer @LOG@");
        let plist = render_plist(exec, None, Path::new("/Users/a&b/Library/Logs/closer.log"));
        assert!(plist.contains("<string>/Users/a&amp;b/&lt;bin&gt;/closer @LOG@</string>"));
        assert!(plist.contains("<string>/Users/a&amp;b/Library/Logs/closer.log</string>"));
        assert!(plist.contains(&format!("<string>{LABEL}</string>")));
        assert_eq!(installed_plist_exec(&plist), Some(exec.to_owned()));
    }

    #[test]
    fn units_are_looked_for_where_the_user_manager_looks_in_its_order() {
        let dirs = |config_dirs, data_dirs| {
            unit_dirs(
                Path::new("/h/.config"),
                Some(Path::new("/run/user/7")),
                Path::new("/h/.local/share"),
                config_dirs,
                data_dirs,
            )
        };
        let defaults = [
            "/h/.config/systemd/user",
            "/etc/xdg/systemd/user",
            "/etc/systemd/user",
            "/run/user/7/systemd/user",
            "/run/systemd/user",
            "/h/.local/share/systemd/user",
            "/usr/local/share/systemd/user",
            "/usr/share/systemd/user",
            "/usr/local/lib/systemd/user",
            "/usr/lib/systemd/user",
            "/lib/systemd/user",
        ];
        assert_eq!(dirs(None, None), defaults.map(PathBuf::from));
        assert_eq!(dirs(Some(""), Some("")), defaults.map(PathBuf::from));
        // Relative entries are ignored, as the XDG specification says.
        let set = dirs(Some("/c1:rel:/c2"), Some("/d1"));
        assert_eq!(
            set[1..3],
            [PathBuf::from("/c1/systemd/user"), "/c2/systemd/user".into()]
        );
        assert!(set.contains(&PathBuf::from("/d1/systemd/user")));
        assert!(!set.contains(&PathBuf::from("/usr/share/systemd/user")));
        assert_eq!(set.last(), Some(&PathBuf::from("/lib/systemd/user")));
    }

    #[test]
    fn service_files_go_where_the_managers_look() {
        assert_eq!(
            unit_path(Path::new("/h/.config")),
            Path::new("/h/.config/systemd/user/closer.service")
        );
        assert_eq!(
            plist_path(Path::new("/Users/a")),
            Path::new("/Users/a/Library/LaunchAgents/org.closer.closer.plist")
        );
    }

    #[test]
    fn paths_are_quoted_for_a_desktop_entry_and_a_shell_only_when_they_must_be() {
        for (path, exec, shell) in [
            ("/usr/bin/closer", "/usr/bin/closer", "/usr/bin/closer"),
            (
                "/home/a b/closer",
                r#""/home/a b/closer""#,
                "'/home/a b/closer'",
            ),
            (
                "/h/it's/closer",
                r#""/h/it's/closer""#,
                r"'/h/it'\''s/closer'",
            ),
            ("/h/$x/closer", r#""/h/\$x/closer""#, "'/h/$x/closer'"),
        ] {
            assert_eq!(exec_word(Path::new(path)), exec, "{path}");
            assert_eq!(shell_word(Path::new(path)), shell, "{path}");
        }
        let step = without_a_manager(
            Path::new("/a b/closer"),
            Some(Path::new("/c.toml")),
            Path::new("/h/.config/autostart/closer.desktop"),
        );
        assert!(
            step.contains("\n  Exec=\"/a b/closer\" --config /c.toml run\n"),
            "{step}"
        );
    }

    #[test]
    fn a_failed_command_names_itself_and_quotes_its_stderr() {
        let e = command("sh", &["-c", "echo out; echo 'it broke' >&2; exit 3"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`sh -c echo out; echo 'it broke' >&2; exit 3` failed: it broke"
        );
        assert_eq!(e.stdout, "out");
        let e = command("closer-no-such-program", &["x"]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("`closer-no-such-program x` failed: cannot start it: "),
            "{e}"
        );
        assert_eq!(command("echo", &["hi"]).unwrap(), "hi");
    }
}
