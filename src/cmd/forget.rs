//! `closer forget`: delete everything closer has recorded — the journal (with any damaged
//! copies), the seed, the report, the lock (`Paths::written`) — after the person confirms. Their config and own packs
//! are their writing, not closer's record, and stay.

use std::io::IsTerminal;

use crate::Status;
use crate::cli::ForgetArgs;
use crate::paths::Paths;

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
            "Delete everything closer has recorded on this machine? This cannot be undone. Type \"yes\": "
        );
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if line.trim() != "yes" {
            println!("Nothing was deleted.");
            return Ok(Status::Failure);
        }
    }
    let mut removed = crate::journal::forget(&paths.journal())?;
    for file in paths.written() {
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
    Ok(Status::Success)
}
