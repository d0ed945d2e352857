//! The person's seed: read from its file, or made from the clock and stored (mode 0600).
//! The mixing that turns it into moments and choices is the core's (`closer_core::seed`),
//! re-exported here.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;

pub use closer_core::seed::{hash_str, mix};

/// Reads the seed stored at `path`, or makes one and stores it (mode 0600).
/// A symlink in its place is refused (closer's own files are never read through one).
pub fn load_or_create(path: &Path) -> anyhow::Result<u64> {
    let mut text = String::new();
    match crate::files::open_nofollow(path) {
        Ok(mut f) => {
            if f.read_to_string(&mut text).is_ok()
                && let Ok(seed) = text.trim().parse()
            {
                return Ok(seed);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                anyhow::bail!(
                    "the random seed {} is a symlink; closer keeps it as a plain file: remove the link (a new seed is made)",
                    path.display()
                );
            }
            return Err(e)
                .with_context(|| format!("cannot read the random seed {}", path.display()));
        }
    }
    let seed = fresh();
    crate::files::write_private(path, |f| writeln!(f, "{seed}"))
        .with_context(|| format!("cannot store the random seed in {}", path.display()))?;
    Ok(seed)
}

/// A new seed from the clock and the process, which is all the chance this needs.
fn fresh() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    mix(nanos, u64::from(std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_seed_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::write(&target, "not closer's\n").unwrap();
        let path = dir.path().join("seed");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("is a symlink"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "not closer's\n");
    }

    #[test]
    fn the_seed_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/seed");
        let first = load_or_create(&path).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), first);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
