//! hashbrown, the SwissTable behind std's `HashMap`, used directly and single-threaded.
//!
//! # The problem
//! Rust's borrow rules forbid calling `remove` inside `for (k, v) in map.iter()`, and since
//! hashbrown 0.15 made `RawTable` private, the old `iter()` + `erase()` pattern is gone too.
//! What is left for "delete what a predicate dooms while walking the map" is `retain` (keep or
//! drop each entry in one pass) and `extract_if` (the same pass, handing each removed pair to
//! the caller). Both scan the control bytes a SIMD group at a time, so their cost is
//! O(buckets), not O(len): a sparse table costs as much as a full one. An erased slot becomes
//! EMPTY when its probe window still holds an EMPTY byte, otherwise a DELETED tombstone, and
//! hashbrown never shrinks on its own: memory only comes back through `shrink_to_fit`.
//!
//! # The contenders
//! * [`HashbrownRetain`] (`hashbrown-retain`): [`hashbrown::HashMap::retain`].
//! * [`HashbrownExtractIf`] (`hashbrown-extract-if`): [`hashbrown::HashMap::extract_if`],
//!   dropping (and counting) what it yields.
//!
//! Both report their memory exactly with hashbrown's `allocation_size()`.
//!
//! This module also holds `table_bytes` and `buckets_for_full_capacity`, the layout
//! arithmetic the std and indexmap adapters use to estimate the size of their (inaccessible)
//! hashbrown tables.

use core::mem::{align_of, size_of};

use hashbrown::HashMap;

use crate::build::{hasher, Build, BuildError, Hasher};
use crate::contender::{Consistency, Contender, Info, Memory, Ops, Origin, ReaderBlocking, Sweep};
use crate::value::{Key, Value};

/// Control bytes hashbrown loads per SIMD group: 16 with SSE2 on x86 (always the case on
/// x86_64), 8 for the NEON and generic (one `u64`) implementations (`src/control/group`).
pub(crate) const GROUP_WIDTH: usize = if cfg!(all(
    target_feature = "sse2",
    any(target_arch = "x86", target_arch = "x86_64"),
    not(miri)
)) {
    16
} else {
    8
};

/// Bytes of the single allocation of a hashbrown table of `buckets` buckets holding `T`.
///
/// hashbrown 0.17 (`TableLayout::calculate_layout_for`): the `buckets` slots of `T`, padded to
/// `ctrl_align = max(align_of::<T>(), GROUP_WIDTH)`, then one control byte per bucket plus
/// `GROUP_WIDTH` trailing control bytes (a replica of the first group, so a group load never
/// wraps). An unallocated table (`buckets == 0`) holds no heap memory.
pub(crate) fn table_bytes<T>(buckets: usize) -> usize {
    if buckets == 0 {
        return 0;
    }
    let ctrl_align = align_of::<T>().max(GROUP_WIDTH);
    let ctrl_offset = (size_of::<T>() * buckets).next_multiple_of(ctrl_align);
    ctrl_offset + buckets + GROUP_WIDTH
}

/// The bucket count of a hashbrown table whose capacity, with no tombstones, is `capacity`.
///
/// The inverse of hashbrown's `bucket_mask_to_capacity`: tables of up to 8 buckets keep one
/// bucket empty (capacity = buckets - 1), larger ones keep an eighth empty (capacity =
/// buckets * 7/8). Rounding up to a power of two makes any capacity in between map to the
/// table that holds it.
pub(crate) fn buckets_for_full_capacity(capacity: usize) -> usize {
    match capacity {
        0 => 0,
        1..=7 => (capacity + 1).next_power_of_two(),
        _ => (capacity * 8).div_ceil(7).next_power_of_two(),
    }
}

/// The hashbrown map both contenders store.
type Map<V> = HashMap<Key, V, Hasher>;

fn new_map<V>(build: &Build) -> Map<V> {
    HashMap::with_capacity_and_hasher(build.capacity, hasher(build.seed))
}

