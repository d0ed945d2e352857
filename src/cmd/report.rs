//! `closer report`: draws the last weeks from the journal into one private HTML file (the
//! drawing is `crate::report`, pure), says where it is, and opens it in the browser when
//! asked. Reads the journal; never creates one.
//!
//! It never replaces a symlink or anything but a regular file, and with `--out` it
//! replaces only a report it wrote (it carries `MARKER`) unless told `--force`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use chrono::Utc;

use crate::Status;
use crate::history::keys;
use crate::paths::Paths;
use crate::report::{ReportInput, render};
use crate::session::Session;

/// The file name of the report in the data dir.
pub const FILE_NAME: &str = "report.html";

/// The comment that marks a page as closer's own, so that it may replace it.
pub const MARKER: &str =
    "<!-- written by `closer report`, which replaces this file when run again -->";

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// How many days back to draw, today included.
    #[arg(long, default_value_t = 28, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,

    /// Where to write the page (`-`: to stdout); report.html in closer's data dir when
    /// left out.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Open it in your default browser (xdg-open; open on macOS).
    #[arg(long)]
    pub open: bool,

    /// Replace the `--out` file even if closer did not write it.
    #[arg(long)]
    pub force: bool,
}

pub fn run(paths: &Paths, args: &ReportArgs) -> anyhow::Result<Status> {
    let to_stdout = args.out.as_deref() == Some(Path::new("-"));
    if to_stdout && args.open {
        anyhow::bail!(
            "`--open` needs a file to open; leave out `--out -`, or give `--out` a file's path"
        );
    }
    // No journal yet: an empty report, and no journal created for it. The ladders as the
    // person turned them on or off, as `status` shows them.
    let Session {
        setup,
        config,
        journal,
    } = Session::open(paths)?;
    let (entries, steps_paused) = match &journal {
        Some(journal) => (journal.entries(None)?, journal.setting(keys::STEPS_PAUSED)?),
        None => (Vec::new(), None),
    };
    let html = render(&ReportInput {
        entries: &entries,
        library: &setup.library,
        ladders: &config.ladders,
        tz: config.timezone,
        now: Utc::now(),
        days: args.days,
        steps_paused: steps_paused.as_deref(),
    });
    let html = mark(&html);
    if to_stdout {
        std::io::Write::write_all(&mut std::io::stdout().lock(), html.as_bytes())?;
        return Ok(Status::Success);
    }
    let out = args.out.clone().unwrap_or_else(|| paths.report());
    // closer's own data dir holds only closer's report; elsewhere, ask before replacing.
    may_replace(&out, args.force || args.out.is_none())?;
    crate::files::write_private(&out, |f| std::io::Write::write_all(f, html.as_bytes()))
        .with_context(|| format!("cannot write the report to {}", out.display()))?;
    println!("Your report is in {}", out.display());
    if args.open
        && let Err(why) = open(&out)
    {
        eprintln!(
            "error: cannot open it in a browser: {why}; open {} yourself",
            out.display()
        );
        return Ok(Status::Failure);
    }
    Ok(Status::Success)
}

/// The page with `MARKER` after its doctype.
fn mark(html: &str) -> String {
    match html.split_once('\n') {
        Some((doctype, rest)) => format!("{doctype}\n{MARKER}\n{rest}"),
        None => format!("{MARKER}\n{html}"),
    }
}

/// Whether the report may be written at `out`: nothing there, or a regular file that
/// closer wrote (or any regular file, with `force`). Never a symlink, a device such as
/// `/dev/null`, a directory or a pipe.
fn may_replace(out: &Path, force: bool) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => anyhow::bail!("cannot look at `{}`: {e}", out.display()),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        anyhow::bail!(
            "`{}` is a symlink, which closer does not replace; give `--out` a plain file's path",
            out.display()
        );
    }
    if !kind.is_file() {
        anyhow::bail!(
            "`{}` is not a regular file (a directory, device or pipe), which closer does not replace; give `--out` a plain file's path",
            out.display()
        );
    }
    if force || written_by_closer(out) {
        return Ok(());
    }
    anyhow::bail!(
        "`{}` exists and closer did not write it; add `--force` to replace it, or choose another `--out`",
        out.display()
    )
}

/// Whether the file at `path` starts like a report closer wrote.
fn written_by_closer(path: &Path) -> bool {
    let mut head = Vec::new();
    crate::files::open_nofollow(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head))
        .is_ok()
        && String::from_utf8_lossy(&head).contains(MARKER)
}

/// Hands `file` to the desktop's default browser.
fn open(file: &Path) -> Result<(), String> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = Command::new(opener)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("`{opener}` did not start ({e})"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{opener}` failed ({status})"))
    }
}
