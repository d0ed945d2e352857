//! Chance that can be replayed: the user's seed, and the mixing that turns it into
//! "a random moment in the window" or "a prompt from the pool".
//!
//! Every random choice closer makes is a pure function of the seed and of what is
//! being chosen (a rule, a day, a time), so `closer next` and the daemon agree.

use std::fs;
use std::io::Write;
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
pub fn load_or_create(path: &Path) -> anyhow::Result<u64> {
    if let Ok(text) = fs::read_to_string(path)
        && let Ok(seed) = text.trim().parse()
    {
        return Ok(seed);
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
    fn mixing_is_stable_and_spread() {
        assert_eq!(mix(1, 2), mix(1, 2));
        assert_ne!(mix(1, 2), mix(2, 1));
        assert_eq!(hash_str("morning step"), hash_str("morning step"));
        assert_ne!(hash_str("a"), hash_str("b"));
        // Consecutive days land all over a 90-minute window.
        let spots: std::collections::BTreeSet<u64> = (0..30).map(|d| mix(7, d) % 91).collect();
        assert!(spots.len() > 20, "{spots:?}");
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
