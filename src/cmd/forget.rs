//! `closer forget`: delete everything closer has recorded — the journal (with any damaged
//! copies), the seed, the report, the recovery file and its set-aside lines, the locks
//! (`Paths::written`), and temporary files a crash left in its own dirs — after the
//! person confirms. docs/privacy.md names each. Their config and own packs are their
//! writing, not closer's record, and stay; so does a report written elsewhere (`--out`).
//! The ladders turned on or off with `closer ladder` live in the journal, so they follow
//! the config again: said, ladder by ladder, with the command that turns each back.

use std::io::IsTerminal;

use crate::Status;
use crate::cli::ForgetArgs;
use crate::paths::Paths;
use crate::session::Session;

pub fn run(paths: &Paths, args: &ForgetArgs) -> anyhow::Result<Status> {
    if let Some(pid) = crate::lock::running(&paths.runtime, &paths.data) {
        anyhow::bail!(
            "closer is running (pid {pid}); stop it first (`closer service stop`, or kill {pid}), then forget"
        );
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "this deletes everything closer has recorded; add --yes to do it without asking"
            );
        }
        eprint!(
            "Delete everything closer has recorded on this machine: what was sent and answered, \
             where each ladder stands, and the ladders you turned on or off? This cannot be \
             undone. Type \"yes\": "
        );
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if line.trim() != "yes" {
            println!("Nothing was deleted.");
            return Ok(Status::Failure);
        }
    }
    // Ladders turned on or off from the terminal live in the journal: once it is gone,
    // the config's list holds again. Said afterwards, ladder by ladder.
    let changed = ladders_set_apart(paths);
    let mut removed = crate::journal::forget(&paths.journal())?;
    for file in paths.written().into_iter().chain(leftovers(paths)?) {
        match std::fs::remove_file(&file) {
            Ok(()) => removed.push(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot delete {}: {e}", file.display()),
        }
    }
    // The directories go too, when nothing else is in them.
    for dir in [&paths.data, &paths.state, &paths.runtime] {
        let _ = std::fs::remove_dir(dir);
    }
    if removed.is_empty() {
        println!("There was nothing to delete.");
    }
    for file in &removed {
        println!("deleted {}", file.display());
    }
    println!(
        "Your config at {} is yours, and stays.",
        paths.config.display()
    );
    if !changed.is_empty() {
        println!("The ladders you turned on or off with `closer ladder` follow your config again:");
        for line in changed {
            println!("  {line}");
        }
    }
    Ok(Status::Success)
}

/// Each ladder the person turned on or off from the terminal against what the config
/// says, as it will be once the journal is gone: "Telling my sister is off again
/// (`closer ladder enable telling-my-sister` turns it on)".
fn ladders_set_apart(paths: &Paths) -> Vec<String> {
    let Ok(Session {
        setup,
        journal: Some(journal),
        ..
    }) = Session::open(paths)
    else {
        return Vec::new();
    };
    let Ok(settings) = crate::history::read_settings(&journal) else {
        return Vec::new();
    };
    settings
        .ladders
        .iter()
        .filter(|(l, on)| setup.config.ladders.contains(l) != **on)
        .map(|(l, on)| {
            let name = setup.library.ladder_name(*l);
            if *on {
                format!("{name} is off again (`closer ladder enable {l}` turns it on)")
            } else {
                format!("{name} is on again (`closer ladder disable {l}` turns it off)")
            }
        })
        .collect()
}

/// The temporary files an atomic write left in closer's own dirs when it was cut short (a
/// crash, SIGKILL): `.closer-` and random letters, as `files::write_private` names them.
fn leftovers(paths: &Paths) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    for dir in [&paths.data, &paths.state, &paths.runtime] {
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => anyhow::bail!("cannot look in {}: {e}", dir.display()),
        };
        for entry in listing {
            let entry = entry?;
            let temporary = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(crate::files::TEMP_PREFIX));
            if temporary && entry.file_type()?.is_file() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}
