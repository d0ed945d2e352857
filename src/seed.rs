//! Chance that can be replayed: the user's seed, and the mixing that turns it into
//! "a random moment in the window" or "a prompt from the pool".
//!
//! Every random choice closer makes is a pure function of the seed and of what is
//! being chosen (a rule, a day, a time), so `closer next` and the daemon agree.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;

/// Mixes two values into one well-spread value (the SplitMix64 finaliser).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of a string that stays the same across builds and platforms (FNV-1a).
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

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

    /// Every person's schedule is replayed from these two functions: a change to either
    /// moves every planned moment and prompt choice. The values were computed once and
    /// are kept here so that such a change cannot pass unnoticed.
    #[test]
    fn mix_keeps_its_golden_values() {
        let golden: &[(u64, u64, u64)] = &[
            (0, 0, 0x51ff_f90e_2c88_e79b),
            (1, 2, 0x34ae_0dc3_1e62_7228),
            (2, 1, 0x9b5a_7793_3748_569b),
            (u64::MAX, 7, 0xc02b_5d10_e809_8f51),
            (0x1234_5678_9abc_def0, 20_000, 0x7163_2d5a_10c0_9733),
        ];
        for &(a, b, want) in golden {
            assert_eq!(mix(a, b), want, "mix({a}, {b})");
        }
        // Consecutive days land all over a 90-minute window.
        let spots: std::collections::BTreeSet<u64> = (0..30).map(|d| mix(7, d) % 91).collect();
        assert!(spots.len() > 20, "{spots:?}");
    }

    #[test]
    fn hash_str_keeps_its_golden_values() {
        // The FNV-1a 64-bit offset basis and its published value for "a".
        assert_eq!(hash_str(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash_str("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash_str("morning step"), 0x539c_6b90_2d58_5bc7);
        assert_eq!(hash_str("emotional-3"), 0x0e8c_b617_495e_020f);
    }

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
