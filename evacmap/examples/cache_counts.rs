//! The operations of `benches/core.rs` (lookup hit, lookup miss, iterate) on evacmap and on
//! hashbrown, each in its own never-inlined function, run once over maps built as the bench
//! builds them, so that valgrind can count instructions, reads and simulated cache misses per
//! operation. The README's "What limits the rest" table comes from:
//!
//! ```text
//! cargo build --release -p evacmap --example cache_counts
//! valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 \
//!     --LL=1048576,16,64 target/release/examples/cache_counts 1048576
//! callgrind_annotate --auto=no --threshold=100 callgrind.out.<pid>
//! ```
//!
//! (`--LL=33554432,16,64` for a 32 MiB last level). Each `cg_*` function is fully inlined, so
//! the sum of its lines in `callgrind_annotate`'s listing is its cost; divide by N (by 3N for the
//! iterate functions, which run three times).

use std::hint::black_box;

use evacmap::EvacMap;
use foldhash::fast::FixedState;

type Evac = EvacMap<u64, u64, FixedState>;
type Brown = hashbrown::HashMap<u64, u64, FixedState>;

fn hasher() -> FixedState {
    FixedState::with_seed(0x5eed_0fe7_acbe_9c00)
}

/// The bench's keys: distinct splitmix64 values, `n` present and `n` absent.
fn keys(n: usize, seed: u64) -> (Vec<u64>, Vec<u64>) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut seen = std::collections::HashSet::with_capacity(2 * n);
    let (mut present, mut absent) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while absent.len() < n {
        let k = next();
        if seen.insert(k) {
            if present.len() < n {
                present.push(k);
            } else {
                absent.push(k);
            }
        }
    }
    (present, absent)
}

#[inline(never)]
fn cg_hit_evac(m: &Evac, keys: &[u64]) -> usize {
    keys.iter()
        .filter(|k| m.get(black_box(*k)).is_some())
        .count()
}

#[inline(never)]
fn cg_hit_brown(m: &Brown, keys: &[u64]) -> usize {
    keys.iter()
        .filter(|k| m.get(black_box(*k)).is_some())
        .count()
}

#[inline(never)]
fn cg_miss_evac(m: &Evac, keys: &[u64]) -> bool {
    keys.iter().any(|k| m.get(black_box(k)).is_some())
}

#[inline(never)]
fn cg_miss_brown(m: &Brown, keys: &[u64]) -> bool {
    keys.iter().any(|k| m.get(black_box(k)).is_some())
}

#[inline(never)]
fn cg_iter_evac(m: &Evac) -> u64 {
    black_box(m)
        .iter()
        .fold(0u64, |acc, (_, v)| acc.wrapping_add(*v))
}

#[inline(never)]
fn cg_iter_brown(m: &Brown) -> u64 {
    black_box(m)
        .iter()
        .fold(0u64, |acc, (_, v)| acc.wrapping_add(*v))
}

fn main() {
    let n: usize = match std::env::args().nth(1) {
        None => 65_536,
        Some(arg) => arg.parse().unwrap_or_else(|_| {
            eprintln!("cache_counts: `{arg}` is not a number of entries; pass e.g. 1048576");
            std::process::exit(2)
        }),
    };
    let (present, absent) = keys(n, n as u64);
    let mut lookup_order = present.clone();
    lookup_order.reverse();
    let mut e = Evac::with_hasher(hasher());
    let mut b = Brown::with_hasher(hasher());
    for &k in &present {
        e.insert(k, k);
        b.insert(k, k);
    }
    let sum = present.iter().fold(0u64, |acc, &k| acc.wrapping_add(k));
    assert_eq!(cg_hit_evac(&e, &lookup_order), n);
    assert_eq!(cg_hit_brown(&b, &lookup_order), n);
    assert!(!cg_miss_evac(&e, &absent));
    assert!(!cg_miss_brown(&b, &absent));
    for _ in 0..3 {
        assert_eq!(cg_iter_evac(&e), sum);
        assert_eq!(cg_iter_brown(&b), sum);
    }
    println!("cache_counts: {n} entries, every operation verified");
}
