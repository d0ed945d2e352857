//! `closer init`: write the default config to the user's config path, never over a file.

use std::io::Write;

use crate::Status;
use crate::config::DEFAULT_TOML;
use crate::paths::Paths;

pub fn run(paths: &Paths) -> anyhow::Result<Status> {
    let path = &paths.config;
    if path.exists() {
        anyhow::bail!(
            "{} already exists; closer init never overwrites a config (`closer edit` opens it)",
            path.display()
        );
    }
    crate::files::write_private(path, |f| f.write_all(DEFAULT_TOML.as_bytes()))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    println!("Wrote the default config to {}.", path.display());
    println!("`closer next` shows what comes when; `closer edit` changes it.");
    println!("closer is self-help, not therapy: `closer about` says where to find help.");
    Ok(Status::Success)
}
