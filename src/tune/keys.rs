//! Keys for the tuner: unique pseudo-random ids from a seed, in disjoint families.
//!
//! A sweep needs keys that are random (so their buckets are), unique (so a table holds exactly
//! the intended count without a set to deduplicate them), reproducible from a seed, and split
//! into disjoint families: keys that are inserted (hits), keys that never are (misses) and keys
//! the mixed workload inserts later (fresh). [`KeySpace`] gives all three: an id is a bijection
//! (the splitmix64 finalizer, [`crate::keys::mix`]) of a family offset plus an index, so
//! distinct indices can never collide. The id is what a sized key carries in its first 8 bytes
//! (see `sizes`).

use crate::keys::mix;

/// Index offset of the miss family.
const MISS_FAMILY: u64 = 1 << 62;
/// Index offset of the fresh-insert family.
const FRESH_FAMILY: u64 = 1 << 63;

/// The three disjoint key families of one seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpace {
    base: u64,
}

impl KeySpace {
    /// The key space of `seed`.
    pub(crate) fn new(seed: u64) -> KeySpace {
        KeySpace {
            base: mix(seed ^ 0x7475_6e65_6b65_7973),
        }
    }

    fn id(self, index: u64) -> u64 {
        mix(index.wrapping_add(self.base))
    }

    /// The `i`-th key that is inserted into the measured tables.
    pub(crate) fn hit(self, i: usize) -> u64 {
        debug_assert!((i as u64) < MISS_FAMILY);
        self.id(i as u64)
    }

    /// The `i`-th key that is never inserted: every lookup of it must miss.
    pub(crate) fn miss(self, i: usize) -> u64 {
        self.id(MISS_FAMILY + i as u64)
    }

    /// The `i`-th key inserted by the mixed workload, absent from the prefilled table.
    pub(crate) fn fresh(self, i: usize) -> u64 {
        self.id(FRESH_FAMILY + i as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn families_are_disjoint_unique_and_reproducible() {
        let keys = KeySpace::new(1);
        let mut seen = HashSet::new();
        for i in 0..10_000 {
            assert!(seen.insert(keys.hit(i)));
            assert!(seen.insert(keys.miss(i)));
            assert!(seen.insert(keys.fresh(i)));
        }
        assert_eq!(KeySpace::new(1).hit(5), keys.hit(5));
        assert_ne!(KeySpace::new(2).hit(5), keys.hit(5));
    }
}
