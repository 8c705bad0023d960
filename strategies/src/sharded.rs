//! `sharded`: N independently locked evacmaps, swept one shard at a time.
//!
//! # The problem
//! With one lock around the map ([`RwLockMap`](crate::RwLockMap)), a sweep stops every reader
//! and writer for as long as it takes to visit the whole map. Splitting the map into N shards,
//! each a [`RwLock`] around its own evacmap, and sweeping them in turn bounds
//! the pause: a sweep write-locks one shard, `retain`s it and moves on, so a reader waits only if
//! its key lives in the shard being swept at that moment, and then for about 1/N of the sweep.
//! Writers contend less as well, since two writers meet only on the same shard. This is
//! dashmap's layout, with evacmap tables in the shards.
//!
//! What is given up is atomicity across shards: a traversal or a sweep sees each shard at a
//! different moment, and `len` adds up counts taken at different moments.
//!
//! # Choosing the shard
//! A key's shard must be chosen from bits of its hash that do not also choose its bucket inside
//! the shard's table; otherwise every key of a shard lands in the same 1/N of that shard's
//! buckets, and chains grow N times longer.
//!
//! The shard is `((h >> 32) * N) >> 32`, where `h` is the key's 64-bit hash from the one
//! [`Hasher`] every contender uses: a multiply-shift reduction of the high 32 bits of `h` onto
//! `0..N`, which needs no division and accepts any N (not only powers of two), each shard
//! receiving a share of the 2^32 high-bit values that differs from 1/N by less than 2^-32.
//!
//! Inside a shard, evacmap hashes the key with the same hasher (so again to `h`) and takes the
//! bucket from the low B bits of `fold(h ^ seed)` (`evacmap/src/hash.rs`), where `seed` is the
//! shard map's own random seed and `fold(x) = lo(x·K) ^ hi(x·K)`: the low and high 64-bit halves
//! of the 128-bit product of `x` with an odd constant `K`. Why the two choices do not correlate:
//!
//! 1. `lo(x·K) mod 2^B` is `(x mod 2^B)·K mod 2^B`: it depends only on the low B bits of `x`,
//!    hence of `h`, which for any table of up to 2^32 buckets are bits the shard choice never
//!    reads. Multiplying by an odd `K` permutes the residues mod 2^B, so this term is spread
//!    evenly over the buckets whenever `h`'s low bits are, whichever shard the key went to.
//! 2. `hi(x·K)` does depend on the shard bits, but only through the full product, which mixes
//!    them with every other bit of `x`, and `x` is offset by a seed drawn at random per shard
//!    map, so no fixed relation between shard bits and this term carries from one shard to
//!    another.
//! 3. The tophash, the top byte of `fold(h ^ seed)`, is a product of all the bits in the same
//!    way, so a shard's keys do not share tophash bits either (the mistake of taking shard bits
//!    from the same bits a table uses for its tags).
//!
//! The unit test `shard_choice_does_not_skew_buckets` checks the result rather than trusting the
//! argument: with 8 shards filled near their maximum load, every shard's chain statistics match
//! an unsharded evacmap's at the same load, while a shard fed by bucket-selecting bits fails the
//! same check.

use core::fmt;
use core::hash::BuildHasher;

use crossbeam_utils::CachePadded;

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{
    Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Shared, Sweep,
};
use crate::evacmap_direct::{map_memory, new_map, Map};
use crate::sync::{self, Arc, RwLock};
use crate::value::{Key, Value};

/// One shard: a lock and its evacmap, alone on its cache line(s) so that threads locking
/// neighbouring shards do not invalidate each other's lock word.
type Shard<V> = CachePadded<RwLock<Map<V>>>;

