//! `closer init`: write the default config to the user's config path, never over a file
//! and never in place of a link (not even one to nothing).

use std::io::Write;

use crate::Status;
use crate::config::DEFAULT_TOML;
use crate::paths::Paths;

pub fn run(paths: &Paths) -> anyhow::Result<Status> {
    let path = &paths.config;
    let exists = || {
        anyhow::anyhow!(
            "{} already exists; closer init never overwrites a config (`closer edit` opens it)",
            path.display()
        )
    };
    // A link to nothing is refused, not written through: its target may be anywhere (a
    // dotfile repository, another user's file), and closer writes only where it was told.
    // Nor is the link replaced by a plain file, which would quietly cut the config off
    // from the person's dotfiles. The message names the target, to init there on purpose.
    if let Ok(link) = std::fs::symlink_metadata(path)
        && link.file_type().is_symlink()
        && !path.exists()
    {
        let target = std::fs::read_link(path)?;
        anyhow::bail!(
            "{} is a symbolic link to {}, which does not exist; closer init does not replace \
             a link: `closer --config {} init` writes the config it names, or remove the link",
            path.display(),
            target.display(),
            target.display()
        );
    }
    if path.exists() {
        return Err(exists());
    }
    crate::files::create_private(path, |f| f.write_all(DEFAULT_TOML.as_bytes())).map_err(|e| {
        match e.kind() {
            // Something appeared there since: still never overwritten.
            std::io::ErrorKind::AlreadyExists => exists(),
            _ => anyhow::anyhow!("cannot write {}: {e}", path.display()),
        }
    })?;
    println!("Wrote the default config to {}.", path.display());
    // The icon and name its notifications show, from the first one on.
    match crate::service::desktop_files_for_this_user() {
        Ok((dir, written)) => {
            if !written.is_empty() {
                println!(
                    "Wrote closer's icon and desktop entry under {}, for its notifications.",
                    dir.display()
                );
            }
        }
        Err(e) => eprintln!("warning: {e}; notifications show no icon of closer's"),
    }
    println!("`closer next` shows what comes when; `closer edit` changes it.");
    println!("closer is self-help, not therapy: `closer about` says where to find help.");
    Ok(Status::Success)
}
