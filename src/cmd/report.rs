//! `closer report`: draws the last weeks from the journal into one private HTML file (the
//! drawing is `crate::report`, pure), says where it is, and opens it in the browser when
//! asked. Reads the journal; never creates one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use chrono::Utc;

use crate::Status;
use crate::history::Settings;
use crate::paths::Paths;
use crate::report::{ReportInput, render};
use crate::setup::{Setup, open_journal};

/// The file name of the report in the data dir.
pub const FILE_NAME: &str = "report.html";

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// How many days back to draw, today included.
    #[arg(long, default_value_t = 28, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,

    /// Where to write the page; report.html in closer's data dir when left out.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Open it in your default browser (xdg-open; open on macOS).
    #[arg(long)]
    pub open: bool,
}

pub fn run(paths: &Paths, args: &ReportArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    let mut config = setup.config.clone();
    let mut entries = Vec::new();
    let mut settings = Settings::default();
    // No journal yet: an empty report, and no journal created for it.
    if paths.journal().exists() {
        let journal = open_journal(paths)?;
        settings = Settings::read(&journal)?;
        settings.apply(&mut config);
        entries = journal.entries(None)?;
    }
    let html = render(&ReportInput {
        entries: &entries,
        library: &setup.library,
        ladders: &config.ladders,
        tz: config.timezone,
        now: Utc::now(),
        days: args.days,
        steps_paused: settings.steps_paused.as_deref(),
    });
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| paths.data.join(FILE_NAME));
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