/// N evacmaps, each behind its own reader-writer lock on its own cache line; a sweep
/// write-locks and `retain`s one shard at a time.
///
/// Compared with [`RwLockMap`](crate::RwLockMap), **a sweep blocks only the readers and
/// writers of the shard being swept**, for about 1/N of the sweep, and concurrent writers rarely
/// meet on one lock. The costs: every operation hashes its key once more to pick the shard;
/// the shards cost N padded locks and N tables each sized for 1/N of the capacity (more slack
/// in total than one table); and traversals, sweeps and [`len`](Ops::len) see the shards at
/// different moments (weakly consistent, not a snapshot). N comes from
/// [`Build::shard_count`] (default: 4 per core, rounded up to a power of two); any N from 1 to
/// [`MAX_SHARDS`](crate::MAX_SHARDS) is accepted.
///
/// Cloning gives another handle to the same map ([`Shared::handle`] does the same).
pub struct ShardedMap<V> {
    inner: Arc<Inner<V>>,
}

struct Inner<V> {
    /// The shards; a key lives in `shards[shard_index(hash, shards.len())]`, never elsewhere.
    shards: Box<[Shard<V>]>,
    /// The hasher every shard map also uses, to pick the shard.
    hasher: Hasher,
}

/// The shard of a key whose hash is `hash`, among `shards` shards: the high 32 bits of the
/// hash reduced onto `0..shards` by multiply-shift (see the module docs for why the high bits).
#[inline]
fn shard_index(hash: u64, shards: usize) -> usize {
    // (2^32 - 1) * shards < 2^32 * shards, so the result is below `shards`; no overflow since
    // shards <= MAX_SHARDS = 2^16.
    (((hash >> 32) * shards as u64) >> 32) as usize
}

impl<V> Clone for ShardedMap<V> {
    fn clone(&self) -> Self {
        ShardedMap {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<V> fmt::Debug for ShardedMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardedMap")
            .field("shards", &self.shard_count())
            .finish_non_exhaustive()
    }
}

impl<V> ShardedMap<V> {
    /// The number of shards N.
    pub fn shard_count(&self) -> usize {
        self.inner.shards.len()
    }

    /// The shard holding `key`, if present.
    #[inline]
    fn shard(&self, key: Key) -> &RwLock<Map<V>> {
        let shards = &self.inner.shards;
        &shards[shard_index(self.inner.hasher.hash_one(key), shards.len())]
    }
}

impl<V: Value> Ops<V> for ShardedMap<V> {
    #[inline]
    fn insert(&mut self, key: Key, value: V) -> bool {
        sync::write(self.shard(key)).insert(key, value).is_none()
    }

    #[inline]
    fn get(&mut self, key: Key) -> Option<u64> {
        sync::read(self.shard(key)).get(&key).map(Value::check)
    }

    #[inline]
    fn remove(&mut self, key: Key) -> bool {
        sync::write(self.shard(key)).remove(&key).is_some()
    }

    /// Write-locks each shard in turn and `retain`s it. Entries inserted meanwhile into a shard
    /// not yet swept are visited; those inserted into a shard already swept are not.
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut sweep = Sweep::default();
        for shard in self.inner.shards.iter() {
            sync::write(shard).retain(|k, v| sweep.keep(doomed(*k, v)));
        }
        sweep
    }

    /// Iterates each shard in turn under its read lock. Weakly consistent: an entry present
    /// throughout is yielded exactly once (a key never changes shard); an entry inserted or
    /// removed meanwhile is yielded or not depending on whether its shard was already done.
    fn traverse<F>(&mut self, mut f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        let mut n = 0;
        for shard in self.inner.shards.iter() {
            let map = sync::read(shard);
            for (k, v) in map.iter() {
                f(*k, v);
                n += 1;
            }
        }
        n
    }

