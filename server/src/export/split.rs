//! The train/validation split: a key (an item's external id, or a context) is hashed to a
//! number in [0, 1) and lands in validation when that number is below the fraction asked for.
//! The hash is not seeded, so an item keeps its side across exports and as data grows.

use sha2::{Digest, Sha256};

/// The key's place in [0, 1).
pub fn position(key: &str) -> f64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether the key belongs to the validation file.
pub fn is_validation(key: &str, validation_fraction: f64) -> bool {
    validation_fraction > 0.0 && position(key) < validation_fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_spread_evenly_and_never_move() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("item-{i}")).collect();
        let validation = keys.iter().filter(|k| is_validation(k, 0.1)).count();
        assert!((1_800..2_200).contains(&validation), "{validation}");
        assert_eq!(position("item-1"), position("item-1"));
        assert!(!is_validation("item-1", 0.0));
        // Growing the fraction only moves items into validation, never out of it.
        assert!(keys
            .iter()
            .filter(|k| is_validation(k, 0.1))
            .all(|k| is_validation(k, 0.2)));
    }
}
