//! `closer edit`: open the config in the user's editor and keep the edit only if it is
//! valid, as `crontab -e` does — valid as `check` and the daemon's reload see it (one
//! check, `Setup::validate`). The config is replaced atomically or not at all; a config
//! that is a symbolic link (a dotfile manager's) stays one: its target is replaced. An
//! edit not kept is saved beside the config (`config.rejected.toml`), never thrown away.

use std::io::{IsTerminal, Write};
use std::process::Command;

use anyhow::Context as _;

use crate::Status;
use crate::config::DEFAULT_TOML;
use crate::diag::Source;
use crate::paths::Paths;
use crate::setup::{Setup, local_zone, read_config};

pub fn run(paths: &Paths) -> anyhow::Result<Status> {
    let path = &paths.config;
    let original = match read_config(path)? {
        Some(src) => src.text,
        None => DEFAULT_TOML.to_owned(),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    crate::files::create_private_dir(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let draft = tempfile::Builder::new()
        .prefix(".config-edit-")
        .suffix(".toml")
        .tempfile_in(dir)
        .with_context(|| format!("cannot make a draft in {}", dir.display()))?;
    std::fs::write(draft.path(), &original)?;

    // An empty one (`VISUAL=`) counts as unset, as it does for other programs.
    let set = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    let editor = set("VISUAL")
        .or_else(|| set("EDITOR"))
        .unwrap_or_else(|| "vi".to_owned());
    loop {
        // Through the shell, so EDITOR may carry arguments ("code --wait").
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(draft.path())
            .status()
            .with_context(|| format!("cannot start the editor `{editor}`"))?;
        if !status.success() {
            anyhow::bail!(
                "the editor `{editor}` failed ({status}); {} is unchanged",
                path.display()
            );
        }
        let text = std::fs::read_to_string(draft.path())?;
        if text == original {
            println!("No changes.");
            return Ok(Status::Success);
        }
        let problems = Setup::validate(
            &Source::new(path, text.as_str()),
            Some(&paths.user_content),
            local_zone(),
        )
        .problems;
        if problems.is_empty() {
            // Through a link to the file it names, so the link stays.
            let target = if path.is_symlink() {
                std::fs::canonicalize(path)
                    .with_context(|| format!("cannot follow the link {}", path.display()))?
            } else {
                path.clone()
            };
            crate::files::write_private(&target, |f| f.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", target.display()))?;
            println!(
                "Saved {}. A running closer applies it by itself.",
                path.display()
            );
            return Ok(Status::Success);
        }
        for problem in &problems {
            eprintln!("{problem}");
        }
        if !ask("The edit is not valid. Edit again? [Y/n] ") {
            // The person's writing is not thrown away: it goes beside the config.
            let kept = rejected_path(path);
            crate::files::write_private(&kept, |f| f.write_all(text.as_bytes())).with_context(
                || {
                    format!(
                        "your edit was not kept, and cannot be saved to {}; {} is unchanged",
                        kept.display(),
                        path.display()
                    )
                },
            )?;
            eprintln!(
                "Your edit was not kept; {} is unchanged. What you wrote is in {}; \
                 `closer --config {} check` shows what to fix.",
                path.display(),
                kept.display(),
                kept.display()
            );
            return Ok(Status::Failure);
        }
    }
}

/// Where an edit that was not kept is saved: beside the config, `config.rejected.toml`
/// for `config.toml`.
fn rejected_path(config: &std::path::Path) -> std::path::PathBuf {
    let stem = config
        .file_stem()
        .map_or_else(|| "config".into(), |s| s.to_string_lossy());
    config.with_file_name(format!("{stem}.rejected.toml"))
}

/// Asks a yes/no question on the terminal; without one, the answer is no.
fn ask(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question}");
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    !line.trim().to_lowercase().starts_with('n')
}