macro_rules! hashbrown_ops {
    ($ty:ident) => {
        impl<V: Value> Ops<V> for $ty<V> {
            #[inline]
            fn insert(&mut self, key: Key, value: V) -> bool {
                self.map.insert(key, value).is_none()
            }

            #[inline]
            fn get(&mut self, key: Key) -> Option<u64> {
                self.map.get(&key).map(Value::check)
            }

            #[inline]
            fn remove(&mut self, key: Key) -> bool {
                self.map.remove(&key).is_some()
            }

            fn sweep<F>(&mut self, doomed: F) -> Sweep
            where
                F: FnMut(Key, &V) -> bool,
            {
                self.sweep_impl(doomed)
            }

            fn traverse<F>(&mut self, mut f: F) -> usize
            where
                F: FnMut(Key, &V),
            {
                let mut n = 0;
                for (k, v) in &self.map {
                    f(*k, v);
                    n += 1;
                }
                n
            }

            fn len(&mut self) -> usize {
                self.map.len()
            }

            /// Exact: hashbrown's `allocation_size()` is the size of the table's one
            /// allocation (slots and control bytes); tombstones are part of it, not extra.
            fn memory(&mut self) -> Memory {
                Memory {
                    heap_bytes: self.map.allocation_size(),
                    garbage_bytes: 0,
                    exact: true,
                    garbage_known: true,
                }
            }

            fn shrink(&mut self) -> bool {
                self.map.shrink_to_fit();
                true
            }
        }
    };
}

/// hashbrown's `HashMap` swept with `retain`.
#[derive(Debug)]
pub struct HashbrownRetain<V> {
    map: Map<V>,
}

impl<V: Value> HashbrownRetain<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut sweep = Sweep::default();
        self.map.retain(|k, v| sweep.keep(doomed(*k, v)));
        sweep
    }
}

hashbrown_ops!(HashbrownRetain);

impl<V: Value> Contender<V> for HashbrownRetain<V> {
    const INFO: Info = Info {
        name: "hashbrown-retain",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none; erased slots become EMPTY or DELETED tombstones and the table \
                       never shrinks on its own (only `shrink_to_fit`)",
        choose_when: "single-threaded code whose removal decision fits in a predicate: the \
                      baseline SwissTable, but the pass costs O(buckets) even when few are live",
        how: "`HashMap::retain`: one SIMD scan of the control bytes, erasing rejected buckets in \
              place",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(HashbrownRetain {
            map: new_map(build),
        })
    }
}

/// hashbrown's `HashMap` swept with `extract_if`, dropping each removed pair.
#[derive(Debug)]
pub struct HashbrownExtractIf<V> {
    map: Map<V>,
}

impl<V: Value> HashbrownExtractIf<V> {
    fn sweep_impl<F: FnMut(Key, &V) -> bool>(&mut self, mut doomed: F) -> Sweep {
        let mut visited = 0;
        let removed = self
            .map
            .extract_if(|k, v| {
                visited += 1;
                doomed(*k, v)
            })
            .count();
        Sweep { visited, removed }
    }
}

hashbrown_ops!(HashbrownExtractIf);

impl<V: Value> Contender<V> for HashbrownExtractIf<V> {
    const INFO: Info = Info {
        name: "hashbrown-extract-if",
        origin: Origin::Peer,
        shared: false,
        consistency: Consistency::Exclusive,
        readers_block: ReaderBlocking::NotShared,
        keeps_order: false,
        during_sweep: "n/a: the sweeping thread owns the map",
        extra_memory: "none (each removed pair is moved out and dropped at once); tombstones as \
                       `retain`, no automatic shrink",
        choose_when: "single-threaded code that needs the removed entries (to log, re-queue or \
                      release them), not just their removal",
        how: "`HashMap::extract_if`: the same scan as `retain`, yielding each removed pair to the \
              caller",
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        build.validate()?;
        Ok(HashbrownExtractIf {
            map: new_map(build),
        })
    }
}