    /// The sum of the shards' lengths, each read under its shard's lock in turn: exact when no
    /// other thread writes, otherwise not a snapshot of any one moment.
    fn len(&mut self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|shard| sync::read(shard).len())
            .sum()
    }

    /// The shards' tables plus the shard array (N padded locks and map headers). The handle's
    /// own fixed-size allocation is not counted.
    fn memory(&mut self) -> Memory {
        let shards = &self.inner.shards;
        let array = core::mem::size_of_val::<[Shard<V>]>(shards);
        let tables: usize = shards
            .iter()
            .map(|shard| map_memory(&sync::read(shard)).heap_bytes)
            .sum();
        Memory {
            heap_bytes: array + tables,
            garbage_bytes: 0,
            exact: true,
            garbage_known: true,
        }
    }

    /// A writer can insert between two shards of a sweep (into any shard): the inserts due by
    /// then (one per `every` entries visited) go there, each under its shard's write lock; the
    /// rest after the sweep. Inserts landing in shards not yet swept are visited.
    fn sweep_interleaved<F, I>(&mut self, mut doomed: F, mut inserts: I, every: usize) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
        I: Iterator<Item = (Key, V)>,
    {
        let every = every.max(1);
        let mut sweep = Sweep::default();
        let mut inserted = 0;
        for i in 0..self.shard_count() {
            sync::write(&self.inner.shards[i]).retain(|k, v| sweep.keep(doomed(*k, v)));
            let due = sweep.visited / every - inserted;
            for (k, v) in inserts.by_ref().take(due) {
                self.insert(k, v);
                inserted += 1;
            }
        }
        for (k, v) in inserts {
            self.insert(k, v);
        }
        sweep
    }

    /// `shrink_to_fit` on each shard in turn, under that shard's write lock.
    fn shrink(&mut self) -> bool {
        for shard in self.inner.shards.iter() {
            sync::write(shard).shrink_to_fit();
        }
        true
    }
}

impl<V: Value> Contender<V> for ShardedMap<V> {
    const INFO: Info = Info {
        name: "sharded",
        origin: Origin::Strategy,
        shared: true,
        consistency: Consistency::WeaklyConsistent,
        readers_block: ReaderBlocking::OneShardAtATime,
        keeps_order: false,
        during_sweep: "readers of other shards proceed; a reader of the shard being swept waits \
                       for that shard only; doomed entries stay visible until their shard's turn",
        extra_memory: "none per sweep; N cache-padded locks and N tables each sized for 1/N of \
                       the capacity",
        choose_when: "many threads read and write throughout and may pause for one shard's \
                      sweep but not the whole map's; N from the core count",
        how: "write-lock each shard in turn and `retain` it",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        let n = build.shard_count();
        let per_shard = Build {
            capacity: build.capacity.div_ceil(n),
            ..*build
        };
        let shards = (0..n)
            .map(|_| CachePadded::new(RwLock::new(new_map(&per_shard))))
            .collect();
        Ok(ShardedMap {
            inner: Arc::new(Inner {
                shards,
                hasher: hasher(build.seed),
            }),
        })
    }
}

impl<V: Value> Shared<V> for ShardedMap<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}

#[cfg(all(test, not(evacbench_loom)))]
mod tests {
    use super::*;
    use crate::value::{check_word, V64, V8};
    use crate::MAX_SHARDS;
    use evacmap::ProbeStats;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Barrier;

    fn with_shards<V: Value>(shards: usize, capacity: usize) -> ShardedMap<V> {
        ShardedMap::build(&Build {
            shards: Some(shards),
            capacity,
            ..Build::default()
        })
        .unwrap()
    }

    impl<V: Value> ShardedMap<V> {
        fn shard_lens(&self) -> Vec<usize> {
            self.inner
                .shards
                .iter()
                .map(|s| sync::read(s).len())
                .collect()
        }

        /// Each shard's probe statistics, after checking it never grew from `b`.
        fn shard_probe_stats(&self, b: u8) -> Vec<ProbeStats> {
            let shards = self.inner.shards.iter();
            shards
                .map(|s| {
                    let map = sync::read(s);
                    let stats = map.stats();
                    assert_eq!((stats.b, stats.grows), (b, 0), "a shard grew");
                    map.probe_stats()
                })
                .collect()
        }
    }

    #[test]
    fn operations_report_what_happened() {
        let mut m = with_shards::<V8>(3, 16);
        assert!(m.insert(7, V8::new(7, 0)));
        assert!(!m.insert(7, V8::new(7, 1)));
        assert_eq!(m.get(7), Some(check_word(7, 1)));
        assert_eq!(m.get(8), None);
        assert!(m.remove(7));
        assert!(!m.remove(7));
        assert!(m.is_empty());
    }

