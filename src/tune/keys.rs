//! Keys for the tuner: unique pseudo-random ids from a seed, and a small seeded generator.
//!
//! A sweep needs keys that are random (so their buckets are), unique (so a table holds exactly
//! the intended count without a set to deduplicate them), reproducible from a seed, and split
//! into disjoint families: keys that are inserted (hits), keys that never are (misses) and keys
//! the mixed workload inserts later (fresh). [`KeySpace`] gives all three: an id is a bijection
//! (the splitmix64 finalizer) of a family offset plus an index, so distinct indices can never
//! collide. The id is what a sized key carries in its first 8 bytes (see `sizes`).

/// Index offset of the miss family.
const MISS_FAMILY: u64 = 1 << 62;
/// Index offset of the fresh-insert family.
const FRESH_FAMILY: u64 = 1 << 63;

/// splitmix64's output function: a bijection on `u64` that looks random.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The three disjoint key families of one seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpace {
    base: u64,
}

impl KeySpace {
    /// The key space of `seed`.
    pub(crate) fn new(seed: u64) -> KeySpace {
        KeySpace {
            base: mix64(seed ^ 0x7475_6e65_6b65_7973),
        }
    }

    fn id(self, index: u64) -> u64 {
        mix64(index.wrapping_add(self.base))
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

/// A seeded splitmix64 generator (not for cryptography).
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose sequence depends only on `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.state)
    }

    /// A uniform number in `0..n` (Lemire's multiply-high; the bias is below 2^-32 for the
    /// table sizes used here). `n` must be positive.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
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

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(9);
        let mut hits = [0usize; 10];
        for _ in 0..10_000 {
            hits[rng.below(10)] += 1;
        }
        assert!(hits.iter().all(|&h| (800..1200).contains(&h)), "{hits:?}");
    }
}
