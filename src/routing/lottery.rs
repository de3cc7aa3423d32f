//! Lottery numbers: a student's own `lottery` when the instance gives one, otherwise one derived
//! from the run's seed and the student's id, so that every run can be reproduced — by this program
//! or by another solver checking it.
//!
//! Derivation: SHA-256 over the seed as 8 bytes big-endian followed by the id's UTF-8 bytes; the
//! first 8 bytes of the digest, read big-endian as an unsigned integer `x`, give
//! `(x >> 11) / 2^53`, a number in [0, 1) with 53 significant bits (exactly representable as a
//! double). An instance without `seed` uses seed 0.

use sha2::{Digest, Sha256};

/// The lottery number of student `id` under `seed`, in [0, 1).
pub fn derived_lottery(seed: u64, id: &str) -> f64 {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_be_bytes());
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_lottery_number_depends_on_seed_and_id_only_and_lies_in_the_unit_interval() {
        let a = derived_lottery(42, "S0001");
        assert_eq!(a, derived_lottery(42, "S0001"));
        assert_ne!(a, derived_lottery(43, "S0001"));
        assert_ne!(a, derived_lottery(42, "S0002"));
        for i in 0..1000 {
            let x = derived_lottery(7, &format!("S{i}"));
            assert!((0.0..1.0).contains(&x), "{x}");
        }
    }

    #[test]
    fn the_derivation_is_the_documented_one() {
        // SHA-256 of 00 00 00 00 00 00 00 2a ‖ "S0001", first 8 bytes, top 53 bits.
        let digest = Sha256::digest([&42u64.to_be_bytes()[..], b"S0001"].concat());
        let x = u64::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ]);
        assert_eq!(derived_lottery(42, "S0001"), (x >> 11) as f64 * 2f64.powi(-53));
    }
}