    #[test]
    fn sweep_removes_exactly_the_doomed_entries() {
        let mut m = with_shards::<V64>(5, 1000);
        for k in 0..1000 {
            m.insert(k, V64::new(k, 0));
        }
        let s = m.sweep(|k, _| k % 4 == 0);
        assert_eq!(
            s,
            Sweep {
                visited: 1000,
                removed: 250
            }
        );
        assert_eq!(m.len(), 750);
        for k in 0..1000 {
            assert_eq!(m.get(k).is_some(), k % 4 != 0, "key {k}");
        }
        let mut seen = Vec::new();
        assert_eq!(m.traverse(|k, _| seen.push(k)), 750);
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).filter(|k| k % 4 != 0).collect::<Vec<_>>());
    }

    #[test]
    fn shrink_gives_memory_back() {
        let mut m = with_shards::<V64>(4, 4000);
        for k in 0..4000 {
            m.insert(k, V64::new(k, 0));
        }
        let full = m.memory().heap_bytes;
        assert_eq!(m.sweep(|k, _| k >= 40).removed, 3960);
        assert!(m.shrink());
        assert!(
            m.memory().heap_bytes * 4 < full,
            "{:?} of {full}",
            m.memory()
        );
        assert!((0..40).all(|k| m.get(k) == Some(check_word(k, 0))));
    }

    /// Inserts made between shards land in swept and unswept shards alike; those in unswept
    /// shards are visited, none is lost.
    #[test]
    fn sweep_interleaved_inserts_between_shards() {
        let mut m = with_shards::<V8>(8, 1000);
        for k in 0..1000 {
            m.insert(k, V8::new(k, 0));
        }
        let inserts = (5000..5400).map(|k| (k, V8::new(k, 0)));
        let s = m.sweep_interleaved(|k, _| k < 500, inserts, 2);
        assert_eq!(s.removed, 500);
        assert!(
            (1000..1400).contains(&s.visited),
            "some but not all inserts visited: {s:?}"
        );
        assert_eq!(m.len(), 900);
        assert!((5000..5400).all(|k| m.get(k).is_some()));
    }

    #[test]
    fn shard_count_comes_from_the_build() {
        assert_eq!(with_shards::<V8>(7, 0).shard_count(), 7);
        let default = ShardedMap::<V8>::build(&Build::default()).unwrap();
        assert_eq!(default.shard_count(), Build::default_shards());
        let e = ShardedMap::<V8>::build(&Build {
            shards: Some(0),
            ..Build::default()
        })
        .unwrap_err();
        assert_eq!(e, BuildError::ZeroShards);
        let text = e.to_string();
        assert!(
            text.contains("at least 1") && text.contains("omit it"),
            "{text}"
        );
        assert!(ShardedMap::<V8>::build(&Build {
            shards: Some(MAX_SHARDS + 1),
            ..Build::default()
        })
        .is_err());
    }

    #[test]
    fn shard_index_stays_in_range() {
        for n in [1, 2, 3, 7, 8, 1000, MAX_SHARDS] {
            for h in [0, 1, u64::MAX >> 32, 1 << 32, u64::MAX - 1, u64::MAX] {
                assert!(shard_index(h, n) < n, "{h:#x} onto {n}");
            }
            assert_eq!(shard_index(u64::MAX, n), n - 1);
            assert_eq!(shard_index(u32::MAX as u64, n), 0, "low bits are ignored");
        }
    }

    /// Keys spread over every shard, also when N is not a power of two.
    #[test]
    fn keys_are_distributed_over_all_shards() {
        const KEYS: usize = 12_000;
        for n in [1, 3, 5, 8, 12] {
            let mut m = with_shards::<V8>(n, KEYS);
            for k in 0..KEYS as u64 {
                m.insert(k, V8::new(k, 0));
            }
            let lens = m.shard_lens();
            assert_eq!(lens.iter().sum::<usize>(), KEYS);
            let mean = KEYS / n;
            // 6 standard deviations of a binomial share, at most ~0.5% of a fair share's count.
            let tolerance = 6.0 * ((KEYS as f64) / n as f64).sqrt();
            for (i, &len) in lens.iter().enumerate() {
                assert!(
                    (len as f64 - mean as f64).abs() < tolerance,
                    "shard {i} of {n} holds {len}, expected about {mean}: {lens:?}"
                );
            }
        }
    }

    #[test]
    fn memory_counts_tables_and_shard_array() {
        let mut m = with_shards::<V64>(4, 4000);
        let empty = m.memory();
        assert!(empty.exact);
        assert!(empty.heap_bytes >= 4 * core::mem::size_of::<Shard<V64>>());
        for k in 0..4000 {
            m.insert(k, V64::new(k, 0));
        }
        let full = m.memory();
        let tables: usize = m
            .inner
            .shards
            .iter()
            .map(|s| sync::read(s).stats().heap_bytes)
            .sum();
        assert!(tables >= 4000 * (8 + 64), "{tables}");
        assert_eq!(
            full.heap_bytes,
            tables + 4 * core::mem::size_of::<Shard<V64>>()
        );
    }

    /// evacmap's hash fold (`evacmap/src/hash.rs`), for the correlated counter-example below.
    fn evacmap_fold(x: u64) -> u64 {
        let product = u128::from(x) * 0x9e37_79b9_7f4a_7c15_u128;
        (product as u64) ^ ((product >> 64) as u64)
    }

    /// Whether every shard's chain statistics are those of an unsharded map at the same load:
    /// same fraction of chains with an overflow bucket, same mean hit probe length.
    fn like_unsharded(shards: &[ProbeStats], unsharded: &ProbeStats) -> Result<(), String> {
        // Per shard, 5 to 6 standard deviations of either statistic at 2048 buckets and load 6
        // (0.008 and 0.03, by simulation); a shard using half its buckets is off by 0.27 and 3.
        const OVERFLOW_TOLERANCE: f64 = 0.045;
        const HIT_TOLERANCE: f64 = 0.2;
        for (i, s) in shards.iter().enumerate() {
            let overflow = (s.overflow_fraction - unsharded.overflow_fraction).abs();
            let hit = (s.hit_probe - unsharded.hit_probe).abs();
            if overflow > OVERFLOW_TOLERANCE || hit > HIT_TOLERANCE {
                return Err(format!("shard {i}: {s:?}\nunsharded: {unsharded:?}"));
            }
        }
        Ok(())
    }

    /// A key sequence: consecutive integers, or the same scrambled by splitmix64's finalizer.
    fn key(k: u64, scrambled: bool) -> Key {
        if !scrambled {
            return k;
        }
        let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The shard choice does not skew the bucket choice inside a shard: with 8 shards of 2^11
    /// buckets filled to load 6 (the maximum is 6.5), each shard's chains look like those of
    /// one 2^14-bucket evacmap holding the same keys; and the check does catch a shard choice
    /// correlated with the bucket choice. The overflow fraction alone would not: a shard whose
    /// keys all fall in 1/8 of its buckets has 1/8 of its chains overflowing, close to the
    /// 15% of a healthy table at load 6; its hit probe length (about 25 instead of 4) does not.
    #[test]
    fn shard_choice_does_not_skew_buckets() {
        const N: usize = 8;
        const SHARD_B: u8 = 11;
        const KEYS: usize = (N * 6) << SHARD_B;
        let build = Build {
            shards: Some(N),
            capacity: KEYS,
            ..Build::default()
        };
        for scrambled in [false, true] {
            let mut sharded = ShardedMap::<V8>::build(&build).unwrap();
            let mut unsharded = new_map::<V8>(&build);
            for k in 0..KEYS as u64 {
                let k = key(k, scrambled);
                sharded.insert(k, V8::new(k, 0));
                unsharded.insert(k, V8::new(k, 0));
            }
            assert_eq!(unsharded.stats().b, SHARD_B + 3);
            let reference = unsharded.probe_stats();
            let shards = sharded.shard_probe_stats(SHARD_B);
            like_unsharded(&shards, &reference).unwrap();

            // Counter-example: a shard receiving the keys whose bucket in it has its low 3
            // bits 0, as a shard chosen from the bits that pick buckets would.
            let per_shard = Build {
                capacity: KEYS / N,
                ..build
            };
            let mut correlated = new_map::<V8>(&per_shard);
            let seed = correlated.stats().seed;
            let h = hasher(build.seed);
            let mut k = 0u64;
            while correlated.len() < KEYS / N {
                let kk = key(k, scrambled);
                if evacmap_fold(h.hash_one(kk) ^ seed).is_multiple_of(N as u64) {
                    correlated.insert(kk, V8::new(kk, 0));
                }
                k += 1;
            }
            assert_eq!(correlated.stats().b, SHARD_B);
            let skewed = correlated.probe_stats();
            assert!(like_unsharded(&[skewed], &reference).is_err(), "{skewed:?}");
            assert!(skewed.hit_probe > 4.0 * reference.hit_probe, "{skewed:?}");
        }
    }

    /// Readers running through a sweep never miss a kept key, and see no doomed key once the
    /// sweep has returned; a writer inserting kept keys meanwhile loses none.
    #[test]
    fn readers_and_writer_during_sweep() {
        const N: u64 = 2000;
        let mut m = with_shards::<V8>(4, N as usize);
        for k in 0..N {
            m.insert(k, V8::new(k, 0));
        }
        let done = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(3));
        let reader = {
            let (mut h, done, start) = (m.handle(), done.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                loop {
                    let finished = done.load(Ordering::Acquire);
                    for k in (0..N).step_by(2) {
                        assert_eq!(h.get(k), Some(check_word(k, 0)), "kept key {k} missing");
                    }
                    if finished {
                        for k in (1..N).step_by(2) {
                            assert_eq!(h.get(k), None, "doomed key {k} visible after sweep");
                        }
                        return;
                    }
                }
            })
        };
        let writer = {
            let (mut h, start) = (m.handle(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for k in (N..2 * N).step_by(2) {
                    assert!(h.insert(k, V8::new(k, 0)));
                }
            })
        };
        start.wait();
        let s = m.sweep(|k, _| k % 2 == 1);
        done.store(true, Ordering::Release);
        assert_eq!(s.removed, (N / 2) as usize);
        reader.join().unwrap();
        writer.join().unwrap();
        for k in (0..2 * N).step_by(2) {
            assert_eq!(m.get(k), Some(check_word(k, 0)), "kept key {k} lost");
        }
        assert_eq!(m.len(), N as usize);
    }

    /// A traversal racing with removes and inserts yields no entry twice and every entry
    /// present throughout.
    #[test]
    fn traversal_is_weakly_consistent() {
        const N: u64 = 4000;
        let mut m = with_shards::<V8>(8, N as usize);
        for k in 0..N {
            m.insert(k, V8::new(k, 0));
        }
        let start = Arc::new(Barrier::new(2));
        let writer = {
            let (mut h, start) = (m.handle(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                // Keys 0..N/2 come and go; keys N/2..N stay throughout; keys N.. are new.
                for k in 0..N / 2 {
                    h.remove(k);
                    h.insert(N + k, V8::new(N + k, 0));
                    h.insert(k, V8::new(k, 1));
                }
            })
        };
        start.wait();
        let mut seen = HashSet::new();
        let n = m.traverse(|k, _| assert!(seen.insert(k), "key {k} yielded twice"));
        writer.join().unwrap();
        assert_eq!(n, seen.len());
        for k in N / 2..N {
            assert!(
                seen.contains(&k),
                "key {k}, present throughout, not yielded"
            );
        }
        assert!(
            seen.iter().all(|&k| k < N + N / 2),
            "a never-inserted key was yielded"
        );
    }
}