/// Checks every peer adapter's tests share: the return values of the operations, sweep counts
/// and contents, memory sanity, and (for shared contenders) readers and writers running during
/// a sweep.
#[cfg(test)]
pub(crate) mod checks {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Barrier;

    use crate::contender::{Contender, Ops, Shared, Sweep};
    use crate::value::{check_word, Key, Value};
    use crate::Build;

    /// The doom predicate of these checks: every third key.
    pub(crate) fn doomed(k: Key) -> bool {
        k.is_multiple_of(3)
    }

    fn build<V: Value, C: Contender<V>>(capacity: usize) -> C {
        C::build(&Build::with_capacity(capacity)).expect("valid build")
    }

    /// The keys `traverse` yields, asserting none is yielded twice and each value is the one
    /// written for its key at version 0.
    pub(crate) fn traversed<V: Value, O: Ops<V>>(m: &mut O) -> BTreeSet<Key> {
        let mut seen = BTreeSet::new();
        let n = m.traverse(|k, v| {
            assert_eq!(v.check(), check_word(k, 0), "value of key {k}");
            assert!(seen.insert(k), "key {k} traversed twice");
        });
        assert_eq!(n, seen.len(), "traverse's count");
        seen
    }

    /// insert / get / remove report what happened, at capacity 0 (growth) and presized.
    pub(crate) fn ops_round_trip<V: Value, C: Contender<V>>() {
        for capacity in [0, 64] {
            let mut m: C = build(capacity);
            assert!(m.is_empty());
            assert_eq!(m.get(7), None);
            assert!(m.insert(7, V::new(7, 0)), "a new key");
            assert!(!m.insert(7, V::new(7, 1)), "an overwrite");
            assert_eq!(m.get(7), Some(check_word(7, 1)), "the overwritten value");
            assert_eq!(m.len(), 1);
            assert!(m.remove(7));
            assert!(!m.remove(7), "already removed");
            assert_eq!(m.get(7), None);
            assert!(m.is_empty());
            for k in 0..200 {
                assert!(m.insert(k, V::new(k, 0)));
            }
            assert_eq!(m.len(), 200);
            for k in 0..200 {
                assert_eq!(m.get(k), Some(check_word(k, 0)), "key {k}");
            }
            assert_eq!(m.get(200), None);
        }
    }

    /// A sweep visits every entry once, removes exactly the doomed ones, and leaves the map
    /// holding exactly the survivors; a second sweep finds nothing to remove.
    pub(crate) fn sweep_counts<V: Value, C: Contender<V>>() {
        let n: Key = 3_000;
        for capacity in [0, n as usize] {
            let mut m: C = build(capacity);
            for k in 0..n {
                m.insert(k, V::new(k, 0));
            }
            let doomed_count = (0..n).filter(|&k| doomed(k)).count();
            let mut seen = BTreeSet::new();
            let sweep = m.sweep(|k, v| {
                assert_eq!(v.check(), check_word(k, 0), "value of key {k}");
                // A doomed entry may be judged again right before its removal (the contract
                // of `Ops::sweep`); a kept one is judged once.
                assert!(seen.insert(k) || doomed(k), "kept key {k} visited twice");
                doomed(k)
            });
            assert_eq!(
                sweep,
                Sweep {
                    visited: n as usize,
                    removed: doomed_count
                }
            );
            assert_eq!(seen.len(), n as usize, "every entry visited");
            assert_eq!(m.len(), n as usize - doomed_count);
            for k in 0..n {
                let want = (!doomed(k)).then(|| check_word(k, 0));
                assert_eq!(m.get(k), want, "key {k} after the sweep");
            }
            let survivors: BTreeSet<Key> = (0..n).filter(|&k| !doomed(k)).collect();
            assert_eq!(traversed(&mut m), survivors);
            let again = m.sweep(|k, _| doomed(k));
            assert_eq!(again.visited, survivors.len());
            assert_eq!(again.removed, 0);
            // Dooming everything empties the map.
            let all = m.sweep(|_, _| true);
            assert_eq!(all.removed, survivors.len());
            assert!(m.is_empty());
            assert!(traversed(&mut m).is_empty());
        }
    }

