//! Chance that can be replayed: the mixing that turns the person's seed into "a random
//! moment in the window" or "a prompt from the pool". The seed itself is read (or made)
//! by the root crate's `seed::load_or_create`.
//!
//! Every random choice closer makes is a pure function of the seed and of what is
//! being chosen (a rule, a day, a time), so `closer next` and the daemon agree.

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
}
