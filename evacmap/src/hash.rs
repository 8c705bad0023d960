//! Hashing: the user's `BuildHasher`, mixed with a per-map seed Go calls `hash0`.

use core::cell::Cell;
use core::hash::{BuildHasher, Hash};
use core::sync::atomic::{AtomicU64, Ordering};
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

/// Where one map's random draws come from: its seeds (`hash0`), its cursors' random starts and
/// its sampled overflow counts.
///
/// By default every draw is fresh per-thread randomness, as in Go. With
/// [`Config::seed`](crate::Config::seed) set, the draws are a fixed sequence (splitmix64 of a
/// counter starting at that seed), so the same operations on the same keys give the same table
/// layout, overflow, probe lengths and iteration order in every run: what a benchmark that
/// compares runs needs. A counter in an atomic keeps the map `Sync` while `cursor(&self)` draws.
#[derive(Debug, Default)]
pub(crate) struct Entropy {
    fixed: Option<AtomicU64>,
}

impl Entropy {
    /// Fresh randomness when `seed` is `None`, the fixed sequence of `seed` otherwise.
    pub(crate) fn new(seed: Option<u64>) -> Self {
        Entropy {
            fixed: seed.map(AtomicU64::new),
        }
    }

    /// The next draw.
    #[inline]
    pub(crate) fn next(&self) -> u64 {
        match &self.fixed {
            None => random_u64(),
            Some(state) => {
                // Relaxed: the counter only has to hand out distinct values; a map's draws that
                // race (two cursors made on two threads at once) stay deterministic in set, and
                // benchmarks draw from one thread.
                let x = state.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
                splitmix64(x)
            }
        }
    }
}

impl Entropy {
    /// Where a plain iteration starts: fresh randomness, or, with a fixed seed, a value that
    /// depends only on `salt` (the map's state), so it consumes nothing of the fixed sequence.
    #[inline]
    pub(crate) fn iteration_start(&self, salt: u64) -> u64 {
        match &self.fixed {
            None => random_u64(),
            Some(_) => splitmix64(salt),
        }
    }
}

impl Clone for Entropy {
    fn clone(&self) -> Self {
        Entropy {
            fixed: self
                .fixed
                .as_ref()
                .map(|state| AtomicU64::new(state.load(Ordering::Relaxed))),
        }
    }
}

/// splitmix64's output function: a bijection that scatters consecutive counters.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
