//! Hashing: the user's `BuildHasher`, mixed with a per-map seed Go calls `hash0`.

use core::cell::Cell;
use core::hash::{BuildHasher, Hash};
use std::collections::hash_map::RandomState;

/// The default hasher: std's SipHash-1-3 with random keys drawn per map, which resists
/// hash-flooding. Benchmarks pass a faster hasher explicitly and give it to every contender.
pub type DefaultHashBuilder = RandomState;

/// The hash evacmap uses for `key`: the user's hash folded with the map's seed.
///
/// The seed plays the part of Go's `hash0`: it is drawn per map and redrawn whenever the map
/// becomes empty (golang/go#25237), which moves every future key to a new bucket even when the
/// user's `BuildHasher` is deterministic. The fold (a 64x64->128 multiply, high xor low) also
/// spreads weak hashes into the low bits that pick buckets and the top byte that is the tophash.
#[inline]
pub(crate) fn hash_key<Q: Hash + ?Sized, S: BuildHasher>(build: &S, seed: u64, key: &Q) -> u64 {
    fold(build.hash_one(key) ^ seed)
}

#[inline]
fn fold(x: u64) -> u64 {
    let product = u128::from(x) * 0x9e37_79b9_7f4a_7c15_u128;
    (product as u64) ^ ((product >> 64) as u64)
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(first_seed());
}

fn first_seed() -> u64 {
    // RandomState draws its keys from the OS once per thread and then increments them.
    let seed = RandomState::new().hash_one(0x5eed_u64);
    seed | 1
}

/// A fast per-thread random number (xorshift64*), like Go's `rand()` for map seeds and the
/// iteration start; not for cryptography.
pub(crate) fn random_u64() -> u64 {
    RNG.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}
