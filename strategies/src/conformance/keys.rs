//! Keys, doom predicates and value checks shared by the properties.
//!
//! Every property needs reproducible random keys, a doom predicate that is a pure function of
//! the key (so the test knows the doomed set in advance), key sets that cannot overlap (stable
//! keys, churn keys, keys never inserted), and a way to tell from a check word whether a value
//! is one that was really written for that key.

use std::collections::HashSet;

use crate::Key;

/// A bijective 64-bit mixer (the SplitMix64 finalizer): distinct inputs give distinct outputs.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xorshift64*: a small seeded RNG; the same seed gives the same keys on every machine.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// An RNG for `seed` (any value, zero included).
    pub(crate) fn new(seed: u64) -> Rng {
        // xorshift's state must not be zero; `mix` maps exactly one input to zero.
        Rng(mix(seed) | 1)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-enough in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Disjoint key classes: the low two bits of a key say which class it belongs to, so keys of
/// different classes can never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Keys inserted before the concurrent phase (some doomed, some kept).
    Prefill = 0,
    /// Keys inserted (or inserted and removed) by writer threads during the concurrent phase.
    Fresh = 1,
    /// Keys used by a second writer pattern (the snapshot pairs).
    Pair = 2,
    /// Keys no thread ever inserts.
    Never = 3,
}

impl Class {
    /// The class of `key`.
    pub(crate) fn of(key: Key) -> Class {
        match key & 3 {
            0 => Class::Prefill,
            1 => Class::Fresh,
            2 => Class::Pair,
            _ => Class::Never,
        }
    }
}

/// `n` distinct random keys of class `class`.
pub(crate) fn class_keys(rng: &mut Rng, n: usize, class: Class) -> Vec<Key> {
    let mut seen = HashSet::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    while keys.len() < n {
        let k = (rng.next_u64() & !3) | class as u64;
        if seen.insert(k) {
            keys.push(k);
        }
    }
    keys
}

/// `n` distinct random keys of any class; from 7 keys on they include the edge keys `0` and
/// `u64::MAX`, which a contender must not treat as sentinels.
pub(crate) fn random_keys(rng: &mut Rng, n: usize) -> Vec<Key> {
    let mut seen = HashSet::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    if n >= 7 {
        for edge in [0, u64::MAX] {
            seen.insert(edge);
            keys.push(edge);
        }
    }
    while keys.len() < n {
        let k = rng.next_u64();
        if seen.insert(k) {
            keys.push(k);
        }
    }
    // Put the edge keys somewhere in the middle of the insertion order.
    if n >= 7 {
        keys.swap(0, n / 2);
        keys.swap(1, n / 3);
    }
    keys
}

/// Whether `key` is doomed at `permille` out of 1000 under `salt`: a pure function of the key,
/// so the test knows the doomed set before the sweep runs.
pub(crate) fn doomed(key: Key, salt: u64, permille: u64) -> bool {
    mix(key ^ salt) % 1000 < permille
}

/// The version a check word was written with for `key` (the inverse of
/// [`check_word`](crate::check_word)).
pub(crate) fn version_of(key: Key, check: u64) -> u64 {
    (check ^ key).rotate_right(32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_word;

    #[test]
    fn version_of_inverts_check_word() {
        for (k, v) in [(0, 0), (u64::MAX, 7), (12345, 1 << 40)] {
            assert_eq!(version_of(k, check_word(k, v)), v);
        }
    }
}