    /// `memory()` covers at least the live keys and values and does not drop while entries are
    /// only added.
    pub(crate) fn memory_sanity<V: Value, C: Contender<V>>() {
        let entry = 8 + V::BYTES;
        let mut m: C = build(0);
        let mut last = m.memory().heap_bytes;
        for k in 0..5_000 {
            m.insert(k, V::new(k, 0));
            if k % 97 == 0 {
                let mem = m.memory();
                assert!(mem.heap_bytes >= m.len() * entry, "{mem:?} for {}", m.len());
                assert!(mem.heap_bytes >= last, "{mem:?} fell below {last}");
                assert!(mem.garbage_bytes <= mem.heap_bytes);
                last = mem.heap_bytes;
            }
        }
        m.sweep(|k, _| doomed(k));
        let mem = m.memory();
        assert!(mem.heap_bytes >= m.len() * entry, "{mem:?} after the sweep");
        assert!(mem.garbage_bytes <= mem.heap_bytes);
        let mut empty: C = build(0);
        let mut presized: C = build(5_000);
        assert!(
            presized.memory().heap_bytes > empty.memory().heap_bytes,
            "a map presized for 5000 entries holds its table: {:?} vs {:?}",
            presized.memory(),
            empty.memory()
        );
    }

    /// While one thread sweeps (repeatedly: doomed keys are reinserted between rounds), a
    /// reader never misses a non-doomed key nor finds a key never inserted, and a writer
    /// inserting non-doomed keys loses none of them.
    pub(crate) fn concurrent_sweep<V: Value, C: Shared<V>>() {
        const N: Key = 2_000;
        const ROUNDS: usize = 6;
        let map: C = build(N as usize);
        let mut h = map.handle();
        for k in 0..N {
            h.insert(k, V::new(k, 0));
        }
        let done = AtomicBool::new(false);
        let start = Barrier::new(3);
        // The writer's keys: above N, never doomed.
        let written: Vec<Key> = (N..2 * N).filter(|&k| !doomed(k)).collect();
        std::thread::scope(|s| {
            let mut sweeper = map.handle();
            let (start, done) = (&start, &done);
            s.spawn(move || {
                start.wait();
                for _ in 0..ROUNDS {
                    let sweep = sweeper.sweep(|k, _| k < N && doomed(k));
                    assert!(sweep.removed <= sweep.visited);
                    for k in (0..N).filter(|&k| doomed(k)) {
                        sweeper.insert(k, V::new(k, 0));
                    }
                }
                let last = sweeper.sweep(|k, _| k < N && doomed(k));
                assert_eq!(last.removed, (0..N).filter(|&k| doomed(k)).count());
                done.store(true, Ordering::Release);
            });
            let mut reader = map.handle();
            s.spawn(move || {
                start.wait();
                let mut rounds = 0_u64;
                while !done.load(Ordering::Acquire) || rounds == 0 {
                    for k in (0..N).filter(|&k| !doomed(k)).step_by(7) {
                        assert_eq!(reader.get(k), Some(check_word(k, 0)), "key {k} missed");
                    }
                    let never = 3 * N + rounds % N;
                    assert_eq!(reader.get(never), None, "never-inserted key {never} seen");
                    rounds += 1;
                }
            });
            let mut writer = map.handle();
            let written = &written;
            s.spawn(move || {
                start.wait();
                for &k in written {
                    assert!(writer.insert(k, V::new(k, 0)), "key {k} was new");
                }
            });
        });
        let mut h = map.handle();
        for &k in &written {
            assert_eq!(h.get(k), Some(check_word(k, 0)), "written key {k} lost");
        }
        for k in (0..N).filter(|&k| doomed(k)) {
            assert_eq!(h.get(k), None, "doomed key {k} after the last sweep");
        }
        let survivors = (0..N).filter(|&k| !doomed(k)).count() + written.len();
        assert_eq!(h.len(), survivors);
        assert_eq!(traversed(&mut h).len(), survivors);
    }

    /// Every check that applies to a single-threaded contender, for both value sizes.
    macro_rules! single_checks {
        ($ty:ident) => {
            #[test]
            fn ops_round_trip() {
                checks::ops_round_trip::<V8, $ty<V8>>();
                checks::ops_round_trip::<V64, $ty<V64>>();
            }

            #[test]
            fn sweep_counts() {
                checks::sweep_counts::<V8, $ty<V8>>();
                checks::sweep_counts::<V64, $ty<V64>>();
            }

            #[test]
            fn memory_sanity() {
                checks::memory_sanity::<V8, $ty<V8>>();
                checks::memory_sanity::<V64, $ty<V64>>();
            }
        };
    }

    /// [`single_checks`] plus the concurrent sweep check.
    macro_rules! shared_checks {
        ($ty:ident) => {
            checks::single_checks!($ty);

            #[test]
            fn concurrent_sweep() {
                checks::concurrent_sweep::<V8, $ty<V8>>();
                checks::concurrent_sweep::<V64, $ty<V64>>();
            }
        };
    }

    pub(crate) use {shared_checks, single_checks};
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{V64, V8};

    mod retain {
        use super::super::checks;
        use super::*;
        checks::single_checks!(HashbrownRetain);
    }

    mod extract_if {
        use super::super::checks;
        use super::*;
        checks::single_checks!(HashbrownExtractIf);
    }

    /// The layout arithmetic reproduces `allocation_size()` exactly, for every table size the
    /// growth sequence goes through, for both entry sizes.
    #[test]
    fn layout_arithmetic_matches_allocation_size() {
        fn check<V: Value>() {
            for capacity in [0, 1, 3, 7, 8, 14, 15, 100, 1000] {
                let mut m: Map<V> = new_map(&Build::with_capacity(capacity));
                for k in 0..3_000 {
                    let buckets = buckets_for_full_capacity(m.capacity());
                    assert_eq!(
                        table_bytes::<(Key, V)>(buckets),
                        m.allocation_size(),
                        "capacity {} ({} entries)",
                        m.capacity(),
                        m.len()
                    );
                    m.insert(k, V::new(k, 0));
                }
            }
        }
        check::<V8>();
        check::<V64>();
    }

    #[test]
    fn extract_if_yields_exactly_the_doomed() {
        let mut m = HashbrownExtractIf::<V8>::build(&Build::with_capacity(100)).unwrap();
        for k in 0..100 {
            m.insert(k, V8::new(k, 0));
        }
        let sweep = m.sweep(|k, _| k >= 90);
        assert_eq!(
            sweep,
            Sweep {
                visited: 100,
                removed: 10
            }
        );
        assert_eq!(m.len(), 90);
        assert_eq!(m.get(95), None);
    }

    #[test]
    fn shrink_gives_memory_back() {
        let mut m = HashbrownRetain::<V64>::build(&Build::with_capacity(0)).unwrap();
        for k in 0..4_096 {
            m.insert(k, V64::new(k, 0));
        }
        let before = m.memory().heap_bytes;
        m.sweep(|k, _| k >= 16);
        assert_eq!(m.memory().heap_bytes, before, "retain keeps the allocation");
        assert!(m.shrink());
        let after = m.memory().heap_bytes;
        assert!(after * 16 < before, "{after} vs {before}");
        assert_eq!(m.len(), 16);
    }

    #[test]
    fn build_rejects_an_invalid_build() {
        let bad = Build {
            shards: Some(0),
            ..Build::default()
        };
        assert_eq!(
            HashbrownRetain::<V8>::build(&bad).unwrap_err(),
            BuildError::ZeroShards
        );
        assert_eq!(
            HashbrownExtractIf::<V8>::build(&bad).unwrap_err(),
            BuildError::ZeroShards
        );
    }
}
